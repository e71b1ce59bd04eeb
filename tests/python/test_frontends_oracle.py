"""test_frontends_oracle.py -- the float64 numpy oracles of the nemo, kaldi and seamless front-ends
(python/wmel/_feref.py) held to the original implementations, and their edge rules.

Originals, each skipped cleanly where it is not installed:
  kaldi-native-fbank (PyPI)                  kaldi
  torchaudio.compliance.kaldi.fbank (torch)  kaldi
  transformers' SeamlessM4TFeatureExtractor  seamless (numpy; no torch needed)
  transformers' ParakeetFeatureExtractor     nemo (needs torch)
  NeMo's AudioToMelSpectrogramPreprocessor   nemo (nemo_toolkit[asr], needs torch; heavy)
  kaldi-native-fbank's OnlineNemoFbank       nemo's log-mel before normalisation (no torch needed)
The originals compute in float32 (Kaldi, kaldi-native-fbank, torchaudio and Parakeet throughout,
their filter banks included; Seamless stores the spectrum as complex64), so each is held to the
oracle within the float32 error it shows, with the threshold's origin next to it. Errors of the
normalised outputs (nemo, seamless) are in log units: the difference times the row's denominator.

`python tests/python/test_frontends_oracle.py` prints each original's error against the oracle on
the goldens and on random clips.
"""
import importlib.util
import math
import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fe_inputs as FI  # noqa: E402
from conftest import hf_original  # noqa: E402


def _load_feref():
    """wmel._feref without importing the wmel extension (the oracle is numpy only)."""
    try:
        from wmel import _feref
        return _feref
    except ImportError:
        import types
        root = os.path.join(FI.ROOT, "python", "wmel")
        pkg = types.ModuleType("wmel_oracle")
        pkg.__path__ = [root]
        sys.modules["wmel_oracle"] = pkg
        for m in ("_npref", "_feref"):
            spec = importlib.util.spec_from_file_location(f"wmel_oracle.{m}", os.path.join(root, m + ".py"))
            mod = importlib.util.module_from_spec(spec)
            sys.modules[f"wmel_oracle.{m}"] = mod
            spec.loader.exec_module(mod)
        return sys.modules["wmel_oracle._feref"]


R = _load_feref()

# float32 error model. A float32 pipeline (framing, DC removal, preemphasis, window, FFT) leaves
# rounding noise of about FLT_EPS x the frame's energy in every FFT bin, whatever the bin's own
# level, so a mel bin's log error scales as ns = FLT_EPS * E_frame * sum_k W[b, k] / M_b
# (_float32_noise). Bins near a frame's peak have ns ~ 1e-7; bins 30 nats down have ns ~ 1, where
# float32 results are noise (kaldi-native-fbank is 0.55 nats off on the sweep there).
# kaldi-native-fbank, measured on the goldens and random clips with every option below (2026-11):
# |err| <= 16.1 ns wherever ns > 1e-6, and |err| - 64 ns <= 4.3e-7 everywhere; bound 1e-5 + 32 ns.
KNF_ABS = 1e-5
KNF_NS = 32.0
# torchaudio's kaldi.fbank (float32 torch 2.11): the same arithmetic, the same bound (measured
# <= 9.6 ns; max 0.59 nats, on the sweep).
# transformers' Seamless: float64 except the spectrum stored as complex64 (relative 6e-8 per
# value, so no frame-energy noise): measured <= 3.5e-6 log units on all bins; 10x margin.
SEAMLESS_TOL = 5e-5
# transformers' Parakeet (float32 torch: STFT, float32 Slaney bank, log, statistics), in log units,
# with ns from NeMo's framing (the log guard 2^-24 added to M_b) plus the row's mean ns (the row's
# mean and std carry it). Measured (2026-11, torch 2.11): max 7.8e-4 log units, <= 0.91 ns.
PARAKEET_ABS = 1e-4
PARAKEET_NS = 32.0
# NeMo's own preprocessor (nemo_toolkit 3.0.0, float32 torch 2.11: the same arithmetic as
# Parakeet's), held to the same bound.
NEMO_ABS = PARAKEET_ABS
NEMO_NS = PARAKEET_NS

