"""test_hf_config_speech.py -- the configurations of GraniteSpeech, GraniteSpeech5, FunAsrNano,
Xcodec2 and NeuCodec (transformers 5.23) mapped to plans (wmel.hf.plan_from_config): each plan,
defaults and changed fields, held to a float64 numpy oracle of that configuration (2e-5 x
max(1, |oracle|); the codecs' values, divided by a per-bin std, in log units); refusals name the
field. With transformers and torch installed, the drop-ins (wmel.hf.<Class>) are held to the
same oracles as well (their distance printed beside the originals' own). Needs neither
transformers nor torch otherwise."""
import importlib.util
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
wmel = pytest.importorskip("wmel")
import wmel.hf as H  # noqa: E402
from wmel import _hf_config as C  # noqa: E402  (a raw plan's features)
import test_plan_caps as PC  # noqa: E402  (the oracles' pieces)
from test_lfr import apply_lfr, deltas, xcodec2_pad  # noqa: E402

TOL = 2e-5
FLT_EPS = 1.1920928955078125e-07
RNG = np.random.default_rng(5)
CLIPS = [(0.1 * RNG.standard_normal(n) + 0.2 * np.sin(np.arange(n) * 0.07)).astype(np.float32)
         for n in (16000, 12345, 4801, 3200)]


# ---- float64 oracles of a configuration ---------------------------------------------------

