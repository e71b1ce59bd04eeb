"""wmel.fixed -- Whisper's log-Mel from the integer front-end (libwmel's wmel_fx.h).

The same computation an MCU or NPU runs (no floating point, bit-identical everywhere),
for preparing and checking int8/int16 models:

    q = wmel.fixed.log_mel_spectrogram(audio_int16, n_mels=80, dtype="int8")
    x = wmel.fixed.dequantize(q)          # float32, comparable with wmel.log_mel_spectrogram

audio_int16: 1-D int16 PCM at 16 kHz (openai's load_audio scale: sample / 32768), in
either byte order; other dtypes raise TypeError, other shapes ValueError.
Result: (n_mels, len(audio) // 160), openai's normalisation (max - 8, (x + 4) / 4), as
    int16: value = q * 2**-13            (SCALE["int16"], ZERO_POINT["int16"] = 0)
    int8:  value = (q + 32) * 2**-6      (SCALE["int8"], ZERO_POINT["int8"] = -32)
Against the float64 oracle: int16 within 0.01 (max) / 0.001 (mean), int8 within half a
step (1/128) + 0.005. raw_log_mel() gives the unnormalised log10 (int16, Q11).
"""
from __future__ import annotations

import numpy as np

from . import _wmel
from ._common import _as_samples, _check_int

__all__ = ["log_mel_spectrogram", "raw_log_mel", "dequantize", "SCALE", "ZERO_POINT", "RAW_SCALE"]

SCALE = {"int16": 2.0 ** -13, "int8": 2.0 ** -6}
ZERO_POINT = {"int16": 0, "int8": -32}
RAW_SCALE = 2.0 ** -11


def _audio(audio) -> np.ndarray:
    return _as_samples(audio, name="audio", ndims=(1,), kind="int16")


def _n_mels(n_mels) -> int:
    n_mels = _check_int(n_mels, "n_mels")
    if n_mels not in (80, 128):
        raise ValueError(f"n_mels must be 80 or 128, got {n_mels}")
    return n_mels


def log_mel_spectrogram(audio_int16, n_mels: int = 80, dtype: str = "int16") -> np.ndarray:
    """Normalised log-Mel, quantised: int16 (Q13) or int8 (scale 1/64, zero point -32),
    shape (n_mels, len(audio) // 160)."""
    if not isinstance(dtype, str) or dtype not in SCALE:
        raise ValueError(f"dtype must be 'int16' or 'int8', got {dtype!r}")
    a, m = _audio(audio_int16), _n_mels(n_mels)
    out = np.empty((m, a.shape[0] // 160), np.int8 if dtype == "int8" else np.int16)
    _wmel.fx_log_mel(a, m, 2 if dtype == "int8" else 1, out)
    return out


def raw_log_mel(audio_int16, n_mels: int = 80) -> np.ndarray:
    """log10(max(mel, 1e-10)) before the normalisation, int16 Q11 (value = q / 2048)."""
    a, m = _audio(audio_int16), _n_mels(n_mels)
    out = np.empty((m, a.shape[0] // 160), np.int16)
    _wmel.fx_log_mel(a, m, 0, out)
    return out


def dequantize(q: np.ndarray) -> np.ndarray:
    """float32 values of log_mel_spectrogram()'s int16 or int8 result."""
    q = np.asarray(q)
    kind = {np.dtype(np.int16): "int16", np.dtype(np.int8): "int8"}.get(q.dtype)
    if kind is None:
        raise TypeError(f"expected an int16 or int8 array, got {q.dtype}")
    return ((q.astype(np.float32) - ZERO_POINT[kind]) * np.float32(SCALE[kind])).astype(np.float32)