RANDOM_LENGTHS = (400, 401, 511, 512, 513, 560, 1600, 4000, 16000, 16000 * 3 + 37)
KINDS = ("noise", "full", "clipped", "tone")


def _inputs(max_seconds=60):
    """(name, float32 samples): the goldens (cut to max_seconds) and seeded synthetic clips."""
    out = [(g, FI.golden_audio(g, max_seconds)) for g in FI.golden_names()]
    for i, n in enumerate(RANDOM_LENGTHS):
        kind = KINDS[i % len(KINDS)]
        out.append((f"{kind}-{n}", FI.synthetic(kind, n, seed=100 + i)))
    return out


FLT_EPS = 2.0 ** -23


def kaldi_float32_noise(x, n_mels=80, window="povey", use_energy=False, snip_edges=True,
                        low_freq=20.0, high_freq=0.0, scale=32768.0):
    """ns (frames, n_mels [+1]): FLT_EPS x the frame's energy in each FFT bin, relative to each mel
    bin's energy (the energy column: 400 FLT_EPS, a float32 sum of 400 squares)."""
    xs = np.asarray(x, np.float64) * scale
    nf, frames_of = R._kaldi_frames(xs, snip_edges)
    bank = R.kaldi_mel_filters(n_mels, low_freq, high_freq)
    ns = np.zeros((nf, n_mels + int(use_energy)))
    if nf:
        f, _ = R._kaldi_process(frames_of(0, nf), 0.97, True)
        e = (f * R.kaldi_window(window)) ** 2
        mel = np.exp(R.kaldi(x, n_mels, window=window, snip_edges=snip_edges, low_freq=low_freq,
                             high_freq=high_freq, scale=scale))
        ns[:, int(use_energy):] = FLT_EPS * 512 * e.sum(axis=1)[:, None] * bank.sum(axis=1)[None, :] / mel
        if use_energy:
            ns[:, 0] = 400 * FLT_EPS
    return ns


def nemo_float32_noise(x, n_mels=80):
    """ns (n_mels, frames) for NeMo's pipeline: FLT_EPS x the frame's windowed energy in each FFT
    bin, relative to each mel bin's energy plus the log guard."""
    x = np.asarray(x, np.float64)
    y = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    yp = np.pad(y, 256)
    nf = len(x) // 160 + 1
    idx = (56 + 160 * np.arange(nf))[:, None] + np.arange(400)[None, :]
    e = ((yp[idx] * R.nemo_window()) ** 2).sum(axis=1)
    bank = R.nemo_mel_filters(n_mels)
    m = np.exp(R.nemo(x, n_mels, normalize="none"))   # M + guard (the last frame: 1, unused)
    return FLT_EPS * 512 * bank.sum(axis=1)[:, None] * e[None, :] / m


# ---------------------------------------------------------------------------------------------
# the originals, called as their users call them
# ---------------------------------------------------------------------------------------------

def knf_fbank(x, n_mels=80, window="povey", use_energy=False, snip_edges=True, low_freq=20.0,
              high_freq=0.0, scale=32768.0):
    import kaldi_native_fbank as knf
    o = knf.FbankOptions()
    o.frame_opts.dither = 0.0
    o.frame_opts.window_type = {"hann": "hanning", "rect": "rectangular"}.get(window, window)
    o.frame_opts.snip_edges = snip_edges
    o.mel_opts.num_bins = n_mels
    o.mel_opts.low_freq = low_freq
    o.mel_opts.high_freq = high_freq
    o.use_energy = use_energy
    f = knf.OnlineFbank(o)
    f.accept_waveform(16000, (np.asarray(x, np.float32) * np.float32(scale)).tolist())
    f.input_finished()
    rows = [np.array(f.get_frame(i)) for i in range(f.num_frames_ready)]
    return np.array(rows, np.float32).reshape(len(rows), n_mels + int(use_energy))


