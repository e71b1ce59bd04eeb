"""wmel.kaldi -- Kaldi fbank drop-ins computed by libwmel (frontend="kaldi").

    fbank(waveform, **kwargs)   torchaudio.compliance.kaldi.fbank's signature and result
    FbankOptions, FrameExtractionOptions, MelBanksOptions, OnlineFbank
                                kaldi-native-fbank's (import kaldi_native_fbank as knf), so
                                sherpa-onnx- and FunASR-style code switches by import

Both take samples in the caller's scale, as their originals do (those callers multiply by 32768
themselves): no scaling here. Features are computed in float64 from the exact filter bank and
rounded once to float32 (the originals compute in float32 throughout; see docs/frontends.md).

Supported: 16 kHz, 25 ms frames every 10 ms, a 512-point transform (round_to_power_of_two),
preemphasis 0.97, DC removal, raw (pre-window) energy, power spectrum, log fbank, windows povey,
hamming, hanning and rectangular, any low/high frequency, 1..256 bins, use_energy, energy_floor,
htk_compat, subtract_mean, snip_edges true or false. Anything else (dither other than 0, another
frame geometry or sample rate, VTLN, blackman, magnitude or linear output) raises ValueError
naming the option, rather than computing something else.
"""
from __future__ import annotations

import copy

import numpy as np

from ._common import _as_samples, _check_bool, _check_float, _check_int, _is_torch
from ._features import features
from ._live import Stream

__all__ = ["fbank", "FbankOptions", "FrameExtractionOptions", "MelBanksOptions", "OnlineFbank"]

_SR = 16000
_FRAME = 400
_HOP = 160
_WINDOWS = {"povey": "povey", "hamming": "hamming", "hanning": "hann", "rectangular": "rect"}


def _unsupported(name, value, why):
    return ValueError(f"{name}={value!r} is not supported by wmel.kaldi ({why})")


def _check(sample_frequency, frame_length_ms, frame_shift_ms, round_to_power_of_two,
           preemph, remove_dc_offset, raw_energy, use_energy, dither, window_type,
           use_power, use_log_fbank, vtln_warp):
    if float(dither) != 0.0:
        raise _unsupported("dither", dither, "features are deterministic: pass dither=0.0, as "
                           "inference does")
    if float(sample_frequency) != _SR:
        raise _unsupported("sample_frequency", sample_frequency, "16000 Hz only: resample first")
    if int(_SR * frame_length_ms * 0.001) != _FRAME or int(_SR * frame_shift_ms * 0.001) != _HOP:
        raise _unsupported("frame_length/frame_shift", (frame_length_ms, frame_shift_ms),
                           "25 ms frames every 10 ms only")
    if not round_to_power_of_two:
        raise _unsupported("round_to_power_of_two", round_to_power_of_two, "the 512-point transform only")
    if abs(float(preemph) - 0.97) > 1e-6:
        raise _unsupported("preemphasis_coefficient", preemph, "0.97 only")
    if not remove_dc_offset:
        raise _unsupported("remove_dc_offset", remove_dc_offset, "DC removal is always on")
    if use_energy and not raw_energy:
        raise _unsupported("raw_energy", raw_energy, "the energy before preemphasis and window only")
    if not isinstance(window_type, str) or window_type not in _WINDOWS:
        raise _unsupported("window_type", window_type, "povey, hamming, hanning or rectangular")
    if not use_power:
        raise _unsupported("use_power", use_power, "the power spectrum only")
    if not use_log_fbank:
        raise _unsupported("use_log_fbank", use_log_fbank, "log filter banks only")
    if float(vtln_warp) != 1.0:
        raise _unsupported("vtln_warp", vtln_warp, "no VTLN warping")


