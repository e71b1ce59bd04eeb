"""test_kaldi_api.py -- wmel.kaldi as kaldi-native-fbank 1.23's feature API: OnlineFbank with every
option the engine computes, OnlineMfcc, OnlineWhisperFbank, OnlineRawAudioSamples,
OnlineNemoFbank, MelBanks,
FeatureWindowFunction, Rfft, Stft/IStft, CMVN, deltas, splicing; the refusals.

Held always to the float64 oracle of tests/python/kaldi_oracle.py, online with random chunkings,
and, where kaldi-native-fbank is installed (skipped, saying so, where not), to it: the same frame
counts after every chunk, the same shapes, values within its float32 arithmetic.

Bounds (measured over the cases below on noise at 3000/32768 full scale, 2 s; bound ~10x):
  vs the oracle, log outputs: |a - o| <= 4 ulp32(o) + 1e-6 (one rounding of a float64 value;
    measured 5.9e-8 x max(1, |o|))
  vs the oracle, linear outputs (use_log_fbank False, Whisper's mel power): relative 2^-22
    (measured 5.9e-8)
  vs the oracle, MFCC: |a - o| <= 2^-22 x max(1, |o|) (the plan's cepstra, float64 rounded once:
    measured 5.9e-8)
  vs kaldi-native-fbank, log outputs: 1e-3 (measured 9.3e-5); linear: relative 1e-4 of the
    frame's largest value (measured 1.2e-5); MFCC: 1e-3 x max(1, |b|) (measured 7.9e-5: its
    float32 mel energies through the DCT)
"""
import math
import os
import pickle
import sys

import numpy as np
import pytest

import wmel.kaldi as K

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kaldi_oracle as O  # noqa: E402

try:
    import kaldi_native_fbank as knf
except ImportError:
    knf = None
needs_knf = pytest.mark.skipif(knf is None, reason="kaldi-native-fbank not installed: the "
                               "oracle comparisons still run")


def _x(n=16000 * 2 + 77, seed=0, scale=3000.0):
    return (np.random.default_rng(seed).standard_normal(n) * scale).astype(np.float32)


def _set(o, kw):
    for k, v in kw.items():
        for part in (o.frame_opts, getattr(o, "mel_opts", None), o):
            if part is not None and hasattr(part, k):
                setattr(part, k, v)
                break
        else:
            raise KeyError(k)
    return o


def _opts(mod, cls, kw):
    o = getattr(mod, cls)()
    if hasattr(o, "frame_opts") and cls != "WhisperFeatureOptions":
        o.frame_opts.dither = 0.0
    return _set(o, kw) if cls != "WhisperFeatureOptions" else _set_whisper(o, kw)


def _set_whisper(o, kw):
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def _run(mod, online, opts, x, sr, chunks=None, counts=None):
    f = getattr(mod, online)(opts)
    pieces = [x] if chunks is None else np.split(x, np.cumsum(chunks)[:-1])
    for p in pieces:
        f.accept_waveform(sr, p if mod is K else p.tolist())
        if counts is not None:
            counts.append(f.num_frames_ready)
    f.input_finished()
    if counts is not None:
        counts.append(f.num_frames_ready)
    n = f.num_frames_ready
    if mod is K and n:   # frames read as they come and at the end must agree
        assert np.array_equal(f.get_frames(), np.stack([f.get_frame(i) for i in range(n)]))
    out = np.stack([f.get_frame(i) for i in range(n)]) if n else np.zeros((0, f.dim), np.float32)
    return out, f


def _chunks(n, seed):
    rng = np.random.default_rng(seed)
    c = []
    while sum(c) < n:
        c.append(int(rng.integers(1, 2500)))
    c[-1] -= sum(c) - n
    return [v for v in c if v > 0] or [0]


def _log_close(a, o):
    assert a.shape == o.shape, (a.shape, o.shape)
    if o.size:
        tol = 4 * np.spacing(np.abs(o).astype(np.float32)).astype(np.float64) + 1e-6
        assert np.all(np.abs(a - o) <= tol), float((np.abs(a - o) - tol).max())


def _lin_close(a, o, rel=2.0 ** -22):
    assert a.shape == o.shape, (a.shape, o.shape)
    if o.size:
        assert np.all(np.abs(a - o) <= rel * np.abs(o) + 1e-30), float((np.abs(a - o) / np.abs(o)).max())


def _oracle_kw(kw, sr):
    fo = dict(sr=sr)
    m = {"frame_length_ms": "length_ms", "frame_shift_ms": "shift_ms", "snip_edges": "snip",
         "window_type": "window_type", "preemph_coeff": "preemph", "remove_dc_offset": "remove_dc",
         "round_to_power_of_two": "round_pow2", "num_bins": "n_mels", "low_freq": "lo",
         "high_freq": "hi", "use_energy": "use_energy", "energy_floor": "energy_floor",
         "use_power": "power", "use_log_fbank": "log", "use_log_floor": "log_floor", "eps": "eps",
         "is_librosa": "librosa", "htk_compat": "htk_compat", "num_ceps": "num_ceps",
         "cepstral_lifter": "cepstral_lifter", "blackman_coeff": "blackman_coeff",
         "raw_energy": "raw_energy", "htk_mode": "htk_mode"}
    for k, v in kw.items():
        if k == "samp_freq":
            continue
        if k == "norm":
            fo["norm"] = v == "slaney"
            continue
        fo[m[k]] = v
    return fo


