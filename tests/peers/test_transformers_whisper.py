"""test_transformers_whisper.py -- transformers' own feature-extraction test mixins, taken
unmodified from the transformers sdist (tests/test_sequence_feature_extraction_common.py
and tests/test_feature_extraction_common.py: pad, truncation, attention masks, dtype and
tensor conversions, to_json_*, save/from_pretrained), run on WhisperFeatureExtractor --
transformers' own class (WMEL_PEER_IMPL=original) or wmel's (=wmel) -- in Whisper's two
geometries (libwmel computes) and a foreign one (the fallback to transformers' code), plus
Whisper-specific __call__ checks. The sdist does not ship tests/models/whisper/, so the
tester (which inputs, which config) is wmel's own code.
PEER_TRANSFORMERS_TESTS: the sdist's tests/ folder."""
import importlib
import json
import os
import sys
import tempfile
import types
import unittest

import numpy as np
import pytest

import transformers
from transformers.audio_utils import mel_filter_bank, spectrogram, window_function

IMPL = os.environ.get("WMEL_PEER_IMPL", "original")
_src = os.environ.get("PEER_TRANSFORMERS_TESTS")
if not _src or not os.path.isfile(os.path.join(_src, "test_sequence_feature_extraction_common.py")):
    raise RuntimeError("set PEER_TRANSFORMERS_TESTS to the transformers sdist's tests/ folder")
_pkg = types.ModuleType("transformers_sdist_tests")
_pkg.__path__ = [_src]
sys.modules.setdefault("transformers_sdist_tests", _pkg)
_common = importlib.import_module("transformers_sdist_tests.test_sequence_feature_extraction_common")
SequenceFeatureExtractionTestMixin = _common.SequenceFeatureExtractionTestMixin

if IMPL == "wmel":
    import wmel
    FE = wmel.WhisperFeatureExtractor
    assert issubclass(FE, transformers.WhisperFeatureExtractor)
else:
    FE = transformers.WhisperFeatureExtractor


def _have_torch():
    return importlib.util.find_spec("torch") is not None


class Tester:
    __test__ = False  # a helper, not a test class

    """Inputs and configuration for the upstream mixins: `batch_size` sequences whose
    lengths rise from min_seq_length by seq_length_diff, each (length, feature_size)."""

    def __init__(self, feature_size=80, n_fft=400, hop_length=160, sampling_rate=16000,
                 chunk_length=8, batch_size=7, min_seq_length=400, max_seq_length=2000):
        self.feature_size = feature_size
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.sampling_rate = sampling_rate
        self.chunk_length = chunk_length
        self.batch_size = batch_size
        self.min_seq_length = min_seq_length
        self.max_seq_length = max_seq_length
        self.seq_length_diff = (max_seq_length - min_seq_length) // (batch_size - 1)
        self.padding_value = 0.0
        self.return_attention_mask = False
        self.rng = np.random.default_rng(1234)

    def prepare_feat_extract_dict(self):
        return {"feature_size": self.feature_size, "hop_length": self.hop_length,
                "chunk_length": self.chunk_length, "padding_value": self.padding_value,
                "sampling_rate": self.sampling_rate, "return_attention_mask": self.return_attention_mask,
                "n_fft": self.n_fft}

    def prepare_inputs_for_common(self, equal_length=False, numpify=False):
        if equal_length:
            lengths = [self.max_seq_length] * self.batch_size
        else:
            lengths = [self.min_seq_length + i * self.seq_length_diff for i in range(self.batch_size)]
        out = [self.rng.random((n, self.feature_size)) for n in lengths]
        return out if numpify else [x.tolist() for x in out]


