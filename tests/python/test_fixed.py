"""wmel.fixed: the integer front-end from Python, against the float64 numpy oracle
(wmel._npref, openai's algorithm). Thresholds in normalised units: int16 max abs <= 0.01,
mean <= 0.001, correlation >= 0.9999; int8 within half a step (1/128) + 0.005."""
import numpy as np
import pytest

import wmel
import wmel.fixed
from wmel import _npref

from conftest import audio_of

TOL_MAX, TOL_MEAN, TOL_CORR, TOL_I8 = 0.01, 0.001, 0.9999, 1 / 128 + 0.005


def oracle(s16, n_mels):
    f = _npref.slaney_mel_filters(16000, 400, n_mels)
    return _npref.log_mel(s16.astype(np.float64) / 32768.0, 400, 160, f)[0].astype(np.float64)


def to_s16(x):
    return np.clip(np.round(x.astype(np.float64) * 32768), -32768, 32767).astype(np.int16)


def clips():
    rng = np.random.default_rng(27)
    speech = to_s16(audio_of("speech_en_wav"))
    yield "speech_en", speech
    yield "jfk", to_s16(audio_of("jfk_flac"))
    yield "speech -40 dBFS", np.round(speech / 100.0).astype(np.int16)
    yield "full-scale noise", rng.integers(-32768, 32768, 16000 * 3, dtype=np.int16)
    yield "silence", np.zeros(16000, np.int16)
    sq = np.where((np.arange(32000) // 20) % 2 == 0, 32767, -32768).astype(np.int16)
    yield "full-scale square", sq


@pytest.mark.parametrize("n_mels", [80, 128])
def test_against_oracle(golden, n_mels):
    for name, s16 in clips():
        want = oracle(s16, n_mels)
        q16 = wmel.fixed.log_mel_spectrogram(s16, n_mels=n_mels, dtype="int16")
        q8 = wmel.fixed.log_mel_spectrogram(s16, n_mels=n_mels, dtype="int8")
        assert q16.dtype == np.int16 and q8.dtype == np.int8
        assert q16.shape == q8.shape == want.shape == (n_mels, len(s16) // 160)
        got = wmel.fixed.dequantize(q16).astype(np.float64)
        d = np.abs(got - want)
        assert d.max() <= TOL_MAX and d.mean() <= TOL_MEAN, (name, d.max(), d.mean())
        if want.std() > 0:
            assert np.corrcoef(got.ravel(), want.ravel())[0, 1] >= TOL_CORR, name
        else:
            assert d.max() < 1e-6, name
        d8 = np.abs(wmel.fixed.dequantize(q8).astype(np.float64) - want)
        assert d8.max() <= TOL_I8, (name, d8.max())
        # the documented scales and zero points
        np.testing.assert_array_equal(got, q16.astype(np.float64) * 2.0 ** -13)
        np.testing.assert_array_equal(wmel.fixed.dequantize(q8), (q8.astype(np.float32) + 32) / 64)


def test_raw_and_normalisation_agree(golden):
    s16 = to_s16(audio_of("speech_en_wav"))
    raw = wmel.fixed.raw_log_mel(s16).astype(np.int32)
    want = np.maximum(raw, raw.max() - 8 * 2048) + 4 * 2048  # Q11 log10 -> Q13 (x + 4) / 4
    np.testing.assert_array_equal(wmel.fixed.log_mel_spectrogram(s16), want)
    oracle_raw = np.log10(np.maximum(np.einsum(
        "mf,tf->mt", _npref.slaney_mel_filters(16000, 400, 80),
        np.abs(np.fft.rfft(np.lib.stride_tricks.sliding_window_view(
            np.pad(s16 / 32768.0, 200, mode="reflect"), 400)[::160]
            * (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)), axis=-1)) ** 2)[:, :-1], 1e-10))
    top = oracle_raw.max()
    keep = oracle_raw > top - 8
    assert np.abs(raw[keep] / 2048.0 - oracle_raw[keep]).max() <= 4 * TOL_MAX


def test_close_to_the_float_path(golden):
    x = audio_of("speech_en_wav")
    f = wmel.log_mel_spectrogram(x)
    q = wmel.fixed.dequantize(wmel.fixed.log_mel_spectrogram(to_s16(x)))
    assert np.abs(np.asarray(f, np.float64) - q).max() <= TOL_MAX


def test_errors():
    with pytest.raises(TypeError, match="int16"):
        wmel.fixed.log_mel_spectrogram(np.zeros(1000, np.float32))
    with pytest.raises(ValueError, match="n_mels"):
        wmel.fixed.log_mel_spectrogram(np.zeros(1000, np.int16), n_mels=64)
    with pytest.raises(ValueError, match="dtype"):
        wmel.fixed.log_mel_spectrogram(np.zeros(1000, np.int16), dtype="uint8")
    with pytest.raises(ValueError, match="1-D"):
        wmel.fixed.log_mel_spectrogram(np.zeros((2, 1000), np.int16))
    with pytest.raises(ValueError):
        wmel.fixed.log_mel_spectrogram(np.zeros(200, np.int16))  # too short to reflect-pad
    with pytest.raises(TypeError):
        wmel.fixed.dequantize(np.zeros(3, np.float32))
    # non-contiguous input is copied, not refused
    s = np.zeros(4000, np.int16)[::2]
    assert wmel.fixed.log_mel_spectrogram(s).shape == (80, 12)