FBANK_CASES = [
    ({}, 16000),
    ({"samp_freq": 8000.0}, 8000),                                   # telephony
    ({"samp_freq": 8000.0, "snip_edges": False, "num_bins": 15}, 8000),
    ({"frame_length_ms": 20.0, "frame_shift_ms": 7.0}, 16000),
    ({"round_to_power_of_two": False}, 16000),                       # a 400-point transform
    ({"round_to_power_of_two": False, "frame_length_ms": 30.0, "samp_freq": 8000.0}, 8000),
    ({"window_type": "hann", "num_bins": 80}, 16000),
    ({"window_type": "rectangular", "snip_edges": False}, 16000),
    ({"window_type": "blackman"}, 16000),
    ({"window_type": "blackman", "blackman_coeff": 0.3, "snip_edges": False}, 16000),
    ({"preemph_coeff": 0.5, "remove_dc_offset": False}, 16000),
    ({"preemph_coeff": 0.0}, 16000),
    ({"use_power": False}, 16000),
    ({"use_log_fbank": False}, 16000),
    ({"use_log_floor": False, "eps": 2.0 ** -24}, 16000),            # NeMo's ln(x + eps)
    ({"use_energy": True, "htk_compat": True, "energy_floor": 1.0}, 16000),
    ({"use_energy": True, "snip_edges": False, "samp_freq": 22050.0, "num_bins": 40}, 22050),
    ({"is_librosa": True, "low_freq": 0.0, "num_bins": 80}, 16000),
    ({"is_librosa": True, "low_freq": 0.0, "num_bins": 64, "norm": ""}, 16000),
    ({"low_freq": 64.0, "high_freq": -400.0, "num_bins": 40}, 16000),
    ({"use_energy": True, "raw_energy": False}, 16000),               # the windowed frame's energy
    ({"use_energy": True, "raw_energy": False, "snip_edges": False, "energy_floor": 1.0,
      "window_type": "hamming"}, 16000),
    ({"window_type": "sine"}, 16000), ({"window_type": "sine", "snip_edges": False}, 16000),
    ({"htk_mode": True}, 16000),                                      # Kaldi's HTK mode
    ({"htk_mode": True, "use_log_fbank": False}, 16000),
    ({"htk_mode": True, "use_log_floor": False, "eps": 2.0 ** -24, "snip_edges": False}, 16000),
    ({"htk_mode": True, "low_freq": 0.0, "use_energy": True, "htk_compat": True}, 16000),
    ({"htk_mode": True, "is_librosa": True, "low_freq": 0.0, "num_bins": 64}, 16000),
]


def _fbank_check(kw, sr, a):
    o = O.fbank(_x().astype(np.float64), **_oracle_kw(kw, sr))
    if kw.get("use_log_fbank", True):
        _log_close(a, o)
    else:
        _lin_close(a, o)


@pytest.mark.parametrize("kw,sr", FBANK_CASES)
def test_online_fbank_options_vs_oracle(kw, sr):
    x = _x()
    a, f = _run(K, "OnlineFbank", _opts(K, "FbankOptions", kw), x, sr, _chunks(len(x), 1))
    _fbank_check(kw, sr, a)
    b, _ = _run(K, "OnlineFbank", _opts(K, "FbankOptions", kw), x, sr)
    assert np.array_equal(a, b)                      # chunking changes nothing, bit for bit


@needs_knf
@pytest.mark.parametrize("kw,sr", FBANK_CASES)
def test_online_fbank_options_vs_knf(kw, sr):
    x = _x()
    ch = _chunks(len(x), 2)
    ca, cb = [], []
    a, fa = _run(K, "OnlineFbank", _opts(K, "FbankOptions", kw), x, sr, ch, ca)
    b, fb = _run(knf, "OnlineFbank", _opts(knf, "FbankOptions", kw), x, sr, ch, cb)
    assert ca == cb and a.shape == b.shape and fa.dim == fb.dim
    assert fa.frame_shift_in_seconds == pytest.approx(fb.frame_shift_in_seconds)
    if kw.get("use_log_fbank", True):
        assert np.abs(a.astype(np.float64) - b).max() <= 1e-3
    else:
        assert np.all(np.abs(a.astype(np.float64) - b) <= 1e-4 * np.abs(b).max(axis=1, keepdims=True))


MFCC_CASES = [
    ({}, 16000), ({"use_energy": False}, 16000), ({"use_energy": False, "htk_compat": True}, 16000),
    ({"htk_compat": True, "energy_floor": 1.0}, 16000),
    ({"cepstral_lifter": 0.0, "num_ceps": 40, "num_bins": 40}, 16000), ({"num_bins": 3, "num_ceps": 3}, 16000),
    ({"samp_freq": 8000.0, "snip_edges": False}, 8000),
    ({"num_ceps": 1}, 16000), ({"num_ceps": 23, "num_bins": 23, "window_type": "hamming"}, 16000),
    ({"raw_energy": False}, 16000),
    ({"htk_mode": True}, 16000), ({"htk_mode": True, "snip_edges": False, "htk_compat": True}, 16000),
]


@pytest.mark.parametrize("kw,sr", MFCC_CASES)
def test_online_mfcc_vs_oracle(kw, sr):
    x = _x()
    a, f = _run(K, "OnlineMfcc", _opts(K, "MfccOptions", kw), x, sr, _chunks(len(x), 3))
    ok = _oracle_kw(kw, sr)
    mk = {k: ok.pop(k) for k in ("num_ceps", "cepstral_lifter", "htk_compat") if k in ok}
    mk["use_energy"] = ok.pop("use_energy", True)
    o = O.mfcc(x.astype(np.float64), **mk, **ok)
    assert a.shape == o.shape and f.dim == o.shape[1]
    assert np.all(np.abs(a - o) <= 2.0 ** -22 * np.maximum(1.0, np.abs(o))), float(np.abs(a - o).max())


@needs_knf
@pytest.mark.parametrize("kw,sr", MFCC_CASES)
def test_online_mfcc_vs_knf(kw, sr):
    x = _x()
    ch = _chunks(len(x), 4)
    ca, cb = [], []
    a, _ = _run(K, "OnlineMfcc", _opts(K, "MfccOptions", kw), x, sr, ch, ca)
    b, _ = _run(knf, "OnlineMfcc", _opts(knf, "MfccOptions", kw), x, sr, ch, cb)
    assert ca == cb and a.shape == b.shape
    assert np.all(np.abs(a.astype(np.float64) - b) <= 1e-3 * np.maximum(1.0, np.abs(b)))


@pytest.mark.parametrize("dim", [80, 128])
def test_online_whisper_fbank(dim):
    x = _x(scale=0.1)
    ch = _chunks(len(x), 5)
    ca = []
    a, f = _run(K, "OnlineWhisperFbank", K.WhisperFeatureOptions(dim=dim), x, 16000, ch, ca)
    _lin_close(a, O.whisper_power(x, dim))
    assert f.dim == dim and f.frame_shift_in_seconds == pytest.approx(0.01)
    if knf is not None:
        cb = []
        b, _ = _run(knf, "OnlineWhisperFbank", knf.WhisperFeatureOptions(dim=dim), x, 16000, ch, cb)
        assert ca == cb and a.shape == b.shape
        assert np.all(np.abs(a.astype(np.float64) - b) <= 1e-4 * np.abs(b).max(axis=1, keepdims=True))


