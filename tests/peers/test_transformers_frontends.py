"""test_transformers_frontends.py -- transformers' own feature-extraction test mixins, taken
unmodified from the transformers sdist (tests/test_sequence_feature_extraction_common.py and
tests/test_feature_extraction_common.py: pad, truncation, attention masks, tensor conversions,
to_json_*, save/from_pretrained), run on SeamlessM4TFeatureExtractor and ParakeetFeatureExtractor
(the latter needs torch) -- transformers' own class (WMEL_PEER_IMPL=original) or wmel's (=wmel),
plus __call__ checks against transformers' own numbers and the standalone classes (wmel's classes
for machines without transformers) against transformers' over a grid of inputs and options. The
sdist does not ship tests/models/, so the testers (which inputs, which config) are wmel's own.
PEER_TRANSFORMERS_TESTS: the sdist's tests/ folder."""
import importlib
import importlib.util
import os
import sys
import tempfile
import types
import unittest
import warnings

import numpy as np
import pytest

import transformers

IMPL = os.environ.get("WMEL_PEER_IMPL", "original")
_src = os.environ.get("PEER_TRANSFORMERS_TESTS")
if not _src or not os.path.isfile(os.path.join(_src, "test_sequence_feature_extraction_common.py")):
    raise RuntimeError("set PEER_TRANSFORMERS_TESTS to the transformers sdist's tests/ folder")
_pkg = types.ModuleType("transformers_sdist_tests")
_pkg.__path__ = [_src]
sys.modules.setdefault("transformers_sdist_tests", _pkg)
_common = importlib.import_module("transformers_sdist_tests.test_sequence_feature_extraction_common")
SequenceFeatureExtractionTestMixin = _common.SequenceFeatureExtractionTestMixin

HAVE_TORCH = importlib.util.find_spec("torch") is not None

if IMPL == "wmel":
    import wmel.hf
    SEAMLESS = wmel.hf.SeamlessM4TFeatureExtractor
    assert issubclass(SEAMLESS, transformers.SeamlessM4TFeatureExtractor)
    PARAKEET = wmel.hf.ParakeetFeatureExtractor if HAVE_TORCH else None
else:
    SEAMLESS = transformers.SeamlessM4TFeatureExtractor
    PARAKEET = transformers.ParakeetFeatureExtractor if HAVE_TORCH else None


class Tester:
    __test__ = False  # a helper, not a test class

    """Inputs and configuration for the upstream mixins: `batch_size` sequences whose lengths
    rise from min_seq_length by seq_length_diff, each (length, feature_size)."""

    def __init__(self, config, feature_size=80, batch_size=7, min_seq_length=400, max_seq_length=2000):
        self.config = dict(config)
        self.feature_size = feature_size
        self.batch_size = batch_size
        self.min_seq_length = min_seq_length
        self.max_seq_length = max_seq_length
        self.seq_length_diff = (max_seq_length - min_seq_length) // (batch_size - 1)
        self.padding_value = 0.0
        self.sampling_rate = 16000
        self.rng = np.random.default_rng(1234)

    def prepare_feat_extract_dict(self):
        return dict(self.config, feature_size=self.feature_size, padding_value=self.padding_value,
                    sampling_rate=self.sampling_rate)

    def prepare_inputs_for_common(self, equal_length=False, numpify=False):
        if equal_length:
            lengths = [self.max_seq_length] * self.batch_size
        else:
            lengths = [self.min_seq_length + i * self.seq_length_diff for i in range(self.batch_size)]
        out = [self.rng.random((n, self.feature_size)) for n in lengths]
        return out if numpify else [x.tolist() for x in out]


def _clips(lengths, seed=7):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(n) * 0.1).astype(np.float32) for n in lengths]


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


class _SeamlessChecks:
    def test_call_against_transformers_numbers(self):
        """Unbatched, batched, padded: transformers' own class computes the reference."""
        fe = self.feature_extraction_class()
        ref = transformers.SeamlessM4TFeatureExtractor()
        for x in (_clips((16000,))[0], _clips((800, 1000, 1200, 16000)), _clips((4160, 4000))):
            a = _quiet(fe, x, sampling_rate=16000, return_tensors="np")
            b = _quiet(ref, x, sampling_rate=16000, return_tensors="np")
            self.assertEqual(sorted(a.keys()), sorted(b.keys()))
            self.assertEqual(a["input_features"].shape, b["input_features"].shape)
            self.assertEqual(a["input_features"].dtype, b["input_features"].dtype)
            np.testing.assert_array_equal(a["attention_mask"], b["attention_mask"])
            self.assertLess(float(np.abs(a["input_features"] - b["input_features"]).max()), 1e-4)

    def test_stride_stacking(self):
        fe = self.feature_extraction_class()
        out = _quiet(fe, _clips((400 + 160 * 4,))[0], sampling_rate=16000, return_tensors="np")
        self.assertEqual(out["input_features"].shape, (1, 3, 160))      # 5 frames, one padded
        self.assertEqual(out["attention_mask"].tolist(), [[1, 1, 0]])


