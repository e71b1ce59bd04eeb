"""wmel.FeatureExtractor -- a drop-in for faster_whisper.feature_extractor.FeatureExtractor
(faster-whisper 1.2.x), and patch()/unpatch() that make faster-whisper's WhisperModel use it.

faster-whisper's extractor is openai's log-Mel with `padding` zeros appended (160 by
default, so (n + 160) // 160 frames). Same constructor (feature_size first), attributes
(mel_filters float32 and settable, get_mel_filters float64, stft) and __call__ here; the
numbers come from libwmel for Whisper's geometry with the standard filter bank and clips
longer than 200 samples after padding, from numpy (wmel._npref) otherwise -- the empty
clip included, which gives (n_mels, 1) as faster-whisper's does.
Deliberate difference: NaN or Inf in the audio raises ValueError.
"""
from __future__ import annotations

import numpy as np

from . import _npref
from ._common import _is_torch, _log_mel_np

_bank32: dict = {}


def _canonical32(n_mels: int) -> np.ndarray:
    b = _bank32.get(n_mels)
    if b is None:
        b = _bank32[n_mels] = _npref.slaney_mel_filters(16000, 400, n_mels).astype(np.float32)
    return b


class FeatureExtractor:
    def __init__(self, feature_size=80, sampling_rate=16000, hop_length=160, chunk_length=30,
                 n_fft=400):
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.chunk_length = chunk_length
        self.n_samples = chunk_length * sampling_rate
        self.nb_max_frames = self.n_samples // hop_length
        self.time_per_frame = hop_length / sampling_rate
        self.sampling_rate = sampling_rate
        self.mel_filters = self.get_mel_filters(sampling_rate, n_fft, n_mels=feature_size).astype("float32")

    @staticmethod
    def get_mel_filters(sr, n_fft, n_mels=128):
        """The Slaney filter bank (0 to 8 kHz), float64 (n_mels, 1 + n_fft // 2)."""
        return _npref.slaney_mel_filters(sr, n_fft, int(n_mels))

    @staticmethod
    def stft(input_array, n_fft, hop_length=None, win_length=None, window=None, center=True,
             mode="reflect", normalized=False, onesided=None, return_complex=None):
        """torch.stft's contract in numpy, as faster-whisper's FeatureExtractor.stft:
        (freq, frames), or (batch, freq, frames) for 2-D input."""
        x = np.asarray(input_array)
        hop_length = n_fft // 4 if hop_length is None else hop_length
        win_length = n_fft if win_length is None else win_length
        is_complex = np.iscomplexobj(x)
        if return_complex is None:
            return_complex = is_complex or (window is not None and np.iscomplexobj(window))
            if not return_complex:
                raise ValueError("stft requires the return_complex parameter for real inputs.")
        if not is_complex and not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"stft: expected an array of floating point or complex values, got {x.dtype}")
        if x.ndim not in (1, 2):
            raise ValueError(f"stft: expected a 1D or 2D array, but got {x.ndim}D array")
        one = x.ndim == 1
        if one:
            x = x[None, :]
        if center:
            x = np.pad(x, ((0, 0), (n_fft // 2, n_fft // 2)), mode=mode)
        length = x.shape[1]
        if n_fft <= 0 or n_fft > length:
            raise ValueError(f"stft: expected 0 < n_fft <= {length}, but got n_fft={n_fft}")
        if hop_length <= 0:
            raise ValueError(f"stft: expected hop_length > 0, but got hop_length={hop_length}")
        if win_length <= 0 or win_length > n_fft:
            raise ValueError(f"stft: expected 0 < win_length <= n_fft, but got win_length={win_length}")
        if window is not None:
            window = np.asarray(window)
            if window.ndim != 1 or window.shape[0] != win_length:
                raise ValueError(f"stft: expected a 1D window array of size equal to "
                                 f"win_length={win_length}, but got window with size {window.shape}")
            if win_length < n_fft:
                w = np.zeros(n_fft, dtype=window.dtype)
                w[(n_fft - win_length) // 2:(n_fft - win_length) // 2 + win_length] = window
                window = w
        n_frames = 1 + (length - n_fft) // hop_length
        frames = np.lib.stride_tricks.as_strided(
            x, (x.shape[0], n_frames, n_fft), (x.strides[0], hop_length * x.strides[1], x.strides[1]))
        if window is not None:
            frames = frames * window
        onesided = (not is_complex) if onesided is None else onesided
        norm = "ortho" if normalized else None
        if is_complex:
            if onesided:
                raise ValueError("Cannot have onesided output if window or input is complex")
            out = np.fft.fft(frames, n=n_fft, axis=-1, norm=norm)
        else:
            out = np.fft.rfft(frames, n=n_fft, axis=-1, norm=norm)
        out = out.transpose((0, 2, 1))
        if one:
            out = out[0]
        return out if return_complex else np.real(out)

    def _wmel_n_mels(self):
        """n_mels when libwmel computes this extractor's features, else None."""
        if (self.sampling_rate, self.n_fft, self.hop_length) != (16000, 400, 160):
            return None
        f = self.mel_filters
        n = getattr(f, "shape", (0,))[0]
        if n not in (80, 128) or not np.array_equal(f, _canonical32(n)):
            return None
        return n

    def __call__(self, waveform, padding=160, chunk_length=None):
        """The log-Mel (n_mels, (len + padding) // hop_length) float32 of a 1-D clip (a
        torch tensor in gives a tensor on its device: faster-whisper < 1.1 took tensors)."""
        if chunk_length is not None:
            self.n_samples = chunk_length * self.sampling_rate
            self.nb_max_frames = self.n_samples // self.hop_length
        if _is_torch(waveform):
            import torch
            out = self(waveform.detach().cpu().numpy(), padding, None)
            return torch.from_numpy(out).to(waveform.device)
        w = np.asarray(waveform)
        if w.dtype != np.float32:
            w = w.astype(np.float32)  # faster-whisper casts (int16 is not scaled)
        n = self._wmel_n_mels()
        pad = int(padding) if padding else 0
        if n is not None and w.ndim == 1 and w.shape[0] + pad > 200:
            return _log_mel_np(np.ascontiguousarray(w), n, pad)
        if pad:
            w = np.pad(w, (0, pad))  # on every axis, as faster-whisper does
        out = _npref.log_mel(w, self.n_fft, self.hop_length, self.mel_filters, per_clip=False)
        return out[0] if w.ndim == 1 else out


_saved: dict = {}


def patch():
    """Makes faster-whisper use wmel.FeatureExtractor: faster_whisper.feature_extractor and
    faster_whisper.transcribe (where WhisperModel builds its extractor). WhisperModels made
    after the call use it. Idempotent; unpatch() restores faster-whisper's class."""
    import faster_whisper.feature_extractor as fe_mod
    import faster_whisper.transcribe as tr_mod
    for mod in (fe_mod, tr_mod):
        cur = mod.__dict__.get("FeatureExtractor")
        if cur is not None and cur is not FeatureExtractor:
            _saved[mod.__name__] = cur
        setattr(mod, "FeatureExtractor", FeatureExtractor)
    return tr_mod


def unpatch():
    """Restores faster-whisper's FeatureExtractor (a no-op when not patched)."""
    import sys
    for name, cls in list(_saved.items()):
        mod = sys.modules.get(name)
        if mod is not None:
            setattr(mod, "FeatureExtractor", cls)
        del _saved[name]


def is_patched() -> bool:
    import sys
    mod = sys.modules.get("faster_whisper.transcribe")
    return mod is not None and mod.__dict__.get("FeatureExtractor") is FeatureExtractor
