"""wmel.FeatureExtractor -- a drop-in for faster_whisper.feature_extractor.FeatureExtractor.

faster-whisper's extractor is openai's log-Mel with `padding` zeros appended (160 by
default, so n // 160 + 1 frames); the same attributes and __call__ signature here, the
numbers from libwmel.
"""
from __future__ import annotations

import numpy as np


class FeatureExtractor:
    def __init__(self, device="auto", feature_size=80, sampling_rate=16000, hop_length=160,
                 chunk_length=30, n_fft=400):
        if (sampling_rate, n_fft, hop_length) != (16000, 400, 160):
            raise ValueError("wmel computes Whisper's front-end only: sampling_rate=16000, "
                             f"n_fft=400, hop_length=160 (got {sampling_rate}, {n_fft}, {hop_length})")
        if feature_size not in (80, 128):
            raise ValueError(f"feature_size must be 80 or 128, got {feature_size}")
        self.device = device
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.chunk_length = chunk_length
        self.n_samples = chunk_length * sampling_rate
        self.nb_max_frames = self.n_samples // hop_length
        self.time_per_frame = hop_length / sampling_rate
        self.sampling_rate = sampling_rate
        self.feature_size = feature_size

    @property
    def mel_filters(self) -> np.ndarray:
        from . import mel_filters
        return mel_filters(self.feature_size)

    @staticmethod
    def get_mel_filters(sr, n_fft, n_mels=128):
        if (sr, n_fft) != (16000, 400):
            raise ValueError("wmel's filter bank is for sr=16000, n_fft=400")
        from . import mel_filters
        return mel_filters(n_mels)

    def __call__(self, waveform, padding=160, chunk_length=None, to_cpu=False):
        """(n_mels, (n + padding) // 160) float32 -- numpy for numpy input, a torch tensor
        for a torch tensor (on its device unless to_cpu)."""
        from . import _check_int, _is_torch, log_mel_spectrogram
        if chunk_length is not None:
            self.n_samples = chunk_length * self.sampling_rate
            self.nb_max_frames = self.n_samples // self.hop_length
        padding = _check_int(padding or 0, "padding")
        if _is_torch(waveform):
            out = log_mel_spectrogram(waveform, self.feature_size, padding)
            return out.cpu() if to_cpu else out
        w = np.asarray(waveform)
        if w.dtype != np.float32:
            w = w.astype(np.float32)  # faster-whisper casts (no int16 scaling)
        return log_mel_spectrogram(w, self.feature_size, padding)
