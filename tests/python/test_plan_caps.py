"""test_plan_caps.py -- the plan's capabilities through wmel.features(..., **options) and
frontend_plan(): the HTK and TF (mel-space) banks, empty filters, the magnitude guard, the
whole normalisation with a fixed max, the population / mean-only / all-features statistics, the
affine with a fixed frame count, the bfloat16 bank and window, the Blackman and Bartlett windows.

Each is held to a float64 numpy oracle written here from its original's code (transformers 5.23,
torchaudio, NeMo, WeSpeaker, TensorFlow), within 2e-5 x max(1, |oracle|), and to the original
itself where it is installed and needs no torch: transformers' Gemma3nAudioFeatureExtractor (HTK
bank, magnitude, 512-sample frames in a 1024-point transform) and LASR's bank function (TF's). The
torch / torchaudio originals (LASR's extractor, Speech2Text, AST, GraniteSpeech, Voxtral realtime,
Nemotron) skip cleanly without them. `python tests/python/test_plan_caps.py` prints every error.
"""
import importlib.util
import json
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fe_inputs as FI  # noqa: E402

wmel = pytest.importorskip("wmel")
from wmel import _feref, _wmel  # noqa: E402

FLT_EPS = 2.0 ** -23
TOL = 2e-5


def _have(mod):
    return importlib.util.find_spec(mod) is not None


def _clips():
    """(name, float32 samples): a chirp, full-scale noise, silence, edge lengths, a golden."""
    rng = np.random.default_rng(7)
    t = np.arange(24000) / 16000.0
    chirp = (0.3 * np.sin(2 * np.pi * (200 + 1500 * t) * t) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)
    out = [("chirp", chirp), ("noise", rng.uniform(-1, 1, 16000).astype(np.float32)),
           ("silence", np.zeros(8000, np.float32))]
    for n in (401, 513, 1024, 1600):
        out.append((f"len{n}", chirp[:n].copy()))
    names = FI.golden_names()
    if names:
        out.append((names[0], FI.golden_audio(names[0], max_seconds=3)))
    return out


_SEEN = {}  # the largest error each test measured (printed by running this file)


def _err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    e = float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))) if a.size else 0.0
    name = sys._getframe(1).f_code.co_name
    _SEEN[name] = max(_SEEN.get(name, 0.0), e)
    return e


def _run(plan, x):
    ctx = _wmel.Ctx(plan=plan, backend=_wmel.BACKEND_CPU, n_threads=2)
    rows, cols = ctx.features_shape(x.size)
    out = np.empty((rows, cols), np.float32)
    ctx.features(np.ascontiguousarray(x, np.float32), out)
    return out


# ---- oracles (float64, from the originals' code) ------------------------------------------

def _frames_snip(x, fl, hop):
    n = 0 if x.size < fl else 1 + (x.size - fl) // hop
    idx = np.arange(fl)[None, :] + hop * np.arange(n)[:, None]
    return x[idx] if n else np.zeros((0, fl))


def _frames_kaldi_center(x, fl, hop):
    """Kaldi's snip_edges=false frames (feature-window.cc): (n + hop // 2) // hop frames, frame t
    from sample t hop + hop // 2 - fl // 2, an index outside [0, n) reflected step by step
    (-s - 1 before the start, 2 n - 1 - s past the end) until inside."""
    n = x.size
    nf = (n + hop // 2) // hop
    out = np.zeros((nf, fl))
    for t in range(nf):
        first = t * hop + hop // 2 - fl // 2
        for j in range(fl):
            s = first + j
            while s < 0 or s >= n:
                s = -s - 1 if s < 0 else 2 * n - 1 - s
            out[t, j] = x[s]
    return out


def _frames_center(x, n_fft, hop, mode):
    """torch.stft(center=True) frames of n_fft samples."""
    p = n_fft // 2
    xp = np.pad(x, p, mode="reflect" if mode == "reflect" else "constant")
    n = 1 + x.size // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    return xp[idx]


def _win(kind, n, a=0.42):
    i = np.arange(n, dtype=np.float64)
    c = 2 * np.pi * i / (n - 1)
    return {"hann": 0.5 - 0.5 * np.cos(c), "hann_p": 0.5 - 0.5 * np.cos(2 * np.pi * i / n),
            "hamming": 0.54 - 0.46 * np.cos(c), "povey": (0.5 - 0.5 * np.cos(c)) ** 0.85,
            "blackman": a - 0.5 * np.cos(c) + (0.5 - a) * np.cos(2 * c),  # Kaldi, torch.blackman_window
            "bartlett": 1 - np.abs(2 * i / (n - 1) - 1),
            # torch's periodic windows (periodic=True): denominator n
            "hamming_periodic": 0.54 - 0.46 * np.cos(2 * np.pi * i / n),
            "blackman_periodic": a - 0.5 * np.cos(2 * np.pi * i / n) + (0.5 - a) * np.cos(4 * np.pi * i / n),
            "bartlett_periodic": 1 - np.abs(2 * i / n - 1)}[kind]


def htk_bank(n_mels, n_fft, sr, lo, hi, norm=None):
    """torchaudio.functional.melscale_fbanks(mel_scale="htk") / transformers mel_filter_bank(htk):
    triangles in Hz between points equally spaced on 2595 log10(1 + f / 700); (n_bins, n_mels)."""
    all_f = np.linspace(0, sr // 2, n_fft // 2 + 1)
    m = np.linspace(2595 * np.log10(1 + lo / 700), 2595 * np.log10(1 + hi / 700), n_mels + 2)
    f = 700 * (10 ** (m / 2595) - 1)
    slopes = f[None, :] - all_f[:, None]
    down = -slopes[:, :-2] / np.diff(f)[:-1]
    up = slopes[:, 2:] / np.diff(f)[1:]
    fb = np.maximum(0, np.minimum(down, up))
    if norm == "slaney":
        fb *= 2.0 / (f[2:n_mels + 2] - f[:n_mels])
    return fb


def tf_bank(n_mels, n_bins, sr, lo, hi):
    """TensorFlow's linear_to_mel_weight_matrix (LASR): 1127 ln(1 + f / 700), triangles in mel,
    bin 0 zeroed, the Nyquist bin kept; (n_bins, n_mels)."""
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f, np.float64) / 700.0)  # noqa: E731
    bins = mel(np.linspace(0.0, sr / 2.0, n_bins)[1:])[:, None]
    e = np.linspace(mel(lo), mel(hi), n_mels + 2)
    w = np.maximum(0.0, np.minimum((bins - e[None, :-2]) / (e[None, 1:-1] - e[None, :-2]),
                                   (e[None, 2:] - bins) / (e[None, 2:] - e[None, 1:-1])))
    return np.pad(w, [[1, 0], [0, 0]])


