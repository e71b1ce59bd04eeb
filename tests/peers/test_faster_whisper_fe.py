"""test_faster_whisper_fe.py -- faster-whisper's FeatureExtractor contract, run on
faster-whisper's own class (WMEL_PEER_IMPL=original) and on wmel's (=wmel). faster-whisper
ships no tests in its sdist (nor wheel), so these are wmel's, written against the installed
faster_whisper (pinned): constructor and __call__ signatures (positional order), attributes,
shapes for empty and short audio, dtypes, numbers (against faster-whisper's own numpy
algorithm, the class's staticmethods), and WhisperModel building its extractor from it."""
import inspect
import os

import numpy as np
import pytest

import faster_whisper.feature_extractor as fw_fe
import faster_whisper.transcribe as fw_tr

IMPL = os.environ.get("WMEL_PEER_IMPL", "original")
if IMPL == "wmel":
    import wmel
    FE = wmel.FeatureExtractor
    assert fw_tr.FeatureExtractor is FE  # peer_plugin ran wmel.faster_whisper.patch()
else:
    FE = fw_fe.FeatureExtractor
ORIG = fw_fe.FeatureExtractor if IMPL != "wmel" else dict(wmel.faster_whisper._saved)[
    "faster_whisper.feature_extractor"]


def _clip(n, seed=0):
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


def _params(f):
    """(name, kind, default) of each parameter: the signature without annotations."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


def test_signatures_match_the_original():
    for name in ("__init__", "__call__", "get_mel_filters", "stft"):
        assert _params(getattr(FE, name)) == _params(getattr(ORIG, name)), name


@pytest.mark.parametrize("args", [(), (128,), (80, 16000, 160, 10), (128, 16000, 160, 30, 400)])
def test_attributes(args):
    a, b = FE(*args), ORIG(*args)
    for k in ("n_fft", "hop_length", "chunk_length", "n_samples", "nb_max_frames", "time_per_frame",
              "sampling_rate"):
        assert getattr(a, k) == getattr(b, k), k
    assert a.mel_filters.dtype == b.mel_filters.dtype == np.float32
    np.testing.assert_array_equal(a.mel_filters, b.mel_filters)


@pytest.mark.parametrize("n_mels", [80, 128])
def test_get_mel_filters_float64(n_mels):
    a, b = FE.get_mel_filters(16000, 400, n_mels), ORIG.get_mel_filters(16000, 400, n_mels)
    assert a.dtype == b.dtype == np.float64 and a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n", [0, 1, 40, 41, 199, 200, 201, 400, 16000, 16001, 480000])
@pytest.mark.parametrize("padding", [160, 0, 480000])
def test_shapes_and_numbers(n, padding):
    x = _clip(n, n)
    try:
        want = ORIG()(x.copy(), padding=padding)
    except ValueError:
        with pytest.raises(ValueError):
            FE()(x, padding=padding)
        return
    got = FE()(x, padding=padding)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert float(np.abs(got - want).max()) <= 1e-5


def test_empty_audio():
    assert FE()(np.array([], np.float32)).shape == (80, 1)
    assert FE(128)(np.zeros(0, np.float32)).shape == (128, 1)


def test_input_dtypes_and_chunk_length():
    fe, ref = FE(), ORIG()
    x = _clip(32000)
    for a in (x.astype(np.float64), (x * 1000).astype(np.int16)):
        np.testing.assert_allclose(fe(a), ref(a), atol=1e-5)
    fe(x, chunk_length=10)
    assert (fe.n_samples, fe.nb_max_frames) == (160000, 1000)


def test_mel_filters_is_settable_and_used():
    fe, ref = FE(), ORIG()
    fe.mel_filters = ref.mel_filters = ORIG.get_mel_filters(16000, 400, 64).astype(np.float32)
    x = _clip(8000)
    got, want = fe(x), ref(x)
    assert got.shape == want.shape == (64, 51)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_stft_staticmethod():
    x = _clip(1000).astype(np.float64)
    w = np.hanning(401)[:-1]
    a = FE.stft(x, 400, 160, window=w, return_complex=True)
    b = ORIG.stft(x, 400, 160, window=w, return_complex=True)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, atol=1e-9)


def test_whisper_model_builds_its_extractor_from_this_class():
    # WhisperModel.__init__ does FeatureExtractor(**self._get_feature_kwargs(...)) through
    # faster_whisper.transcribe's name, keeping the keys its signature accepts
    cls = fw_tr.FeatureExtractor
    assert cls is FE
    keys = inspect.signature(cls.__init__).parameters.keys()
    cfg = {"feature_size": 128, "chunk_length": 30, "processor_class": "WhisperProcessor"}
    fe = cls(**{k: v for k, v in cfg.items() if k in keys})
    assert fe.mel_filters.shape == (128, 201)


@pytest.mark.skipif(IMPL != "wmel", reason="wmel.faster_whisper.patch() is wmel's")
def test_patch_unpatch_reversible_idempotent():
    import wmel.faster_whisper as wf
    assert wf.is_patched() and fw_fe.FeatureExtractor is FE
    wf.unpatch()
    wf.unpatch()
    try:
        assert not wf.is_patched()
        assert fw_tr.FeatureExtractor is ORIG and fw_fe.FeatureExtractor is ORIG
    finally:
        wf.patch()
        wf.patch()
    assert fw_tr.FeatureExtractor is FE and fw_fe.FeatureExtractor is FE
