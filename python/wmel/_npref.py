"""wmel._npref -- the log-Mel in numpy, for what libwmel does not compute.

libwmel computes Whisper's geometry (16 kHz, n_fft 400, hop 160, 80 or 128 Slaney mels)
on inputs longer than n_fft/2. The drop-ins must not refuse what their originals accept,
so other geometries, custom filter banks and very short clips (where the reflect padding
is longer than the clip: numpy then reflects repeatedly, as the originals' numpy paths do)
come here: a centred STFT (reflect padding, periodic Hann window), power spectrum, filter
bank, log10 floored at 1e-10, the last frame dropped, each clip clamped to its max - 8,
then (x + 4) / 4. Computed in float64, returned as float32.
"""
from __future__ import annotations

import numpy as np


def _hz_to_mel(f):
    """Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above."""
    f = np.asarray(f, np.float64)
    lin = f / (200.0 / 3)
    logstep = np.log(6.4) / 27.0
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / logstep, lin)


def _mel_to_hz(m):
    m = np.asarray(m, np.float64)
    logstep = np.log(6.4) / 27.0
    return np.where(m >= 15.0, 1000.0 * np.exp(logstep * (m - 15.0)), m * (200.0 / 3))


def slaney_mel_filters(sampling_rate: int, n_fft: int, n_mels: int,
                       fmin: float = 0.0, fmax: float = 8000.0) -> np.ndarray:
    """Slaney-normalised triangular filters on the Slaney mel scale, float64
    (n_mels, 1 + n_fft // 2): librosa.filters.mel(sr, n_fft, n_mels, fmax=8000), the bank
    openai-whisper, transformers and faster-whisper all use."""
    n_mels = int(n_mels)
    fft_freqs = np.fft.rfftfreq(n=int(n_fft), d=1.0 / float(sampling_rate))
    hz = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(hz)
    ramps = hz[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (hz[2:n_mels + 2] - hz[:n_mels]))[:, None]
    return weights


def log_mel(batch, n_fft: int, hop_length: int, filters: np.ndarray, per_clip: bool = True) -> np.ndarray:
    """batch: (B, N) samples; filters: (n_mels, 1 + n_fft // 2). Returns float32
    (B, n_mels, frames) with frames = 1 + N // hop_length - 1 (the last STFT frame dropped),
    one max per clip (per_clip=False: one max over the batch)."""
    batch = np.asarray(batch)
    x = batch.astype(np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.shape[1] == 0:
        raise ValueError("the input holds no audio samples")
    pad = n_fft // 2
    x = np.pad(x, ((0, 0), (pad, pad)), mode="reflect")
    n_frames = 1 + (x.shape[1] - n_fft) // hop_length
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.lib.stride_tricks.as_strided(
        x, (x.shape[0], n_frames, n_fft), (x.strides[0], hop_length * x.strides[1], x.strides[1]))
    power = np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2  # (B, frames, freq)
    mel = np.einsum("mf,btf->bmt", np.asarray(filters, np.float64), power[:, :-1, :])
    if mel.shape[-1] == 0:
        raise ValueError(f"input too short: {batch.shape[-1]} samples give no frame "
                         f"(the originals fail on it too)")
    spec = np.log10(np.maximum(mel, 1e-10))
    top = spec.reshape(spec.shape[0], -1).max(axis=1) if per_clip else np.full(spec.shape[0], spec.max())
    spec = np.maximum(spec, (top - 8.0)[:, None, None])
    return ((spec + 4.0) / 4.0).astype(np.float32)