def kaldi_bank(n_mels, n_fft=512, sr=16000, lo=20.0, hi=8000.0):
    """torchaudio.compliance.kaldi.get_mel_banks / Kaldi MelBanks: bins 0 .. n_fft/2 - 1 (the Nyquist
    weight 0), empty filters kept as zero rows; (n_bins, n_mels)."""
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f, np.float64) / 700.0)  # noqa: E731
    ml, mh = mel(lo), mel(hi)
    d = (mh - ml) / (n_mels + 1)
    mk = mel(np.arange(n_fft // 2) * sr / n_fft)[:, None]
    left = ml + d * np.arange(n_mels)[None, :]
    c, right = left + d, left + 2 * d
    w = np.maximum(0.0, np.minimum((mk - left) / (c - left), (right - mk) / (right - c)))
    return np.pad(w, [[0, 1], [0, 0]])


def kaldi_fbank(x, n_mels, window="povey", scale=32768.0, snip_edges=True, hi=8000.0):
    """torchaudio.compliance.kaldi.fbank (dither 0, snip_edges, DC removal, pre-emphasis 0.97 per
    frame, 512-point power, ln(max(m, FLT_EPSILON))): (frames, n_mels); snip_edges False: Kaldi's
    reflected framing (_frames_kaldi_center)."""
    xs = x.astype(np.float64) * scale
    f = _frames_snip(xs, 400, 160) if snip_edges else _frames_kaldi_center(xs, 400, 160)
    f = f - f.mean(axis=1, keepdims=True)
    f = np.concatenate([f[:, :1] * (1 - 0.97), f[:, 1:] - 0.97 * f[:, :-1]], axis=1)
    s = np.fft.rfft(f * _win(window, 400), n=512, axis=1)
    return np.log(np.maximum((s.real ** 2 + s.imag ** 2) @ kaldi_bank(n_mels, hi=hi), FLT_EPS))


def bf16(v):
    """float32, then bfloat16 (round to nearest even): torch's .to(torch.bfloat16)."""
    u = np.asarray(v, np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return u.view(np.float32).astype(np.float64)


def nemo_logmel(x, n_mels, window="hann", bank_bf16=False):
    """NeMo / transformers Parakeet before the normalisation: pre-emphasis 0.97 on the signal,
    centre-zero STFT 512 with the 400-sample window centred, |X|^2, Slaney bank, ln(m + 2^-24);
    (n_mels, frames), frames >= n // 160 zero."""
    x = x.astype(np.float64)
    y = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    w = _win(window, 400)
    if bank_bf16:
        w = bf16(w)
    wp = np.pad(w, 56)
    fr = _frames_center(y, 512, 160, "constant")
    s = np.fft.rfft(fr * wp, axis=1)
    from wmel._npref import slaney_mel_filters
    bank = slaney_mel_filters(16000, 512, n_mels)  # librosa's (slaney/slaney), 0 .. 8000
    if bank_bf16:
        bank = bf16(bank)
    lm = np.log((s.real ** 2 + s.imag ** 2) @ bank.T + 2.0 ** -24).T
    lm[:, x.size // 160:] = 0.0
    return lm


# ---- the capabilities ------------------------------------------------------------------------

def test_htk_granite_oracle():
    """GraniteSpeech's torchaudio MelSpectrogram (n_fft 512, Hann-P 400 centred, reflect, HTK
    no-norm 0..8000, 80 mels), log10(clamp 1e-10), max - 8, / 4 + 1: HTK's Hz triangles."""
    plan = wmel.frontend_plan("nemo", 80, mel_scale="htk", mel_norm="none", log_guard=1e-10)
    plan.update(window=_wmel.WINDOW_HANN_PERIODIC, framing=1, preemph=0.0, log=0, norm=_wmel.NORM_WHOLE,
                valid=0)
    fb = htk_bank(80, 512, 16000, 0.0, 8000.0)
    errs = []
    for name, x in _clips():
        fr = _frames_center(x.astype(np.float64), 512, 160, "reflect")
        s = np.fft.rfft(fr * np.pad(_win("hann_p", 400), 56), axis=1)
        lm = np.log10(np.maximum((s.real ** 2 + s.imag ** 2) @ fb, 1e-10)).T
        want = np.maximum(lm, lm.max() - 8.0) / 4.0 + 1.0
        errs.append(_err(_run(plan, x), want))
    assert max(errs) <= TOL, errs


def _snapped_bank(n_mels, n_fft, sr, lo, hi, htk=True):
    """The classic MFCC bank (python_speech_features get_filterbanks): the mel points as FFT bins
    floor((n_fft + 1) hz / sr), triangles between those integer bins, peak 1; Slaney's points
    with htk False."""
    if htk:
        mel, hz = (lambda f: 2595.0 * np.log10(1.0 + f / 700.0)), (lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0))
    else:  # Slaney's: linear below 1 kHz, log above
        ls = math.log(6.4) / 27.0
        mel = lambda f: np.where(f < 1000, 3 * f / 200.0, 15 + np.log(np.maximum(f, 1e-9) / 1000.0) / ls)  # noqa: E731
        hz = lambda m: np.where(m < 15, 200.0 * m / 3, 1000.0 * np.exp(ls * (m - 15)))  # noqa: E731
    pts = hz(np.linspace(mel(np.float64(lo)), mel(np.float64(hi)), n_mels + 2))
    b = np.floor((n_fft + 1) * pts / sr).astype(int)
    fb = np.zeros((n_fft // 2 + 1, n_mels))
    for m in range(n_mels):
        k = np.arange(b[m], b[m + 1])
        fb[k, m] = (k - b[m]) / (b[m + 1] - b[m])
        k = np.arange(b[m + 1], b[m + 2])
        fb[k, m] = (b[m + 2] - k) / (b[m + 2] - b[m + 1])
    return fb


def test_snap_bins_oracle():
    """snap_bins: python_speech_features' logfbank (26 filters, n_fft 512, 400-sample frames of no
    window, pre-emphasis 0.97 on the whole signal, zeros after the clip up to its last started
    hop, |X|^2 / 512, ln with eps where 0) as the plan: HTK points snapped to bins, scale
    512^-1/2, pad_right hop - 1; and Slaney's points snapped under a Hann window."""
    plan = wmel.frontend_plan("kaldi", 26, window="rect", remove_dc=0, preemph=0.97, preemph_mode="signal",
                              mel_scale="htk", mel_norm="none", snap_bins=True, low_freq=0, high_freq=0,
                              log="ln_clamp", log_guard=float(np.finfo(float).eps), scale=512 ** -0.5,
                              pad_right=159, pad_mode="zero")
    assert plan["bank_flags"] == 16
    fb = _snapped_bank(26, 512, 16000, 0.0, 8000.0)
    errs = []
    for name, x in _clips():
        if x.size < 400:
            continue
        y = x.astype(np.float64)
        y = np.append(y[0], y[1:] - 0.97 * y[:-1])
        nf = 1 + math.ceil((y.size - 400) / 160)
        y = np.concatenate([y, np.zeros((nf - 1) * 160 + 400 - y.size)])
        f = y[np.arange(400)[None, :] + 160 * np.arange(nf)[:, None]]
        p = np.abs(np.fft.rfft(f, 512, axis=1)) ** 2 / 512
        e = p @ fb
        errs.append(_err(_run(plan, x), np.log(np.where(e == 0, np.finfo(float).eps, e))))
    assert max(errs) <= TOL, errs
    plan = wmel.frontend_plan("kaldi", 40, window="hann", remove_dc=0, preemph=0.0, mel_scale="slaney",
                              mel_norm="none", snap_bins=True, low_freq=133.0, high_freq=0, log="ln_clamp",
                              log_guard=1e-10, scale=1, n_fft=512)
    fb = _snapped_bank(40, 512, 16000, 133.0, 8000.0, htk=False)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 399)
    errs = []
    for name, x in _clips():
        f = _frames_snip(x.astype(np.float64), 400, 160)
        if not len(f):
            continue
        p = np.abs(np.fft.rfft(f * w, 512, axis=1)) ** 2
        errs.append(_err(_run(plan, x), np.log(np.maximum(p @ fb, 1e-10))))
    assert max(errs) <= TOL, errs
    # the refusals name the field
    bad = dict(plan, mel_scale=1)  # kaldi's mel space
    assert "snap_bins" in _wmel.plan_check(bad)


def test_log_guard_of_exact_zeros_oracle():
    """log ln_zero / log10_zero: python_speech_features' and spafe's np.log(np.where(e == 0, eps, e))
    (the snapped HTK bank of test_snap_bins_oracle under a Hamming window) on a clip of exact zeros,
    then samples of 1e-12 (mel energies of about 1e-25, far under the guard eps), then speech: the
    CPU at every ISA level and the float64 reference within 2e-5 x max(1, |oracle|) of the numpy
    oracle, where the clamp ln(max(e, eps)) is off by far more on the tiny energies."""
    eps = float(np.finfo(float).eps)
    fb = _snapped_bank(26, 512, 16000, 0.0, 8000.0)
    w = np.hamming(400)
    rng = np.random.default_rng(3)
    x = np.zeros(9600, np.float32)
    x[3200:6400] = (1e-12 * rng.standard_normal(3200)).astype(np.float32)
    x[6400:] = (0.3 * rng.standard_normal(3200)).astype(np.float32)
    y = x.astype(np.float64)
    y = np.append(y[0], y[1:] - 0.97 * y[:-1])
    nf = 1 + math.ceil((y.size - 400) / 160)
    y = np.concatenate([y, np.zeros((nf - 1) * 160 + 400 - y.size)])
    f = y[np.arange(400)[None, :] + 160 * np.arange(nf)[:, None]] * w
    e = (np.abs(np.fft.rfft(f, 512, axis=1)) ** 2 / 512) @ fb
    assert (e == 0).any() and ((e > 0) & (e < 1e-20)).any()  # both kinds of cell on the clip
    want = np.log(np.where(e == 0, eps, e))
    for log, unit in (("ln_zero", 1.0), ("log10_zero", 1 / math.log(10))):
        plan = wmel.frontend_plan("kaldi", 26, window="hamming", remove_dc=0, preemph=0.97, preemph_mode="signal",
                                  mel_scale="htk", mel_norm="none", snap_bins=True, low_freq=0, high_freq=0,
                                  log=log, log_guard=eps, scale=512 ** -0.5, pad_right=159, pad_mode="zero")
        assert plan["log"] == (4 if log == "ln_zero" else 5)
        for backend, isa in ((_wmel.BACKEND_CPU, 0), (_wmel.BACKEND_CPU, 1), (_wmel.BACKEND_REF, 0)):
            ctx = _wmel.Ctx(plan=plan, backend=backend, n_threads=2, max_isa=isa)
            out = np.empty(ctx.features_shape(x.size), np.float32)
            ctx.features(x, out)
            assert _err(out, want * unit) <= TOL, (log, backend, isa)
        clamp = dict(plan, log=2 if log == "ln_zero" else 0)
        assert _err(_run(clamp, x), want * unit) > 0.1  # the clamp: off by a third on the tiny energies


def test_gemma3n_original():
    """transformers' Gemma3nAudioFeatureExtractor (numpy): HTK bank 125..7600 no norm, |X|, 512
    samples (Hann-P, float32) in a 1024-point transform, per-frame pre-emphasis (HTK: x0 (1 - p)),
    ln(max(m, 1e-5)). Its frames read 513 samples: frame_span 513 gives its frame count."""
    plan = wmel.frontend_plan("kaldi", 128, mel_scale="htk", power=1, log_guard=1e-5, scale=1,
                              low_freq=125.0, high_freq=7600.0, frame_span=513)
    plan.update(frame_length=512, n_fft=1024, window=_wmel.WINDOW_HANN_PERIODIC, remove_dc=0)
    fb = htk_bank(128, 1024, 16000, 125.0, 7600.0)
    w = _win("hann_p", 512)  # Gemma3n rounds it to float32: its error against the oracle below
    orig = None
    if _have("transformers"):
        from transformers import Gemma3nAudioFeatureExtractor
        orig = Gemma3nAudioFeatureExtractor()
    eo, ew = [], []
    for name, x in _clips():
        if x.size < 600:
            continue
        f = _frames_snip(x.astype(np.float64), 513, 160)
        f = np.concatenate([f[:, :1] * 0.03, f[:, 1:-1] - 0.97 * f[:, :-2]], axis=1) * w
        s = np.abs(np.fft.rfft(f, n=1024, axis=1))
        want = np.log(np.maximum(s @ fb, 1e-5))
        got = _run(plan, x)
        ew.append(_err(got, want))  # the shapes too: frame_span's count
        if orig is not None:
            o = orig(x, sampling_rate=16000, return_tensors="np", padding="do_not_pad")["input_features"][0]
            n = min(o.shape[0], want.shape[0])
            eo.append(_err(o[:n], want[:n]))
            _ORIG_ERRS.setdefault("gemma3n: wmel vs original", []).append(_err(got[:n], o[:n]))
    _ORIG_ERRS.setdefault("gemma3n: wmel vs oracle", []).extend(ew)
    _ORIG_ERRS.setdefault("gemma3n: original vs oracle", []).extend(eo)
    assert max(ew) <= TOL, ew
    if orig is not None:  # the original in float32 (its window and bank frequencies)
        assert max(eo) <= 1e-4, eo
        assert max(_ORIG_ERRS["gemma3n: wmel vs original"]) <= 1e-4


_ORIG_ERRS = {}


def test_explicit_framing_fields():
    """The framing block through the options: the fields they set, the JSON round trip, and a
    zero-padded plan against the same plan on the caller's padding (bit for bit: the padded
    samples are the same zeros)."""
    plan = wmel.frontend_plan("kaldi", pad_left=160, pad_right=37, pad_multiple=128, frame_span=401,
                              window_offset=1, valid="end")
    assert (plan["pad_left"], plan["pad_right"], plan["pad_multiple"], plan["pad_mode"], plan["frame_span"],
            plan["window_offset"], plan["valid"]) == (160, 37, 128, 0, 401, 1, 3)
    assert wmel.plan_from(json.loads(wmel.plan_to_json(plan))) == plan
    for v, k in (("ceil", 4), ("but_last", 5)):
        assert wmel.frontend_plan("kaldi", valid=v)["valid"] == k
    plain = wmel.frontend_plan("kaldi", frame_span=401, window_offset=1)
    for name, x in _clips():
        xp = np.concatenate([np.zeros(160, np.float32), x, np.zeros(-x.size % 128 + 37, np.float32)])
        a = _run(plain, xp)  # the same frames on the padded signal, before the valid rule
        b = _run(dict(plan, valid=0), x)
        assert a.shape == b.shape and np.array_equal(a, b), name
        got = _run(plan, x)  # END: frame t valid when t 160 - 160 + 400 < n
        nv = sum(1 for t in range(got.shape[0]) if t * 160 + 240 < x.size)
        assert np.array_equal(got[:nv], b[:nv]) and not np.any(got[nv:]), name


def test_lasr_tf_bank_empty_filters():
    """LASR: unfold 400/160, Hann-S float64, rfft 512, |X|^2, TF's bank 125..7500 (filter 0 has
    no bin at n_fft 512: kept, its log ln(1e-5)), ln(clamp 1e-5). The oracle's bank equals LASR's
    own function (transformers, numpy) where installed."""
    with pytest.raises(ValueError, match="empty filters"):
        wmel.frontend_plan("kaldi", 128, mel_scale="tf", low_freq=125.0, high_freq=7500.0)
    plan = wmel.frontend_plan("kaldi", 128, mel_scale="tf", low_freq=125.0, high_freq=7500.0,
                              empty_filters=True, log_guard=1e-5, scale=1, window="hann")
    plan.update(remove_dc=0, preemph=0.0)
    fb = tf_bank(128, 257, 16000, 125.0, 7500.0)
    assert not fb[:, 0].any()
    if _have("transformers"):
        from transformers.models.lasr.feature_extraction_lasr import linear_to_mel_weight_matrix
        theirs = linear_to_mel_weight_matrix(128, 257, 16000, 125.0, 7500.0, np.float64)
        assert np.array_equal(theirs, fb)
    errs = []
    for name, x in _clips():
        f = _frames_snip(x.astype(np.float64), 400, 160) * _win("hann", 400)
        s = np.fft.rfft(f, n=512, axis=1)
        want = np.log(np.maximum((s.real ** 2 + s.imag ** 2) @ fb, 1e-5))
        got = _run(plan, x)
        errs.append(_err(got, want))
        if got.size:
            assert np.all(got[:, 0] == np.float32(math.log(1e-5)))
    assert max(errs) <= TOL, errs


def test_magnitude_guards():
    """Inkling's sqrt(max(p, 1e-10)) and UnivNet's sqrt(p + 1e-9) on NeMo's framing, log10 / ln."""
    for mode, g in (("max", 1e-10), ("add", 1e-9)):
        plan = wmel.frontend_plan("nemo", 80, normalize="none", power=1, mag_guard=(mode, g), log_guard=1e-5)
        plan.update(log=2)  # ln(max(m, 1e-5)) (UnivNet; Inkling's log10 differs by a constant)
        for name, x in _clips():
            lm_p = nemo_power(x)
            mag = np.sqrt(np.maximum(lm_p, g) if mode == "max" else lm_p + g)
            from wmel._npref import slaney_mel_filters
            want = np.log(np.maximum(mag @ slaney_mel_filters(16000, 512, 80).T, 1e-5)).T
            want[:, x.size // 160:] = 0.0
            assert _err(_run(plan, x), want) <= TOL, (mode, name)


def nemo_power(x):
    x = x.astype(np.float64)
    y = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    s = np.fft.rfft(_frames_center(y, 512, 160, "constant") * np.pad(_win("hann", 400), 56), axis=1)
    return s.real ** 2 + s.imag ** 2


def test_voxtral_realtime_fixed_max():
    """Voxtral realtime: Whisper-128's log10 mel, max(x, global_log_mel_max - 8) with the fixed
    1.5, (x + 4) / 4, the last frame dropped."""
    from wmel._npref import slaney_mel_filters
    fb = slaney_mel_filters(16000, 400, 128)
    for name, x in _clips():
        if x.size <= 200:
            continue
        raw = _raw_whisper_logmel(x, fb)
        want = (np.maximum(raw, 1.5 - 8.0) + 4.0) / 4.0
        got = wmel.features(x, "whisper", 128, norm_max=1.5)
        assert _err(got, want) <= TOL, name
        # a range other than 8 (GraniteSpeech5's logmel_floor_db)
        got = wmel.features(x, "whisper", 128, norm_range=6.0)
        want = (np.maximum(raw, raw.max() - 6.0) + 4.0) / 4.0
        assert _err(got, want) <= TOL, name


def test_then_norm_after_whole_clamp():
    """then_norm: after Whisper-128's whole normalisation (range 6) and an affine x 40 - 40, each
    column's mean over the frames subtracted (mean) and / max(std, eps) (mean_var, std over n with
    norm_ddof 0, Bessel's with 1): a float64 oracle of that order."""
    from wmel._npref import slaney_mel_filters
    fb = slaney_mel_filters(16000, 400, 128)
    for name, x in _clips():
        if x.size <= 200:
            continue
        raw = _raw_whisper_logmel(x, fb)  # [mels][frames]
        y = ((np.maximum(raw, raw.max() - 6.0) + 4.0) / 4.0) * 40.0 - 40.0
        d = y - y.mean(axis=1, keepdims=True)
        sd0 = np.maximum(np.sqrt((d * d).mean(axis=1, keepdims=True)), 1e-10)
        sd1 = np.maximum(np.sqrt((d * d).sum(axis=1, keepdims=True) / max(d.shape[1] - 1, 1)), 0.5)
        for kw, den in (({"then_norm": "mean"}, 1.0),
                        ({"then_norm": "mean_var", "norm_ddof": 0, "norm_eps": 1e-10}, sd0),
                        ({"then_norm": "mean_var", "norm_eps": 0.5}, sd1)):
            got = wmel.features(x, "whisper", 128, norm_range=6.0, post_scale=40.0, post_shift=-40.0, **kw)
            want = d / den
            # a z-score divides the float32 rounding of the dB values (about 1e-5 dB) by its
            # column's std: a column pinned near the clamp (std 0.003 dB in clipped.wav) has
            # that much more error; the bound carries it
            bound = TOL * np.maximum(1.0, np.abs(want)) + 1e-5 / den
            _err(got, want)
            assert np.all(np.abs(got - want) <= bound), (name, kw, float(np.max(np.abs(got - want) - bound)))
    with pytest.raises(ValueError, match="WMEL_NORMF_THEN_MEAN_VAR"):
        wmel.features(_clips()[0][1], "nemo", 80, then_norm="mean_var")
    with pytest.raises(ValueError, match="then_norm"):
        wmel.features(_clips()[0][1], "whisper", 80, then_norm="median")


def _raw_whisper_logmel(x, fb):
    fr = _frames_center(x.astype(np.float64), 400, 160, "reflect")
    s = np.fft.rfft(fr * _win("hann_p", 400), axis=1)
    p = (s.real ** 2 + s.imag ** 2)[:-1]
    return np.log10(np.maximum(p @ fb.T, 1e-10)).T


def test_speech2text_population_std():
    """Speech2Text: kaldi fbank (x 32768, povey, 80 mels, eps FLT_EPSILON), then per column
    x - mean, / np.std (ddof 0, no epsilon) over the frames."""
    for name, x in _clips():
        f = kaldi_fbank(x, 80)
        if not f.size:
            continue
        sd = f.std(axis=0)
        want = np.where(sd > 1e-12 * np.abs(f.mean(axis=0)), (f - f.mean(axis=0)) / np.where(sd > 0, sd, 1), 0.0)
        got = wmel.features(x, "kaldi", 80, normalize="mean_var", norm_ddof=0, norm_eps=0.0)
        # in log units (the difference times the column's std): the float32 log-mels' rounding,
        # which a near-constant column's small std magnifies
        assert _err(got * sd, want * sd) <= TOL, name


@pytest.mark.skipif(not _have("transformers"), reason="transformers is not installed")
def test_speech2text_original():
    """transformers' Speech2TextFeatureExtractor (its numpy path without torchaudio: float64
    frames, complex64 spectrum, Kaldi's bank from mel_filter_bank). Silence is left out: the
    original divides 0 by a zero std there (NaN), wmel gives 0; so with one frame. In log
    units, as above; the original is float32 after its float64 frames."""
    from transformers import Speech2TextFeatureExtractor
    fe = Speech2TextFeatureExtractor()
    for name, x in _clips():
        if x.size < 400 or not np.any(x):
            continue
        o = fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0].astype(np.float64)
        if not np.all(np.isfinite(o)):  # one frame: the original's 0 / 0
            continue
        f = kaldi_fbank(x, 80)
        sd = f.std(axis=0)
        got = wmel.features(x, "kaldi", 80, normalize="mean_var", norm_ddof=0, norm_eps=0.0)
        e = _err(got * sd, o * sd)
        _ORIG_ERRS.setdefault("speech2text: wmel vs original (log units)", []).append(e)
        # with torchaudio installed the original takes its float32 path: wmel may differ from it
        # by the original's own error against the float64 oracle, plus wmel's bound
        want = np.where(sd > 1e-12 * np.abs(f.mean(axis=0)), (f - f.mean(axis=0)) / np.where(sd > 0, sd, 1), 0.0)
        assert e <= max(1e-4, 1.01 * _err(o * sd, want * sd) + 4e-5)


def test_wespeaker_cmn_and_nemo_all_features():
    """WeSpeaker's apply_cmvn(norm_var=False): x - mean over the frames (hamming fbank);
    NeMo normalize="all_features": one mean and one std (Bessel) + 1e-5 over every mel and valid
    frame; frames past the valid ones 0."""
    for name, x in _clips():
        f = kaldi_fbank(x, 80, window="hamming")
        got = wmel.features(x, "kaldi", 80, window="hamming", normalize="mean")
        if f.size:
            assert _err(got, f - f.mean(axis=0)) <= 1e-5, name
        lm = nemo_logmel(x, 80)
        nv = x.size // 160
        v = lm[:, :nv]
        want = np.zeros_like(lm)
        if nv > 1:
            want[:, :nv] = (v - v.mean()) / (v.std(ddof=1) + 1e-5)
        elif nv == 1:
            want[:, :nv] = (v - v.mean()) / 1e-5
        got = wmel.features(x, "nemo", 80, normalize="all_features")
        assert _err(got, want) <= 1e-4, name


def test_ast_fixed_frames_affine():
    """AST: kaldi fbank with scale 1, hanning, 128 mels (filter 3 empty: torchaudio keeps it),
    padded with zeros or truncated to n_frames, then (x + 4.2677393) / (2 x 4.5689974)."""
    mean, std = -4.2677393, 4.5689974
    for n_frames in (1024, 40):
        for name, x in _clips():
            f = kaldi_fbank(x, 128, window="hann", scale=1.0)
            want = np.zeros((n_frames, 128))
            k = min(n_frames, f.shape[0])
            want[:k] = f[:k]
            want = (want - mean) / (std * 2)
            got = wmel.features(x, "kaldi", 128, window="hann", scale=1, empty_filters=True, n_frames=n_frames,
                                post_scale=1 / (2 * std), post_shift=-mean / (2 * std))
            assert _err(got, want) <= TOL, (n_frames, name)


@pytest.mark.skipif(not (_have("torchaudio") and _have("transformers")), reason="AST needs torchaudio")
def test_ast_original():
    from transformers import ASTFeatureExtractor
    fe = ASTFeatureExtractor()
    mean, std = fe.mean, fe.std
    for name, x in _clips():
        if x.size < 400:
            continue
        o = fe(x, sampling_rate=16000, return_tensors="np")["input_values"][0]
        got = wmel.features(x, "kaldi", 128, window="hann", scale=1, empty_filters=True, n_frames=1024,
                            post_scale=1 / (2 * std), post_shift=-mean / (2 * std))
        _ORIG_ERRS.setdefault("ast: wmel vs original", []).append(_err(got, o))
        f = kaldi_fbank(x, 128, window="hann", scale=1.0)
        want = np.zeros((1024, 128))
        want[:min(1024, f.shape[0])] = f[:1024]
        want = (want - mean) / (2 * std)
        assert _err(got, want) <= TOL, name
        # the original (torchaudio's float32) may be off the oracle: wmel differs from it by that
        assert _err(got, o) <= 1.01 * _err(o, want) + 2 * TOL, name


def test_bf16_bank_and_window():
    """Nemotron's mel_filters_dtype="bfloat16": the window and the bank rounded (f32 -> bf16)."""
    for name, x in _clips():
        want = nemo_logmel(x, 128, bank_bf16=True)
        got = wmel.features(x, "nemo", 128, normalize="none", bf16=True)
        assert _err(got, want) <= TOL, name
        plain = wmel.features(x, "nemo", 128, normalize="none")
        if name == "chirp":  # the rounding shows (most in the window's sidelobes)
            assert np.max(np.abs(plain - want)) > 1e-3


def test_windows_blackman_bartlett():
    """Kaldi's blackman (blackman_coeff 0.42 and another) and NeMo's torch.bartlett_window /
    torch.blackman_window(periodic=False)."""
    for name, x in _clips():
        for a in (0.42, 0.35):
            want = kaldi_fbank_window(x, _win("blackman", 400, a))
            kw = {} if a == 0.42 else {"window_coeff": a}
            assert _err(wmel.features(x, "kaldi", 80, window="blackman", **kw), want) <= TOL, (name, a)
        want = nemo_logmel(x, 80, window="bartlett")
        assert _err(wmel.features(x, "nemo", 80, window="bartlett", normalize="none"), want) <= TOL, name


def test_windows_periodic():
    """torch's periodic Hamming, Blackman and Bartlett windows (torch.hamming_window(N) and
    the others with their default periodic=True): NeMo's pipeline and Kaldi's with each."""
    for name, x in _clips():
        for w in ("hamming_periodic", "blackman_periodic", "bartlett_periodic"):
            want = nemo_logmel(x, 80, window=w)
            assert _err(wmel.features(x, "nemo", 80, window=w, normalize="none"), want) <= TOL, (name, w)
        want = kaldi_fbank_window(x, _win("blackman_periodic", 400, 0.35))
        got = wmel.features(x, "kaldi", 80, window="blackman_periodic", window_coeff=0.35)
        assert _err(got, want) <= TOL, name
        with pytest.raises(ValueError, match="hamming_periodic"):
            wmel.features(x, "nemo", 80, window="hamming_periodc")


def kaldi_fbank_window(x, w):
    f = _frames_snip(x.astype(np.float64) * 32768.0, 400, 160)
    f = f - f.mean(axis=1, keepdims=True)
    f = np.concatenate([f[:, :1] * (1 - 0.97), f[:, 1:] - 0.97 * f[:, :-1]], axis=1)
    s = np.fft.rfft(f * w, n=512, axis=1)
    return np.log(np.maximum((s.real ** 2 + s.imag ** 2) @ kaldi_bank(80), FLT_EPS))


def test_per_column_affine():
    """col_scale / col_shift (wmel_create_plan_cols): CMVN from statistics (FireRedASR: (x -
    mean) / std per column), CLVP's division by mel_norms, after the plan's finish."""
    rng = np.random.default_rng(3)
    mean, std = rng.normal(-8, 2, 80), rng.uniform(0.5, 3, 80)
    for name, x in _clips():
        f = kaldi_fbank(x, 80)
        got = wmel.features(x, "kaldi", 80, col_scale=1 / std, col_shift=-mean / std)
        assert _err(got, (f - mean) / std) <= TOL, name
        g2 = wmel.features(x, "kaldi", 80, col_shift=-mean)  # a missing one is the identity's
        assert _err(g2, f - mean) <= TOL, name
    x = _clips()[0][1]
    a = wmel.features(x, "whisper", 80, col_scale=np.full(80, 2.0))
    assert _err(a, 2 * wmel.features(x, "whisper", 80)) <= TOL
    with pytest.raises(ValueError, match="col_scale must hold 80 values"):
        wmel.features(x, "kaldi", 80, col_scale=np.ones(79))
    with pytest.raises(ValueError, match="finite"):
        wmel.features(x, "kaldi", 80, col_shift=np.full(80, np.nan))


def test_options_refused_with_sentences():
    x = np.zeros(1600, np.float32)
    with pytest.raises(ValueError, match="mag_guard mul:1"):
        wmel.features(x, "kaldi", mag_guard="mul:1")
    with pytest.raises(ValueError, match="norm_flags"):
        wmel.features(x, "kaldi", norm_ddof=0)  # kaldi does not normalise
    with pytest.raises(ValueError, match="WMEL_NORM_WHOLE"):
        wmel.features(x, "nemo", norm_max=1.0)
    with pytest.raises(ValueError, match="window_coeff"):
        wmel.features(x, "kaldi", window_coeff=0.4)
    with pytest.raises(TypeError, match="unexpected keyword argument 'mel_sacle'"):
        wmel.features(x, "kaldi", mel_sacle="htk")
    with pytest.raises(TypeError, match="power must be an int"):
        wmel.features(x, "kaldi", power=1.0)
    p = wmel.frontend_plan("kaldi", 80, post_shift=0.5)
    assert p["affine"] == 1 and p["post_scale"] == 1.0 and p["post_shift"] == 0.5


def test_stream_and_batch_paths_agree():
    """The CLI's bounded-memory spool (wmel batch, long wmel mel) repeats the finish: its output
    equals wmel.features for the finish's variants."""
    import shutil
    import subprocess
    import tempfile
    cli = os.environ.get("WMEL_CLI") or shutil.which("wmel")
    if not cli:
        pytest.skip("no wmel command (WMEL_CLI)")
    x = _clips()[0][1]
    cases = [("kaldi", {"normalize": "mean_var", "norm_ddof": 0, "norm_eps": 0.0}),
             ("kaldi", {"n_frames": 100, "post_scale": 0.25, "post_shift": 1.0, "empty_filters": True}),
             ("nemo", {"normalize": "all_features", "pad_value": -2.0, "pad_to": 16}),
             ("seamless", {"normalize": "mean", "n_frames": 77, "pad_value": 3.0})]
    with tempfile.TemporaryDirectory() as d:
        wav = os.path.join(d, "x.wav")
        import wave
        with wave.open(wav, "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
            w.writeframes((np.clip(x, -1, 32767 / 32768) * 32768).astype("<i2").tobytes())
        xs = (np.clip(x, -1, 32767 / 32768) * 32768).astype(np.int16).astype(np.float32) / 32768
        with open(os.path.join(d, "m.txt"), "w") as m:
            m.write(wav + "\n")
        for fr, opts in cases:
            args = []
            for k, v in opts.items():
                flag = "--" + k.replace("_", "-")
                args += [flag] if v is True else [flag, repr(v) if isinstance(v, float) else str(v)]
            out = os.path.join(d, f"o{len(os.listdir(d))}")
            r = subprocess.run([cli, "batch", os.path.join(d, "m.txt"), "-o", out, "--frontend", fr, "-q"] + args,
                               capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            import io
            import tarfile
            with tarfile.open(os.path.join(out, "shard-000000.tar")) as t:
                npy = [m for m in t.getmembers() if m.name.endswith(".npy")][0]
                got = np.load(io.BytesIO(t.extractfile(npy).read()))
            want = wmel.features(xs, fr, **opts)
            assert got.shape == want.shape and np.array_equal(got, want), (fr, opts)


def test_live_objects_take_the_options():
    """wmel.Stream's frames (per-frame options) and wmel.SlidingBuffer's features (the finish's
    too) equal wmel.features; the finish's options do not apply to a Stream."""
    x = _clips()[0][1]
    for fr, opts in (("nemo", {"mel_scale": "htk", "bf16": True}), ("kaldi", {"mag_guard": "add:1e-9", "power": 1}),
                     ("whisper", {"mel_scale": "htk"})):
        s = wmel.Stream(fr, **opts)
        fm = fr == "kaldi"  # frames x mels; the others mels x frames
        got = np.concatenate([s.push(x[:7000]), s.push(x[7000:]), s.finish()], axis=0 if fm else 1)
        plan = wmel.frontend_plan(fr, **opts)
        plan["norm"] = _wmel.NORM_NONE
        want = _run(plan, x)
        want = want[:got.shape[0]] if fm else want[:, :got.shape[1]]
        assert got.size and np.array_equal(got, want), (fr, opts)
    for fr, opts in (("kaldi", {"normalize": "mean_var", "norm_ddof": 0, "norm_eps": 0.0}),
                     ("whisper", {"norm_max": 1.5}), ("kaldi", {"n_frames": 50, "post_shift": 1.0})):
        b = wmel.SlidingBuffer(fr, **opts)
        b.push(x[:9000])
        b.trim(1600)
        b.push(x[9000:20000])
        assert np.array_equal(b.features(), wmel.features(x[1600:20000], fr, **opts)), (fr, opts)
    with pytest.raises(ValueError, match="n_frames does not apply to a Stream"):
        wmel.Stream("kaldi", n_frames=10)


def ceps_oracle(lm, n_ceps, lifter=0.0, energy=None, htk=False):
    """Kaldi's MFCC of float64 log mels lm (frames, N), written from feature-mfcc.cc: the
    orthonormal DCT-II as a sum, c_k = s_k sum_j lm_j cos(pi k (2 j + 1) / (2 N)) (s_0 =
    sqrt(1 / N), s_k = sqrt(2 / N)), the first n_ceps; times 1 + Q/2 sin(pi k / Q); c_0 the log
    energy when given; htk_compat: c_1 .., then c_0 (x sqrt(2) without the energy)."""
    lm = np.asarray(lm, np.float64)
    N = lm.shape[1]
    c = np.empty((lm.shape[0], n_ceps))
    for k in range(n_ceps):
        col = np.zeros(lm.shape[0])
        for j in range(N):
            col += lm[:, j] * math.cos(math.pi * k * (2 * j + 1) / (2.0 * N))
        c[:, k] = col * (math.sqrt(2.0 / N) if k else 1.0 / math.sqrt(N))
        if lifter:
            c[:, k] *= 1.0 + lifter / 2.0 * math.sin(math.pi * k / lifter)
    if energy is not None:
        c[:, 0] = energy
    if htk:
        c0 = c[:, :1] * (1.0 if energy is not None else math.sqrt(2.0))
        c = np.concatenate([c[:, 1:], c0], axis=1)
    return c


def test_cepstra():
    """n_ceps, cepstral_lifter, ceps_htk (Kaldi's MFCC): the kaldi plan's cepstra against the
    oracle above of a float64 Kaldi fbank (wmel._feref.kaldi), with and without the energy in c0,
    HTK's order, both framings; the refusals by name; the options and the plan's JSON."""
    from wmel import _feref
    cases = [(dict(n_mels=23, n_ceps=13, cepstral_lifter=22.0), dict(n_mels=23), 13, 22.0, False, False),
             (dict(n_mels=23, n_ceps=13, cepstral_lifter=22.0, use_energy=True, energy_floor=0.0),
              dict(n_mels=23, use_energy=True), 13, 22.0, True, False),
             (dict(n_mels=40, n_ceps=40, ceps_htk=True), dict(n_mels=40), 40, 0.0, False, True),
             (dict(n_mels=23, n_ceps=13, cepstral_lifter=22.0, use_energy=True, energy_floor=0.0, ceps_htk=True,
                   framing="kaldi_center"), dict(n_mels=23, use_energy=True, snip_edges=False), 13, 22.0, True, True)]
    for opts, ref_opts, nc, q, e, htk in cases:
        for name, x in _clips():
            got = wmel.features(x, "kaldi", **opts)
            if x.size < 400 and ref_opts.get("snip_edges", True):
                assert got.shape == (0, nc)
                continue
            f = _feref.kaldi(x, **ref_opts)
            want = ceps_oracle(f[:, 1:] if e else f, nc, q, f[:, 0] if e else None, htk)
            assert _err(got, want) <= TOL, (opts, name)
    # c0 is the energy column of the same plan without the cepstra, bit for bit
    x = _clips()[0][1]
    a = wmel.features(x, "kaldi", n_mels=23, n_ceps=13, cepstral_lifter=22, use_energy=True)
    b = wmel.features(x, "kaldi", n_mels=23, use_energy=True)
    assert np.array_equal(a[:, 0], b[:, 0])
    plan = wmel.frontend_plan("kaldi", n_mels=23, n_ceps=13, cepstral_lifter=22)
    for change, want in ((dict(n_ceps=24), "n_ceps 24: outside 0..n_mels (23)"),
                         (dict(cepstral_lifter=-1.0), "cepstral_lifter -1: outside 0..1e6"),
                         (dict(log=3), "n_ceps 13 with log none"),
                         (dict(linear_bins=1), "n_ceps 13 with linear_bins"),
                         (dict(n_ceps=0), "cepstral_lifter: an option of the cepstra")):
        assert want in _wmel.plan_check({**plan, **change}), change
    with pytest.raises(ValueError, match="n_ceps 30: outside 0..n_mels"):
        wmel.features(x, "kaldi", n_mels=23, n_ceps=30)
    with pytest.raises(ValueError, match="cepstral_lifter -2"):
        wmel.features(x, "kaldi", n_mels=23, n_ceps=13, cepstral_lifter=-2)
    j = json.loads(wmel.plan_to_json(plan))
    assert j["n_ceps"] == 13 and j["cepstral_lifter"] == 22 and wmel.plan_from(j) == plan
    # the stream's frames (no normalisation) are the offline call's
    st = wmel.Stream("kaldi", n_mels=23, n_ceps=13, cepstral_lifter=22)
    got = np.concatenate([st.push(x[:7000]), st.push(x[7000:]), st.finish()], axis=0)
    assert got.shape[1] == 13 and np.array_equal(got, wmel.features(x, "kaldi", n_mels=23, n_ceps=13,
                                                                    cepstral_lifter=22)[:got.shape[0]])


if __name__ == "__main__":
    for fn in [v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)]:
        try:
            fn()
            print(f"{fn.__name__}: ok")
        except (pytest.skip.Exception, ImportError) as e:  # the originals that need torch
            print(f"{fn.__name__}: skipped ({str(e).strip().splitlines()[0] if str(e).strip() else 'torch'})")
    for k, v in _SEEN.items():
        print(f"{k}: largest error {v:.3g} (x max(1, |oracle|))")
    for k, v in _ORIG_ERRS.items():
        print(f"{k}: max {max(v):.3g}")


def test_linear_bins():
    """linear_bins (no mel bank): column m is the power (or magnitude) of FFT bin
    first_bin + m, held to numpy float64 (a Hann window, reflect-centred frames) and to the C
    reference backend; the plan's refusals name the fields."""
    from wmel import _features
    x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(16123) / 16000.0)
         + 0.05 * np.random.default_rng(3).standard_normal(16123)).astype(np.float32)
    for power, first, nb in ((2, 0, 201), (1, 0, 201), (2, 1, 200), (2, 37, 64)):
        plan = _wmel.frontend_preset(_wmel.FRONTEND_KALDI, 0)
        plan.update(sample_rate=16000, frame_length=400, hop=160, n_fft=400,
                    window=_wmel.WINDOW_HANN_PERIODIC, framing=1, remove_dc=0, preemph=0.0,
                    scale=1.0, n_mels=nb, power=power, log=3, use_energy=0,
                    norm=_wmel.NORM_NONE, layout=_wmel.LAYOUT_MELS_FRAMES, linear_bins=1,
                    first_bin=first)
        assert not _wmel.plan_check(plan), _wmel.plan_check(plan)
        outs = {}
        for be in ("cpu", "ref"):
            ctx = _features._ctx(plan, be, 1)
            out = np.empty(ctx.features_shape(x.size), np.float32)
            ctx.features(x, out)
            outs[be] = out
        xp = np.pad(x.astype(np.float64), 200, mode="reflect")
        T = 1 + x.size // 160
        fr = np.stack([xp[t * 160:t * 160 + 400] for t in range(T)])
        w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
        s = np.abs(np.fft.rfft(fr * w, axis=1)) ** power
        want = s[:, first:first + nb].T
        assert outs["cpu"].shape == want.shape
        tol = 4 * 2.0 ** -24 * np.abs(want) + 1e-12 * np.abs(want).max()
        assert np.all(np.abs(outs["cpu"] - want) <= tol), (power, first)
        assert np.all(np.abs(outs["ref"] - want) <= tol), (power, first)
    plan.update(first_bin=170)                       # 170 + 64 > 201 bins
    assert "first_bin 170" in _wmel.plan_check(plan)
    plan.update(first_bin=3, linear_bins=0)          # first_bin without linear_bins
    assert "first_bin 3" in _wmel.plan_check(plan)
    plan.update(first_bin=0, linear_bins=1, mel_norm=1)
    assert "mel_norm" in _wmel.plan_check(plan)
    plan.update(mel_norm=0, linear_bins=2)
    assert "linear_bins 2" in _wmel.plan_check(plan)
    # the options and the plan's JSON
    p = wmel.frontend_plan("kaldi", linear_bins=True, first_bin=1, n_mels=256)
    assert p["linear_bins"] == 1 and p["first_bin"] == 1
    j = json.loads(wmel.plan_to_json(p))
    assert j["linear_bins"] is True and j["first_bin"] == 1
    assert wmel.plan_from(j) == p


def test_kaldi_center_framing():
    """framing kaldi_center (Kaldi snip_edges=false) against the float64 oracle above (its own
    step-by-step reflection) on every length 1..300 (the reflection repeated where the clip is
    shorter than the padding), a few longer ones and the clips; against _feref.kaldi (the numpy
    reference of wmel.kaldi) too; the count (n + 80) // 160."""
    p = wmel.frontend_plan("kaldi", scale=1, framing="kaldi_center")
    assert p["framing"] == 3
    j = json.loads(wmel.plan_to_json(p))
    assert j["framing"] == "kaldi_center" and wmel.plan_from(j) == p
    rng = np.random.default_rng(3)
    lens = list(range(1, 301)) + [399, 400, 401, 479, 480, 481, 1000, 4801]
    for n in lens:
        x = rng.uniform(-1, 1, n).astype(np.float32)
        got = _run(p, x)
        assert got.shape == ((n + 80) // 160, 80), (n, got.shape)
        if not got.size:
            continue
        want = kaldi_fbank(x, 80, scale=1.0, snip_edges=False)
        assert _err(got, want) <= 2e-5, n
        assert _err(got, _feref.kaldi(x, 80, scale=1.0, snip_edges=False)) <= 2e-5, n
    for _, x in _clips():
        assert _err(_run(p, x), kaldi_fbank(x, 80, scale=1.0, snip_edges=False)) <= 2e-5
    assert "framing 4" in _wmel.plan_check(dict(p, framing=4))
    assert "kaldi_center" in _wmel.plan_check(dict(p, pad_left=3))
