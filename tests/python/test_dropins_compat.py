"""test_dropins_compat.py -- the drop-ins' behaviour around the numbers, as their originals
behave (transformers 5.x WhisperFeatureExtractor, faster-whisper 1.2 FeatureExtractor),
here without the originals installed (make test-peers runs the originals' own suites):
pad() as a fine-tuning data collator calls it, configuration round trips, attention-mask
rules, fallbacks for what libwmel does not compute; and decoding through PyAV."""
import json

import numpy as np
import pytest

import wmel
from conftest import GOLDEN, audio_of


def _clip(n, seed=0):
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


def test_hf_masks_follow_transformers():
    a, b = _clip(1000), _clip(3000, 1)
    fe = wmel.WhisperFeatureExtractor()
    # do_normalize without a mask request: transformers still returns the sample-level mask
    out = fe([a, b], do_normalize=True)
    assert out["attention_mask"].shape == (2, 480000) and out["attention_mask"].dtype == np.int32
    assert out["attention_mask"][1].sum() == 3000
    # return_attention_mask=True in the constructor: a sample-level mask too
    out = wmel.WhisperFeatureExtractor(return_attention_mask=True)([a, b])
    assert out["attention_mask"].shape == (2, 480000)
    # asked for in the call: rescaled to frames (the last dropped where 480000 % 160 != 0)
    out = fe([a, b], return_attention_mask=True, padding="longest")
    assert out["input_features"].shape == (2, 80, 18) and out["attention_mask"].shape == (2, 18)
    assert "attention_mask" not in fe([a, b])
    with pytest.raises(ValueError):
        fe([a, b], padding=False)  # ragged: transformers fails too


