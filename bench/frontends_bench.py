#!/usr/bin/env python3
"""frontends_bench.py -- wmel's nemo, kaldi and seamless front-ends against their originals,
side by side in one run: medians of whole-utterance calls, 1 and 2 threads, 30 s and 600 s.

  kaldi     wmel.features("kaldi") vs kaldi-native-fbank (its C++ through the PyPI package:
            accept_waveform of the whole utterance, then every frame), asrfront's Kaldi fbank
            (SenseVoice's fbank_raw: Hamming window, so wmel runs window="hamming" against it),
            torchaudio.compliance.kaldi.fbank (torch CPU)
  nemo      wmel.features("nemo") vs transformers' ParakeetFeatureExtractor (torch CPU) and NeMo's
            AudioToMelSpectrogramPreprocessor (torch CPU, dither 0)
  seamless  wmel.features("seamless") vs transformers' SeamlessM4TFeatureExtractor (numpy)

Each peer is skipped, with the reason printed, where it is not installed (NeMo's preprocessor
needs nemo_toolkit[asr], which pulls in a training stack; `make bench` does not install it).
torch peers run with
torch.set_num_threads(threads); kaldi-native-fbank and transformers' Seamless have no threads.
Prints the CPU model, /proc/loadavg before and after, the versions, and a Markdown table of wall
and process CPU time (on a shared machine the CPU time of a one-thread call is the figure that
waiting for a core does not inflate; with threads it sums them).

    python bench/frontends_bench.py [--seconds 30 600] [--threads 1 2] [--budget 3]
"""
import argparse
import importlib.util
import math
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np


def signal(n):
    """The bench signal of bench/peer_python.py: a sweeping tone pair with a little noise and
    a quarter second of silence every 10 s."""
    t = np.arange(n, dtype=np.float64) / 16000.0
    f = 1700.0 + 1500.0 * np.sin(2.0 * math.pi * 0.05 * t)
    ph = np.cumsum(2.0 * math.pi * f / 16000.0)
    u = np.random.default_rng(1).random(n) - 0.5
    v = 0.3 * np.sin(ph) + 0.1 * np.sin(2.0 * ph) + 0.02 * u
    v[np.fmod(t, 10.0) > 9.75] = 0.0
    return v.astype(np.float32)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def have(mod):
    try:
        return importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        return False


def median_ms(fn, budget_s, min_reps=3, max_reps=15):
    """Medians of whole calls (one untimed warm-up), at least min_reps, then until budget_s;
    a peer slower than 2 s a call gets 2 timed calls (the machine is shared). Returns
    (wall ms, CPU ms of this process: all its threads, unaffected by waiting for a core, calls)."""
    t0 = time.perf_counter()
    fn()
    if time.perf_counter() - t0 > 2.0:
        min_reps = 2
    ts, cs = [], []
    start = time.perf_counter()
    while len(ts) < max_reps and (len(ts) < min_reps or time.perf_counter() - start < budget_s):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return 1000.0 * statistics.median(ts), 1000.0 * statistics.median(cs), len(ts)


