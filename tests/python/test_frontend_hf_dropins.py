"""test_frontend_hf_dropins.py -- wmel.hf.ParakeetFeatureExtractor and SeamlessM4TFeatureExtractor:
held to the float64 oracle (2e-5 x max(1, |oracle|), in log units for the normalised values)
always; with transformers installed, also to transformers' own classes (the same keys, shapes,
dtypes, tensor types and attention masks; values within the originals' float32 noise), as
subclasses, through patch(), and with save/from_pretrained. The standalone classes (what
wmel.hf exports without transformers, or for Parakeet without torch) run in every environment."""
import importlib.util
import warnings

import numpy as np
import pytest

import wmel.hf as H
from conftest import hf_original
from wmel import _feref as R

TOL = 2e-5
HAVE_TF = importlib.util.find_spec("transformers") is not None
HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_tf = pytest.mark.skipif(not HAVE_TF, reason="transformers not installed")
needs_parakeet = pytest.mark.skipif(not (HAVE_TF and HAVE_TORCH),
                                    reason="transformers' Parakeet needs transformers and torch")
# values against the originals on speech-level noise (no near-constant rows): Parakeet's float32
# pipeline is within 7.8e-4 log units of the oracle (test_frontends_oracle.py), the normalised
# values within ~1e-3 / std; Seamless' within 5.5e-6 log units.
PARAKEET_VS_ORIGINAL = 5e-3
SEAMLESS_VS_ORIGINAL = 1e-4


def _clips(lengths=(16000, 12345, 5000, 560), seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(n) * 0.1).astype(np.float32) for n in lengths]


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


# ---- against the oracle (every environment) -------------------------------------------------

@pytest.mark.parametrize("cls", [H.ParakeetFeatureExtractor, H.StandaloneParakeetFeatureExtractor])
def test_parakeet_vs_oracle(cls):
    clips = _clips((16000, 12345, 5000, 319, 1))
    out = _quiet(cls(), clips, sampling_rate=16000, return_tensors="np")
    feats, mask = out["input_features"], out["attention_mask"]
    T = max(len(c) for c in clips) // 160 + 1
    assert feats.shape == (len(clips), T, 80) and feats.dtype == np.float32
    assert mask.dtype == np.bool_ and mask.shape == (len(clips), T)
    for i, c in enumerate(clips):
        o, den = R.nemo(c, return_denominator=True)
        v = len(c) // 160
        assert np.array_equal(mask[i], np.arange(T) < v)
        assert not feats[i, o.shape[1]:].any()
        e = np.abs(feats[i, :o.shape[1]].T - o) * den[:, None] / np.maximum(1, np.abs(o))
        assert e.max() <= TOL, (i, float(e.max()))
    assert not feats[3].any() and not feats[4].any()     # below 320 samples: zeros (NeMo's rule)