def knf_nemo(x, n_mels=80):
    """kaldi-native-fbank's NeMo front-end (sherpa-onnx's for Parakeet/Canary): the log-mel of
    the n // 160 valid frames, before normalisation, (frames, n_mels)."""
    import kaldi_native_fbank as knf
    o = knf.NemoFbankOptions()
    o.num_mel_bins = n_mels
    f = knf.OnlineNemoFbank(o)
    f.accept_waveform(16000, np.asarray(x, np.float32).tolist())
    f.input_finished()
    if not f.num_frames_ready:
        return np.zeros((0, n_mels), np.float32)
    frames, _ = f.get_frames(0, f.num_frames_ready, True)
    return np.asarray(frames, np.float32).reshape(-1, n_mels)


def torchaudio_fbank(x, n_mels=80, **kw):
    import torch
    from torchaudio.compliance import kaldi as ta
    w = torch.from_numpy(np.asarray(x, np.float32) * 32768.0)[None, :]
    return ta.fbank(w, num_mel_bins=n_mels, dither=0.0, energy_floor=0.0, **kw).numpy()


def hf_seamless(x):
    from transformers import SeamlessM4TFeatureExtractor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = SeamlessM4TFeatureExtractor()(np.asarray(x, np.float32), sampling_rate=16000, return_tensors="np")
    return r["input_features"][0], r["attention_mask"][0]