class TestSeamless(_SeamlessChecks, SequenceFeatureExtractionTestMixin, unittest.TestCase):
    feature_extraction_class = SEAMLESS

    def setUp(self):
        self.feat_extract_tester = Tester({"num_mel_bins": 80, "stride": 2})


@unittest.skipUnless(HAVE_TORCH, "transformers' Parakeet needs torch (optional, not installed)")
class TestParakeet(SequenceFeatureExtractionTestMixin, unittest.TestCase):
    feature_extraction_class = PARAKEET

    def setUp(self):
        self.feat_extract_tester = Tester({"hop_length": 160, "n_fft": 512, "win_length": 400})

    def test_call_against_transformers_numbers(self):
        fe = self.feature_extraction_class()
        ref = transformers.ParakeetFeatureExtractor()
        for x in (_clips((16000,))[0], _clips((800, 1000, 1200, 16000))):
            a = _quiet(fe, x, sampling_rate=16000, return_tensors="np")
            b = _quiet(ref, x, sampling_rate=16000, return_tensors="np")
            self.assertEqual(a["input_features"].shape, b["input_features"].shape)
            np.testing.assert_array_equal(a["attention_mask"], b["attention_mask"])
            self.assertLess(float(np.abs(a["input_features"] - b["input_features"]).max()), 5e-3)

    def test_save_and_auto_load(self):
        fe = self.feature_extraction_class(feature_size=128)
        with tempfile.TemporaryDirectory() as d:
            fe.save_pretrained(d)
            auto = transformers.AutoFeatureExtractor.from_pretrained(d)
            self.assertEqual(auto.feature_size, 128)
            self.assertEqual(transformers.ParakeetFeatureExtractor.from_pretrained(d).to_dict(), fe.to_dict())


def _standalone_calls():
    a, b, c = _clips((1000, 1600, 24010), seed=11)
    inputs = {"one": a, "list": [a, b, c], "float64": [a.astype(np.float64), c]}
    seamless_opts = [{}, {"padding": "longest"}, {"pad_to_multiple_of": None},
                     {"padding": "max_length", "max_length": 200},
                     {"padding": "max_length", "max_length": 50, "truncation": True},
                     {"do_normalize_per_mel_bins": False}, {"return_attention_mask": False},
                     {"return_tensors": "np"}]
    parakeet_opts = [{}, {"padding": "max_length", "max_length": 30000}, {"pad_to_multiple_of": 1000},
                     {"return_tensors": "np"}]
    out = [pytest.param("seamless", {}, x, o, id=f"seamless-{n}-opt{i}")
           for n, x in inputs.items() for i, o in enumerate(seamless_opts)]
    out += [pytest.param("parakeet", ck, x, o, id=f"parakeet{ci}-{n}-opt{i}")
            for ci, ck in enumerate(({}, {"feature_size": 128}))
            for n, x in inputs.items() for i, o in enumerate(parakeet_opts)]
    return out


@pytest.mark.skipif(IMPL != "wmel", reason="the standalone classes are wmel's")
@pytest.mark.parametrize("which,ctor,x,opts", _standalone_calls())
def test_standalone_class_behaves_as_transformers(which, ctor, x, opts):
    """wmel's classes for machines without transformers, against transformers' own: the same
    keys, shapes, dtypes and masks, features within the originals' float32 noise."""
    import wmel.hf
    if which == "parakeet" and not HAVE_TORCH:
        pytest.skip("transformers' Parakeet needs torch (optional, not installed)")
    theirs = {"seamless": transformers.SeamlessM4TFeatureExtractor,
              "parakeet": transformers.ParakeetFeatureExtractor}[which]
    ours = {"seamless": wmel.hf.StandaloneSeamlessM4TFeatureExtractor,
            "parakeet": wmel.hf.StandaloneParakeetFeatureExtractor}[which]
    want = _quiet(theirs(**ctor), x, sampling_rate=16000, **opts)
    got = _quiet(ours(**ctor), x, sampling_rate=16000, **opts)
    assert sorted(got.keys()) == sorted(want.keys())
    tol = 5e-3 if which == "parakeet" else 1e-4 * (20 if opts.get("do_normalize_per_mel_bins") is False else 1)
    for k in want:
        w = want[k].numpy() if hasattr(want[k], "numpy") else np.asarray(want[k])
        g = got[k].numpy() if hasattr(got[k], "numpy") else np.asarray(got[k])
        assert g.shape == w.shape and g.dtype == w.dtype, k
        if k == "input_features":
            assert float(np.abs(g - w).max()) < tol
        else:
            np.testing.assert_array_equal(g, w)


@pytest.mark.skipif(IMPL != "wmel", reason="wmel.hf.patch() is wmel's")
def test_patch_reaches_transformers_seamless():
    """After wmel.hf.patch() (peer_plugin), transformers' own Seamless class computes through
    libwmel: the numbers equal wmel's subclass bit for bit."""
    import wmel.hf
    assert wmel.hf.is_patched()
    x = _clips((9000,))[0]
    theirs = _quiet(transformers.SeamlessM4TFeatureExtractor(), x, sampling_rate=16000)["input_features"]
    np.testing.assert_array_equal(theirs, _quiet(SEAMLESS(), x, sampling_rate=16000)["input_features"])
