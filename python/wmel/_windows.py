"""wmel.windows -- the 30-second windows openai-whisper's transcribe() feeds the model."""
from __future__ import annotations

import numpy as np

from . import _wmel
from ._common import (N_FRAMES, N_SAMPLES, _as_samples, _check_int, _ctx, _log_mel_np, decoder,
                      load_audio)


def windows(audio, n_mels: int = 80):
    """Yields (window, content_frames) for each 30 s window transcribe() would see:
    mel = log_mel_spectrogram(audio, n_mels, padding=480000) (one global max),
    window k = pad_or_trim(mel[:, 3000k : 3000k + min(3000, content - 3000k)], 3000),
    content_frames = the frames of audio in it (1..3000).
    audio: a path, encoded bytes, or 1-D samples. Ctrl-C during the first pass over a
    path (decode and features) stops it within a fraction of a second (KeyboardInterrupt).
    """
    n_mels = _check_int(n_mels, "n_mels")
    is_path = isinstance(audio, str) or hasattr(audio, "__fspath__")
    if is_path and decoder() != "ffmpeg":
        audio, is_path = load_audio(audio), False  # PyAV (or WAV only): decode first
    if _wmel.HAVE_WINDOWS and (is_path or isinstance(audio, np.ndarray)):
        # libwmel's iterator: from a file, the decode and features run in one pass with
        # bounded memory (raw features beyond a few windows spill to a temporary file)
        src = audio if is_path else _as_samples(audio, allow_s16=False)
        if not is_path and src.ndim != 1:
            raise ValueError(f"windows() takes one clip (1-D samples), got shape {src.shape}")
        it = _wmel.Windows(_ctx(n_mels), src)
        while True:
            w = np.empty((n_mels, N_FRAMES), np.float32)
            n = it.next(w)
            if n == 0:
                return
            yield w, n
    if is_path or isinstance(audio, (bytes, bytearray, memoryview)):
        audio = load_audio(audio)
    a = _as_samples(audio, allow_s16=False)
    if a.ndim != 1:
        raise ValueError(f"windows() takes one clip (1-D samples), got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(_wmel.strerror(-12))
    # One pass, one global max: the same numbers as transcribe(); memory O(duration).
    mel = _log_mel_np(a, n_mels, N_SAMPLES)
    content = a.shape[0] // 160
    for seek in range(0, content, N_FRAMES):
        n = min(N_FRAMES, content - seek)
        w = np.zeros((n_mels, N_FRAMES), np.float32)
        w[:, :n] = mel[:, seek:seek + n]
        yield w, n
