"""test_dropins.py -- wmel.WhisperFeatureExtractor (HF transformers) against the HF numpy
goldens (*hf80_np, *hf128_np: within 1e-4), its padding/truncation/mask/normalisation
rules; wmel.FeatureExtractor (faster-whisper) semantics; the openai-whisper shim."""
import numpy as np
import pytest

import wmel
from conftest import audio_of, ref

HF = [("exact_30s_wav", 80), ("jfk_flac", 80), ("silence_wav", 80), ("speech_en_wav", 80),
      ("speech_en_wav", 128)]


@pytest.mark.parametrize("stem,n", HF, ids=[f"{s}.hf{n}" for s, n in HF])
def test_hf_golden(golden, stem, n):
    fe = wmel.WhisperFeatureExtractor(feature_size=n)
    out = fe(audio_of(stem), sampling_rate=16000, return_tensors="np")
    f = out["input_features"]
    assert isinstance(f, np.ndarray) and f.shape == (1, n, 3000) and f.dtype == np.float32
    assert out.input_features is f
    err = float(np.abs(f[0].astype(np.float64) - ref(f"{stem}.hf{n}_np")).max())
    assert err <= 1e-4, f"{stem}: {err:.3g}"


def test_hf_batch_is_per_example(golden):
    fe = wmel.WhisperFeatureExtractor()
    a, b = audio_of("speech_en_wav"), audio_of("jfk_flac") * np.float32(0.01)
    out = fe([a, b], return_attention_mask=True)
    f = out["input_features"]
    assert f.shape == (2, 80, 3000)
    np.testing.assert_array_equal(f[0], fe(a)["input_features"][0])
    np.testing.assert_array_equal(f[1], fe(b)["input_features"][0])
    assert abs(f[0].max() - f[1].max()) > 0.1  # each clip its own max
    m = out["attention_mask"]
    assert m.shape == (2, 3000) and m.dtype.kind == "i"
    assert m[0].sum() == -(-len(a) // 160) and m[1].sum() == -(-len(b) // 160)
    # a 2-D array is a batch too; a 3-D one is refused
    np.testing.assert_array_equal(fe(np.stack([a[:16000], a[16000:32000]]))["input_features"][1],
                                  fe(a[16000:32000])["input_features"][0])
    with pytest.raises(ValueError, match="mono"):
        fe(np.zeros((1, 2, 100), np.float32))


def test_hf_padding_truncation_normalize():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(50000) * 0.1).astype(np.float32)
    fe = wmel.WhisperFeatureExtractor()
    assert fe(x, padding="longest")["input_features"].shape == (1, 80, 312)
    assert fe(x, padding="longest", pad_to_multiple_of=16000)["input_features"].shape == (1, 80, 400)
    assert fe(x, max_length=32000)["input_features"].shape == (1, 80, 200)
    long = np.tile(x, 12)  # 600000 samples > 30 s: truncated to 480000
    np.testing.assert_array_equal(fe(long)["input_features"][0],
                                  wmel.log_mel_spectrogram(long[:480000]))
    # do_normalize: zero mean, unit variance over the clip, padding stays padding_value
    got = fe(x, do_normalize=True)["input_features"][0]
    v = np.zeros(480000, np.float32)
    v[:50000] = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    np.testing.assert_array_equal(got, wmel.log_mel_spectrogram(v))
    with pytest.raises(ValueError, match="sampling rate"):
        fe(x, sampling_rate=8000)
    # geometries libwmel does not compute are computed anyway (the original's way)
    assert wmel.WhisperFeatureExtractor(n_fft=512)(x)["input_features"].shape == (1, 80, 3000)
    assert wmel.WhisperFeatureExtractor(feature_size=64)(x)["input_features"].shape == (1, 64, 3000)
    assert fe.mel_filters.shape == (201, 80)
    assert fe.n_samples == 480000 and fe.nb_max_frames == 3000


def test_hf_from_pretrained_local(tmp_path):
    import json
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({
        "feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 128,
        "sampling_rate": 16000, "hop_length": 160, "chunk_length": 30, "n_fft": 400,
        "padding_value": 0.0, "padding_side": "right", "return_attention_mask": False}))
    fe = wmel.WhisperFeatureExtractor.from_pretrained(tmp_path)
    assert fe.feature_size == 128
    assert fe(np.zeros(1000, np.float32))["input_features"].shape == (1, 128, 3000)


def test_faster_whisper_extractor(golden):
    a = audio_of("speech_en_wav")
    fe = wmel.FeatureExtractor()
    assert (fe.n_samples, fe.nb_max_frames, fe.time_per_frame) == (480000, 3000, 0.01)
    assert fe.mel_filters.shape == (80, 201)
    f = fe(a)  # default padding=160: one more frame than openai's
    assert f.shape == (80, len(a) // 160 + 1)
    np.testing.assert_array_equal(f, wmel.log_mel_spectrogram(a, padding=160))
    assert np.abs(fe(a, padding=0) - ref("speech_en_wav.mel80")).max() <= 1e-4
    f128 = wmel.FeatureExtractor(feature_size=128)(a, padding=0)
    assert np.abs(f128 - ref("speech_en_wav.mel128")).max() <= 1e-4
    fe(a, chunk_length=10)
    assert (fe.n_samples, fe.nb_max_frames) == (160000, 1000)
    np.testing.assert_array_equal(fe(a.astype(np.float64)), f)
    assert wmel.FeatureExtractor(sampling_rate=8000)(a[:8000]).shape == (80, 8160 // 160)


def test_whisper_shim_without_whisper():
    import wmel.whisper as ww
    assert ww.N_FRAMES == 3000 and ww.N_SAMPLES == 480000
    x = np.zeros(32000, np.float32)
    np.testing.assert_array_equal(ww.pad_or_trim(x), wmel.pad_or_trim(x))
