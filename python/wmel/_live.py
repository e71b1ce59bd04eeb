"""wmel live audio: frames as they complete (Stream) and the features of a sliding
buffer (SlidingBuffer), both bit-identical to the offline functions on the same samples.
See docs/streaming.md."""
from __future__ import annotations

import threading

import numpy as np

from . import _wmel

_FRONTENDS = ("whisper",)
_lock = threading.Lock()
_raw_ctxs: dict = {}


def _frontend(frontend: str) -> str:
    if not isinstance(frontend, str):
        raise TypeError(f"frontend must be a str, got {type(frontend).__name__}")
    if frontend not in _FRONTENDS:
        raise ValueError(f"frontend must be one of {', '.join(repr(f) for f in _FRONTENDS)}, "
                         f"got {frontend!r}")
    return frontend


def _n_mels(n_mels) -> int:
    from . import _check_int
    n_mels = _check_int(n_mels, "n_mels")
    if n_mels not in (80, 128):
        raise ValueError(f"n_mels must be 80 or 128, got {n_mels!r}")
    return n_mels


def _raw_ctx(n_mels: int):
    """A shared context without normalisation (raw log10 frames), one per n_mels."""
    c = _raw_ctxs.get(n_mels)
    if c is None:
        with _lock:
            c = _raw_ctxs.get(n_mels)
            if c is None:
                c = _wmel.Ctx(n_mels=n_mels, norm=_wmel.NORM_NONE, n_threads=1)
                _raw_ctxs[n_mels] = c
    return c


def _samples(samples) -> np.ndarray:
    from . import _as_samples
    a = _as_samples(samples, allow_s16=False)
    if a.ndim != 1:
        raise ValueError(f"samples must be 1-D, got shape {a.shape}")
    return a


class Stream:
    """Frames as they complete: push(samples) returns the frames whose samples are all
    in, finish() the last ones (the end reflection and `padding` zeros). The frames of a
    stream are those of log_mel_spectrogram(all_samples, padding=padding) before
    normalisation, bit for bit: raw log10(max(mel, 1e-10)) values, float32
    (n_mels, k). `max` is the largest raw value so far; normalise a finished stream's
    frames with np.maximum(x, max - 8), then (x + 4) / 4.
    One thread at a time per Stream; any number of Streams in parallel."""

    def __init__(self, frontend: str = "whisper", n_mels: int = 80, padding: int = 0):
        from . import _check_int
        self.frontend = _frontend(frontend)
        self.n_mels = _n_mels(n_mels)
        self._s = _wmel.Stream(_raw_ctx(self.n_mels), _check_int(padding, "padding"))

    def _take(self, k: int) -> np.ndarray:
        out = np.empty((self.n_mels, k), np.float32)
        self._s.take(out)
        return out

    def push(self, samples) -> np.ndarray:
        """Appends samples (float32; int16 is divided by 32768, float64 converted) and
        returns the frames completed by them, (n_mels, k) with k >= 0."""
        a = _samples(samples)
        return self._take(self._s.push(a))

    def finish(self) -> np.ndarray:
        """Ends the input and returns the remaining frames. ValueError when the stream
        held 200 samples or fewer (with the padding): no frame exists."""
        return self._take(self._s.finish())

    @property
    def samples(self) -> int:
        """Samples pushed so far."""
        return self._s.samples

    @property
    def frames(self) -> int:
        """Frames returned so far."""
        return self._s.frames

    @property
    def max(self) -> float:
        """The largest raw value returned so far (-1e30 before any)."""
        return self._s.max


class SlidingBuffer:
    """The audio buffer of a streaming transcriber: push() at the end, trim() at the
    front, and features(padding) returns exactly log_mel_spectrogram(buffer, n_mels,
    padding) -- bit for bit -- while the transform work of a call is the frames the new
    audio (or the edges) need: interior frames are kept from call to call, also across
    trims by multiples of 160 samples (another trim moves the frame grid: the next call
    recomputes the buffer once). len(buf) is the number of samples held.
    One thread at a time per buffer; any number of buffers in parallel."""

    def __init__(self, frontend: str = "whisper", n_mels: int = 80):
        from . import _ctx
        self.frontend = _frontend(frontend)
        self.n_mels = _n_mels(n_mels)
        self._b = _wmel.Sliding(_ctx(self.n_mels))

    def push(self, samples) -> None:
        """Appends samples (float32; int16 is divided by 32768, float64 converted).
        ValueError on NaN or Inf (nothing is appended)."""
        self._b.push(_samples(samples))

    def trim(self, n_samples: int) -> None:
        """Drops the first n_samples samples. ValueError when the buffer holds fewer
        (nothing is dropped)."""
        from . import _check_int
        self._b.trim(_check_int(n_samples, "n_samples"))

    def __len__(self) -> int:
        return self._b.length

    @property
    def audio(self) -> np.ndarray:
        """A copy of the samples held, float32."""
        out = np.empty(self._b.length, np.float32)
        self._b.samples(out)
        return out

    def features(self, padding: int = 0, out=None) -> np.ndarray:
        """log_mel_spectrogram(buffer, n_mels, padding): float32 (n_mels, (len + padding)
        // 160). ValueError when len + padding <= 200. out: a C-contiguous float32 array
        of that shape to write into (no allocation; a server can keep one per stream and
        length), returned."""
        from . import _check_int
        padding = _check_int(padding, "padding")
        shape = (self.n_mels, self._b.n_frames(padding))
        if out is None:
            out = np.empty(shape, np.float32)
        elif (not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != np.float32
              or not out.flags.c_contiguous or not out.flags.writeable):
            raise ValueError(f"out must be a writable C-contiguous float32 array of shape {shape}")
        self._b.features(padding, out)
        return out

    def windows(self):
        """The 30 s windows openai-whisper's transcribe() feeds the model for the buffer:
        a list of (window (n_mels, 3000), content_frames), as wmel.windows(buffer)."""
        from . import N_FRAMES, N_SAMPLES
        if len(self) == 0:
            raise ValueError("windows: the buffer is empty")
        mel = self.features(N_SAMPLES)
        content = len(self) // 160
        out = []
        for seek in range(0, content, N_FRAMES):
            n = min(N_FRAMES, content - seek)
            w = np.zeros((self.n_mels, N_FRAMES), np.float32)
            w[:, :n] = mel[:, seek:seek + n]
            out.append((w, n))
        return out

    @property
    def stats(self) -> dict:
        """frames_computed (through the transform, all calls), calls, regrids (trims that
        moved the frame grid), bytes (memory held)."""
        f, c, r, b = self._b.stats
        return {"frames_computed": f, "calls": c, "regrids": r, "bytes": b}