def peers(x, threads):
    """(frontend, name, callable or skip reason) for one clip and thread count."""
    import wmel
    out = []
    out.append(("kaldi", "wmel", lambda: wmel.features(x, "kaldi", 80, threads=threads)))
    if have("kaldi_native_fbank"):
        import kaldi_native_fbank as knf

        def knf_run():
            o = knf.FbankOptions()
            o.frame_opts.dither = 0.0
            o.mel_opts.num_bins = 80
            f = knf.OnlineFbank(o)
            f.accept_waveform(16000, x * 32768.0)
            f.input_finished()
            return [f.get_frame(i) for i in range(f.num_frames_ready)]
        out.append(("kaldi", "kaldi-native-fbank", knf_run))
    else:
        out.append(("kaldi", "kaldi-native-fbank", "not installed"))
    if have("asrfront"):
        from asrfront import _ext
        fr = _ext.SenseVoiceFrontend(n_mels=80, lfr_m=1, lfr_n=1, n_threads=threads)
        out.append(("kaldi", "wmel (hamming)",
                    lambda: wmel.features(x, "kaldi", 80, window="hamming", threads=threads)))
        out.append(("kaldi", "asrfront fbank (hamming)", lambda: fr.fbank_raw(x)))
    else:
        out.append(("kaldi", "asrfront fbank (hamming)", "not installed"))
    torch = None
    if have("torch"):
        import torch
        torch.set_num_threads(threads)
    if torch is not None and have("torchaudio"):
        from torchaudio.compliance import kaldi as ta
        tx = torch.from_numpy(x * np.float32(32768))[None, :]
        out.append(("kaldi", "torchaudio kaldi.fbank",
                    lambda: ta.fbank(tx, num_mel_bins=80, dither=0.0, energy_floor=0.0)))
    else:
        out.append(("kaldi", "torchaudio kaldi.fbank", "torch/torchaudio not installed"))
    out.append(("nemo", "wmel", lambda: wmel.features(x, "nemo", 80, threads=threads)))
    if torch is not None and have("transformers"):
        from transformers import ParakeetFeatureExtractor
        pk = ParakeetFeatureExtractor()
        out.append(("nemo", "transformers Parakeet", lambda: pk(x, sampling_rate=16000)))
    else:
        out.append(("nemo", "transformers Parakeet", "needs transformers and torch"))
    if torch is not None and have("nemo.collections.asr"):
        from nemo.collections.asr.modules import AudioToMelSpectrogramPreprocessor
        pre = AudioToMelSpectrogramPreprocessor(sample_rate=16000, normalize="per_feature", window_size=0.025,
                                                window_stride=0.01, window="hann", features=80, n_fft=512,
                                                dither=0.0, pad_to=0, frame_splicing=1)
        pre.eval()
        nx, nl = torch.from_numpy(x)[None, :], torch.tensor([len(x)])

        def nemo_run():
            with torch.no_grad():
                return pre(input_signal=nx, length=nl)
        out.append(("nemo", "NeMo preprocessor", nemo_run))
    else:
        out.append(("nemo", "NeMo preprocessor", "nemo_toolkit[asr] not installed"))
    out.append(("seamless", "wmel", lambda: wmel.features(x, "seamless", threads=threads)))
    if have("transformers"):
        from transformers import SeamlessM4TFeatureExtractor
        sm = SeamlessM4TFeatureExtractor()
        out.append(("seamless", "transformers SeamlessM4T", lambda: sm(x, sampling_rate=16000)))
    else:
        out.append(("seamless", "transformers SeamlessM4T", "not installed"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, nargs="+", default=[30.0, 600.0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--budget", type=float, default=3.0, help="seconds of timing per row (after 3 calls)")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    import wmel
    print(f"cpu: {cpu_model()} ({os.cpu_count()} logical cores)")
    print(f"loadavg before: {loadavg()}")
    print(f"wmel's level: {os.environ.get('WMEL_MAX_ISA') or 'auto'} (WMEL_MAX_ISA caps it)")
    vers = [f"wmel {wmel.version()}", f"numpy {np.__version__}"]
    for m in ("kaldi_native_fbank", "asrfront", "torch", "torchaudio", "transformers", "nemo"):
        if have(m) and (m != "nemo" or have("nemo.collections.asr")):
            mod = __import__(m)
            vers.append(f"{m} {getattr(mod, '__version__', '?')}")
    print("versions: " + ", ".join(vers))
    rows = []
    for secs in a.seconds:
        x = signal(int(secs * 16000))
        for threads in a.threads:
            base = {}
            for fe, name, fn in peers(x, threads):
                if isinstance(fn, str):
                    rows.append((fe, secs, threads, name, None, None, fn, None, None))
                    continue
                ms, cpu, reps = median_ms(fn, a.budget)
                if name.startswith("wmel"):
                    base[(fe, name)] = (ms, cpu)
                ref = base.get((fe, "wmel (hamming)" if "hamming" in name else "wmel"))
                mine = name.startswith("wmel")
                rows.append((fe, secs, threads, name, ms, cpu, reps, None if mine else ms / ref[0],
                             None if mine else cpu / ref[1]))
                print(f"  {fe:8s} {secs:5.0f} s  {threads} thr  {name:28s} {ms:10.2f} ms wall "
                      f"{cpu:10.2f} ms CPU  ({reps} calls)", flush=True)
    print(f"loadavg after: {loadavg()}")
    print()
    print("| front-end | audio | threads | implementation | wall ms | CPU ms | wmel N x (wall) | wmel N x (CPU) |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for fe, secs, threads, name, ms, cpu, reps, ratio, cratio in rows:
        if ms is None:
            print(f"| {fe} | {secs:.0f} s | {threads} | {name} | skipped: {reps} | | | |")
        else:
            r = "" if ratio is None else f"{ratio:.1f}"
            c = "" if cratio is None else f"{cratio:.1f}"
            print(f"| {fe} | {secs:.0f} s | {threads} | {name} | {ms:.2f} | {cpu:.2f} | {r} | {c} |")
    for fe in ("kaldi", "nemo", "seamless"):
        for secs in a.seconds:
            one = [r[4] for r in rows if r[0] == fe and r[1] == secs and r[2] == 1 and r[3] == "wmel"]
            two = [r[4] for r in rows if r[0] == fe and r[1] == secs and r[2] == 2 and r[3] == "wmel"]
            if one and two and one[0] and two[0]:
                print(f"{fe} {secs:.0f} s: 2 threads / 1 thread speed-up {one[0] / two[0]:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