def test_hf_pad_as_data_collator():
    fe = wmel.WhisperFeatureExtractor()
    feats = [{"input_features": fe(_clip(n, n))["input_features"][0]} for n in (16000, 32000, 8000)]
    batch = fe.pad(feats, return_tensors="np")
    assert isinstance(batch, wmel.BatchFeature) and batch.input_features.shape == (3, 80, 3000)
    np.testing.assert_array_equal(batch["input_features"][1], feats[1]["input_features"])
    # (length, feature_size) sequences: padded to the longest, mask on request, float64 -> float32
    seqs = {"input_features": [np.ones((5, 80)), np.ones((3, 80))]}
    p = fe.pad(seqs, return_attention_mask=True)
    assert p["input_features"].shape == (2, 5, 80) and p["input_features"].dtype == np.float32
    np.testing.assert_array_equal(p["attention_mask"], [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    p = fe.pad({"input_features": [np.ones((5, 80)), np.ones((3, 80))]}, padding="max_length",
               max_length=4, truncation=True)
    assert p["input_features"].shape == (2, 4, 80)
    fe.padding_side = "left"
    p = fe.pad({"input_features": [np.ones((2, 80)), np.ones((3, 80))]}, return_attention_mask=True)
    np.testing.assert_array_equal(p["attention_mask"], [[0, 1, 1], [1, 1, 1]])
    with pytest.raises(ValueError, match="input_features"):
        fe.pad({"x": [np.ones(2)]})


def test_hf_config_round_trip(tmp_path):
    fe = wmel.WhisperFeatureExtractor(feature_size=128, chunk_length=10, padding_value=0.5,
                                      processor_class="WhisperProcessor")
    d = fe.to_dict()
    assert d["feature_extractor_type"] == "WhisperFeatureExtractor" and "mel_filters" not in d
    assert d["n_samples"] == 160000 and d["nb_max_frames"] == 1000
    j = json.loads(fe.to_json_string())
    assert j == json.loads(json.dumps(d))
    fe.save_pretrained(tmp_path)
    back = wmel.WhisperFeatureExtractor.from_pretrained(tmp_path)
    assert back.to_dict() == d
    assert wmel.WhisperFeatureExtractor.from_pretrained(tmp_path / "preprocessor_config.json",
                                                        chunk_length=30).n_samples == 480000
    x = _clip(20000)
    np.testing.assert_array_equal(back(x)["input_features"], fe(x)["input_features"])
    with pytest.raises((OSError, ValueError)):  # transformers: a hub id, refused offline
        wmel.WhisperFeatureExtractor.from_pretrained(tmp_path / "nothing")


def test_hf_fallbacks_compute_the_same_algorithm():
    """Whisper's geometry through the numpy fallback (a changed filter bank forces it)
    agrees with libwmel within float rounding, so other geometries compute the right thing."""
    x = _clip(48000)
    fe = wmel.WhisperFeatureExtractor()
    ref = fe(x)["input_features"]
    slow = wmel.WhisperFeatureExtractor()
    slow.mel_filters = slow.mel_filters.copy() * (1 + 1e-15)  # no longer the standard bank
    got = slow(x)["input_features"]
    assert not np.array_equal(got, ref) and np.abs(got - ref).max() < 1e-4
    # very short clips (<= 200 samples): what the original does (numpy: reflect repeatedly,
    # one frame; torch, when installed with transformers: refuse)
    import importlib.util
    torch_path = all(importlib.util.find_spec(m) for m in ("transformers", "torch"))
    if torch_path:
        with pytest.raises(RuntimeError):
            fe(_clip(200), padding="longest")
    else:
        assert fe(_clip(200), padding="longest")["input_features"].shape == (1, 80, 1)
    with pytest.raises((ValueError, RuntimeError)):
        fe(_clip(100), padding="longest")  # no frame: transformers fails too


def test_hf_batchfeature_to_keeps_integer_masks():
    torch = pytest.importorskip("torch")
    fe = wmel.WhisperFeatureExtractor()
    out = fe([_clip(1000), _clip(2000)], return_attention_mask=True, return_tensors="pt")
    out = out.to(torch.float16)
    assert out["input_features"].dtype == torch.float16 and out["attention_mask"].dtype != torch.float16


def test_faster_whisper_signature_and_edges():
    import inspect
    fe = wmel.FeatureExtractor(128)  # feature_size first, as faster-whisper's
    assert fe.mel_filters.shape == (128, 201) and fe.mel_filters.dtype == np.float32
    assert list(inspect.signature(wmel.FeatureExtractor.__init__).parameters) == [
        "self", "feature_size", "sampling_rate", "hop_length", "chunk_length", "n_fft"]
    assert list(inspect.signature(wmel.FeatureExtractor.__call__).parameters) == [
        "self", "waveform", "padding", "chunk_length"]
    assert wmel.FeatureExtractor.get_mel_filters(16000, 400, 80).dtype == np.float64
    assert fe(np.zeros(0, np.float32)).shape == (128, 1)  # empty audio: one frame of padding
    assert fe(np.zeros(40, np.float32)).shape == (128, 1)
    with pytest.raises(ValueError):
        fe(np.zeros(0, np.float32), padding=0)  # faster-whisper fails on it too
    x = _clip(16000)
    ref = fe(x)
    np.testing.assert_array_equal(ref, wmel.log_mel_spectrogram(x, 128, padding=160))
    fe.mel_filters = fe.mel_filters * np.float32(2)  # settable, and used
    assert np.abs(fe(x) - ref).max() > 0.01


def _golden_files():
    return sorted(p for p in (GOLDEN / "ref").glob("*.load_audio_s16.npy"))


@pytest.mark.parametrize("ref", _golden_files(), ids=lambda p: p.name.split(".")[0])
def test_pyav_decoding_matches_ffmpeg_command(golden, ref):
    pytest.importorskip("av")
    from wmel import _pyav
    stem = ref.name.split(".")[0]
    base, ext = stem.rsplit("_", 1)
    path = golden / "audio" / f"{base}.{ext}"
    want = audio_of(stem)
    got = _pyav.decode(path)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(_pyav.decode(path.read_bytes()), got)
    lsb = float(np.abs(got - want).max()) * 32768
    # FFmpeg 8's Vorbis decoder (PyAV's) differs from Debian 12's FFmpeg 5.1 by ~2e-7
    # before resampling; every other golden is bit-identical
    assert lsb <= (1.0 if ext == "ogg" else 0.0), f"{stem}: {lsb} LSB"


def test_decoder_routing(golden, monkeypatch):
    from wmel import _wmel
    mp3 = golden / "audio" / "speech_en_44k_stereo.mp3"
    monkeypatch.setattr(_wmel, "have_ffmpeg", lambda: False)  # a build without FFmpeg
    import importlib.util
    if importlib.util.find_spec("av") is not None:  # make test-python installs PyAV
        assert wmel.decoder() == "pyav"
        np.testing.assert_array_equal(wmel.load_audio(mp3), audio_of("speech_en_44k_stereo_mp3"))
        assert "decoder: pyav" in wmel.version()
        w = list(wmel.windows(str(mp3)))
        assert len(w) == 1 and w[0][1] == 111862 // 160
        with pytest.raises(FileNotFoundError):
            wmel.load_audio(golden / "audio" / "no_such_file.flac")
        with pytest.raises(ValueError, match="PyAV"):
            wmel.load_audio(b"not audio at all" * 100)
    import sys
    monkeypatch.setitem(sys.modules, "av", None)  # and no PyAV
    assert wmel.decoder() == "wav" and wmel.build_info()["decoder"] == "wav"
    with pytest.raises(ValueError, match="pip install av, or rebuild wmel with FFmpeg"):
        wmel.load_audio(mp3)
    # 16 kHz WAV still reads through libwmel's own reader
    assert wmel.load_audio(golden / "audio" / "speech_en.wav").shape[0] > 0


def test_pyav_picks_the_stream_the_ffmpeg_command_picks(tmp_path):
    """Two audio streams, mono first and stereo second: the ffmpeg command (and libwmel)
    takes the stereo one; PyAV decoding must too, with the same samples."""
    pytest.importorskip("av")
    import shutil
    import subprocess
    if shutil.which("ffmpeg") is None or subprocess.run(["ffmpeg", "-version"],
                                                         capture_output=True).returncode != 0:
        pytest.skip("no working ffmpeg command (make deps installs it; tests/wheel/isolated.sh hides its libraries)")
    from wmel import _pyav
    f = tmp_path / "two.mka"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=1:r=22050",
                    "-f", "lavfi", "-i", "sine=f=880:d=1:r=44100", "-filter_complex",
                    "[1]pan=stereo|c0=c0|c1=0.5*c0[s]", "-map", "0", "-map", "[s]",
                    "-c:a", "pcm_s16le", str(f)], check=True)
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(f), "-f", "s16le", "-ac", "1",
                          "-acodec", "pcm_s16le", "-ar", "16000", "-"], check=True, capture_output=True)
    want = np.frombuffer(out.stdout, np.int16).astype(np.float32) / np.float32(32768)
    got = _pyav.decode(f)
    assert got.shape == want.shape == (16000,)
    np.testing.assert_array_equal(got, want)
    one = _pyav.decode(f.read_bytes())
    np.testing.assert_array_equal(one, want)
