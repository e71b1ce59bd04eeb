"""wmel live audio: frames as they complete (Stream) and the features of a sliding
buffer (SlidingBuffer), both bit-identical to the offline functions on the same samples.
See docs/streaming.md."""
from __future__ import annotations

import numpy as np

from . import _ctxcache, _features, _wmel
from ._common import N_FRAMES, N_SAMPLES, _as_samples, _check_int, _ctx

_FRONTENDS = ("whisper", "nemo", "kaldi", "seamless")


def _frontend(frontend: str) -> str:
    if not isinstance(frontend, str):
        raise TypeError(f"frontend must be a str, got {type(frontend).__name__}")
    if frontend not in _FRONTENDS:
        raise ValueError(f"frontend must be one of {', '.join(repr(f) for f in _FRONTENDS)}, "
                         f"got {frontend!r}")
    return frontend


# the plan options of the finish (after the frames a Stream gives)
_FINISH = ("norm_eps", "norm_ddof", "norm_max", "norm_range", "n_frames", "pad_value", "post_scale",
           "post_shift", "lfr", "stack_stride", "stack_left", "stack_tail", "delta_win", "cols_stacked")


def _whisper_own(frontend: str, options: dict) -> bool:
    """1 for Whisper's own computation: no capability option (those go through a plan)."""
    return frontend == "whisper" and not any(options.get(k) is not None for k in _features._CAP_NAMES)


def _plan(frontend: str, n_mels, options: dict, raw: bool, base=None) -> dict:
    """The plan of features(frontend=..., n_mels, **options) (base: of features(plan=base,
    ...)); raw: normalisation off."""
    for k in ("normalize",) + _FINISH:
        if raw and options.get(k) is not None:
            raise ValueError(f"{k} does not apply to a Stream: its frames are those before "
                             "normalisation")
    if base is not None:
        plan = _features.frontend_plan(None, n_mels, plan=base, **options)
    else:
        plan = _features.frontend_plan(frontend, n_mels, **options)
    if raw:  # the library's live rule (as `wmel stream`): normalisation off, a whole-clip finish refused
        try:
            plan = _wmel.plan_for_stream(plan)
        except ValueError as e:
            raise ValueError(f"plan {base!r}: {e}" if base is not None else str(e)) from None
    return plan


def _plan_ctx(plan: dict, cols=None):
    """A one-thread CPU context for a plan (live objects compute on the caller) and its
    per-column affine (_features._cols), from the package's bounded context cache; the
    object that uses it holds a reference."""
    return _features._ctx(plan, "cpu", 1, cols)


def _n_mels(n_mels) -> int:
    n_mels = _check_int(n_mels, "n_mels")
    if n_mels not in (80, 128):
        raise ValueError(f"n_mels must be 80 or 128, got {n_mels!r}")
    return n_mels


def _raw_ctx(n_mels: int):
    """A context without normalisation (raw log10 frames), one per n_mels, from the
    package's bounded context cache; the object that uses it holds a reference."""
    return _ctxcache.get(("raw", n_mels),
                         lambda: _wmel.Ctx(n_mels=n_mels, norm=_wmel.NORM_NONE, n_threads=1))


def _family(frontend, plan) -> str:
    """The live object's front-end name: frontend's, or the family of a plan given as data."""
    if plan is None:
        return _frontend("whisper" if frontend is None else frontend)
    if frontend is not None:
        raise ValueError("frontend and plan both name a plan: give one (the plan's \"frontend\" key "
                         "is its front-end)")
    return ("whisper", "nemo", "kaldi", "seamless", "nemo")[_features.plan_from(plan)["frontend"]]


def _samples(samples) -> np.ndarray:
    return _as_samples(samples, allow_s16=False, name="samples", ndims=(1,))


