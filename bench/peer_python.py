#!/usr/bin/env python3
"""peer_python.py -- Python benchmark peers for `wmel bench`: openai-whisper's
log_mel_spectrogram() written with numpy (the algorithm as published: reflect pad,
periodic Hann, rfft, |X|^2 without the last frame, Slaney mel, log10, max-8, (x+4)/4),
torch's stft pipeline (as whisper itself runs it) when torch is importable, and
asrfront (PyPI), a native C front-end: its WhisperFrontend object called with a
preallocated output, so each timed call is one call into its C code (the Python call
around it costs about a microsecond).

    peer_python.py numpy|torch|asrfront --seconds S --threads T --reps N --warmup W --n-mels M

prints one JSON line like the FFTW peer, or {"impl": ..., "skipped": "reason"}.
The test signal is the same formula as bench/bench_common.h (float64, rounded to float32).
"""
import argparse
import json
import math
import os
import sys
import time


def signal(np, n):
    # The generator of bench_common.h, vectorised: the LCG noise is a small part of the
    # signal and does not change the timing, so numpy's own generator stands in for it.
    t = np.arange(n, dtype=np.float64) / 16000.0
    f = 1700.0 + 1500.0 * np.sin(2.0 * math.pi * 0.05 * t)
    ph = np.cumsum(2.0 * math.pi * f / 16000.0)
    u = np.random.default_rng(1).random(n) - 0.5
    v = 0.3 * np.sin(ph) + 0.1 * np.sin(2.0 * ph) + 0.02 * u
    v[np.fmod(t, 10.0) > 9.75] = 0.0
    return v.astype(np.float32)


def slaney_filters(np, n_mels, sr=16000, n_fft=400):
    # Slaney's mel scale: linear below 1 kHz, logarithmic above; area-normalised triangles.
    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        lin = f / (200.0 / 3.0)
        logstep = math.log(6.4) / 27.0
        return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) / logstep, lin)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        logstep = math.log(6.4) / 27.0
        return np.where(m >= 15.0, 1000.0 * np.exp(logstep * (m - 15.0)), m * (200.0 / 3.0))

    bins = np.linspace(0.0, sr / 2.0, n_fft // 2 + 1)
    pts = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
    width = np.diff(pts)
    d = pts[:, None] - bins[None, :]
    up = -d[:-2] / width[:-1, None]
    down = d[2:] / width[1:, None]
    w = np.maximum(0.0, np.minimum(up, down)) * (2.0 / (pts[2:] - pts[:-2]))[:, None]
    return w.astype(np.float32)


def torch_log_mel(torch, audio, filters, window, per_clip=False):
    """openai-whisper's log_mel_spectrogram on tensors: stft(400, 160, hann), |.|^2 without
    the last frame, filters @, clamp/log10, max - 8 (one max, or one per clip), (x + 4) / 4."""
    stft = torch.stft(audio, 400, 160, window=window, return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    log_spec = torch.clamp(filters @ magnitudes, min=1e-10).log10()
    mx = log_spec.amax(dim=(-2, -1), keepdim=True) if per_clip else log_spec.max()
    return (torch.maximum(log_spec, mx - 8.0) + 4.0) / 4.0


def numpy_peer(np, x, filt):
    win = (0.5 - 0.5 * np.cos(2.0 * math.pi * np.arange(400) / 400.0)).astype(np.float32)
    xp = np.pad(x, 200, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(xp, 400)[::160]
    spec = np.fft.rfft(frames * win, axis=-1)
    power = (spec[:-1].real ** 2 + spec[:-1].imag ** 2).astype(np.float32)
    mel = filt @ power.T
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("impl", choices=["numpy", "torch", "asrfront"])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--n-mels", type=int, default=80)
    a = ap.parse_args()
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(a.threads)
    try:
        import numpy as np
    except ImportError:
        print(json.dumps({"impl": a.impl, "skipped": "numpy not importable"}))
        return 0
    x = signal(np, int(a.seconds * 16000))
    filt = slaney_filters(np, a.n_mels)
    extra = {}
    if a.impl == "numpy":
        fn = lambda: numpy_peer(np, x, filt)
        version = np.__version__
    elif a.impl == "asrfront":
        try:
            import asrfront
            from asrfront import _ext
        except ImportError:
            print(json.dumps({"impl": "asrfront", "skipped": "asrfront not importable"}))
            return 0
        fe = _ext.WhisperFrontend(n_mels=a.n_mels, pad_or_trim=False, n_threads=a.threads)
        out = np.empty((a.n_mels, fe.out_frames(x.shape[0])), dtype=np.float32)

        def fn():
            fe.log_mel(x, out)

        version = getattr(asrfront, "__version__", "?")
        fn()
        extra["max_abs_diff_vs_numpy"] = float(np.max(np.abs(out - numpy_peer(np, x, filt))))
        extra["kernel_isa"] = _ext.kernel_isa()
    else:
        try:
            import torch
        except ImportError:
            print(json.dumps({"impl": "torch", "skipped": "torch not importable"}))
            return 0
        torch.set_num_threads(a.threads)
        xt = torch.from_numpy(x)
        ft = torch.from_numpy(filt)
        win = torch.hann_window(400)

        def fn():
            return torch_log_mel(torch, xt, ft, win)

        version = torch.__version__
    for _ in range(a.warmup):
        fn()
    ts = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    n = len(ts)
    med = ts[n // 2] if n % 2 else 0.5 * (ts[n // 2 - 1] + ts[n // 2])
    p95 = ts[min(n - 1, max(0, math.ceil(0.95 * n) - 1))]
    print(json.dumps({"impl": a.impl, "version": version, "seconds": a.seconds,
                      "threads": a.threads, "n_mels": a.n_mels, "reps": n,
                      "min_ms": ts[0] * 1e3, "median_ms": med * 1e3, "p95_ms": p95 * 1e3,
                      **extra}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