@pytest.mark.parametrize("kw", [{}, {"window_type": "blackman", "snip_edges": False, "remove_dc_offset": True,
                                     "preemph_coeff": 0.97}, {"window_type": "sine", "frame_length_ms": 20.0}])
def test_online_raw_audio_samples(kw):
    x = _x()
    o = K.RawAudioSamplesOptions()
    _set(o, kw)
    a, f = _run(K, "OnlineRawAudioSamples", o, x, 16000, _chunks(len(x), 6))
    L, H = O.sizes(16000, kw.get("frame_length_ms", 25.0), 10.0)
    fr = O.frames(x, L, H, kw.get("snip_edges", True))
    if kw.get("remove_dc_offset"):
        fr = fr - fr.mean(axis=1, keepdims=True)
    if kw.get("preemph_coeff"):
        g = fr.copy()
        g[:, 1:] -= kw["preemph_coeff"] * fr[:, :-1]
        g[:, 0] -= kw["preemph_coeff"] * fr[:, 0]
        fr = g
    o64 = fr * O.window(kw.get("window_type", "rectangular"), L)
    assert a.shape == o64.shape and f.dim == L
    assert np.all(np.abs(a - o64) <= np.spacing(np.abs(o64).astype(np.float32)))   # one rounding
    if knf is not None:
        ok = knf.RawAudioSamplesOptions()
        _set(ok, kw)
        b, _ = _run(knf, "OnlineRawAudioSamples", ok, x, 16000, _chunks(len(x), 6))
        assert a.shape == b.shape
        assert np.all(np.abs(a.astype(np.float64) - b) <= 1e-5 * np.abs(b).max() + 0.0)


@pytest.mark.parametrize("online,cls,sr,L", [("OnlineFbank", "FbankOptions", 16000, 400),
                                             ("OnlineMfcc", "MfccOptions", 16000, 400),
                                             ("OnlineFbank", "FbankOptions", 8000, 200),
                                             ("OnlineWhisperFbank", "WhisperFeatureOptions", 16000, 400)])
@pytest.mark.parametrize("snip", [True, False])
def test_edge_lengths(online, cls, sr, L, snip):
    """0, 1, one frame - 1, one frame, one frame + 1, one frame + a hop: the original's frame
    counts, and the oracle's values."""
    if cls == "WhisperFeatureOptions" and snip:
        pytest.skip("Whisper's framing is fixed (snip_edges False)")
    kw = {} if cls == "WhisperFeatureOptions" else {"samp_freq": float(sr), "snip_edges": snip}
    H = L * 2 // 5
    for n in (0, 1, L - 1, L, L + 1, L + H):
        x = _x(n, seed=n, scale=0.1 if online == "OnlineWhisperFbank" else 3000.0)
        a, _ = _run(K, online, _opts(K, cls, kw), x, sr)
        if online == "OnlineWhisperFbank":
            o = O.whisper_power(x) if n else np.zeros((0, 80))
            _lin_close(a, o)
        elif online == "OnlineMfcc":
            o = O.mfcc(x, sr=sr, snip=snip) if n else np.zeros((0, 13))
            assert a.shape == o.shape and np.all(np.abs(a - o) <= 2e-5 * np.maximum(1, np.abs(o)))
        else:
            o = O.fbank(x, sr=sr, snip=snip) if n else np.zeros((0, 23))
            _log_close(a, o)
        if knf is not None:
            b, _ = _run(knf, online, _opts(knf, cls, kw), x, sr)
            assert a.shape == b.shape, (n, a.shape, b.shape)


@pytest.mark.parametrize("kind,kw", [("OnlineFbank", {}), ("OnlineFbank", {"use_log_fbank": False}),
                                     ("OnlineFbank", {"use_log_floor": False, "snip_edges": False}),
                                     ("OnlineMfcc", {}), ("OnlineMfcc", {"snip_edges": False})])
def test_htk_mode_floor(kind, kw):
    """HTK mode on a quiet signal, where most mel energies are below its floor of 1."""
    x = _x(scale=0.02)
    kw = dict(kw, htk_mode=True, num_bins=23)
    cls = "FbankOptions" if kind == "OnlineFbank" else "MfccOptions"
    a, _ = _run(K, kind, _opts(K, cls, kw), x, 16000, _chunks(len(x), 5))
    ok = _oracle_kw(kw, 16000)
    if kind == "OnlineFbank":
        o = O.fbank(x.astype(np.float64), **ok)
        mel = O.fbank(x.astype(np.float64), **dict(ok, htk_mode=False, log=False))
        assert (mel < 1.0).mean() > 0.3                    # the floor is exercised
        (_log_close if kw.get("use_log_fbank", True) else _lin_close)(a, o)
    else:
        o = O.mfcc(x.astype(np.float64), **ok)
        assert np.all(np.abs(a - o) <= 2.0 ** -22 * np.maximum(1.0, np.abs(o)))
    if knf is not None:
        b, _ = _run(knf, kind, _opts(knf, cls, kw), x, 16000, _chunks(len(x), 5))
        assert a.shape == b.shape
        assert np.all(np.abs(a.astype(np.float64) - b) <= 1e-3 * np.maximum(1.0, np.abs(b)))


def test_debug_mel_prints_the_bank(capfd):
    K.MelBanks(K.MelBanksOptions(num_bins=5, debug_mel=True), K.FrameExtractionOptions())
    err = capfd.readouterr().err
    assert err.count("bin ") == 5 and "bin 0, offset = " in err
    K.OnlineFbank(_opts(K, "FbankOptions", {"num_bins": 4, "debug_mel": True}))
    assert capfd.readouterr().err.count(", vec = ") == 4