def _reflect_extend(x: np.ndarray) -> np.ndarray:
    """The samples snip_edges=False frames read, laid out so that snip_edges framing of the
    result gives them: (n + 80) // 160 frames starting at 160 t - 120, samples outside [0, n)
    reflected as Kaldi does (-s-1, 2n-1-s, repeatedly)."""
    n = x.shape[0]
    nf = (n + _HOP // 2) // _HOP
    if nf == 0:
        return x[:0]
    first = _HOP // 2 - _FRAME // 2
    idx = np.arange(first, first + (nf - 1) * _HOP + _FRAME)
    idx = np.mod(idx, 2 * n)
    idx = np.where(idx >= n, 2 * n - 1 - idx, idx)
    return x[idx]


def _compute(x: np.ndarray, n_mels, window, low_freq, high_freq, use_energy, energy_floor,
             snip_edges, threads=0) -> np.ndarray:
    """(frames, n_mels [+1 energy first]) float32 of 1-D float32 samples (caller's scale)."""
    if not snip_edges:
        x = _reflect_extend(x)
    if x.shape[0] < _FRAME:
        return np.zeros((0, int(n_mels) + int(bool(use_energy))), np.float32)
    return features(x, "kaldi", int(n_mels), window=_WINDOWS[window], scale=1.0,
                    low_freq=float(low_freq), high_freq=float(high_freq),
                    use_energy=bool(use_energy),
                    # the floor applies to the energy column only (torchaudio ignores it without)
                    energy_floor=float(energy_floor) if use_energy else None, threads=threads)


# ---------------------------------------------------------------------------------------------
# torchaudio.compliance.kaldi.fbank
# ---------------------------------------------------------------------------------------------

def fbank(waveform, blackman_coeff: float = 0.42, channel: int = -1, dither: float = 0.0,
          energy_floor: float = 1.0, frame_length: float = 25.0, frame_shift: float = 10.0,
          high_freq: float = 0.0, htk_compat: bool = False, low_freq: float = 20.0,
          min_duration: float = 0.0, num_mel_bins: int = 23, preemphasis_coefficient: float = 0.97,
          raw_energy: bool = True, remove_dc_offset: bool = True, round_to_power_of_two: bool = True,
          sample_frequency: float = 16000.0, snip_edges: bool = True, subtract_mean: bool = False,
          use_energy: bool = False, use_log_fbank: bool = True, use_power: bool = True,
          vtln_high: float = -500.0, vtln_low: float = 100.0, vtln_warp: float = 1.0,
          window_type: str = "povey"):
    """torchaudio.compliance.kaldi.fbank: waveform (channels, n) of floating-point samples in the
    caller's scale (a torch tensor gives a torch tensor on its device and in its dtype, a numpy
    array numpy float32; integer, bool and complex samples raise TypeError, a shape other than
    2-D ValueError; channel -1 is channel 0, as in torchaudio) ->
    (frames, num_mel_bins + use_energy). The defaults are torchaudio's (23 bins, energy_floor 1.0).
    Like torchaudio, fewer than 400 samples (one frame) raise (ValueError here, an assertion
    there), and min_duration returns an empty result for shorter clips."""
    (blackman_coeff, dither, energy_floor, frame_length, frame_shift, high_freq, low_freq,
     min_duration, preemphasis_coefficient, sample_frequency, vtln_high, vtln_low, vtln_warp) = (
        _check_float(v, k) for k, v in (
            ("blackman_coeff", blackman_coeff), ("dither", dither),
            ("energy_floor", energy_floor), ("frame_length", frame_length),
            ("frame_shift", frame_shift), ("high_freq", high_freq), ("low_freq", low_freq),
            ("min_duration", min_duration), ("preemphasis_coefficient", preemphasis_coefficient),
            ("sample_frequency", sample_frequency), ("vtln_high", vtln_high),
            ("vtln_low", vtln_low), ("vtln_warp", vtln_warp)))
    (htk_compat, raw_energy, remove_dc_offset, round_to_power_of_two, snip_edges, subtract_mean,
     use_energy, use_log_fbank, use_power) = (
        _check_bool(v, k) for k, v in (
            ("htk_compat", htk_compat), ("raw_energy", raw_energy),
            ("remove_dc_offset", remove_dc_offset),
            ("round_to_power_of_two", round_to_power_of_two), ("snip_edges", snip_edges),
            ("subtract_mean", subtract_mean), ("use_energy", use_energy),
            ("use_log_fbank", use_log_fbank), ("use_power", use_power)))
    channel = _check_int(channel, "channel", None)
    num_mel_bins = _check_int(num_mel_bins, "num_mel_bins", 1)
    _check(sample_frequency, frame_length, frame_shift, round_to_power_of_two,
           preemphasis_coefficient, remove_dc_offset, raw_energy, use_energy, dither, window_type,
           use_power, use_log_fbank, vtln_warp)
    torch_in = waveform if _is_torch(waveform) else None
    if torch_in is not None:
        if not waveform.is_floating_point():  # torchaudio's computation needs one too
            raise TypeError(f"waveform must hold floating-point samples (float16, float32 or "
                            f"float64), got {waveform.dtype}")
        import torch
        t = waveform.detach().to("cpu")
        w = (t.float() if t.dtype == torch.bfloat16 else t).numpy()  # numpy has no bfloat16
    else:
        w = waveform
    w = _as_samples(w, name="waveform", ndims=(2,), kind="real")
    ch = max(channel, 0)
    if ch >= w.shape[0]:
        raise ValueError(f"Invalid channel {channel} for size {w.shape[0]}")
    x = w[ch]
    if x.shape[0] < _FRAME:
        raise ValueError(f"choose a window size {_FRAME} that is [2, {x.shape[0]}]: fewer samples "
                         "than one 25 ms frame")
    if x.shape[0] < min_duration * sample_frequency:
        out = np.zeros(0, np.float32)
    else:
        out = _compute(x, num_mel_bins, window_type, low_freq, high_freq, use_energy,
                       energy_floor, snip_edges)
        if use_energy and htk_compat:
            out = np.concatenate([out[:, 1:], out[:, :1]], axis=1)
        if subtract_mean:
            out = out - out.mean(axis=0, keepdims=True)
    if torch_in is not None:
        import torch
        return torch.from_numpy(np.ascontiguousarray(out)).to(device=torch_in.device, dtype=torch_in.dtype)
    return out


# ---------------------------------------------------------------------------------------------
# kaldi-native-fbank's options and OnlineFbank
# ---------------------------------------------------------------------------------------------

class _Options:
    """Plain attributes with kaldi-native-fbank's as_dict / from_dict / str and pickling."""

    _fields: tuple = ()

    def as_dict(self):
        return {k: (getattr(self, k).as_dict() if isinstance(getattr(self, k), _Options)
                    else getattr(self, k)) for k in self._fields}

    @classmethod
    def from_dict(cls, d):
        o = cls()
        for k, v in d.items():
            if k not in cls._fields:
                raise KeyError(f"{cls.__name__} has no option {k!r}")
            cur = getattr(o, k)
            setattr(o, k, type(cur).from_dict(v) if isinstance(cur, _Options) else v)
        return o

    def __setattr__(self, k, v):
        if self._fields and k not in self._fields:
            raise AttributeError(f"{type(self).__name__} has no option {k!r}")
        object.__setattr__(self, k, v)

    def __str__(self):
        lines = []
        for k in self._fields:
            v = getattr(self, k)
            lines.append(f"{k}: " + (f"\n{v}\n" if isinstance(v, _Options) else
                                     (str(int(v)) if isinstance(v, bool) else str(v))))
        return "\n".join(lines) + "\n"

    __repr__ = __str__

    def __eq__(self, other):
        return type(self) is type(other) and self.as_dict() == other.as_dict()

    def __reduce__(self):
        return (type(self).from_dict, (self.as_dict(),))


class FrameExtractionOptions(_Options):
    """kaldi_native_fbank.FrameExtractionOptions, its defaults (dither 3e-5: set it to 0)."""

    _fields = ("samp_freq", "frame_shift_ms", "frame_length_ms", "dither", "preemph_coeff",
               "remove_dc_offset", "window_type", "round_to_power_of_two", "blackman_coeff",
               "snip_edges")

    def __init__(self):
        self.samp_freq = 16000.0
        self.frame_shift_ms = 10.0
        self.frame_length_ms = 25.0
        self.dither = 0.00003
        self.preemph_coeff = 0.97
        self.remove_dc_offset = True
        self.window_type = "povey"
        self.round_to_power_of_two = True
        self.blackman_coeff = 0.42
        self.snip_edges = True


class MelBanksOptions(_Options):
    """kaldi_native_fbank.MelBanksOptions, its defaults (25 bins; FbankOptions sets 23, as the
    original's does). norm, use_slaney_mel_scale and floor_to_int_bin shape the original's
    librosa-style bank only (is_librosa, refused here), as there."""

    _fields = ("num_bins", "low_freq", "high_freq", "vtln_low", "vtln_high", "debug_mel", "htk_mode",
               "is_librosa", "norm", "use_slaney_mel_scale", "floor_to_int_bin")

    def __init__(self):
        self.num_bins = 25
        self.low_freq = 20.0
        self.high_freq = 0.0
        self.vtln_low = 100.0
        self.vtln_high = -500.0
        self.debug_mel = False
        self.htk_mode = False
        self.is_librosa = False          # kaldi-native-fbank's librosa-style bank (not supported)
        self.norm = "slaney"             # used only with is_librosa
        self.use_slaney_mel_scale = True
        self.floor_to_int_bin = False


class FbankOptions(_Options):
    """kaldi_native_fbank.FbankOptions: opts.frame_opts.dither, opts.mel_opts.num_bins, ...
    (the original's defaults: 23 bins, dither 3e-5; sherpa-onnx and FunASR set 80 and 0)."""

    _fields = ("frame_opts", "mel_opts", "use_energy", "energy_floor", "raw_energy", "htk_compat",
               "use_log_fbank", "use_power", "use_log_floor", "eps")

    def __init__(self):
        self.frame_opts = FrameExtractionOptions()
        self.mel_opts = MelBanksOptions()
        self.mel_opts.num_bins = 23
        self.use_energy = False
        self.energy_floor = 0.0
        self.raw_energy = True
        self.htk_compat = False
        self.use_log_fbank = True
        self.use_power = True
        self.use_log_floor = True        # log(max(x, eps)) (False: log(x + eps), not supported)
        self.eps = 1.1920928955078125e-07


# The options' kinds, checked as kaldi-native-fbank's typed (C++) fields take them.
_OPTION_KINDS = {
    "frame_opts": {"samp_freq": "float", "frame_shift_ms": "float", "frame_length_ms": "float",
                   "dither": "float", "preemph_coeff": "float", "remove_dc_offset": "bool",
                   "window_type": "str", "round_to_power_of_two": "bool",
                   "blackman_coeff": "float", "snip_edges": "bool"},
    "mel_opts": {"num_bins": "int", "low_freq": "float", "high_freq": "float",
                 "vtln_low": "float", "vtln_high": "float", "debug_mel": "bool",
                 "htk_mode": "bool", "is_librosa": "bool", "norm": "str",
                 "use_slaney_mel_scale": "bool", "floor_to_int_bin": "bool"},
    None: {"use_energy": "bool", "energy_floor": "float", "raw_energy": "bool",
           "htk_compat": "bool", "use_log_fbank": "bool", "use_power": "bool",
           "use_log_floor": "bool", "eps": "float"},
}


def _check_option_types(opts) -> None:
    for part, kinds in _OPTION_KINDS.items():
        o = opts if part is None else getattr(opts, part)
        for k, kind in kinds.items():
            name = f"opts.{k}" if part is None else f"opts.{part}.{k}"
            v = getattr(o, k)
            if kind == "float":
                _check_float(v, name)
            elif kind == "bool":
                _check_bool(v, name)
            elif kind == "int":
                _check_int(v, name, 1)
            elif not isinstance(v, str):
                raise TypeError(f"{name} must be a str, got {type(v).__name__} {v!r}")


class _Rows:
    """A growable float32 (k, cols) array: rows appended at the end (the capacity doubles, so
    a long stream costs amortised O(1) a row) and dropped at the front."""

    def __init__(self, cols: int):
        self._a = np.empty((64, cols), np.float32)
        self._lo = self._hi = 0

    def append(self, rows: np.ndarray) -> None:
        k = rows.shape[0]
        if self._hi + k > self._a.shape[0]:
            live = self._hi - self._lo
            cap = max(2 * (live + k), 64)
            a = np.empty((cap, self._a.shape[1]), np.float32)
            a[:live] = self._a[self._lo:self._hi]
            self._a, self._lo, self._hi = a, 0, live
        self._a[self._hi:self._hi + k] = rows
        self._hi += k

    def drop(self, k: int) -> None:
        self._lo += k

    def view(self) -> np.ndarray:
        return self._a[self._lo:self._hi]


class OnlineFbank:
    """kaldi_native_fbank.OnlineFbank: accept_waveform(sampling_rate, samples) as they arrive,
    input_finished(), num_frames_ready, get_frame(i), pop(n), is_last_frame(i), dim,
    frame_shift_in_seconds; and get_frames(indices=None) -> (k, dim) float32 (all ready frames
    by default). Frames are computed by libwmel as soon as their samples have arrived, from the
    samples not yet used (snip_edges=False: its last frames, which reflect the end of the signal,
    once input_finished() is called). Frame indices stay absolute after pop(), as in the original."""

    def __init__(self, opts: FbankOptions):
        if not isinstance(opts, FbankOptions):
            raise TypeError(f"opts must be a wmel.kaldi.FbankOptions, got {type(opts).__name__}")
        _check_option_types(opts)
        fo, mo = opts.frame_opts, opts.mel_opts
        _check(fo.samp_freq, fo.frame_length_ms, fo.frame_shift_ms, fo.round_to_power_of_two,
               fo.preemph_coeff, fo.remove_dc_offset, opts.raw_energy, opts.use_energy, fo.dither,
               fo.window_type, opts.use_power, opts.use_log_fbank, 1.0)
        if mo.htk_mode or mo.is_librosa:
            raise _unsupported("mel_opts.htk_mode/is_librosa", (mo.htk_mode, mo.is_librosa),
                               "Kaldi's mel bank only")
        if not opts.use_log_floor or abs(float(opts.eps) - 2.0 ** -23) > 1e-12:
            raise _unsupported("use_log_floor/eps", (opts.use_log_floor, opts.eps),
                               "the log floor FLT_EPSILON only")
        self._opts = copy.deepcopy(opts)
        self._dim = int(mo.num_bins) + int(bool(opts.use_energy))
        self._kw = dict(n_mels=int(mo.num_bins), window=fo.window_type, low_freq=float(mo.low_freq),
                        high_freq=float(mo.high_freq), use_energy=bool(opts.use_energy),
                        energy_floor=float(opts.energy_floor), snip_edges=True)
        self._snip = bool(fo.snip_edges)
        # snip_edges: libwmel's frame stream, each frame as soon as its samples are in (the
        # frames of the offline features, bit for bit); otherwise the whole signal is kept,
        # for the reflection at both ends
        self._stream = Stream("kaldi", int(mo.num_bins), window=_WINDOWS[fo.window_type], scale=1.0,
                              low_freq=float(mo.low_freq), high_freq=float(mo.high_freq),
                              use_energy=bool(opts.use_energy),
                              energy_floor=float(opts.energy_floor) if opts.use_energy else None) \
            if self._snip else None
        self._sig = _Rows(1) if not self._snip else None
        self._sr = float(fo.samp_freq)
        self._n = 0                            # samples accepted
        self._out = _Rows(self._dim)           # computed frames not popped, float32 (k, dim)
        self._ready = 0                        # frames computed
        self._popped = 0
        self._finished = False

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def frame_shift_in_seconds(self) -> float:
        return float(self._opts.frame_opts.frame_shift_ms) / 1000.0

    @property
    def num_frames_ready(self) -> int:
        return self._ready

    def accept_waveform(self, sampling_rate, waveform) -> None:
        if self._finished:
            raise RuntimeError("accept_waveform() after input_finished()")
        if (sampling_rate != self._sr or type(sampling_rate) not in (int, float)) and \
                _check_float(sampling_rate, "sampling_rate") != self._sr:
            raise ValueError(f"sampling_rate {sampling_rate} does not match the options' "
                             f"samp_freq {self._opts.frame_opts.samp_freq} (resample first)")
        x = _as_samples(waveform, name="waveform", ndims=(1,), kind="value")
        if not np.isfinite(x).all():
            raise ValueError("the waveform holds NaN or infinite samples")
        self._n += x.shape[0]
        if self._snip:  # the checked samples straight to the C stream
            k = self._stream._s.push(x)
            if k:
                self._add(self._stream._take(k))
        else:
            self._sig.append(x.reshape(-1, 1))
            # frames that end inside the signal need no reflection at the end: frame t reads
            # [160 t - 120, 160 t + 280); the first reflects the start, from the signal itself
            n = self._n
            nf = (n + _HOP // 2) // _HOP
            while nf > 0 and (nf - 1) * _HOP - 120 + _FRAME > n:
                nf -= 1
            if nf > self._ready:
                self._extend_to(nf)

    def _extend_to(self, nf):
        x = self._sig.view().reshape(-1)
        start = self._ready
        # frames [start, nf) of the reflected extension of the whole signal so far
        n = x.shape[0]
        first = _HOP // 2 - _FRAME // 2 + start * _HOP
        idx = np.arange(first, first + (nf - start - 1) * _HOP + _FRAME)
        idx = np.mod(idx, 2 * n)
        idx = np.where(idx >= n, 2 * n - 1 - idx, idx)
        self._add(_compute(x[idx], **self._kw))

    def _add(self, block):
        if block.shape[0]:
            self._out.append(block)
            self._ready += block.shape[0]

    def input_finished(self) -> None:
        if self._finished:
            return
        self._finished = True
        if not self._snip and self._n:
            nf = (self._n + _HOP // 2) // _HOP
            if nf > self._ready:
                self._extend_to(nf)

    def is_last_frame(self, frame: int) -> bool:
        return self._finished and _check_int(frame, "frame", None) == self._ready - 1

    def _frames(self):
        return self._out.view()

    def get_frame(self, frame: int) -> np.ndarray:
        f = _check_int(frame, "frame", None)
        if not self._popped <= f < self._ready:
            raise IndexError(f"frame {frame} is not available (frames {self._popped}.."
                             f"{self._ready - 1} are)")
        return self._frames()[f - self._popped].copy()

    def get_frames(self, frames=None) -> np.ndarray:
        """(k, dim) float32: the given absolute frame indices, or every frame not popped."""
        all_ = self._frames()
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
        return (f"OnlineFbank(dim={self._dim}, num_frames_ready={self._ready}, "
                f"finished={self._finished})")
