"""wmel.whisper -- openai-whisper's audio API (whisper.audio) computed by wmel, and
patch(), which swaps it into an installed openai-whisper:

    import wmel.whisper; wmel.whisper.patch()   # whisper.transcribe() now uses wmel

Like openai's, log_mel_spectrogram here always returns a torch tensor (needs torch).
"""
from __future__ import annotations

from . import (CHUNK_LENGTH, HOP_LENGTH, N_FFT, N_FRAMES, N_SAMPLES, SAMPLE_RATE,  # noqa: F401
               load_audio, pad_or_trim)
from . import log_mel_spectrogram as _log_mel


def log_mel_spectrogram(audio, n_mels: int = 80, padding: int = 0, device=None):
    """openai's log_mel_spectrogram: a torch.Tensor (n_mels, frames), on `device` when
    given, else on the input tensor's device (CPU for paths and numpy)."""
    import torch
    out = _log_mel(audio, n_mels, padding, device)
    return out if isinstance(out, torch.Tensor) else torch.from_numpy(out)


def mel_filters(device, n_mels: int) -> "torch.Tensor":  # noqa: F821
    import torch
    from . import mel_filters as _mf
    return torch.from_numpy(_mf(n_mels)).to(device)


def patch():
    """Replaces whisper.audio's functions (and the names transcribe() imported) with
    wmel's. Returns the whisper module."""
    import whisper
    import whisper.audio
    import whisper.transcribe
    for mod in (whisper, whisper.audio, whisper.transcribe):
        for name, fn in (("log_mel_spectrogram", log_mel_spectrogram), ("load_audio", load_audio),
                         ("pad_or_trim", pad_or_trim)):
            if hasattr(mod, name):
                setattr(mod, name, fn)
    return whisper