def test_refusals_name_the_option():
    x = _x(1000)
    for kw, msg in [({"window_type": "blackman", "blackman_coeff": 0.0}, "blackman_coeff"),
                    ({"window_type": "kaiser"}, "knows"),
                    ({"num_bins": 2}, "at least 3"),
                    ({"round_to_power_of_two": False, "frame_length_ms": 25.0625}, "odd"),
                    ({"round_to_power_of_two": False, "frame_length_ms": 21.75}, "product of 2, 3 and 5"),
                    ({"samp_freq": 16000.5}, "whole sample rates"), ({"num_bins": 600}, "3..512"),
                    ({"num_bins": 128}, "no FFT bin"), ({"preemph_coeff": 2.0}, "0..1"),
                    ({"use_slaney_mel_scale": False, "is_librosa": True}, "use_slaney_mel_scale"),
                    ({"floor_to_int_bin": True, "is_librosa": True}, "floor_to_int_bin")]:
        with pytest.raises(ValueError, match=msg):
            K.OnlineFbank(_opts(K, "FbankOptions", kw)).accept_waveform(16000, x)
    with pytest.raises(ValueError, match="num_ceps 14 cannot be larger"):
        K.OnlineMfcc(_opts(K, "MfccOptions", {"num_ceps": 14, "num_bins": 13}))
    with pytest.raises(ValueError, match="whole sample rates"):
        K.OnlineNemoFbank(K.NemoFbankOptions(samp_freq=16000.5))
    # the librosa-style banks: the original's checks and messages
    for make in (lambda m, d: m.OnlineWhisperFbank(m.WhisperFeatureOptions(dim=d)),
                 lambda m, d: m.OnlineNemoFbank(m.NemoFbankOptions(num_mel_bins=d)),
                 lambda m, d: m.OnlineFbank(_opts(m, "FbankOptions", {"is_librosa": True, "num_bins": d,
                                                                     "low_freq": 0.0}))):
        for d, msg in ((2, "at least 3"), (200, "too large")):
            for m in [K] + ([knf] if knf is not None else []):
                with pytest.raises(ValueError, match=msg):
                    make(m, d)
    with pytest.raises(TypeError, match="frame_opts.snip_edges"):
        K.OnlineFbank(_opts(K, "FbankOptions", {"snip_edges": "yes"}))
    with pytest.raises(TypeError):
        K.OnlineMfcc(K.FbankOptions())
    f = K.OnlineMfcc(_opts(K, "MfccOptions", {}))
    with pytest.raises(ValueError, match="sampling_rate"):
        f.accept_waveform(8000, x)
    f.input_finished()
    with pytest.raises(RuntimeError):
        f.accept_waveform(16000, x)


def test_options_classes_match_knf():
    """Field names, order and defaults of every option class; keyword constructors; pickling."""
    for cls in ("FrameExtractionOptions", "MelBanksOptions", "FbankOptions", "MfccOptions",
                "WhisperFeatureOptions", "RawAudioSamplesOptions", "NemoFbankOptions"):
        o = getattr(K, cls)()
        assert pickle.loads(pickle.dumps(o)) == o
        assert type(o).from_dict(o.as_dict()) == o
        if knf is None:
            continue
        theirs = getattr(knf, cls)().as_dict()
        ours = o.as_dict()
        assert list(ours) == list(theirs), cls
        for k, v in theirs.items():
            if isinstance(v, dict):
                assert list(ours[k]) == list(v), (cls, k)
                for kk, vv in v.items():
                    want = pytest.approx(vv) if isinstance(vv, float) else vv
                    assert ours[k][kk] == want, (cls, k, kk)
            else:
                assert ours[k] == pytest.approx(v) if isinstance(v, float) else ours[k] == v, (cls, k)
    o = K.MfccOptions(num_ceps=20, frame_opts=K.FrameExtractionOptions(samp_freq=8000.0))
    assert o.num_ceps == 20 and o.frame_opts.samp_freq == 8000.0 and o.mel_opts.num_bins == 23
    with pytest.raises(AttributeError):
        K.MfccOptions(num_cep=3)


# ---- the building blocks -------------------------------------------------------------------------

@pytest.mark.parametrize("mel,fo", [({}, {}), ({"num_bins": 80, "low_freq": 0.0}, {"samp_freq": 8000.0}),
                                    ({"is_librosa": True, "low_freq": 0.0, "num_bins": 80},
                                     {"round_to_power_of_two": False}),
                                    ({"is_librosa": True, "low_freq": 0.0, "num_bins": 40, "norm": ""}, {}),
                                    ({"is_librosa": True, "low_freq": 0.0, "num_bins": 40,
                                      "use_slaney_mel_scale": False}, {}),
                                    ({"is_librosa": True, "low_freq": 0.0, "num_bins": 40,
                                      "floor_to_int_bin": True}, {}),
                                    ({"htk_mode": True}, {}), ({"htk_mode": True, "low_freq": 0.0}, {}),
                                    ({"num_bins": 3}, {})])