def hf_parakeet(x, n_mels=80):
    ParakeetFeatureExtractor = hf_original("parakeet", "ParakeetFeatureExtractor", needs_torch=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ParakeetFeatureExtractor(feature_size=n_mels)(np.asarray(x, np.float32), sampling_rate=16000,
                                                          return_tensors="np")
    return r["input_features"][0].T, r["attention_mask"][0]  # NeMo layout (n_mels, frames)


def nemo_preprocessor(x, n_mels=80):
    """NeMo's AudioToMelSpectrogramPreprocessor as Parakeet/Canary configure it at inference
    (dither 0, pad_to 0): ((n_mels, frames), valid frames)."""
    import torch
    from nemo.collections.asr.modules import AudioToMelSpectrogramPreprocessor
    key = n_mels
    pre = _NEMO.get(key)
    if pre is None:
        pre = AudioToMelSpectrogramPreprocessor(sample_rate=16000, normalize="per_feature", window_size=0.025,
                                                window_stride=0.01, window="hann", features=n_mels, n_fft=512,
                                                log=True, dither=0.0, pad_to=0, pad_value=0.0, frame_splicing=1)
        pre.eval()
        _NEMO[key] = pre
    with torch.no_grad():
        out, length = pre(input_signal=torch.from_numpy(np.asarray(x, np.float32))[None, :],
                          length=torch.tensor([len(x)]))
    return out[0].numpy(), int(length[0])


_NEMO = {}


def _have(mod):
    try:
        return importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        return False


needs_knf = pytest.mark.skipif(not _have("kaldi_native_fbank"), reason="kaldi-native-fbank not installed")
needs_tf = pytest.mark.skipif(not _have("transformers"), reason="transformers not installed")
needs_ta = pytest.mark.skipif(not (_have("torch") and _have("torchaudio")), reason="torchaudio not installed")
needs_parakeet = pytest.mark.skipif(not (_have("torch") and _have("transformers")),
                                    reason="transformers' Parakeet needs torch (not installed)")
needs_nemo = pytest.mark.skipif(not (_have("torch") and _have("nemo.collections.asr")),
                                reason="NeMo (nemo_toolkit[asr]) not installed")


# ---------------------------------------------------------------------------------------------
# measurements (shared by the tests and the report printed by __main__)
# ---------------------------------------------------------------------------------------------

def _stats(d, ns, abs_tol, c):
    """(max |err|, max |err| / ns where ns > 1e-6, max excess over abs_tol + c ns)."""
    if not d.size:
        return 0.0, 0.0, -abs_tol
    big = ns > 1e-6
    ratio = float((d[big] / ns[big]).max()) if big.any() else 0.0
    return float(d.max()), ratio, float((d - abs_tol - c * ns).max())


def err_knf(x, **opts):
    """kaldi-native-fbank against the oracle: _stats of |err| (nats)."""
    a = knf_fbank(x, **opts).astype(np.float64)
    o = dict(opts)
    b = R.kaldi(x, o.pop("n_mels", 80), **o)
    assert a.shape == b.shape, (a.shape, b.shape)
    return _stats(np.abs(a - b), kaldi_float32_noise(x, **opts), KNF_ABS, KNF_NS)


def err_torchaudio(x, window="povey", snip_edges=True):
    a = torchaudio_fbank(x, window_type={"hann": "hanning", "rect": "rectangular"}.get(window, window),
                         snip_edges=snip_edges).astype(np.float64)
    b = R.kaldi(x, window=window, snip_edges=snip_edges)
    assert a.shape == b.shape, (a.shape, b.shape)
    return _stats(np.abs(a - b), kaldi_float32_noise(x, window=window, snip_edges=snip_edges), KNF_ABS, KNF_NS)


def err_knf_nemo(x, n_mels=80):
    """kaldi-native-fbank's NeMo log-mel against the oracle's (normalize="none"), valid frames."""
    a = knf_nemo(x, n_mels).astype(np.float64)
    valid = len(x) // 160
    assert a.shape == (valid, n_mels), (a.shape, valid)
    b = R.nemo(x, n_mels, normalize="none")[:, :valid].T
    ns = nemo_float32_noise(x, n_mels)[:, :valid].T
    return _stats(np.abs(a - b), ns, KNF_ABS, KNF_NS)


def err_seamless(x):
    """transformers' Seamless against the oracle: max error in log units (x the denominator)."""
    a, mask = hf_seamless(x)
    b, den = R.seamless(x, return_denominator=True)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.array_equal(mask, R.seamless_attention_mask(len(x)))
    return float((np.abs(a - b) * den[None, :]).max()) if b.size else 0.0


def err_parakeet(x, n_mels=80):
    """transformers' Parakeet against the oracle, in log units: _stats with the noise of each
    element plus its row's mean noise (the row's mean and std carry it)."""
    a, mask = hf_parakeet(x, n_mels)
    b, den = R.nemo(x, n_mels, return_denominator=True)
    assert a.shape == b.shape, (a.shape, b.shape)
    valid = len(x) // 160
    assert np.array_equal(mask, np.arange(b.shape[1]) < valid)
    d = (np.abs(a - b) * den[:, None])[:, :valid]
    ns = nemo_float32_noise(x, n_mels)[:, :valid]
    ns = ns + ns.mean(axis=1, keepdims=True) * (1 + np.abs(b[:, :valid]))
    return _stats(d, ns, PARAKEET_ABS, PARAKEET_NS)


def err_nemo(x, n_mels=80):
    """NeMo's own preprocessor against the oracle, in log units, as err_parakeet."""
    a, valid = nemo_preprocessor(x, n_mels)
    b, den = R.nemo(x, n_mels, return_denominator=True)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert valid == len(x) // 160, (valid, len(x))
    d = (np.abs(a - b) * den[:, None])[:, :valid]
    ns = nemo_float32_noise(x, n_mels)[:, :valid]
    ns = ns + ns.mean(axis=1, keepdims=True) * (1 + np.abs(b[:, :valid]))
    return _stats(d, ns, NEMO_ABS, NEMO_NS)


# ---------------------------------------------------------------------------------------------
# oracle properties (no original needed)
# ---------------------------------------------------------------------------------------------

def test_shapes_and_edges():
    for n in FI.EDGE_LENGTHS:
        x = FI.synthetic("noise", n, seed=n)
        nf = 0 if n < 400 else 1 + (n - 400) // 160
        assert R.kaldi(x).shape == (nf, 80)
        assert R.kaldi(x, 23, use_energy=True).shape == (nf, 24)
        assert R.kaldi(x, snip_edges=False).shape == ((n + 80) // 160, 80)
        assert R.seamless(x).shape == ((nf + 1) // 2, 160)
        assert R.nemo(x).shape == (80, n // 160 + 1)
        assert R.nemo(x, 128, pad_to=16).shape == (128, -(-(n // 160 + 1) // 16) * 16)
        for out in (R.kaldi(x), R.seamless(x), R.nemo(x), R.nemo(x, legacy=True)):
            assert np.all(np.isfinite(out))
        # current NeMo: the last frame is zero; below 320 samples (<= 1 valid frame) all of it
        nm = R.nemo(x)
        assert not nm[:, -1].any()
        assert (not nm.any()) == (n < 320)
        # one frame: Seamless' statistics give 0 (the original: NaN)
        if nf == 1:
            assert not R.seamless(x).any()


def test_empty_and_bad_input_raise():
    for f in (R.kaldi, R.nemo, R.seamless):
        with pytest.raises(ValueError, match="no audio samples"):
            f(np.zeros(0, np.float32))
        with pytest.raises(ValueError, match="NaN"):
            f(np.array([0.0, np.nan] * 300, np.float32))
    with pytest.raises(ValueError, match="mel range"):
        R.kaldi(np.zeros(800), low_freq=8000)
    with pytest.raises(ValueError, match="window"):
        R.kaldi(np.zeros(800), window="blackman")


def test_silence_is_the_log_floor():
    x = np.zeros(16000, np.float32)
    assert np.all(R.kaldi(x) == math.log(2.0 ** -23))
    assert np.all(R.kaldi(x, use_energy=True)[:, 0] == math.log(2.0 ** -23))
    assert not R.seamless(x).any()
    lm = R.nemo(x, normalize="none")
    assert np.all(lm[:, :-1] == math.log(2.0 ** -24)) and not lm[:, -1].any()


def test_kaldi_bank_matches_its_definition():
    """The triangles from transformers' construction (linspace of the mel points) and Kaldi's
    (left + b * delta) agree to rounding; the Nyquist bin carries no weight; each row's peak is
    below 1 and every row of the 80-bin bank has weight."""
    w = R.kaldi_mel_filters(80)
    mel = R.kaldi_mel_scale
    pts = np.linspace(mel(20.0), mel(8000.0), 82)
    fm = mel(31.25 * np.arange(257))
    up = (fm[None, :] - pts[:-2, None]) / np.diff(pts)[:-1, None]
    down = (pts[2:, None] - fm[None, :]) / np.diff(pts)[1:, None]
    w2 = np.maximum(0.0, np.minimum(up, down))
    assert np.abs(w - w2).max() < 1e-12
    assert not w[:, 256].any() and np.all(w.max(axis=1) > 0) and np.all(w <= 1.0)


def test_kaldi_snip_edges_false_reflects():
    """Frame t of snip_edges=False starts at 160 t - 120 and reflects (-s-1, 2n-1-s): the first
    frame equals the snip_edges frame of the explicitly reflected signal."""
    x = FI.synthetic("noise", 1000, seed=3).astype(np.float64)
    ext = np.concatenate([x[:120][::-1], x, x[::-1]])
    a = R.kaldi(x, snip_edges=False)
    b = R.kaldi(ext)
    assert np.abs(a[:4] - b[:4]).max() < 1e-9


def test_nemo_legacy_is_reflect_padding_with_all_frames_valid():
    x = FI.synthetic("noise", 4000, seed=5)
    cur, leg = R.nemo(x, normalize="none"), R.nemo(x, normalize="none", legacy=True)
    mid = slice(3, 20)  # frames away from both ends see no padding
    assert np.abs(cur[:, mid] - leg[:, mid]).max() < 1e-12
    assert leg[:, -1].any() and not cur[:, -1].any()
    n = R.nemo(x, legacy=True)
    assert np.abs(n.mean(axis=1)).max() < 1e-9            # all frames in the statistics
    assert np.abs(n.std(axis=1, ddof=1) - 1).max() < 1e-3


@needs_tf
def test_nemo_bank_is_transformers_slaney_bank():
    import inspect
    from transformers.audio_utils import mel_filter_bank
    # float64 (the default of the releases before mel_filter_bank took a dtype)
    f64 = {"dtype": np.float64} if "dtype" in inspect.signature(mel_filter_bank).parameters else {}
    for n_mels in (80, 128):
        hf = mel_filter_bank(num_frequency_bins=257, num_mel_filters=n_mels, min_frequency=0.0,
                             max_frequency=8000.0, sampling_rate=16000, norm="slaney",
                             mel_scale="slaney", **f64)
        assert hf.dtype == np.float64
        assert np.abs(hf.T - R.nemo_mel_filters(n_mels)).max() < 1e-12


# ---------------------------------------------------------------------------------------------
# against the originals
# ---------------------------------------------------------------------------------------------

@needs_knf
@pytest.mark.parametrize("opts", [
    {}, {"window": "hamming"}, {"window": "hann"}, {"window": "rect"}, {"use_energy": True},
    {"snip_edges": False}, {"low_freq": 100.0, "high_freq": -400.0}, {"low_freq": 0.0, "high_freq": 7000.0},
    {"n_mels": 23}, {"n_mels": 40}, {"scale": 1.0}])
def test_kaldi_vs_kaldi_native_fbank(opts):
    for name, x in _inputs(max_seconds=20 if opts else 60):
        worst, ratio, excess = err_knf(x, **opts)
        assert excess <= 0, (name, opts, worst, ratio)


@needs_knf
def test_kaldi_short_inputs_give_no_frames_like_kaldi_native_fbank():
    for n in (1, 2, 160, 399):
        x = FI.synthetic("noise", n, seed=n)
        assert knf_fbank(x).shape == R.kaldi(x).shape == (0, 80)
    assert knf_fbank(FI.synthetic("noise", 400)).shape == R.kaldi(FI.synthetic("noise", 400)).shape == (1, 80)


@needs_knf
@pytest.mark.parametrize("n_mels", [80, 128])
def test_nemo_log_mel_vs_kaldi_native_fbank(n_mels):
    for name, x in _inputs(max_seconds=30):
        worst, ratio, excess = err_knf_nemo(x, n_mels)
        assert excess <= 0, (name, n_mels, worst, ratio)


@needs_ta
@pytest.mark.parametrize("opts", [{}, {"window": "hamming"}, {"snip_edges": False}])
def test_kaldi_vs_torchaudio(opts):
    for name, x in _inputs(max_seconds=20):
        if len(x) < 400:
            continue
        worst, ratio, excess = err_torchaudio(x, **opts)
        assert excess <= 0, (name, opts, worst, ratio)


@needs_ta
def test_torchaudio_refuses_short_inputs():
    """torchaudio asserts n >= 400 where kaldi-native-fbank (the reference) returns no frames."""
    with pytest.raises(AssertionError):
        torchaudio_fbank(FI.synthetic("noise", 399))


@needs_tf
def test_seamless_vs_transformers():
    for name, x in _inputs():
        if len(x) < 560:   # one frame: the original's statistics are NaN (test below)
            continue
        e = err_seamless(x)
        assert e <= SEAMLESS_TOL, (name, e)


@needs_tf
def test_seamless_edges_vs_transformers():
    """240..399 samples: both give no rows; below 240 the original raises (a negative frame
    count) where the oracle gives no rows; one frame: the original's statistics are NaN (ddof=1
    over one frame), the oracle's 0; a half-padded last row is masked out."""
    for n in (240, 399):
        a, mask = hf_seamless(FI.synthetic("noise", n))
        assert a.shape == R.seamless(FI.synthetic("noise", n)).shape == (0, 160) and mask.size == 0
    with pytest.raises(ValueError):
        hf_seamless(FI.synthetic("noise", 239))
    assert R.seamless(FI.synthetic("noise", 239)).shape == (0, 160)
    with np.errstate(all="ignore"):
        a, _ = hf_seamless(FI.synthetic("noise", 401))
    assert np.isnan(a[0, :80]).all() and not a[0, 80:].any() and not R.seamless(FI.synthetic("noise", 401)).any()
    a, mask = hf_seamless(FI.synthetic("noise", 400 + 160 * 4))   # 5 frames -> 3 rows
    assert a.shape == (3, 160) and list(mask) == [1, 1, 0] and not a[2, 80:].any()


def _held_to_the_nemo_oracle(err):
    """An original of the nemo front-end (err_parakeet, err_nemo) within its bound of the
    oracle on the goldens and random clips, at 80 and 128 mels."""
    for n_mels in (80, 128):
        for name, x in _inputs(max_seconds=30):
            worst, ratio, excess = err(x, n_mels)
            assert excess <= 0, (name, n_mels, worst, ratio)


@needs_parakeet
def test_nemo_vs_transformers_parakeet():
    _held_to_the_nemo_oracle(err_parakeet)


@needs_parakeet
def test_parakeet_nan_below_320_samples_where_the_oracle_gives_zeros():
    for n in (160, 319):
        a, _ = hf_parakeet(FI.synthetic("noise", n))
        assert np.isnan(a).all()
        assert not R.nemo(FI.synthetic("noise", n)).any()


@needs_nemo
def test_nemo_vs_nemo_preprocessor():
    _held_to_the_nemo_oracle(err_nemo)


@needs_nemo
def test_nemo_preprocessor_edges_match_the_oracle():
    # the last frame (zero padding only) is zero and outside the statistics; one valid frame
    # (a NaN std in NeMo) gives zeros; below 320 samples NeMo on the CPU gives zeros
    for n in (160, 319, 320, 399, 400, 401, 511, 512, 513):
        x = FI.synthetic("noise", n, seed=n)
        a, valid = nemo_preprocessor(x)
        b = R.nemo(x)
        assert a.shape == b.shape and valid == n // 160, (n, a.shape, b.shape, valid)
        assert np.isfinite(a).all(), n
        assert not a[:, valid:].any() and not b[:, valid:].any(), n
        if valid <= 1:
            assert not a.any() and not b.any(), n


# ---------------------------------------------------------------------------------------------

def report():
    """Prints each original's error against the oracle (max over the goldens and random clips):
    the max error, the max error over the float32 noise estimate ns, and whether the bound holds."""
    ins = _inputs(max_seconds=60)
    rows = []
    if _have("kaldi_native_fbank"):
        rows.append(("kaldi", "kaldi-native-fbank", [err_knf(x) for _, x in ins]))
    if _have("kaldi_native_fbank"):
        rows.append(("nemo", "kaldi-native-fbank NeMo (log-mel)", [err_knf_nemo(x) for _, x in ins]))
    if _have("torch") and _have("torchaudio"):
        rows.append(("kaldi", "torchaudio kaldi.fbank", [err_torchaudio(x) for _, x in ins if len(x) >= 400]))
    if _have("transformers"):
        rows.append(("seamless", "transformers SeamlessM4T",
                     [(err_seamless(x), 0.0, 0.0) for _, x in ins if len(x) >= 560]))
    if _have("torch") and _have("transformers"):
        rows.append(("nemo", "transformers Parakeet", [err_parakeet(x) for _, x in ins]))
    if _have("torch") and _have("nemo.collections.asr"):
        rows.append(("nemo", "NeMo AudioToMelSpectrogramPreprocessor", [err_nemo(x) for _, x in ins]))
    print(f"inputs: {len(ins)} ({len(FI.golden_names())} goldens up to 60 s, the rest synthetic)")
    print(f"{'front-end':9s} {'original':34s} {'max |err|':>10s} {'max |err|/ns':>13s}  bound")
    for fe, orig, e in rows:
        print(f"{fe:9s} {orig:34s} {max(t[0] for t in e):10.3g} {max(t[1] for t in e):13.3g}  "
              f"{'holds' if max(t[2] for t in e) <= 0 else 'EXCEEDED'}")


if __name__ == "__main__":
    report()