@pytest.mark.parametrize("cls", [H.SeamlessM4TFeatureExtractor, H.StandaloneSeamlessM4TFeatureExtractor])
def test_seamless_vs_oracle(cls):
    clips = _clips((16000, 12345, 5000, 560, 401, 300))
    out = _quiet(cls(), clips, sampling_rate=16000, return_tensors="np")
    feats, mask = out["input_features"], out["attention_mask"]
    rows = max(((0 if len(c) < 400 else 1 + (len(c) - 400) // 160) + 1) // 2 for c in clips)
    assert feats.shape == (len(clips), rows, 160) and feats.dtype == np.float32
    assert mask.shape == (len(clips), rows) and mask.dtype == np.int32
    for i, c in enumerate(clips):
        o, den = R.seamless(c, return_denominator=True)
        m = R.seamless_attention_mask(len(c))
        assert np.array_equal(mask[i, :len(m)], m) and not mask[i, len(m):].any()
        assert not feats[i, o.shape[0]:].any()
        if o.size:
            e = np.abs(feats[i, :o.shape[0]] - o) * den[None, :] / np.maximum(1, np.abs(o))
            assert e.max() <= TOL, (i, float(e.max()))
    assert not feats[4].any()          # one frame: zeros (the original: NaN)


def test_seamless_single_clip_unnormalised_and_stereo():
    x = _clips((8000,))[0]
    cls = H.StandaloneSeamlessM4TFeatureExtractor
    a = _quiet(cls(), x, sampling_rate=16000, do_normalize_per_mel_bins=False, return_tensors="np")
    o = R.seamless(x, normalize="none")
    assert a["input_features"].shape == (1,) + o.shape
    assert np.abs(a["input_features"][0] - o).max() <= TOL * np.abs(o).max()
    st = _quiet(cls(), [np.stack([x, -x])], sampling_rate=16000, return_tensors="np")   # left channel
    assert np.array_equal(st["input_features"][0], _quiet(cls(), x, sampling_rate=16000)["input_features"][0])
    no_mask = _quiet(cls(), x, sampling_rate=16000, return_attention_mask=False)
    assert "attention_mask" not in no_mask


def test_standalone_errors_and_config(tmp_path):
    with pytest.raises(ValueError, match="sampling rate"):
        H.StandaloneParakeetFeatureExtractor()(_clips((1000,))[0], sampling_rate=8000)
    with pytest.raises(ValueError):
        H.StandaloneParakeetFeatureExtractor(n_fft=400)
    with pytest.raises(ValueError):
        H.StandaloneSeamlessM4TFeatureExtractor(stride=3)
    with pytest.raises(ValueError, match="NaN"):
        H.StandaloneSeamlessM4TFeatureExtractor()(np.full(1000, np.nan, np.float32), sampling_rate=16000)
    fe = H.StandaloneParakeetFeatureExtractor(feature_size=128)
    fe.save_pretrained(tmp_path)
    back = H.StandaloneParakeetFeatureExtractor.from_pretrained(tmp_path)
    assert back.feature_size == 128 and back.to_dict()["feature_extractor_type"] == "ParakeetFeatureExtractor"
    fe = H.StandaloneSeamlessM4TFeatureExtractor()
    assert fe.to_dict()["feature_extractor_type"] == "SeamlessM4TFeatureExtractor"


# ---- against transformers' own classes -------------------------------------------------------

def _compare(a, b, tol, denom=None):
    assert set(a.keys()) == set(b.keys())
    for k in a:
        va, vb = a[k], b[k]
        assert type(va) is type(vb), k
        assert _np(va).shape == _np(vb).shape and _np(va).dtype == _np(vb).dtype, k
        if k == "attention_mask":
            assert np.array_equal(_np(va), _np(vb))
        else:
            assert np.abs(_np(va).astype(np.float64) - _np(vb)).max() <= tol, k


@needs_parakeet
@pytest.mark.parametrize("kw", [{}, {"return_tensors": "np"}, {"return_tensors": "pt"},
                                {"padding": "max_length", "max_length": 20000},
                                {"pad_to_multiple_of": 1000, "return_tensors": "np"},
                                {"feature_size": 128}])
def test_parakeet_vs_transformers(kw):
    original = hf_original("parakeet", "ParakeetFeatureExtractor", needs_torch=True)
    kw = dict(kw)
    init = {"feature_size": kw.pop("feature_size")} if "feature_size" in kw else {}
    for clips in (_clips(), _clips((7000,))[0], [c.astype(np.float64) for c in _clips((4000, 3000))]):
        a = _quiet(H.ParakeetFeatureExtractor(**init), clips, sampling_rate=16000, **kw)
        b = _quiet(original(**init), clips, sampling_rate=16000, **kw)
        _compare(a, b, PARAKEET_VS_ORIGINAL)


@needs_tf
@pytest.mark.parametrize("kw", [{}, {"return_tensors": "np"}, {"pad_to_multiple_of": None},
                                {"padding": "max_length", "max_length": 120},
                                {"padding": "max_length", "max_length": 40, "truncation": True},
                                {"do_normalize_per_mel_bins": False}, {"return_attention_mask": False}])
def test_seamless_vs_transformers(kw):
    import transformers
    for clips in (_clips(), _clips((7000,))[0], _clips((4160, 3000))):
        a = _quiet(H.SeamlessM4TFeatureExtractor(), clips, sampling_rate=16000, **kw)
        b = _quiet(transformers.SeamlessM4TFeatureExtractor(), clips, sampling_rate=16000, **kw)
        tol = SEAMLESS_VS_ORIGINAL * (1 if kw.get("do_normalize_per_mel_bins", True) else 20)
        _compare(a, b, tol)


@needs_tf
def test_subclasses_patch_and_pretrained(tmp_path):
    import transformers
    assert issubclass(H.SeamlessM4TFeatureExtractor, transformers.SeamlessM4TFeatureExtractor)
    fe = H.SeamlessM4TFeatureExtractor()
    fe.save_pretrained(tmp_path)
    theirs = transformers.SeamlessM4TFeatureExtractor.from_pretrained(tmp_path)
    ours = H.SeamlessM4TFeatureExtractor.from_pretrained(tmp_path)
    x = _clips((9000,))[0]
    _compare(_quiet(ours, x, sampling_rate=16000), _quiet(theirs, x, sampling_rate=16000), SEAMLESS_VS_ORIGINAL)
    before = _quiet(theirs, x, sampling_rate=16000)["input_features"]
    try:
        H.patch()
        assert H.is_patched()
        after = _quiet(theirs, x, sampling_rate=16000)["input_features"]
        wm = _quiet(ours, x, sampling_rate=16000)["input_features"]
        assert np.array_equal(after, wm) and not np.array_equal(after, before)
    finally:
        H.unpatch()
    assert not H.is_patched()
    assert np.array_equal(_quiet(theirs, x, sampling_rate=16000)["input_features"], before)


@needs_parakeet
def test_parakeet_subclass_fallbacks():
    """What libwmel does not compute goes to transformers' own code: a changed filter bank."""
    import torch
    original = hf_original("parakeet", "ParakeetFeatureExtractor", needs_torch=True)
    assert issubclass(H.ParakeetFeatureExtractor, original)
    fe = H.ParakeetFeatureExtractor()
    x = _clips((6000,))[0]
    fe.mel_filters = fe.mel_filters * 2
    a = _quiet(fe, x, sampling_rate=16000)
    t = original()
    t.mel_filters = t.mel_filters * 2
    b = _quiet(t, x, sampling_rate=16000)
    assert torch.equal(a["input_features"], b["input_features"])
