"""wmel.whisper -- openai-whisper's audio API (whisper.audio) computed by wmel, and
patch()/unpatch(), which swap it into an installed openai-whisper:

    import wmel.whisper; wmel.whisper.patch()   # whisper.transcribe() now uses wmel
    python -m wmel.whisper audio.flac --model tiny   # openai's `whisper` command, wmel's features

Like openai's, log_mel_spectrogram here always returns a torch tensor (needs torch).
"""
from __future__ import annotations

import sys

from . import (CHUNK_LENGTH, HOP_LENGTH, N_FFT, N_FRAMES, N_SAMPLES, SAMPLE_RATE,  # noqa: F401
               load_audio, pad_or_trim)
from . import log_mel_spectrogram as _log_mel
from . import mel_filters as _mel_filters


def log_mel_spectrogram(audio, n_mels: int = 80, padding: int = 0, device=None):
    """openai's log_mel_spectrogram: a torch.Tensor (n_mels, frames), on `device` when
    given, else on the input tensor's device (CPU for paths and numpy)."""
    import torch
    out = _log_mel(audio, n_mels, padding, device)
    return out if isinstance(out, torch.Tensor) else torch.from_numpy(out)


def mel_filters(device, n_mels: int) -> "torch.Tensor":  # noqa: F821
    import torch
    return torch.from_numpy(_mel_filters(n_mels)).to(device)


_NAMES = ("log_mel_spectrogram", "pad_or_trim", "load_audio")
_OURS = {"log_mel_spectrogram": log_mel_spectrogram, "pad_or_trim": pad_or_trim,
         "load_audio": load_audio}
_orig: dict = {}


def _whisper_modules():
    """The package and every loaded submodule: `whisper.transcribe` is the *module* from
    sys.modules (the package's attribute of that name is the transcribe() function)."""
    return [m for n, m in list(sys.modules.items())
            if m is not None and (n == "whisper" or n.startswith("whisper."))]


def patch():
    """Replaces openai-whisper's log_mel_spectrogram, pad_or_trim and load_audio with wmel's
    wherever openai's code looks them up: whisper.audio, the whisper.transcribe module
    (transcribe() and the `whisper` command), the package namespace, and any other loaded
    whisper.* module that imported them. Idempotent; unpatch() restores openai's.
    Returns the whisper package."""
    import whisper
    import whisper.audio
    import whisper.transcribe  # noqa: F401  (the module, loaded for transcribe())
    if not _orig:
        for name in _NAMES:
            fn = whisper.audio.__dict__[name]
            if fn is not _OURS[name]:
                _orig[name] = fn
    for mod in _whisper_modules():
        for name in _NAMES:
            if name in _orig and mod.__dict__.get(name) is _orig[name]:
                setattr(mod, name, _OURS[name])
    return whisper


def unpatch():
    """Puts openai's functions back wherever patch() put wmel's (a no-op when unpatched)."""
    if not _orig:
        return
    for mod in _whisper_modules():
        for name in _NAMES:
            if name in _orig and mod.__dict__.get(name) is _OURS[name]:
                setattr(mod, name, _orig[name])


def is_patched() -> bool:
    mod = sys.modules.get("whisper.transcribe")
    return mod is not None and mod.__dict__.get("log_mel_spectrogram") is log_mel_spectrogram


def main(argv=None):
    """openai-whisper's `whisper` command with wmel's features."""
    patch()
    tr = sys.modules["whisper.transcribe"]  # the module (whisper.transcribe is the function)
    if argv is not None:
        sys.argv = [sys.argv[0]] + list(argv)
    return tr.cli()


if __name__ == "__main__":
    main()