def granite_oracle(x, sr=16000, n_fft=512, win=400, hop=160, n_mels=80, floor_db=8.0, delta=None):
    """torchaudio MelSpectrogram (periodic Hann win centred in n_fft, centre reflect, power 2,
    HTK 0..sr // 2 without norm), log10 clamp 1e-10, max - floor_db, / 4 + 1; GraniteSpeech:
    the odd last frame dropped after the max; GraniteSpeech5 (delta): the frames
    2 ceil((n // hop) / 2) first (zeros appended as it does), then the deltas."""
    x = x.astype(np.float64)
    if delta:
        t = x.size // hop
        keep = 2 * -(-t // 2)
        need = (keep - 1) * hop + 1
        x = np.pad(x, (0, max(0, need - x.size)))
    lp = (n_fft - win) // 2
    fr = PC._frames_center(x, n_fft, hop, "reflect")
    s = np.fft.rfft(fr * np.pad(PC._win("hann_p", win), (lp, n_fft - win - lp)), axis=1)
    lm = np.log10(np.maximum((s.real ** 2 + s.imag ** 2) @ PC.htk_bank(n_mels, n_fft, sr, 0.0, float(sr // 2)), 1e-10))
    if delta:
        lm = lm[:keep]
        lm = np.maximum(lm, lm.max() - floor_db) / 4 + 1
        lm = np.concatenate([lm, deltas(lm, delta)], axis=1)
        return lm.reshape(keep // 2, -1)
    lm = np.maximum(lm, lm.max() - floor_db) / 4 + 1
    t = lm.shape[0] // 2 * 2
    return lm[:t].reshape(t // 2, -1)


def fun_asr_oracle(x, sr=16000, frame_ms=25, shift_ms=10, window="hamming", n_mels=80, m=7, n=6):
    """torchaudio.compliance.kaldi.fbank without x 32768 (frames of int(sr ms / 1000) samples,
    DC removal, pre-emphasis 0.97, the window, power, Kaldi bank 20 Hz..Nyquist, ln max
    FLT_EPSILON), then LFR m / n."""
    fl, hop = int(sr * frame_ms * 0.001), int(sr * shift_ms * 0.001)
    nfft = 1 << (fl - 1).bit_length()
    f = PC._frames_snip(x.astype(np.float64), fl, hop)
    f = f - f.mean(axis=1, keepdims=True)
    f = np.concatenate([f[:, :1] * (1 - 0.97), f[:, 1:] - 0.97 * f[:, :-1]], axis=1)
    w = {"hanning": "hann", "rectangular": None}.get(window, window)
    w = np.ones(fl) if w is None else PC._win(w, fl)
    s = np.fft.rfft(f * w, n=nfft, axis=1)
    fb = np.log(np.maximum((s.real ** 2 + s.imag ** 2) @ PC.kaldi_bank(n_mels, nfft, sr, 20.0, sr / 2), FLT_EPS))
    return apply_lfr(fb, m, n)


def codec_oracle(y, fill=1.0):
    """The codecs' mel part after their padding: Kaldi fbank x 32768, (x - mean) /
    sqrt(var_Bessel + 1e-7), pairs, a missing frame `fill`; also the per-bin std (log units)."""
    f = PC.kaldi_fbank(y, 80)
    sd = np.sqrt(f.var(axis=0, ddof=1) + 1e-7)
    f = (f - f.mean(axis=0)) / sd
    if f.shape[0] % 2:
        f = np.vstack([f, np.full((1, 80), fill)])
    return f.reshape(-1, 160), np.tile(sd, 2)


def _cfg(name, **kw):
    return {"feature_extractor_type": name, **kw}


# (class, fields, the oracle of one clip)
CASES = [
    ("GraniteSpeechFeatureExtractor", {}, granite_oracle),
    ("GraniteSpeechFeatureExtractor", {"n_mels": 64, "hop_length": 200, "win_length": 320},
     lambda x: granite_oracle(x, n_mels=64, hop=200, win=320)),
    ("GraniteSpeechFeatureExtractor", {"sampling_rate": 8000, "n_fft": 256, "win_length": 200, "hop_length": 80},
     lambda x: granite_oracle(x, sr=8000, n_fft=256, win=200, hop=80)),
    ("GraniteSpeech5FeatureExtractor", {}, lambda x: granite_oracle(x, delta=3)),
    ("GraniteSpeech5FeatureExtractor", {"logmel_floor_db": 6.0, "delta_win_length": 5, "num_mel_bins": 64},
     lambda x: granite_oracle(x, n_mels=64, floor_db=6.0, delta=5)),
    ("GraniteSpeech5FeatureExtractor", {"n_fft": 1024, "win_length": 800, "hop_length": 320},
     lambda x: granite_oracle(x, n_fft=1024, win=800, hop=320, delta=3)),
    ("FunAsrNanoFeatureExtractor", {}, fun_asr_oracle),
    ("FunAsrNanoFeatureExtractor", {"window": "hanning", "num_frames_lfr": 5, "stride_lfr": 3, "frame_length": 32},
     lambda x: fun_asr_oracle(x, frame_ms=32, window="hanning", m=5, n=3)),
    ("FunAsrNanoFeatureExtractor", {"feature_size": 64, "window": "povey", "frame_shift": 12.5},
     lambda x: fun_asr_oracle(x, n_mels=64, window="povey", shift_ms=12.5)),
    ("FunAsrNanoFeatureExtractor", {"sampling_rate": 8000, "window": "blackman"},
     lambda x: fun_asr_oracle(x, sr=8000, window="blackman")),
    ("Xcodec2FeatureExtractor", {}, None),
    ("Xcodec2FeatureExtractor", {"padding_value": 0.0}, None),
    ("NeuCodecFeatureExtractor", {"padding_value": -1.0}, None),
]


def _err(got, want, scale=None):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    if scale is not None:
        got, want = got * scale, want * scale
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))) if got.size else 0.0


def _plan_vs_oracle(name, kw, oracle, x):
    plan = H.plan_from_config(_cfg(name, **kw))
    if oracle is None:   # the codecs: the plan computes after the caller's padding
        y = xcodec2_pad(x, neu=name.startswith("NeuCodec"))
        want, sd = codec_oracle(y, kw.get("padding_value", 1.0))
        return _err(C._clip_features(plan, y), want, sd)
    if name.startswith("GraniteSpeech5"):   # the zeros the original appends (see the preset's notes)
        hop = plan["hop"]
        t = x.size // hop
        need = (2 * -(-t // 2) - 1) * hop + 1
        x = np.pad(x, (0, max(0, need - x.size)))
    return _err(C._clip_features(plan, x), oracle(x))


@pytest.mark.parametrize("name,kw,oracle", CASES, ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", str(v)))
def test_plan_vs_oracle(name, kw, oracle):
    worst = max(_plan_vs_oracle(name, kw, oracle, x) for x in CLIPS)
    print(f"\nmeasured plan {name} {kw} vs oracle: {worst:.3g}")
    assert worst <= TOL, worst


def test_defaults_are_the_presets():
    for name, preset in (("GraniteSpeechFeatureExtractor", "granite-speech"),
                         ("GraniteSpeech5FeatureExtractor", "granite-speech5"),
                         ("FunAsrNanoFeatureExtractor", "fun-asr-nano"), ("Xcodec2FeatureExtractor", "xcodec2"),
                         ("NeuCodecFeatureExtractor", "neucodec")):
        assert H.plan_from_config(_cfg(name)) == wmel.frontend_plan(plan=preset)
        assert (name, preset, True) in H.hf_classes()


def test_fields_change_the_plan():
    p = H.plan_from_config(_cfg("GraniteSpeech5FeatureExtractor", logmel_floor_db=10.0, delta_win_length=7))
    assert (p["norm_range"], p["delta_win"]) == (10.0, 7)
    p = H.plan_from_config(_cfg("FunAsrNanoFeatureExtractor", frame_length=32, num_frames_lfr=5, stride_lfr=3))
    assert (p["frame_length"], p["n_fft"], p["stack"], p["stack_stride"], p["stack_left"]) == (512, 512, 5, 3, 2)
    p = H.plan_from_config(_cfg("Xcodec2FeatureExtractor", padding_value=0.5))
    assert p["stack_fill"] == 0.5
    # GraniteSpeech's __init__ reads the top-level names; melspec_kwargs (what to_dict saves) is not read
    p = H.plan_from_config(_cfg("GraniteSpeechFeatureExtractor", melspec_kwargs={"n_mels": 64}))
    assert p["n_mels"] == 80


@pytest.mark.parametrize("cfg,field", [
    (_cfg("GraniteSpeechFeatureExtractor", win_length=1024), "win_length 1024: the window must fit n_fft"),
    (_cfg("GraniteSpeechFeatureExtractor", sampling_rate=16000.5), "sampling_rate 16000.5"),
    (_cfg("GraniteSpeech5FeatureExtractor", delta_win_length=1), "delta_win_length 1"),
    (_cfg("GraniteSpeech5FeatureExtractor", logmel_floor_db=0), "logmel_floor_db 0"),
    (_cfg("FunAsrNanoFeatureExtractor", window="hann"), 'window "hann": torchaudio\'s kaldi window_type'),
    (_cfg("FunAsrNanoFeatureExtractor", stride_lfr=0), "stride_lfr 0"),
    (_cfg("Xcodec2FeatureExtractor", sampling_rate=24000), "sampling_rate 24000"),
    (_cfg("NeuCodecFeatureExtractor", sampling_rate=8000), "sampling_rate 8000"),
])
def test_refusals_name_the_field(cfg, field):
    with pytest.raises(ValueError, match=field):
        H.plan_from_config(cfg)


HAVE = all(importlib.util.find_spec(m) is not None for m in ("transformers", "torch", "torchaudio"))


@pytest.mark.skipif(not HAVE, reason="the drop-ins are subclasses of transformers' torch-based classes")
@pytest.mark.parametrize("name,kw,oracle", CASES, ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", str(v)))
def test_dropin_vs_oracle(name, kw, oracle):
    """One clip a call (the batch's padding is the originals' own, held to them in
    test_hf_config.py): the drop-in's input_features against the oracle, and the original's."""
    import importlib
    import warnings
    mod = {"GraniteSpeechFeatureExtractor": "granite_speech", "GraniteSpeech5FeatureExtractor": "granite_speech5",
           "FunAsrNanoFeatureExtractor": "fun_asr_nano", "Xcodec2FeatureExtractor": "xcodec2",
           "NeuCodecFeatureExtractor": "neucodec"}[name]
    orig = getattr(importlib.import_module(f"transformers.models.{mod}.feature_extraction_{mod}"), name)(**kw)
    ours = getattr(H, name)(**kw)
    mine = theirs = 0.0
    for x in CLIPS:
        def call(fe):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if name == "GraniteSpeechFeatureExtractor":
                    return fe([x])["input_features"][0].numpy()
                out = fe([x], sampling_rate=fe.sampling_rate, return_tensors="np")["input_features"][0]
                return np.asarray(out)
        if oracle is None:
            want, sd = codec_oracle(xcodec2_pad(x, neu=name.startswith("NeuCodec")), kw.get("padding_value", 1.0))
        else:
            y = x
            if name.startswith("GraniteSpeech5"):
                hop = kw.get("hop_length", 160)
                t = x.size // hop
                y = np.pad(x, (0, max(0, (2 * -(-t // 2) - 1) * hop + 1 - x.size)))
            want, sd = oracle(y), None
        mine = max(mine, _err(call(ours), want, sd))
        theirs = max(theirs, _err(call(orig), want, sd))
    print(f"\nmeasured drop-in {name} {kw} vs oracle: {mine:.3g} (original {theirs:.3g})")
    assert mine <= TOL, mine
