"""wmel._kaldi_online -- kaldi-native-fbank 1.23's online computers over libwmel plans:
OnlineFbank, OnlineMfcc, OnlineWhisperFbank, OnlineRawAudioSamples, OnlineNemoFbank (wmel.kaldi
re-exports them).

Framing is Kaldi's (feature-window.cc): frame t of a frame length L and shift H starts at t H
(snip_edges) or at t H + H/2 - L/2 with the samples outside the signal reflected (-s-1,
2n-1-s, repeatedly); while input arrives only the frames that end inside it are computed, the
rest once input_finished() is called. snip_edges frames go through libwmel's frame stream
(wmel.h, wmel_stream_*: each frame as soon as its samples are in); reflected ones through the
plan's whole-clip computation of the samples they read.
"""
from __future__ import annotations

import math

import numpy as np

from . import _features, _wmel
from ._common import _as_samples, _check_bool, _check_float, _check_int, _out_array
from ._kaldi_dsp import MelBanks, check_librosa_bank, window_function
from ._kaldi_opts import (FLT_EPS, FbankOptions, FrameExtractionOptions, MfccOptions,
                          NemoFbankOptions, RawAudioSamplesOptions, WhisperFeatureOptions,
                          check_types, unsupported)
from ._kaldi_plan import fbank_plan, frame_geometry, htk_rows


_F32 = np.dtype(np.float32)


class _Rows:
    """A growable float32 (k, cols) array: rows appended at the end (the capacity doubles, so
    a long stream costs amortised O(1) a row) and dropped at the front."""

    def __init__(self, cols: int):
        self._a = np.empty((64, cols), np.float32)
        self._lo = self._hi = 0

    def reserve(self, k: int) -> None:
        """Room for k more rows at the end."""
        if self._hi + k > self._a.shape[0]:
            live = self._hi - self._lo
            cap = max(2 * (live + k), 64)
            a = np.empty((cap, self._a.shape[1]), np.float32)
            a[:live] = self._a[self._lo:self._hi]
            self._a, self._lo, self._hi = a, 0, live

    def append(self, rows: np.ndarray) -> None:
        k = rows.shape[0]
        self.reserve(k)
        self._a[self._hi:self._hi + k] = rows
        self._hi += k

    def drop(self, k: int) -> None:
        self._lo += k

    def __len__(self):
        return self._hi - self._lo

    def view(self) -> np.ndarray:
        return self._a[self._lo:self._hi]