class Stream:
    """Frames as they complete: push(samples) returns the frames whose samples are all
    in, finish() the last ones (those that read past the end of the input). The frames of
    a stream are those of the offline features of all the samples before normalisation,
    bit for bit, in the front-end's layout:

      whisper   log_mel_spectrogram(all_samples, padding=padding) before normalisation:
                raw log10(max(mel, 1e-10)), float32 (n_mels, k); `max` is the largest raw
                value so far: normalise the finished stream's frames x with
                np.maximum(x, max - 8), then (x + 4) / 4
      nemo      features(all_samples, "nemo", normalize="none") without its last column
                (no frame: zeros), (n_mels, k); legacy=True: every column
      kaldi     features(all_samples, "kaldi"), (k, n_mels [+1])
      seamless  features(all_samples, "seamless", normalize="none") unstacked: (k, n_mels)
                per push; the stacked array is the frames' rows in pairs

    options: those of wmel.features for the front-end (window, scale, low_freq, high_freq,
    use_energy, energy_floor, legacy); padding: whisper only. plan: a preset's name, a plan's
    JSON file or a dict in place of frontend (wmel.features' plan=), computed as a plan.
    col_scale, col_shift or cmvn: wmel.features' per-column affine, on each frame (one value
    per column, n_mels [+1]; a plan's cols_stacked, whose values are the stacked rows', does
    not apply to the unstacked frames: ValueError).
    One thread at a time per Stream; any number of Streams in parallel."""

    def __init__(self, frontend: str | None = None, n_mels=None, padding: int = 0, *, plan=None,
                 col_scale=None, col_shift=None, cmvn=None, **options):
        self.frontend = _family(frontend, plan)
        padding = _check_int(padding, "padding")
        cols = _features._colvec(col_scale, col_shift, cmvn)
        if plan is None and cols is None and _whisper_own(self.frontend, options):
            if options:  # the library's sentence for the first that does not apply
                _features.frontend_plan("whisper", n_mels, **options)
            self.n_mels = _n_mels(80 if n_mels is None else n_mels)
            ctx = _raw_ctx(self.n_mels)
            self._frames_first = False
            self._cols = self.n_mels
        else:
            if padding:
                raise ValueError("padding applies to frontend='whisper' (without plan options) only")
            plan = _plan(self.frontend, n_mels, options, raw=True, base=plan)
            if cols is not None and plan.get("cols_stacked"):
                raise ValueError("the plan's per-column affine is the stacked rows' (cols_stacked): a Stream's "
                                 "frames are unstacked")
            self.n_mels = plan["n_mels"]
            ctx = _plan_ctx(plan, None if cols is None else _features._cols(plan, *cols))
            self._frames_first = plan["layout"] == _wmel.LAYOUT_FRAMES_MELS
            self._cols = plan.get("n_ceps") or self.n_mels + plan["use_energy"]  # a frame's columns
        self._s = _wmel.Stream(ctx, padding)

    def _take(self, k: int) -> np.ndarray:
        out = np.empty((self._cols, k), np.float32)
        self._s.take(out)
        return np.ascontiguousarray(out.T) if self._frames_first else out

    def push(self, samples) -> np.ndarray:
        """Appends samples (float32; int16 is divided by 32768, float64 converted) and
        returns the frames completed by them (k >= 0 of them, in the layout above)."""
        a = _samples(samples)
        return self._take(self._s.push(a))

    def finish(self) -> np.ndarray:
        """Ends the input and returns the remaining frames. ValueError when the input is
        too short for the front-end (whisper: 200 samples or fewer with the padding;
        nemo legacy: 256 or fewer; nemo: none pushed)."""
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
    front, and features() returns exactly the offline features of the samples held -- bit
    for bit -- while the transform work of a call is the frames the new audio (or the
    edges) need: interior frames are kept from call to call, also across trims by
    multiples of 160 samples (another trim moves the frame grid: the next call recomputes
    the buffer once); the normalisation is over the buffer. len(buf) is the number of
    samples held.

      whisper   features(padding) == log_mel_spectrogram(buffer, n_mels, padding)
      others    features() == wmel.features(buffer, frontend, n_mels, **options)
      plan=P    features() == wmel.features(buffer, plan=P, **options)

    col_scale, col_shift, cmvn: wmel.features' per-column affine, in features() as there.
    One thread at a time per buffer; any number of buffers in parallel."""

    def __init__(self, frontend: str | None = None, n_mels=None, *, plan=None, col_scale=None,
                 col_shift=None, cmvn=None, **options):
        self.frontend = _family(frontend, plan)
        cols = _features._colvec(col_scale, col_shift, cmvn)
        if plan is None and cols is None and _whisper_own(self.frontend, options):
            if options:  # the library's sentence for the first that does not apply
                _features.frontend_plan("whisper", n_mels, **options)
            self.n_mels = _n_mels(80 if n_mels is None else n_mels)
            ctx = _ctx(self.n_mels)
        else:
            plan = _plan(self.frontend, n_mels, options, raw=False, base=plan)
            self.n_mels = plan["n_mels"]
            ctx = _plan_ctx(plan, None if cols is None else _features._cols(plan, *cols))
        self._b = _wmel.Sliding(ctx)

    def push(self, samples) -> None:
        """Appends samples (float32; int16 is divided by 32768, float64 converted).
        ValueError on NaN or Inf (nothing is appended)."""
        self._b.push(_samples(samples))

    def trim(self, n_samples: int) -> None:
        """Drops the first n_samples samples. ValueError when the buffer holds fewer
        (nothing is dropped)."""
        self._b.trim(_check_int(n_samples, "n_samples"))

    def __len__(self) -> int:
        return self._b.length

    @property
    def audio(self) -> np.ndarray:
        """A copy of the samples held, float32."""
        out = np.empty(self._b.length, np.float32)
        self._b.samples(out)
        return out

    def features(self, padding: int = 0, out=None, copy: bool = True) -> np.ndarray:
        """whisper: log_mel_spectrogram(buffer, n_mels, padding), float32 (n_mels,
        (len + padding) // 160), ValueError when len + padding <= 200; the other
        front-ends: wmel.features(buffer, ...) in its layout (padding must be 0).
        out: a C-contiguous float32 array of that shape to write into (no allocation; a
        server can keep one per stream and length), returned.
        copy=False (without out): no copy -- a read-only view of the features the buffer keeps
        (whisper: kept up to date incrementally, strided: rows lie further apart than their
        length; the other front-ends: written whole at each call; equal values). It stays valid while it is referenced: push(), trim() and
        features() leave its memory alone, and the next features(copy=False) raises
        BufferError while an array from an earlier one (or a view of it) is still
        referenced, since that call rewrites the memory: `del` it first."""
        padding = _check_int(padding, "padding")
        if not isinstance(copy, bool):
            raise TypeError(f"copy must be a bool, got {type(copy).__name__}")
        if not copy:
            if out is not None:
                raise ValueError("out and copy=False exclude each other")
            return np.asarray(self._b.view(padding))
        shape = self._b.shape(padding)
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
        if self.frontend != "whisper":
            raise ValueError("windows: transcribe()'s windows are whisper's")
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
        moved the frame grid), bytes (memory held), renorms (features(copy=False) calls
        that normalised every kept column again: the buffer's max had changed)."""
        f, c, r, b, n = self._b.stats
        return {"frames_computed": f, "calls": c, "regrids": r, "bytes": b, "renorms": n}