def test_mel_banks(mel, fo):
    a = K.MelBanks(K.MelBanksOptions(**mel), K.FrameExtractionOptions(**fo))
    fro = K.FrameExtractionOptions(**fo)
    n_fft, sr = fro.padded_window_size(), fro.samp_freq
    m = mel.get("num_bins", 25)
    if mel.get("is_librosa"):
        o = O.slaney_bank(m, mel.get("low_freq", 20.0), 0.0, n_fft, sr, mel.get("norm", "slaney") == "slaney",
                          htk_scale=not mel.get("use_slaney_mel_scale", True),
                          floor_int=mel.get("floor_to_int_bin", False))
    else:
        o = O.kaldi_bank(m, mel.get("low_freq", 20.0), 0.0, n_fft, sr)
        if mel.get("htk_mode") and mel.get("low_freq", 20.0) != 0.0:
            o[0, np.flatnonzero(o[0])[0]] = 0.0          # HTK mode: the first filter's first weight
    assert np.all(np.abs(a.get_matrix() - o) <= np.spacing(o.astype(np.float32)) + 1e-12)
    p = np.random.default_rng(0).random(n_fft // 2 + 1).astype(np.float32) * 100
    po = o @ p.astype(np.float64)
    if mel.get("htk_mode"):
        po = np.maximum(po, 1.0)                          # and the mel energies floored at 1
    _lin_close(a.compute(p), po, 2.0 ** -23)
    if knf is not None:
        b = knf.MelBanks(knf.MelBanksOptions(**mel), knf.FrameExtractionOptions(**fo))
        assert a.dim == b.dim and a.get_matrix().shape == b.get_matrix().shape
        assert np.abs(a.get_matrix() - b.get_matrix()).max() <= 1e-4     # measured 1.2e-5
        _lin_close(a.compute(p), np.asarray(b.compute(p), np.float64), 1e-4)
        for f in ("mel_scale", "inverse_mel_scale", "mel_scale_slaney", "inverse_mel_scale_slaney"):
            for v in ((0.0, 10.0, 15.0, 30.0, 60.0) if f.startswith("inverse") else (0.0, 500.0, 1000.0, 4321.0)):
                # the original's float32 log/exp: relative 1e-5 (measured 4e-7)
                assert getattr(K.MelBanks, f)(v) == pytest.approx(getattr(knf.MelBanks, f)(v), rel=1e-5)


def test_mel_banks_refusals():
    for mel, msg in [({"num_bins": 2}, "at least 3"), ({"num_bins": 128}, "too large"),
                     ({"is_librosa": True, "norm": "htk"}, "Unsupported norm"),
                     ({"low_freq": 9000.0}, "Bad values")]:
        with pytest.raises(ValueError, match=msg):
            K.MelBanks(K.MelBanksOptions(**mel), K.FrameExtractionOptions())
        if knf is not None:
            with pytest.raises(ValueError):
                knf.MelBanks(knf.MelBanksOptions(**mel), knf.FrameExtractionOptions())
    with pytest.raises(ValueError, match="vtln_warp.*is_librosa"):   # knf ignores the factor there
        K.MelBanks(K.MelBanksOptions(is_librosa=True, low_freq=0.0), K.FrameExtractionOptions(), 0.9)


@pytest.mark.parametrize("w", ["hanning", "hann", "sine", "hamming", "povey", "rectangular", "blackman"])
def test_feature_window_function(w):
    a = K.FeatureWindowFunction(K.FrameExtractionOptions(window_type=w))
    o = O.window(w, 400)
    assert np.all(np.abs(np.array(a.window) - o) <= np.spacing(np.float32(1.0)))
    frame = _x(400).tolist()
    assert np.allclose(a.apply(frame), np.array(frame) * np.array(a.window, np.float32), rtol=2 ** -23)
    if knf is not None:
        b = knf.FeatureWindowFunction(knf.FrameExtractionOptions(window_type=w))
        assert np.abs(np.array(a.window) - np.array(b.window)).max() <= 1.2e-7


@pytest.mark.parametrize("n", [2, 4, 400, 402, 512])
def test_rfft(n):
    x = _x(n, scale=1.0).tolist()
    z = np.fft.rfft(np.array(x, np.float64))
    a = np.array(K.Rfft(n).compute(x))
    o = np.concatenate([[z[0].real, z[n // 2].real], np.stack([z[1:n // 2].real, z[1:n // 2].imag], 1).reshape(-1)])
    assert np.all(np.abs(a - o) <= np.spacing(np.abs(o).astype(np.float32)))
    back = np.array(K.Rfft(n, inverse=True).compute(a.tolist()))
    assert np.allclose(back, n * np.array(x), rtol=0, atol=1e-5 * n)
    if knf is not None:
        assert np.abs(a - np.array(knf.Rfft(n).compute(x))).max() <= 1e-5 * max(1.0, np.abs(o).max())
        assert np.abs(back - np.array(knf.Rfft(n, True).compute(a.tolist()))).max() <= 1e-4 * n
    with pytest.raises(ValueError, match="even"):
        K.Rfft(n + 1)


@pytest.mark.parametrize("cfg", [dict(n_fft=512, hop_length=128, win_length=400, window_type="hann"),
                                 dict(n_fft=400, hop_length=160, win_length=400, window_type="hann", center=False),
                                 dict(n_fft=16, hop_length=4, win_length=16, window_type="", normalized=True),
                                 dict(n_fft=512, hop_length=160, win_length=512, window_type="povey"),
                                 dict(n_fft=512, hop_length=160, win_length=512, window_type="hann",
                                      pad_mode="constant"),
                                 dict(n_fft=512, hop_length=160, win_length=512, window_type="", pad_mode="replicate"),
                                 dict(n_fft=512, hop_length=160, win_length=512,
                                      window=list(O.window("hanning", 400)) + [0.0] * 112),
                                 dict(n_fft=512, hop_length=160, win_length=400, window=list(O.window("hanning", 400)),
                                      pad_mode="constant")])
def test_stft_istft(cfg):
    x = _x(3000, scale=1.0)
    r = K.Stft(K.StftConfig(**cfg)).compute(x.tolist())
    n_fft = cfg["n_fft"]
    w = np.ones(n_fft)
    if cfg.get("window"):
        wl = len(cfg["window"])
        w[:wl] = np.float32(cfg["window"])
    else:
        wl = cfg["win_length"] if cfg["window_type"] else n_fft
        if cfg["window_type"]:
            w[:wl] = O.window(cfg["window_type"], wl)
    mode = {"reflect": "reflect", "constant": "constant", "replicate": "edge"}[cfg.get("pad_mode", "reflect")]
    xp = np.pad(x.astype(np.float64), n_fft // 2, mode=mode) if cfg.get("center", True) else x.astype(np.float64)
    nf = 1 + (len(xp) - n_fft) // cfg["hop_length"]
    z = np.stack([np.fft.rfft(xp[t * cfg["hop_length"]:t * cfg["hop_length"] + n_fft] * w) for t in range(nf)])
    if cfg.get("normalized"):
        z /= math.sqrt(n_fft)
    assert r.num_frames == nf
    assert np.abs(np.array(r.real) - z.real.reshape(-1)).max() <= 1e-6 * np.abs(z).max()
    assert np.abs(np.array(r.imag) - z.imag.reshape(-1)).max() <= 1e-6 * np.abs(z).max()
    y = np.array(K.IStft(K.StftConfig(**cfg)).compute(r))
    if knf is not None:
        b = knf.Stft(knf.StftConfig(**cfg)).compute(x.tolist())
        assert b.num_frames == r.num_frames
        assert np.abs(np.array(r.real) - np.array(b.real)).max() <= 1e-5 * np.abs(z).max()
        yb = np.array(knf.IStft(knf.StftConfig(**cfg)).compute(b))
        assert yb.shape == y.shape
        if wl == n_fft:   # the original reads past a shorter window (see docs/kaldi.md); without
            # centring, away from the ends, where its float32 window envelope is near 0
            sl = slice(None) if cfg.get("center", True) else slice(n_fft // 2, -n_fft // 2)
            assert np.abs(y[sl] - yb[sl]).max() <= 1e-4
    if cfg.get("center", True) and cfg.get("pad_mode", "reflect") == "reflect":
        assert np.abs(y - x[:len(y)]).max() <= 1e-5      # a perfect reconstruction


def test_cmvn_deltas_splice():
    f = _x(50 * 13, scale=1.0).reshape(50, 13)
    f64 = f.astype(np.float64)
    s = K.compute_cmvn_stats(f)
    assert s.dtype == np.float64 and s.shape == (2, 14)
    assert np.allclose(s[0, :13], f64.sum(0), rtol=1e-14) and s[0, 13] == 50
    assert np.allclose(s[1, :13], (f64 ** 2).sum(0), rtol=1e-14)
    mean, std = f64.mean(0), f64.std(0)
    for nv, rev, o in [(False, False, f64 - mean), (True, False, (f64 - mean) / std),
                       (False, True, f64 + mean), (True, True, f64 * std + mean)]:
        a = K.apply_cmvn(s, K.CmvnOptions(nv, rev), f)
        assert np.all(np.abs(a - o) <= 4 * np.spacing(np.abs(o).astype(np.float32)) + 1e-7)
        g = f.copy()
        K.apply_cmvn_(s, K.CmvnOptions(nv, rev), g)
        assert np.array_equal(g, a)
        if knf is not None:
            assert np.abs(a - knf.apply_cmvn(s, knf.CmvnOptions(nv, rev), f)).max() <= 1e-5
    with pytest.raises(ValueError, match="2-row"):
        K.apply_cmvn(s[:1], K.CmvnOptions(norm_vars=True), f)
    with pytest.raises(ValueError, match="Insufficient"):
        K.apply_cmvn(np.zeros((2, 14)), K.CmvnOptions(), f)
    acc = K.CmvnAccumulator()
    acc.accumulate(f)
    assert np.allclose(acc.stats, s, rtol=1e-13)
    # deltas: the HTK regression on clamped frames, order by order
    d = K.compute_deltas(K.DeltaOptions(order=2, window=2), f)
    T = 50
    clamp = lambda t: f64[min(max(t, 0), T - 1)]  # noqa: E731
    d1 = np.stack([sum(j * clamp(t + j) for j in range(-2, 3)) / 10.0 for t in range(T)])
    w2 = np.convolve(np.arange(-2, 3) / 10.0, np.arange(-2, 3) / 10.0)
    d2 = np.stack([sum(w2[j + 4] * clamp(t + j) for j in range(-4, 5)) for t in range(T)])
    o = np.concatenate([f64, d1, d2], axis=1)
    assert np.all(np.abs(d - o) <= 4 * np.spacing(np.abs(o).astype(np.float32)) + 1e-7)
    sp = K.splice_frames(f, K.SpliceOptions(2, 1))
    assert np.array_equal(sp[0], np.concatenate([f[0], f[0], f[0], f[1]]))
    assert np.array_equal(sp[-1], np.concatenate([f[-3], f[-2], f[-1], f[-1]]))
    if knf is not None:
        for order, win in [(2, 2), (3, 4), (0, 1)]:
            assert np.abs(K.compute_deltas(K.DeltaOptions(order, win), f)
                          - knf.compute_deltas(knf.DeltaOptions(order, win), f)).max() <= 1e-5
        for lc, rc in [(3, 3), (0, 5), (2, 0)]:
            assert np.array_equal(K.splice_frames(f, K.SpliceOptions(lc, rc)),
                                  knf.splice_frames(f, knf.SpliceOptions(lc, rc)))
        assert np.allclose(K.compute_cmvn_stats(f), knf.compute_cmvn_stats(f), rtol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"num_mel_bins": 128}, {"samp_freq": 8000.0, "num_mel_bins": 64},
                                {"low_freq": 100.0, "high_freq": -500.0, "preemph_coeff": 0.0},
                                {"buffered_capacity": 50}])
def test_online_nemo_fbank(kw):
    """Buffered re-featurisation: windows of the stream, the final one with the partial hop
    (and, at buffered_capacity, shifted back), held to the oracle (log units, |a - o| <= 4 ulp32
    + 1e-6) and to kaldi-native-fbank (its float32 STFT: <= 1e-3 log units, measured 1.7e-4)."""
    x = _x(16000 * 2 + 77, seed=9, scale=0.1)
    sr = kw.get("samp_freq", 16000.0)
    mods = [K] + ([knf] if knf is not None else [])
    fs = [m.OnlineNemoFbank(m.NemoFbankOptions(**kw)) for m in mods]
    for s in range(0, len(x), 3001):
        for m, f in zip(mods, fs):
            f.accept_waveform(sr, x[s:s + 3001] if m is K else x[s:s + 3001].tolist())
        assert len({(f.num_frames_ready, f.num_trailing_samples) for f in fs}) == 1
    for f in fs:
        f.input_finished()
    a = fs[0]
    n = a.num_frames_ready
    H = int(sr / 100)
    assert n == len(x) // H and a.is_last_frame(n - 1) and not a.is_last_frame(n - 2)
    assert a.frame_shift_in_seconds == pytest.approx(0.01)
    for fi, k, fin in [(0, 50, False), (50, 50, False), (100, n - 150, False), (n - 50, 50, True)]:
        got = [f.get_frames(fi, k, fin) for f in fs]
        feats, off = got[0]
        begin = fi * H + off
        end = len(x) if fin else (fi + k) * H
        assert off == (end - 50 * H - fi * H if fin and kw.get("buffered_capacity") == 50 else 0)
        o = O.nemo_window(x[begin:end], k, sr=sr, n_mels=kw.get("num_mel_bins", 80), lo=kw.get("low_freq", 0.0),
                          hi=kw.get("high_freq", 0.0), preemph=kw.get("preemph_coeff", 0.97))
        _log_close(feats, o)
        if knf is not None:
            fb, ob = got[1]
            assert ob == off and fb.shape == feats.shape
            assert np.abs(feats - fb).max() <= 1e-3
    with pytest.raises(ValueError, match="out of range"):
        a.get_frames(0, 10)                       # samples before the last window are gone
    with pytest.raises(ValueError, match=">= 0"):
        a.get_frames(-1, 5)
    assert a.get_frames(0, 0)[0].shape == (0, a.dim)
    with pytest.raises(RuntimeError):
        a.accept_waveform(sr, x[:10])
    with pytest.raises(ValueError, match="sampling_rate"):
        a.accept_waveform(sr + 1, x[:10])


def _online_opts(kind, snip):
    o = {"OnlineFbank": K.FbankOptions, "OnlineMfcc": K.MfccOptions,
         "OnlineWhisperFbank": K.WhisperFeatureOptions, "OnlineRawAudioSamples": K.RawAudioSamplesOptions}[kind]()
    if kind != "OnlineWhisperFbank":
        o.frame_opts.dither = 0.0
        o.frame_opts.snip_edges = snip
    return o


@pytest.mark.parametrize("kind,snip", [("OnlineFbank", True), ("OnlineFbank", False), ("OnlineMfcc", True),
                                       ("OnlineMfcc", False), ("OnlineWhisperFbank", False),
                                       ("OnlineRawAudioSamples", True), ("OnlineRawAudioSamples", False)])
def test_online_call_forms_agree(kind, snip):
    """10 ms float32 chunks (the C-order path), the same chunks as float64 lists, and the whole
    clip at once give the same bits; a chunk holding NaN raises and takes nothing."""
    x = _x(16000 + 37, seed=5, scale=0.1)
    o = _online_opts(kind, snip)
    chunks = [160] * (len(x) // 160) + [len(x) % 160]
    a, fa = _run(K, kind, o, x, 16000, chunks)
    f = getattr(K, kind)(o)
    for p in np.split(x, np.cumsum(chunks)[:-1]):
        f.accept_waveform(16000.0, p.astype(np.float64).tolist())
    f.input_finished()
    b = f.get_frames()
    c, _ = _run(K, kind, o, x, 16000)
    assert a.shape[0] > 90 and np.array_equal(a, b) and np.array_equal(a, c)
    g = getattr(K, kind)(o)
    g.accept_waveform(16000, x[:8000])
    n = g.num_frames_ready
    bad = x[8000:8160].copy()
    bad[3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        g.accept_waveform(16000, bad)
    assert g.num_frames_ready == n
    g.accept_waveform(16000, x[8000:])
    g.input_finished()
    assert np.array_equal(g.get_frames(), a)


def test_online_nemo_fbank_call_forms_agree():
    """A 10 ms stream read frame by frame (float32 chunks, int indices: the C-order path) gives
    the bits of the same stream fed as float64 lists and read with numpy integers, and of one
    whole-window read; NaN in a chunk raises and stores nothing."""
    x = _x(16000, seed=4, scale=0.1)
    a, b = (K.OnlineNemoFbank(K.NemoFbankOptions()) for _ in range(2))
    ra, rb = [], []
    for i, s in enumerate(range(0, len(x), 160)):
        a.accept_waveform(16000, x[s:s + 160])
        b.accept_waveform(16000.0, x[s:s + 160].astype(np.float64).tolist())
        ra.append(a.get_frames(i, 1))
        rb.append(b.get_frames(np.int64(i), np.int64(1), np.False_))
    assert a.num_frames_ready == b.num_frames_ready == 100
    for (fa, oa), (fb, ob) in zip(ra, rb):
        assert oa == ob == 0 and fa.dtype == np.float32 and fa.shape == (1, 80)
        assert np.array_equal(fa, fb)
    w = K.OnlineNemoFbank(K.NemoFbankOptions())
    w.accept_waveform(16000, x[:320])
    assert np.array_equal(w.get_frames(0, 2)[0], w.get_frames(0, 2, False)[0])
    bad = x[:160].copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        a.accept_waveform(16000, bad)
    assert (a.num_frames_ready, a.num_trailing_samples) == (100, 0)
    a.input_finished()
    a.accept_waveform(16000, x[:0])               # nothing after the end is no error
    with pytest.raises(RuntimeError):
        a.accept_waveform(16000, x[:160])


def test_feature_transform(tmp_path):
    """transform-feats: linear and affine, Kaldi's binary (FM, DM) and text matrix files."""
    rng = np.random.default_rng(3)
    m = rng.standard_normal((4, 6)).astype(np.float32)
    f = rng.standard_normal((9, 6)).astype(np.float32)
    o = f.astype(np.float64) @ m.astype(np.float64).T
    t = K.FeatureTransform(m)
    assert (t.input_dim, t.output_dim, t.is_affine(5), t.is_affine(6)) == (6, 4, True, False)
    assert np.all(np.abs(t.apply(f) - o) <= np.spacing(np.abs(o).astype(np.float32)))
    oa = f[:, :5].astype(np.float64) @ m[:, :5].astype(np.float64).T + m[:, 5]
    assert np.all(np.abs(K.transform_features(f[:, :5], t) - oa) <= np.spacing(np.abs(oa).astype(np.float32)))
    with pytest.raises(ValueError, match="columns"):
        t.apply(f[:, :3])
    with pytest.raises(RuntimeError, match="cannot open"):
        K.FeatureTransform.read(str(tmp_path / "none.mat"))
    files = {}
    for tok, dt in ((b"FM ", np.float32), (b"DM ", np.float64)):
        p = tmp_path / f"{tok[:2].decode()}.mat"
        p.write_bytes(b"\0B" + tok + b"\4" + np.int32(4).tobytes() + b"\4" + np.int32(6).tobytes()
                      + m.astype(dt).tobytes())
        files[tok] = p
    p = tmp_path / "text.mat"
    p.write_text("[\n" + "\n".join(" ".join(repr(float(v)) for v in row) for row in m) + " ]\n")
    files["text"] = p
    for p in files.values():
        r = K.FeatureTransform.read(str(p))
        assert np.array_equal(r.apply(f), t.apply(f))
        if knf is not None:
            b = knf.FeatureTransform.read(str(p))
            assert (b.input_dim, b.output_dim) == (r.input_dim, r.output_dim)
            assert np.abs(r.apply(f) - b.apply(f)).max() <= 1e-5 * np.abs(o).max()


@pytest.mark.parametrize("kw,ok", [
    (dict(sample_frequency=8000.0, num_mel_bins=23), dict(sr=8000)),
    (dict(frame_length=20.0, frame_shift=8.0, round_to_power_of_two=False), dict(length_ms=20.0, shift_ms=8.0,
                                                                                round_pow2=False)),
    (dict(preemphasis_coefficient=0.5, remove_dc_offset=False, window_type="hamming"),
     dict(preemph=0.5, remove_dc=False, window_type="hamming")),
    (dict(use_power=False, use_log_fbank=False), dict(power=False, log=False)),
    (dict(snip_edges=False, sample_frequency=22050.0, num_mel_bins=40), dict(snip=False, sr=22050, n_mels=40))])
def test_fbank_torchaudio_options_vs_oracle(kw, ok):
    """torchaudio.compliance.kaldi.fbank's signature with the options the plans compute."""
    x = _x()
    a = K.fbank(x[None, :], **kw)
    o = O.fbank(x.astype(np.float64), **{"energy_floor": 1.0, **ok})
    if kw.get("use_log_fbank", True):
        _log_close(a, o)
    else:
        _lin_close(a, o)


# ---- dither: libwmel's counter-based noise, held to kaldi-native-fbank in distribution ----

def _speechlike(n=16000 * 3, seed=5):
    """A rising tone with a syllable-rate envelope and a little noise, at 0.3 full scale."""
    t = np.arange(n) / 16000.0
    rng = np.random.default_rng(seed)
    x = 0.3 * np.sin(2 * np.pi * 220 * t * (1 + t)) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    return (x + 0.01 * rng.standard_normal(n)).astype(np.float32)


def test_dither_defaults_run_and_online_equals_offline():
    x = _speechlike()
    assert K.get_dither_seed() == 0 and K.FbankOptions().frame_opts.dither == pytest.approx(3e-5)
    a, _ = _run(K, "OnlineFbank", K.FbankOptions(), x, 16000, _chunks(len(x), 7))
    b, _ = _run(K, "OnlineFbank", K.FbankOptions(), x, 16000)
    assert np.array_equal(a, b)                      # the noise follows the absolute frame index
    # torchaudio's signature with the same options (23 bins, no energy) and dither 3e-5: the same bits
    assert np.array_equal(K.fbank(x[None, :], dither=3e-5), a)
    m, _ = _run(K, "OnlineMfcc", K.MfccOptions(), x, 16000, _chunks(len(x), 8))
    assert m.shape == (a.shape[0], 13) and np.isfinite(m).all()
    o0 = K.FbankOptions()
    o0.frame_opts.dither = 0.0
    a0, _ = _run(K, "OnlineFbank", o0, x, 16000)
    assert not np.array_equal(a, a0)
    K.set_dither_seed(12345)
    try:
        assert K.get_dither_seed() == 12345
        c, _ = _run(K, "OnlineFbank", K.FbankOptions(), x, 16000)
        assert not np.array_equal(a, c) and np.abs(c - a).max() < 0.05
    finally:
        K.set_dither_seed(0)
    d, _ = _run(K, "OnlineFbank", K.FbankOptions(), x, 16000)
    assert np.array_equal(a, d)                      # a seed gives its noise back
    for bad in (-1, 1 << 32, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            K.set_dither_seed(bad)
    # torchaudio's dither 1.0 in the 16-bit scale: the frames take it, and the result moves
    y = x[None, :] * 32768.0
    assert not np.array_equal(K.fbank(y, dither=1.0), K.fbank(y))


@pytest.mark.parametrize("kind,n", [("OnlineFbank", 16000 * 2 + 77), ("OnlineMfcc", 16000 + 5),
                                    ("OnlineFbank", 150), ("OnlineFbank", 300)])
def test_dither_snip_edges_false_online_equals_offline(kind, n):
    """snip_edges=False frames dithered online (the stream over the reflected signal) are the
    whole clip's, bit for bit, in any chunking; clips shorter than the reflection too."""
    x = _speechlike()[:n]
    cls = "FbankOptions" if kind == "OnlineFbank" else "MfccOptions"
    kw = {"snip_edges": False, "dither": 1.0, "use_energy": True}
    counts = []
    a, _ = _run(K, kind, _opts(K, cls, kw), x, 16000, _chunks(len(x), 9), counts)
    b, _ = _run(K, kind, _opts(K, cls, kw), x, 16000)
    assert np.array_equal(a, b)
    if kind == "OnlineFbank" and n >= 400:           # (torchaudio's fbank needs a whole frame)
        c = K.fbank(x[None, :], dither=1.0, snip_edges=False, num_mel_bins=23, energy_floor=0.0,
                    use_energy=True)
        assert np.array_equal(a, c)                  # torchaudio's signature, the same noise
    e, _ = _run(K, kind, _opts(K, cls, dict(kw, dither=0.0)), x, 16000)
    assert a.shape == e.shape and not np.array_equal(a, e)
    if knf is not None:                              # the original's frame counts, each chunk
        kc = []
        _run(knf, kind, _opts(knf, cls, kw), x, 16000, _chunks(len(x), 9), kc)
        assert kc == counts


def test_features_dither_options():
    import wmel
    x = _speechlike(16000)
    a = wmel.features(x, frontend="kaldi", dither=1.0, dither_seed=3)
    b = wmel.features(x, frontend="kaldi", dither=1.0, dither_seed=3, threads=3)
    c = wmel.features(x, frontend="kaldi", dither=1.0, dither_seed=4)
    z = wmel.features(x, frontend="kaldi")
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(a, z)
    assert np.array_equal(z, wmel.features(x, frontend="kaldi", dither=0.0, dither_seed=9))
    e = wmel.features(x, frontend="kaldi", use_energy=True, raw_energy=False)
    assert e.shape[-1] == z.shape[-1] + 1 or e.shape[0] == z.shape[0] + 1
    with pytest.raises(ValueError, match="dither"):
        wmel.features(x, frontend="kaldi", dither=-1.0)
    with pytest.raises(ValueError, match="use_energy"):
        wmel.features(x, frontend="kaldi", raw_energy=False)


@needs_knf
def test_dither_vs_knf_in_distribution():
    """The originals' random numbers cannot be reproduced: the dithered outputs are compared by
    their statistics. Speech-like input at 0.3 full scale: the change dither 3e-5 makes is
    zero-mean (|mean| < 1e-3) and small (< 0.05; measured wmel 1.1e-2, knf 1.4e-2) for both.
    Silence: the features are those of the noise alone; the mean and the standard deviation of
    the log-mel values agree within 0.05 (measured -14.144 vs -14.135, 1.751 vs 1.753), and so
    do those of the energy column."""
    x = _speechlike()
    out = {}
    for mod in (K, knf):
        o, o0 = mod.FbankOptions(), mod.FbankOptions()
        o0.frame_opts.dither = 0.0
        a, _ = _run(mod, "OnlineFbank", o, x, 16000)
        a0, _ = _run(mod, "OnlineFbank", o0, x, 16000)
        d = a.astype(np.float64) - a0
        assert abs(d.mean()) < 1e-3 and np.abs(d).max() < 0.05, (mod.__name__, d.mean(), np.abs(d).max())
        s = mod.FbankOptions()
        s.use_energy = True
        z, _ = _run(mod, "OnlineFbank", s, np.zeros(16000 * 2, np.float32), 16000)
        out[mod] = z.astype(np.float64)
    a, b = out[K], out[knf]
    assert a.shape == b.shape
    for c in (slice(1, None), slice(0, 1)):          # the mel columns, the energy column
        assert abs(a[:, c].mean() - b[:, c].mean()) < 0.05, (a[:, c].mean(), b[:, c].mean())
        assert abs(a[:, c].std() - b[:, c].std()) < 0.05, (a[:, c].std(), b[:, c].std())