def frame_indices(t0: int, t1: int, L: int, H: int, snip: bool, n: int) -> np.ndarray:
    """Sample indices (into the whole signal of n samples) that frames [t0, t1) read, laid out
    so that snip framing (length L, shift H) of x[idx] gives those frames."""
    first = t0 * H + (0 if snip else H // 2 - L // 2)
    idx = np.arange(first, first + (t1 - t0 - 1) * H + L)
    if not snip:
        idx = np.mod(idx, 2 * n)
        idx = np.where(idx >= n, 2 * n - 1 - idx, idx)
    return idx


def frame_samples(x: np.ndarray, base: int, t0: int, t1: int, L: int, H: int, snip: bool,
                  n: int) -> np.ndarray:
    """x[frame_indices(t0, t1, L, H, snip, n) - base], x holding samples base .. of the n: a
    view where the indices run straight (snip framing, or frames clear of both ends)."""
    first = t0 * H + (0 if snip else H // 2 - L // 2)
    last = first + (t1 - t0 - 1) * H + L
    if first >= 0 and last <= n:
        return x[first - base:last - base]
    return x[frame_indices(t0, t1, L, H, snip, n) - base]


def num_frames(n: int, L: int, H: int, snip: bool, flush: bool) -> int:
    """Kaldi's NumFrames(num_samples, opts, flush)."""
    if snip:
        return 0 if n < L else 1 + (n - L) // H
    nf = (n + H // 2) // H
    if flush:
        return nf
    end = (nf - 1) * H + H // 2 - L // 2 + L
    while nf > 0 and end > n:
        nf -= 1
        end -= H
    return nf


def plan_features(ctx, x: np.ndarray) -> np.ndarray:
    """The plan's (frames, cols) float32 features of samples x (snip framing)."""
    rows, cols = ctx.features_shape(x.shape[0])
    out = _out_array((rows, cols))
    if rows:
        ctx.features(np.ascontiguousarray(x, np.float32), out)
    return out


class _Online:
    """The bookkeeping of an online computer: samples in, frames out, absolute indices.
    Subclasses set _sr, _L, _H, _snip, _dim, _shift_s and provide _block(x) (features of the
    samples x under snip framing, float32 (k, dim)); _ctx (a plan's context) with _rows (how
    _wmel.Stream.set_rows finishes its frames) makes frames go through libwmel's frame stream
    (either framing), _raw (a _wmel.KaldiRaw) makes snip_edges raw frames; _post(rows) finishes
    the plan's rows of the whole-clip path as set_rows does."""

    _ctx = None
    _rows = None          # set_rows' arguments: the stream's frames finished in C (push_rows)
    _raw = None           # a KaldiRaw: OnlineRawAudioSamples' snip_edges frames in C

    def _start(self):
        self._stream = _wmel.Stream(self._ctx, 0) if (self._snip and self._ctx is not None) else None
        # the frames a push completes go straight into the rows (_wmel.Stream.push_rows, or
        # KaldiRaw's): samples -> finished rows in one C call
        self._fast = None
        if self._stream is not None and self._rows is not None:
            self._stream.set_rows(*self._rows)
            self._fast = self._stream.push_rows
        elif self._raw is not None:
            self._fast = self._raw.push_rows
        # snip_edges=False: libwmel's frame stream over the reflected signal y (y[j] = x[j - p],
        # p = L/2 - H/2, Kaldi's reflection before sample 0), started once the p samples it
        # reflects are in; its frame t is Kaldi's frame t, dither included (absolute index).
        # input_finished() pushes the reflection past the end. Until it starts (fewer than p
        # samples) the samples wait in _sig: a clip that ends before is computed whole.
        self._refl = (not self._snip) and self._ctx is not None and self._rows is not None
        self._rstream = None
        self._tail = None
        self._cols = None
        self._sig = None if self._stream is not None else _Rows(1)
        self._base = 0                          # the whole signal's index of self._sig's row 0
        self._n = 0
        self._out = _Rows(self._dim)
        self._ready = 0
        self._popped = 0
        self._finished = False

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def frame_shift_in_seconds(self) -> float:
        return self._shift_s

    @property
    def num_frames_ready(self) -> int:
        return self._ready

    def _post(self, rows: np.ndarray) -> np.ndarray:
        return rows

    def accept_waveform(self, sampling_rate, waveform) -> None:
        fast = self._fast
        if (fast is not None and type(waveform) is np.ndarray and waveform.dtype == _F32
                and waveform.ndim == 1 and waveform.flags.c_contiguous and not self._finished
                and type(sampling_rate) in (int, float) and sampling_rate == self._sr):
            # the common call: float32 samples in C order (NaN and infinities raise in C)
            out = self._out
            n = waveform.shape[0]
            if out._hi + n // self._H + 1 > out._a.shape[0]:
                out.reserve(n // self._H + 1)
            k = fast(waveform, out._a, out._hi)
            out._hi += k
            self._ready += k
            self._n += n
            return
        if (self._rstream is not None and type(waveform) is np.ndarray and waveform.dtype == _F32
                and waveform.ndim == 1 and waveform.flags.c_contiguous and not self._finished
                and type(sampling_rate) in (int, float) and sampling_rate == self._sr):
            # the common call once the reflected stream runs (NaN and infinities raise in C)
            self._push_y(waveform)
            self._keep_tail(waveform)
            self._n += waveform.shape[0]
            return
        if self._finished:
            raise RuntimeError("accept_waveform() after input_finished()")
        if (sampling_rate != self._sr or type(sampling_rate) not in (int, float)) and \
                _check_float(sampling_rate, "sampling_rate") != self._sr:
            raise ValueError(f"sampling_rate {sampling_rate} does not match the options' "
                             f"samp_freq {self._sr:g} (resample first)")
        x = _as_samples(waveform, name="waveform", ndims=(1,), kind="value")
        if not np.isfinite(x).all():
            raise ValueError("the waveform holds NaN or infinite samples")
        self._n += x.shape[0]
        if self._refl:
            self._accept_reflected(np.ascontiguousarray(x, np.float32))
            return
        if fast is not None:
            x = np.ascontiguousarray(x, np.float32)
            self._out.reserve(x.shape[0] // self._H + 1)
            k = fast(x, self._out._a, self._out._hi)
            self._out._hi += k
            self._ready += k
            return
        if self._stream is not None:
            k = self._stream.push(x)
            if k:
                cols = self._ctx_cols
                out = np.empty((cols, k), np.float32)
                self._stream.take(out)
                self._add(self._post(out.T))
            return
        self._sig.append(x.reshape(-1, 1))
        self._extend_to(num_frames(self._n, self._L, self._H, self._snip, False))

    def _push_y(self, y):
        out = self._out
        if out._hi + y.shape[0] // self._H + 1 > out._a.shape[0]:
            out.reserve(y.shape[0] // self._H + 1)
        k = self._rstream.push_rows(y, out._a, out._hi)
        out._hi += k
        self._ready += k

    def _keep_tail(self, x):
        """Appends the finite float32 samples x (C order) to _tail, which keeps at least the
        last L samples (all of them while fewer came)."""
        t = self._tail
        n = x.shape[0]
        if t._hi + n > t._a.shape[0]:
            live = t._hi - t._lo
            if live > self._L:
                t.drop(live - self._L)
            t.reserve(n)
        t._hi += _wmel.put_finite(x, t._a, t._hi)

    def _accept_reflected(self, x):
        L, H = self._L, self._H
        p = L // 2 - H // 2
        if self._rstream is not None:
            self._push_y(x)
            self._keep_tail(x)
            return
        self._sig.append(x.reshape(-1, 1))
        if self._n < max(abs(p), 1):
            return
        allx = self._sig.view().reshape(-1)        # every sample so far (none dropped yet)
        y = np.concatenate([allx[:p][::-1], allx]) if p >= 0 else allx[-p:]
        self._rstream = _wmel.Stream(self._ctx, 0)
        self._rstream.set_rows(*self._rows)
        self._push_y(np.ascontiguousarray(y, np.float32))
        self._tail = _Rows(1)
        self._tail.append(allx[-L:].reshape(-1, 1))
        self._sig = _Rows(1)

    def _finish_reflected(self):
        """The frames past the end: y continued by Kaldi's reflection (2n - 1 - s, repeated
        for a clip shorter than the reflection: _tail then holds all of it)."""
        n, L, H = self._n, self._L, self._H
        p = L // 2 - H // 2
        nf = num_frames(n, L, H, False, True)
        need = (nf - 1) * H + L - (n + p)
        if need <= 0:
            return
        s = np.mod(n + np.arange(need), 2 * n)
        s = np.where(s >= n, 2 * n - 1 - s, s)
        t = self._tail.view()[-L:, 0]
        self._push_y(np.ascontiguousarray(t[s - (n - t.shape[0])], np.float32))

    def _extend_to(self, nf):
        if nf <= self._ready:
            return
        n = self._n
        x = self._sig.view().reshape(-1)
        self._add(self._block(frame_samples(x, self._base, self._ready, nf, self._L, self._H, self._snip, n)))
        # samples no later frame reads (reflection reads back at most L before the end)
        keep = self._ready * self._H + (0 if self._snip else self._H // 2 - self._L // 2)
        keep = min(keep, n - self._L) if not self._snip else keep
        if keep - self._base > 4096:
            self._sig.drop(keep - self._base)
            self._base = keep

    def _add(self, block):
        if block.shape[0]:
            self._out.append(block)
            self._ready += block.shape[0]

    def input_finished(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self._rstream is not None:
            self._finish_reflected()
        elif self._stream is None and self._n:
            self._extend_to(num_frames(self._n, self._L, self._H, self._snip, True))

    def is_last_frame(self, frame: int) -> bool:
        return self._finished and _check_int(frame, "frame", None) == self._ready - 1

    def get_frame(self, frame: int) -> np.ndarray:
        if type(frame) is int and self._popped <= frame < self._ready:
            out = self._out
            return out._a[out._lo + frame - self._popped].copy()
        f = _check_int(frame, "frame", None)
        if not self._popped <= f < self._ready:
            raise IndexError(f"frame {frame} is not available (frames {self._popped}.."
                             f"{self._ready - 1} are)")
        return self._out.view()[f - self._popped].copy()

    def get_frames(self, frames=None) -> np.ndarray:
        """(k, dim) float32: the given absolute frame indices, or every frame not popped."""
        all_ = self._out.view()
        if frames is None:
            return all_.copy()
        idx = np.asarray(frames, np.int64).reshape(-1)
        if idx.size and (idx.min() < self._popped or idx.max() >= self._ready):
            raise IndexError(f"frames outside {self._popped}..{self._ready - 1}")
        return all_[idx - self._popped]

    def pop(self, n: int) -> None:
        """Discards the first n frames still held (their indices are not reused)."""
        n = _check_int(n, "n", None)
        if n < 0 or self._popped + n > self._ready:
            raise IndexError(f"cannot pop {n} frames: {self._ready - self._popped} are held")
        if n:
            self._out.drop(n)
            self._popped += n

    def __repr__(self):
        return (f"{type(self).__name__}(dim={self._dim}, num_frames_ready={self._ready}, "
                f"finished={self._finished})")


def _debug_mel(opts):
    """mel_opts.debug_mel: the bank to stderr at construction, as the original prints it (its
    per-frame mel energies are not printed here)."""
    if opts.mel_opts.debug_mel:
        MelBanks(opts.mel_opts, opts.frame_opts)


def _plan_ctx(plan):
    return _features._ctx(plan, "cpu", 1)


class OnlineFbank(_Online):
    """kaldi_native_fbank.OnlineFbank: accept_waveform(sampling_rate, samples) as they arrive,
    input_finished(), num_frames_ready, get_frame(i), pop(n), is_last_frame(i), dim,
    frame_shift_in_seconds; and get_frames(indices=None) -> (k, dim) float32 (all ready frames
    by default). Frames are computed by libwmel in float64 and rounded once to float32. Frame
    indices stay absolute after pop(), as in the original."""

    def __init__(self, opts: FbankOptions):
        if not isinstance(opts, FbankOptions):
            raise TypeError(f"opts must be a wmel.kaldi.FbankOptions, got {type(opts).__name__}")
        plan, (sr, L, H, _, snip) = fbank_plan(opts)
        _debug_mel(opts)
        self._sr, self._L, self._H, self._snip = sr, L, H, snip
        self._shift_s = float(opts.frame_opts.frame_shift_ms) / 1000.0
        self._n_mels = plan["n_mels"]
        self._energy = bool(plan["use_energy"])
        self._htk = self._energy and bool(opts.htk_compat)
        self._dim = self._ctx_cols = self._n_mels + int(self._energy)
        self._ctx = _plan_ctx(plan)
        self._floor, self._guard = htk_rows(opts)
        post = self._htk or self._floor or self._guard
        self._rows = (int(bool(post)), int(self._energy), int(self._htk), self._floor, self._guard)
        self._start()

    def _post(self, rows):
        e = int(self._energy)
        if self._floor or self._guard:       # htk_mode (htk_rows): in float64, one rounding
            m = np.maximum(rows[:, e:].astype(np.float64), self._floor)
            if self._guard:
                m = np.log(m + self._guard)
            rows = np.concatenate([rows[:, :e], m.astype(np.float32)], axis=1)
        if self._htk:
            return np.concatenate([rows[:, 1:], rows[:, :1]], axis=1)
        return rows

    def _block(self, x):
        return self._post(plan_features(self._ctx, x))


def dct_matrix(num_ceps: int, n: int) -> np.ndarray:
    """Kaldi's ComputeDctMatrix (float64), its first num_ceps rows: row 0 sqrt(1/N), row k
    sqrt(2/N) cos(pi/N (j + 1/2) k)."""
    k = np.arange(num_ceps, dtype=np.float64)[:, None]
    j = np.arange(n, dtype=np.float64)[None, :]
    m = math.sqrt(2.0 / n) * np.cos(math.pi / n * (j + 0.5) * k)
    m[0, :] = math.sqrt(1.0 / n)
    return m


def lifter_coeffs(num_ceps: int, q: float) -> np.ndarray:
    """Kaldi's ComputeLifterCoeffs: 1 + Q/2 sin(pi i / Q) (ones when Q is 0)."""
    if q == 0.0:
        return np.ones(num_ceps)
    return 1.0 + 0.5 * q * np.sin(math.pi * np.arange(num_ceps) / q)


class OnlineMfcc(_Online):
    """kaldi_native_fbank.OnlineMfcc: Kaldi's MFCC, all of it in libwmel's plan (n_ceps): the
    mel energies, ln(max(m, FLT_EPSILON)) (htk_mode: the energies floored at 1 first), Kaldi's
    DCT-II (ComputeDctMatrix) keeping num_ceps, the lifter 1 + L/2 sin(pi i / L), C0 replaced
    by the log energy when use_energy, htk_compat's order and sqrt(2), in float64 with one
    rounding to float32. The same interface as OnlineFbank."""

    def __init__(self, opts: MfccOptions):
        if not isinstance(opts, MfccOptions):
            raise TypeError(f"opts must be a wmel.kaldi.MfccOptions, got {type(opts).__name__}")
        check_types(opts)
        nc, nb = int(opts.num_ceps), int(opts.mel_opts.num_bins)
        if nc < 1:
            raise ValueError(f"num_ceps {nc}: must be at least 1")
        if nc > nb:
            raise ValueError(f"num_ceps {nc} cannot be larger than mel_opts.num_bins {nb}")
        plan, (sr, L, H, _, snip) = fbank_plan(opts, mfcc=True)
        _debug_mel(opts)
        self._sr, self._L, self._H, self._snip = sr, L, H, snip
        self._shift_s = float(opts.frame_opts.frame_shift_ms) / 1000.0
        self._dim = self._ctx_cols = nc
        self._ctx = _plan_ctx(plan)
        self._rows = (0, 0, 0, 0.0, 0.0)   # the plan's cepstra as they are
        self._start()

    def _block(self, x):
        return plan_features(self._ctx, x)


class OnlineWhisperFbank(_Online):
    """kaldi_native_fbank.OnlineWhisperFbank: the mel power spectrum (no log, no normalisation:
    the caller takes log10(max(x, 1e-10)), max - 8 and (x + 4) / 4 over a whole window) of
    400-sample periodic-Hann frames every 160 samples at 16 kHz, Kaldi's reflected framing
    (snip_edges False: (n + 80) // 160 frames, frame t from sample 160 t - 120), a 400-point
    transform and librosa's Slaney bank (dim bins, 0..8000 Hz). frame_opts is ignored, as there."""

    def __init__(self, opts: WhisperFeatureOptions):
        if not isinstance(opts, WhisperFeatureOptions):
            raise TypeError(f"opts must be a wmel.kaldi.WhisperFeatureOptions, got "
                            f"{type(opts).__name__}")
        dim = _check_int(opts.dim, "opts.dim", None)
        check_librosa_bank(dim, 0.0, 0.0, FrameExtractionOptions(round_to_power_of_two=False))
        if dim > 512:
            raise unsupported("dim", dim, "libwmel's plans hold 3..512 mel bins")
        plan = _wmel.frontend_preset(_wmel.FRONTEND_KALDI, 0)
        plan.update(sample_rate=16000, frame_length=400, hop=160, n_fft=400,
                    window=_wmel.WINDOW_HANN_PERIODIC, remove_dc=0, preemph=0.0, scale=1.0,
                    mel_scale=0, mel_norm=1, n_mels=dim, low_freq=0.0, high_freq=0.0, power=2,
                    log=3, use_energy=0)
        why = _wmel.plan_check(plan)
        if why:
            raise ValueError(f"dim {dim}: {why}")
        self._sr, self._L, self._H, self._snip = 16000.0, 400, 160, False
        self._shift_s = 0.01
        self._dim = self._ctx_cols = dim
        self._ctx = _plan_ctx(plan)
        self._rows = (0, 0, 0, 0.0, 0.0)
        self._start()

    def _block(self, x):
        return plan_features(self._ctx, x)


def process_frames(f: np.ndarray, fo, window: np.ndarray) -> np.ndarray:
    """Kaldi's ProcessWindow without dither or energy (float64 frames (k, L)): DC removal,
    pre-emphasis x[i] -= c x[i-1] from the end with x[0] -= c x[0], the window."""
    if fo.remove_dc_offset:
        f = f - f.mean(axis=1, keepdims=True)
    c = float(fo.preemph_coeff)
    if c != 0.0:
        g = f.copy()
        g[:, 1:] -= c * f[:, :-1]
        g[:, 0] -= c * f[:, 0]
        f = g
    return f * window


class OnlineRawAudioSamples(_Online):
    """kaldi_native_fbank.OnlineRawAudioSamples: the frames themselves (dim = the frame length),
    after the options' DC removal, pre-emphasis and window (every window of the original,
    blackman and sine included), in float64 rounded once to float32."""

    def __init__(self, opts: RawAudioSamplesOptions):
        if not isinstance(opts, RawAudioSamplesOptions):
            raise TypeError(f"opts must be a wmel.kaldi.RawAudioSamplesOptions, got "
                            f"{type(opts).__name__}")
        check_types(opts)
        fo = opts.frame_opts
        if float(fo.dither) != 0.0:
            raise unsupported("frame_opts.dither", fo.dither, "the raw frames are given without "
                              "dither here (OnlineFbank and OnlineMfcc dither): set dither = 0.0")
        sr, L, H, n_fft, snip = frame_geometry(fo)
        self._sr, self._L, self._H, self._snip = sr, L, H, snip
        self._fo = fo
        self._win = window_function(fo, L)
        # no processing at all (the options' defaults): the samples themselves, exactly
        self._plain = (not fo.remove_dc_offset and float(fo.preemph_coeff) == 0.0
                       and fo.window_type == "rectangular")
        self._shift_s = float(fo.frame_shift_ms) / 1000.0
        self._dim = L
        if snip:
            rect = fo.window_type == "rectangular"
            self._raw = _wmel.KaldiRaw(L, H, None if rect else np.ascontiguousarray(self._win, np.float64),
                                       int(bool(fo.remove_dc_offset)), float(fo.preemph_coeff))
        self._start()

    def _block(self, x):
        k = (x.shape[0] - self._L) // self._H + 1
        if self._plain:
            return np.lib.stride_tricks.sliding_window_view(x, self._L)[::self._H][:k]
        idx = np.arange(k)[:, None] * self._H + np.arange(self._L)[None, :]
        return process_frames(x[idx].astype(np.float64), self._fo, self._win).astype(np.float32)


class OnlineNemoFbank:
    """kaldi_native_fbank.OnlineNemoFbank: NeMo's buffered streaming features. Samples are kept
    as they arrive; get_frames(frame_index, n, is_final=False) re-featurizes the window of
    samples [frame_index hop, (frame_index + n) hop) (to the end of the input when is_final
    reaches the last ready frame after input_finished(); with n == buffered_capacity that
    window is n hops ending there, its shift returned) through libwmel's NeMo plan: pre-emphasis
    over the window, centred zero-padded frames, symmetric Hann, Slaney bank, ln(m + 2^-24), no
    normalisation; returns ((n, dim) float32, start_sample_offset). Samples before the window
    are dropped: later calls cannot rewind. num_frames_ready = samples // hop."""

    def __init__(self, opts: NemoFbankOptions):
        if not isinstance(opts, NemoFbankOptions):
            raise TypeError(f"opts must be a wmel.kaldi.NemoFbankOptions, got {type(opts).__name__}")
        check_types(opts)
        fo = FrameExtractionOptions(samp_freq=opts.samp_freq, frame_shift_ms=opts.frame_shift_ms,
                                    frame_length_ms=opts.frame_length_ms, dither=0.0)
        sr, L, H, n_fft, _ = frame_geometry(fo, "opts")
        if sr != int(sr) or not 1000 <= sr <= 384000:
            raise unsupported("samp_freq", opts.samp_freq, "libwmel's plans take whole sample "
                              "rates 1000..384000 Hz")
        dim = _check_int(opts.num_mel_bins, "opts.num_mel_bins", None)
        check_librosa_bank(dim, float(opts.low_freq), float(opts.high_freq), fo)
        if dim > 512:
            raise unsupported("num_mel_bins", dim, "libwmel's plans hold 3..512 bins")
        plan = _wmel.frontend_preset(_wmel.FRONTEND_NEMO, 0)
        plan.update(sample_rate=int(sr), frame_length=L, hop=H, n_fft=n_fft, n_mels=dim,
                    low_freq=float(opts.low_freq), high_freq=float(opts.high_freq),
                    norm=_wmel.NORM_NONE, valid=0, pad_to=0, scale=1.0, log=1,
                    log_guard=2.0 ** -24, layout=_wmel.LAYOUT_FRAMES_MELS)
        c = float(opts.preemph_coeff)
        self._preemph_ok = 0.0 <= c <= 1.0
        plan["preemph"] = c if self._preemph_ok else 0.0
        why = _wmel.plan_check(plan)
        if why:
            raise ValueError(f"these options: {why}")
        self._opts = opts
        self._sr, self._H, self._dim = sr, H, dim
        self._cap = int(opts.buffered_capacity)
        self._ctx = _plan_ctx(plan)
        self._sig = _Rows(1)
        self._shapes = {}                # window length -> the plan's (rows, cols)
        self._offset = 0                 # the whole signal's index of the first sample kept
        self._n = 0
        self._finished = False

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def frame_shift_in_seconds(self) -> float:
        return float(np.float32(self._H) / np.float32(self._sr))

    @property
    def num_frames_ready(self) -> int:
        return self._n // self._H

    @property
    def num_trailing_samples(self) -> int:
        return self._n % self._H

    def accept_waveform(self, sampling_rate, waveform) -> None:
        if (type(waveform) is np.ndarray and waveform.dtype == _F32 and waveform.ndim == 1
                and waveform.flags.c_contiguous and type(sampling_rate) in (int, float)
                and sampling_rate == self._sr and not self._finished):
            # the common call: float32 samples in C order, checked and stored in one C call
            # (NaN and infinities raise there, nothing stored)
            sig = self._sig
            n = waveform.shape[0]
            if sig._hi + n > sig._a.shape[0]:
                sig.reserve(n)
            sig._hi += _wmel.put_finite(waveform, sig._a, sig._hi)
            self._n += n
            return
        if _check_float(sampling_rate, "sampling_rate") != self._sr:
            raise ValueError(f"sampling_rate {sampling_rate} does not match the options' "
                             f"samp_freq {self._sr:g}")
        x = _as_samples(waveform, name="waveform", ndims=(1,), kind="value")
        if x.shape[0] == 0:
            return
        if self._finished:
            raise RuntimeError("accept_waveform() after input_finished()")
        if not np.isfinite(x).all():
            raise ValueError("the waveform holds NaN or infinite samples")
        self._sig.append(x.reshape(-1, 1))
        self._n += x.shape[0]

    def input_finished(self) -> None:
        self._finished = True

    def is_last_frame(self, frame: int) -> bool:
        f = _check_int(frame, "frame", None)
        return f >= 0 and self._finished and f == self.num_frames_ready - 1

    def _features(self, audio, n):
        """The plan's first n rows of the samples audio (float32, C order); the shape of each
        window length is asked of libwmel once."""
        shape = self._shapes.get(audio.shape[0])
        if shape is None:
            if len(self._shapes) >= 64:
                self._shapes.clear()
            shape = self._shapes[audio.shape[0]] = self._ctx.features_shape(audio.shape[0])
        out = np.empty(shape, np.float32)
        if shape[0]:
            self._ctx.features(audio, out)
        return out[:n]

    def get_frames(self, frame_index: int, n: int, is_final: bool = False):
        if type(frame_index) is int and type(n) is int and is_final is False and n > 0 \
                and frame_index >= 0 and self._preemph_ok:
            # the common call (whole frames within the input): no argument conversions
            H = self._H
            begin = frame_index * H
            end = begin + n * H
            if self._offset <= begin and end <= self._n:
                sig = self._sig
                sig._lo += begin - self._offset
                self._offset = begin
                return self._features(sig._a[sig._lo:sig._lo + end - begin, 0], n), 0
        frame_index = _check_int(frame_index, "frame_index", None)
        n = _check_int(n, "n", None)
        is_final = _check_bool(is_final, "is_final")
        if n == 0:
            return np.zeros((0, self._dim), np.float32), 0
        H = self._H
        begin, end = frame_index * H, (frame_index + n) * H
        if is_final and self._finished and frame_index + n == self.num_frames_ready:
            end = self._n
            if n == self._cap:
                begin = end - n * H
        if frame_index < 0 or n < 0:
            raise ValueError("frame_index and n must be >= 0")
        if begin < self._offset or end > self._n:
            raise ValueError(f"requested frames are out of range: samples {begin}..{end} of "
                             f"{self._offset}..{self._n} held")
        self._sig.drop(begin - self._offset)
        self._offset = begin
        if not self._preemph_ok:
            raise ValueError(f"preemph_coeff must be in [0, 1], got {self._opts.preemph_coeff}")
        audio = self._sig.view()[:end - begin, 0]
        return self._features(audio, n), int(begin - frame_index * H)

    def __repr__(self):
        return (f"OnlineNemoFbank(dim={self._dim}, num_frames_ready={self.num_frames_ready}, "
                f"finished={self._finished})")