class _WhisperChecks:
    """__call__ as the Whisper model uses it: audio in, log-Mel features out."""

    def _fe(self, **kw):
        d = self.feat_extract_dict
        d.update(kw)
        return self.feature_extraction_class(**d)

    def _clips(self, lengths=(800, 1000, 1200, 16000)):
        rng = np.random.default_rng(7)
        return [(rng.standard_normal(n) * 0.1).astype(np.float32) for n in lengths]

    def _reference(self, fe, x):
        """transformers' numpy algorithm, from its audio_utils (not through the class)."""
        bank = mel_filter_bank(num_frequency_bins=1 + fe.n_fft // 2, num_mel_filters=fe.feature_size,
                               min_frequency=0.0, max_frequency=8000.0, sampling_rate=fe.sampling_rate,
                               norm="slaney", mel_scale="slaney")
        s = spectrogram(x, window_function(fe.n_fft, "hann"), frame_length=fe.n_fft,
                        hop_length=fe.hop_length, power=2.0, mel_filters=bank, log_mel="log10")[:, :-1]
        s = np.maximum(s, s.max() - 8.0)
        return (s + 4.0) / 4.0

    def test_call_unbatched_batched(self):
        fe = self._fe()
        clips = self._clips()
        frames = fe.n_samples // fe.hop_length
        one = fe(clips[0], sampling_rate=fe.sampling_rate, return_tensors="np")["input_features"]
        self.assertEqual(one.shape, (1, fe.feature_size, frames))
        self.assertEqual(one.dtype, np.float32)
        many = fe(clips, return_tensors="np")["input_features"]
        self.assertEqual(many.shape, (len(clips), fe.feature_size, frames))
        for i, c in enumerate(clips):
            np.testing.assert_allclose(many[i], fe(c, return_tensors="np")["input_features"][0], atol=1e-6)
        lists = fe([c.tolist() for c in clips], return_tensors="np")["input_features"]
        np.testing.assert_allclose(lists, many, atol=1e-6)
        arr = fe(np.stack([c[:800] for c in clips]), return_tensors="np")["input_features"]
        np.testing.assert_allclose(arr[3], fe(clips[3][:800], return_tensors="np")["input_features"][0], atol=1e-6)
        with self.assertRaises(ValueError):
            fe(np.zeros((1, 2, 800), np.float32))

    def test_numbers_match_transformers_algorithm(self):
        fe = self._fe()
        x = self._clips((fe.n_samples // 2,))[0]
        got = fe(x, return_tensors="np")["input_features"][0]
        want = self._reference(fe, np.pad(x, (0, fe.n_samples - len(x))))
        self.assertLess(float(np.abs(got - want).max()), 1e-4)
        if IMPL == "wmel" and (fe.feature_size, fe.n_fft, fe.hop_length) in ((80, 400, 160), (128, 400, 160)):
            # libwmel computed it (bit-exact to wmel's own API, not to numpy's float64)
            np.testing.assert_array_equal(
                got, wmel.log_mel_spectrogram(np.pad(x, (0, fe.n_samples - len(x))), fe.feature_size))

    def test_double_precision_input(self):
        fe = self._fe()
        x = self._clips((3000,))[0].astype(np.float64)
        out = fe(x, return_tensors="np")
        self.assertEqual(out["input_features"].dtype, np.float32)
        out = fe.pad([{"input_features": x}], return_tensors="np")
        self.assertEqual(out["input_features"].dtype, np.float32)

    def test_attention_masks_and_normalize(self):
        fe = self._fe()
        clips = self._clips()
        n = fe.n_samples
        out = fe(clips, return_attention_mask=True, return_tensors="np")
        self.assertEqual(out["attention_mask"].shape, (len(clips), n // fe.hop_length))
        self.assertEqual(out["attention_mask"].dtype, np.int32)
        self.assertEqual(int(out["attention_mask"][0].sum()), -(-800 // fe.hop_length))
        out = fe(clips, do_normalize=True, return_tensors="np")
        self.assertEqual(out["attention_mask"].shape, (len(clips), n))
        out = self._fe(return_attention_mask=True)(clips, return_tensors="np")
        self.assertEqual(out["attention_mask"].shape, (len(clips), n))
        longest = fe(clips, padding="longest", return_attention_mask=True, return_tensors="np")
        self.assertEqual(longest["input_features"].shape[2], 16000 // fe.hop_length)
        self.assertEqual(longest["attention_mask"].shape, (len(clips), 16000 // fe.hop_length))

    def test_collator_pad_and_config_round_trip(self):
        fe = self._fe()
        feats = [{"input_features": f} for f in fe(self._clips(), return_tensors="np")["input_features"]]
        batch = fe.pad(feats, return_tensors="np")
        self.assertIsInstance(batch, transformers.BatchFeature)
        self.assertEqual(batch["input_features"].shape, (4, fe.feature_size, fe.n_samples // fe.hop_length))
        with tempfile.TemporaryDirectory() as d:
            fe.save_pretrained(d)
            with open(os.path.join(d, "preprocessor_config.json")) as f:
                self.assertEqual(json.load(f)["feature_extractor_type"], "WhisperFeatureExtractor")
            auto = transformers.AutoFeatureExtractor.from_pretrained(d)
            x = self._clips((4000,))[0]
            np.testing.assert_array_equal(auto(x, return_tensors="np")["input_features"],
                                          fe(x, return_tensors="np")["input_features"])
            # the original class reads what the drop-in saved, and the other way round
            self.assertEqual(transformers.WhisperFeatureExtractor.from_pretrained(d).to_dict(), fe.to_dict())
            self.assertEqual(FE.from_pretrained(d).to_dict(), fe.to_dict())

    @unittest.skipUnless(_have_torch(), "needs torch (optional, not installed)")
    def test_torch_tensors(self):
        import torch
        fe = self._fe()
        clips = self._clips()
        out = fe(clips, return_attention_mask=True, return_tensors="pt")
        self.assertIsInstance(out["input_features"], torch.Tensor)
        self.assertEqual(out["input_features"].dtype, torch.float32)
        np.testing.assert_allclose(out["input_features"].numpy(),
                                   fe(clips, return_tensors="np")["input_features"], atol=1e-4)
        half = out.to(torch.float16)  # in place, as transformers' BatchFeature.to is
        self.assertEqual(half["input_features"].dtype, torch.float16)
        self.assertFalse(torch.is_floating_point(half["attention_mask"]))


class TestWhisper80(_WhisperChecks, SequenceFeatureExtractionTestMixin, unittest.TestCase):
    feature_extraction_class = FE

    def setUp(self):
        self.feat_extract_tester = Tester(feature_size=80)


class TestWhisper128(_WhisperChecks, SequenceFeatureExtractionTestMixin, unittest.TestCase):
    feature_extraction_class = FE

    def setUp(self):
        self.feat_extract_tester = Tester(feature_size=128)


class TestForeignGeometry(_WhisperChecks, SequenceFeatureExtractionTestMixin, unittest.TestCase):
    """feature_size 10, n_fft 256, hop 128 at 8 kHz: not Whisper's; wmel's class must
    compute it through transformers' code, not refuse it."""
    feature_extraction_class = FE

    def setUp(self):
        self.feat_extract_tester = Tester(feature_size=10, n_fft=256, hop_length=128, sampling_rate=8000)


def _standalone():
    import wmel.hf
    return wmel.hf.StandaloneWhisperFeatureExtractor


def _calls():
    rng = np.random.default_rng(11)
    a, b, c = [(rng.standard_normal(n) * 0.1).astype(np.float32) for n in (1000, 1600, 2401)]
    inputs = {"one": a, "list": [a, b, c], "lists": [a.tolist(), b.tolist()],
              "array2d": np.stack([a, b[:1000]]), "float64": [a.astype(np.float64), c]}
    opts = [{}, {"padding": "longest"}, {"padding": True, "return_attention_mask": True},
            {"return_attention_mask": True}, {"do_normalize": True},
            {"do_normalize": True, "return_attention_mask": True, "padding": "longest"},
            {"max_length": 2000, "truncation": True, "padding": "max_length"},
            {"max_length": 1200, "truncation": True, "padding": "longest", "return_attention_mask": True},
            {"padding": "longest", "pad_to_multiple_of": 1000}, {"return_tensors": "np"},
            {"max_length": 2000, "truncation": False, "padding": "longest"}]
    ctor = [{}, {"return_attention_mask": True}, {"padding_side": "left"}, {"feature_size": 128}]
    out = []
    for ci, ck in enumerate(ctor):
        for name, x in inputs.items():
            for oi, o in enumerate(opts):
                if (ci + oi) % 2 == 0 or name == "list":
                    out.append(pytest.param(ck, x, o, id=f"ctor{ci}-{name}-opt{oi}"))
    return out


@pytest.mark.parametrize("ctor,x,opts", _calls())
def test_standalone_class_behaves_as_transformers(ctor, x, opts):
    """wmel's class for machines without transformers, against transformers' own class:
    the same keys, shapes, dtypes and masks, features within 1e-4 (or the same error)."""
    def call(cls):
        try:
            return cls(**ctor)(x, sampling_rate=16000, **opts)
        except (ValueError, RuntimeError) as e:
            return e
    want, got = call(transformers.WhisperFeatureExtractor), call(_standalone())
    if isinstance(want, Exception):
        assert isinstance(got, Exception), f"transformers raised {want!r}, wmel returned"
        return
    assert not isinstance(got, Exception), f"wmel raised {got!r}"
    assert sorted(got.keys()) == sorted(want.keys())
    for k in want:
        w, g = np.asarray(want[k]), np.asarray(got[k])
        assert g.shape == w.shape and g.dtype == w.dtype, k
        if k == "input_features":
            assert float(np.abs(g - w).max()) < 1e-4
        else:
            np.testing.assert_array_equal(g, w)


@pytest.mark.skipif(IMPL != "wmel", reason="wmel.hf.patch() is wmel's")
def test_patch_reaches_transformers_own_class():
    """After wmel.hf.patch() (peer_plugin), transformers' own class -- and so
    AutoFeatureExtractor, WhisperProcessor, the ASR pipeline -- computes through libwmel;
    unpatch() restores transformers' numbers; both idempotent."""
    import wmel.hf
    x = (np.random.default_rng(5).standard_normal(40000) * 0.1).astype(np.float32)
    padded = np.pad(x, (0, 480000 - len(x)))
    made_before = transformers.WhisperFeatureExtractor()
    assert wmel.hf.is_patched()
    want = wmel.log_mel_spectrogram(padded)
    np.testing.assert_array_equal(made_before(x, return_tensors="np")["input_features"][0], want)
    wmel.hf.unpatch()
    wmel.hf.unpatch()
    try:
        assert not wmel.hf.is_patched()
        theirs = made_before(x, return_tensors="np")["input_features"][0]
        assert not np.array_equal(theirs, want) and float(np.abs(theirs - want).max()) < 1e-4
        # wmel's subclass computes through libwmel whether or not transformers is patched
        np.testing.assert_array_equal(FE()(x, return_tensors="np")["input_features"][0], want)
    finally:
        wmel.hf.patch()
        wmel.hf.patch()
    assert wmel.hf.is_patched()
    np.testing.assert_array_equal(made_before(x, return_tensors="np")["input_features"][0], want)
