"""test_windows.py -- wmel.windows(): transcribe()'s 30 s windows, against the
mel80_padded goldens (log_mel_spectrogram(audio, padding=480000)) within 1e-4."""
import numpy as np
import pytest

import wmel
from conftest import audio_of, ref


@pytest.mark.parametrize("stem,src", [("speech_long_wav", "audio/speech_long.wav"),
                                      ("jfk_flac", None)])
def test_windows_match_padded_golden(golden, stem, src):
    a = audio_of(stem)
    g = ref(f"{stem}.mel80_padded")
    content = len(a) // 160
    got = list(wmel.windows(golden / src if src else a))
    assert len(got) == -(-content // 3000)
    for k, (w, n) in enumerate(got):
        seek = 3000 * k
        assert w.shape == (80, 3000) and n == min(3000, content - seek)
        assert np.abs(w[:, :n] - g[:, seek:seek + n]).max() <= 1e-4
        assert (w[:, n:] == 0).all()


def test_windows_errors():
    with pytest.raises(ValueError):
        list(wmel.windows(np.zeros(0, np.float32)))
    with pytest.raises(ValueError, match="1-D"):
        list(wmel.windows(np.zeros((2, 4000), np.float32)))


def test_windows_from_samples_equal_from_file(golden):
    path = golden / "audio" / "speech_long.wav"
    a = wmel.load_audio(path)
    for (w1, n1), (w2, n2) in zip(wmel.windows(path), wmel.windows(a), strict=True):
        assert n1 == n2
        np.testing.assert_array_equal(w1, w2)


def test_windows_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(wmel.windows(tmp_path / "missing.wav"))
