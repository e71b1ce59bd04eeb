"""wmel._kaldi_dsp -- kaldi-native-fbank 1.23's building blocks in numpy float64, each rounded
once to float32 where the original returns float32: MelBanks, FeatureWindowFunction, Rfft,
Stft / IStft (StftConfig, StftResult), CMVN (compute_cmvn_stats, apply_cmvn, apply_cmvn_,
CmvnOptions, CmvnAccumulator), compute_deltas (DeltaOptions), splice_frames (SpliceOptions),
FeatureTransform / transform_features (transform-feats).
wmel.kaldi re-exports them. Formulas: Kaldi's mel-computations.cc, feature-window.cc,
feature-functions.cc (DeltaFeatures), transform/cmvn.cc; librosa's mel filters and istft.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from ._common import _check_bool, _check_float, _check_int
from ._feref import kaldi_mel_filters
from ._kaldi_opts import (FrameExtractionOptions, MelBanksOptions, check_types, unsupported,
                          vtln_factor)


def _f32_2d(feats, name="feats") -> np.ndarray:
    a = np.asarray(feats)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (num_frames, dim) array, got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{name} must hold real numbers, got {a.dtype}")
    return a.astype(np.float32, copy=False)


# ---- mel banks and windows ---------------------------------------------------------------------

def _htk_mel(f):
    return 1127.0 * np.log1p(np.asarray(f, np.float64) / 700.0)


class MelBanks:
    """kaldi_native_fbank.MelBanks(opts, frame_opts, vtln_warp_factor=1.0): Kaldi's bank (warped
    by VTLN's factor with opts.vtln_low / vtln_high, Kaldi's VtlnWarpMelFreq) or the
    librosa-style one (which takes no warp: the original ignores the factor there, here it is
    refused) (is_librosa: Slaney or HTK scale, norm "slaney" or "", floor_to_int_bin),
    the original's construction in float64, given as float32: get_matrix() (num_bins,
    n_fft/2 + 1), compute(power) (the mel energies, not their log; htk_mode floors them at 1.0
    and, in Kaldi's bank with low_freq > 0, zeroes the first filter's first weight)."""

    def __init__(self, opts: MelBanksOptions = None, frame_opts: FrameExtractionOptions = None,
                 vtln_warp_factor: float = 1.0):
        opts = MelBanksOptions() if opts is None else opts
        frame_opts = FrameExtractionOptions() if frame_opts is None else frame_opts
        if not isinstance(opts, MelBanksOptions) or not isinstance(frame_opts, FrameExtractionOptions):
            raise TypeError("MelBanks(opts: wmel.kaldi.MelBanksOptions, frame_opts: "
                            "wmel.kaldi.FrameExtractionOptions)")
        check_types(opts, "opts")
        check_types(frame_opts, "frame_opts")
        _check_float(vtln_warp_factor, "vtln_warp_factor")
        n = int(opts.num_bins)
        if n < 3:
            raise ValueError(f"Must have at least 3 mel bins, got num_bins {n}")
        sr = float(frame_opts.samp_freq)
        n_fft = frame_opts.padded_window_size()
        if n_fft < 2 or n_fft % 2:
            raise ValueError(f"PaddedWindowSize() must be even, got {n_fft}")
        nyq = 0.5 * sr
        lo = float(opts.low_freq)
        hi = float(opts.high_freq) if opts.high_freq > 0 else nyq + float(opts.high_freq)
        if not (0.0 <= lo < nyq and 0.0 < hi <= nyq and hi > lo):
            raise ValueError(f"Bad values in options: low-freq {lo} and high-freq {hi} vs. "
                             f"nyquist {nyq}")
        if opts.is_librosa:
            vtln_factor(opts, vtln_warp_factor, lo, hi, nyq, "opts")   # refuses a warp
            if opts.norm not in ("slaney", ""):
                raise ValueError(f"Unsupported norm: {opts.norm}")
            w = _librosa_bank(n, lo, hi, n_fft, sr, bool(opts.use_slaney_mel_scale),
                              opts.norm == "slaney", bool(opts.floor_to_int_bin))
        else:
            v = vtln_factor(opts, vtln_warp_factor, lo, hi, nyq, "opts")
            w = (kaldi_mel_filters(n, lo, hi, n_fft, sr) if v is None else
                 kaldi_mel_filters(n, lo, hi, n_fft, sr, vtln_warp=v[0], vtln_low=v[1],
                                   vtln_high=v[2]))
            if opts.htk_mode and lo != 0.0 and (w[0] > 0).any():
                w[0, int(np.flatnonzero(w[0] > 0)[0])] = 0.0
        empty = np.flatnonzero(~(w != 0).any(axis=1))
        if empty.size:
            raise ValueError(f"You may have set num_mel_bins too large: mel bin {int(empty[0])} "
                             f"of {n} has no FFT bin under it ({n_fft}-point transform, {lo} .. "
                             f"{hi} Hz)")
        self._w = w
        self._htk = bool(opts.htk_mode)
        self._debug = bool(opts.debug_mel)
        if self._debug:
            print_bank(w)

    @staticmethod
    def mel_scale(hz):
        return float(_htk_mel(float(hz)))

    @staticmethod
    def inverse_mel_scale(mel):
        return 700.0 * (math.exp(float(mel) / 1127.0) - 1.0)

    @staticmethod
    def mel_scale_slaney(hz):
        hz = float(hz)
        return 3.0 * hz / 200.0 if hz <= 1000.0 else 15.0 + 27.0 * math.log(hz / 1000.0) / math.log(6.4)

    @staticmethod
    def inverse_mel_scale_slaney(mel):
        mel = float(mel)
        return 200.0 * mel / 3.0 if mel <= 15.0 else 1000.0 * math.exp((mel - 15.0) * math.log(6.4) / 27.0)

    @property
    def dim(self) -> int:
        return self._w.shape[0]

    def get_matrix(self) -> np.ndarray:
        return self._w.astype(np.float32)

    def compute(self, fft_energies) -> np.ndarray:
        p = np.asarray(fft_energies, np.float64).reshape(-1)
        if p.shape[0] != self._w.shape[1]:
            raise ValueError(f"fft_energies must hold {self._w.shape[1]} values (n_fft / 2 + 1), "
                             f"got {p.shape[0]}")
        m = self._w @ p
        if self._htk:
            m = np.maximum(m, 1.0)
        m = m.astype(np.float32)
        if self._debug:   # the original's debug_mel output of each call
            print("MEL BANKS:\n" + "".join(f" {v:g}" for v in m), file=sys.stderr)
        return m


def check_librosa_bank(num_bins, low_freq, high_freq, frame_opts):
    """The original's checks of a librosa-style bank (at least 3 bins, the band inside the
    Nyquist frequency, no empty filter), with its messages: ValueError."""
    MelBanks(MelBanksOptions(num_bins=num_bins, low_freq=low_freq, high_freq=high_freq,
                             is_librosa=True), frame_opts)


def print_bank(w) -> None:
    """debug_mel: the bank to stderr as the original prints it ("bin i, offset = k, vec = ...",
    each filter's weights from its first non-zero one to its last)."""
    lines = []
    for i, row in enumerate(np.asarray(w, np.float32)):
        nz = np.flatnonzero(row)
        a, b = (int(nz[0]), int(nz[-1]) + 1) if nz.size else (0, 0)
        lines.append(f"bin {i}, offset = {a}, vec = " + "".join(f"{v:g}, " for v in row[a:b]))
    print("\n".join(lines), file=sys.stderr)


def _librosa_bank(n, lo, hi, n_fft, sr, slaney_scale, slaney_norm, floor_to_int_bin):
    """kaldi-native-fbank's librosa-style bank (InitLibrosaMelBanks), in float64: n + 2 points
    equally spaced on the Slaney (or HTK) mel scale from lo to hi, triangles in Hz over all
    n_fft/2 + 1 bins (strictly inside each triangle), slaney_norm 2 / (right - left); with
    floor_to_int_bin the edges are floored to bins of (n_fft + 1) / sr per Hz and bin i sits at i."""
    if slaney_scale:
        to_mel = np.vectorize(MelBanks.mel_scale_slaney)
        to_hz = np.vectorize(MelBanks.inverse_mel_scale_slaney)
    else:
        to_mel = np.vectorize(MelBanks.mel_scale)
        to_hz = np.vectorize(MelBanks.inverse_mel_scale)
    ml, mh = float(to_mel(lo)), float(to_mel(hi))
    d = (mh - ml) / (n + 1)
    edges = to_hz(ml + np.arange(n + 2) * d).astype(np.float64)
    if floor_to_int_bin:
        edges = np.trunc(edges * ((n_fft + 1.0) / sr))
        hz = np.arange(n_fft // 2 + 1, dtype=np.float64)
    else:
        hz = sr / n_fft * np.arange(n_fft // 2 + 1)
    left, center, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        up = (hz - left) / (center - left)
        down = (right - hz) / (right - center)
    w = np.where((hz > left) & (hz < right), np.where(hz <= center, up, down), 0.0)
    if slaney_norm:
        w = w * (2.0 / (right - left))
    return w


def window_function(fo, L: int) -> np.ndarray:
    """Kaldi's window of L samples (float64), the formulas of FeatureWindowFunction."""
    w = fo.window_type
    i = np.arange(L, dtype=np.float64)
    a = 2.0 * math.pi / (L - 1) if L > 1 else 0.0
    if w == "hanning":
        return 0.5 - 0.5 * np.cos(a * i)
    if w == "hann":
        return 0.5 - 0.5 * np.cos(2.0 * math.pi / L * i)
    if w == "sine":
        return np.sin(0.5 * a * i)
    if w == "hamming":
        return 0.54 - 0.46 * np.cos(a * i)
    if w == "povey":
        return (0.5 - 0.5 * np.cos(a * i)) ** 0.85
    if w == "rectangular":
        return np.ones(L)
    if w == "blackman":
        c = float(fo.blackman_coeff)
        return c - 0.5 * np.cos(a * i) + (0.5 - c) * np.cos(2.0 * a * i)
    raise ValueError(f"window_type {w!r}: the original knows hanning, hann, sine, hamming, povey, "
                     "rectangular and blackman")


class FeatureWindowFunction:
    """kaldi_native_fbank.FeatureWindowFunction(frame_opts): .window (window_size floats, every
    window type of the original, float64 formulas given as float32) and apply(frame)."""

    def __init__(self, opts: FrameExtractionOptions):
        if not isinstance(opts, FrameExtractionOptions):
            raise TypeError("FeatureWindowFunction(opts: wmel.kaldi.FrameExtractionOptions)")
        check_types(opts)
        L = opts.window_size()
        if L < 1:
            raise ValueError(f"the options give a window of {L} samples")
        self._w = window_function(opts, L).astype(np.float32)

    @property
    def window(self) -> list:
        return self._w.astype(np.float64).tolist()

    def apply(self, wave) -> list:
        x = np.asarray(wave, np.float32).reshape(-1)
        if x.shape[0] != self._w.shape[0]:
            raise ValueError(f"the frame must hold {self._w.shape[0]} samples, got {x.shape[0]}")
        return (x * self._w).astype(np.float64).tolist()


# ---- transforms --------------------------------------------------------------------------------

class Rfft:
    """kaldi_native_fbank.Rfft(n, inverse=False): compute(list of n) -> list of n, the packed
    spectrum [R0, R(n/2), R1, I1, ...] (forward, numpy's rfft signs) or its
    inverse (unnormalised, as the original's); float64 inside, float32 values out."""

    def __init__(self, n: int, inverse: bool = False):
        n = _check_int(n, "n", None)
        if n < 2 or n % 2:
            raise ValueError(f"n should be even (and >= 2). Given: {n}")
        self._n = n
        self._inverse = _check_bool(inverse, "inverse")

    def compute(self, d) -> list:
        x = np.asarray(d, np.float32).astype(np.float64).reshape(-1)
        n = self._n
        if x.shape[0] != n:
            raise ValueError(f"the input must hold n = {n} values, got {x.shape[0]}")
        if not self._inverse:
            z = np.fft.rfft(x)
            out = np.empty(n)
            out[0], out[1] = z[0].real, z[n // 2].real
            out[2::2] = z[1:n // 2].real
            out[3::2] = z[1:n // 2].imag
        else:
            z = np.empty(n // 2 + 1, np.complex128)
            z[0], z[n // 2] = x[0], x[1]
            z[1:n // 2] = x[2::2] + 1j * x[3::2]
            out = np.fft.irfft(z, n) * n
        return out.astype(np.float32).astype(np.float64).tolist()


class StftConfig:
    """kaldi_native_fbank.StftConfig(n_fft, hop_length, win_length, window_type='', center=True,
    pad_mode='reflect', normalized=False, window=[])."""

    _fields = ("n_fft", "hop_length", "win_length", "window_type", "center", "pad_mode",
               "normalized", "window")

    def __init__(self, n_fft, hop_length, win_length, window_type="", center=True,
                 pad_mode="reflect", normalized=False, window=()):
        self.n_fft, self.hop_length, self.win_length = n_fft, hop_length, win_length
        self.window_type, self.center, self.pad_mode = window_type, center, pad_mode
        self.normalized, self.window = normalized, list(window)

    def __str__(self):
        return "StftConfig(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self._fields
                                         if k != "window") + ")"

    __repr__ = __str__

    def _checked(self):
        n_fft = _check_int(self.n_fft, "n_fft", 2)
        hop = _check_int(self.hop_length, "hop_length", 1)
        wl = _check_int(self.win_length, "win_length", 1)
        if wl > n_fft:
            raise ValueError(f"win_length {wl} must be <= n_fft {n_fft}")
        if n_fft % 2:
            raise ValueError(f"n_fft {n_fft} should be even")
        if self.window:
            w = np.asarray(self.window, np.float32).astype(np.float64).reshape(-1)
            if not 1 <= w.shape[0] <= n_fft:
                raise ValueError(f"window holds {w.shape[0]} values; 1..n_fft ({n_fft}) are taken")
        elif self.window_type in ("", None):
            w = np.ones(n_fft)
        else:
            w = window_function(FrameExtractionOptions(window_type=self.window_type), wl)
        if self.center and self.pad_mode not in ("reflect", "constant", "replicate"):
            raise ValueError(f"pad_mode {self.pad_mode!r}: 'reflect', 'constant' or 'replicate' "
                             "(the original pads with zeros for any other, saying so on stderr)")
        # the original applies the window to the first len(window) samples of each n_fft
        # frame and leaves the rest as they are (a window of ones there); its docstring speaks
        # of zero-padding, its code does not
        full = np.ones(n_fft)
        full[:w.shape[0]] = w
        return n_fft, hop, full, _check_bool(self.center, "center"), _check_bool(self.normalized,
                                                                                  "normalized")


class StftResult:
    """kaldi_native_fbank.StftResult(real, imag, num_frames): flattened (num_frames,
    n_fft // 2 + 1) lists."""

    def __init__(self, real, imag, num_frames):
        self.real, self.imag, self.num_frames = list(real), list(imag), int(num_frames)


class Stft:
    """kaldi_native_fbank.Stft(config).compute(samples) -> StftResult: torch.stft's framing
    (center: padding by n_fft // 2, reflect, constant or replicate), the window's coefficients
    (win_length of window_type, or the explicit window) on the first samples of each n_fft
    frame and the rest left as it is, as the original does;
    normalized: 1 / sqrt(n_fft); float64 inside, float32 values out."""

    def __init__(self, config: StftConfig):
        if not isinstance(config, StftConfig):
            raise TypeError("Stft(config: wmel.kaldi.StftConfig)")
        self._c = config.__dict__.copy()
        self._n_fft, self._hop, self._w, self._center, self._norm = config._checked()

    def compute(self, input) -> StftResult:
        x = np.asarray(input, np.float32).astype(np.float64).reshape(-1)
        n_fft, hop = self._n_fft, self._hop
        if self._center:
            p = n_fft // 2
            mode = self._c["pad_mode"]
            if x.shape[0] == 0 or (mode == "reflect" and x.shape[0] <= p):
                raise ValueError(f"{mode} padding by {p} needs more than "
                                 f"{p if mode == 'reflect' else 0} samples, got {x.shape[0]}")
            x = np.pad(x, (p, p), mode={"reflect": "reflect", "constant": "constant",
                                         "replicate": "edge"}[mode])
        nf = 0 if x.shape[0] < n_fft else 1 + (x.shape[0] - n_fft) // hop
        if nf == 0:
            return StftResult([], [], 0)
        idx = np.arange(nf)[:, None] * hop + np.arange(n_fft)[None, :]
        z = np.fft.rfft(x[idx] * self._w, axis=1)
        if self._norm:
            z = z / math.sqrt(n_fft)
        r = z.real.astype(np.float32).astype(np.float64).reshape(-1).tolist()
        i = z.imag.astype(np.float32).astype(np.float64).reshape(-1).tolist()
        return StftResult(r, i, nf)

    __call__ = compute


class IStft:
    """kaldi_native_fbank.IStft(config).compute(StftResult) -> samples: inverse transforms,
    the window (as Stft applies it), overlap-add, divided where it is not 0 by the summed
    squared window over n_fft (the window's coefficients, then ones); center removes n_fft // 2
    samples at both ends."""

    def __init__(self, config: StftConfig):
        if not isinstance(config, StftConfig):
            raise TypeError("IStft(config: wmel.kaldi.StftConfig)")
        self._n_fft, self._hop, self._w, self._center, self._norm = config._checked()

    def compute(self, stft_result: StftResult) -> list:
        n_fft, hop, w = self._n_fft, self._hop, self._w
        nb = n_fft // 2 + 1
        nf = int(stft_result.num_frames)
        re = np.asarray(stft_result.real, np.float64)
        im = np.asarray(stft_result.imag, np.float64)
        if re.shape != (nf * nb,) or im.shape != (nf * nb,):
            raise ValueError(f"real and imag must hold num_frames x (n_fft // 2 + 1) = {nf * nb} "
                             "values")
        if nf == 0:
            return []
        z = (re + 1j * im).reshape(nf, nb)
        if self._norm:
            z = z * math.sqrt(n_fft)
        frames = np.fft.irfft(z, n_fft, axis=1) * w
        n = n_fft + (nf - 1) * hop
        y = np.zeros(n)
        env = np.zeros(n)
        for t in range(nf):
            y[t * hop:t * hop + n_fft] += frames[t]
            env[t * hop:t * hop + n_fft] += w * w
        nz = env != 0.0
        y[nz] /= env[nz]
        if self._center:
            y = y[n_fft // 2:n - n_fft // 2]
        return y.astype(np.float32).astype(np.float64).tolist()

    __call__ = compute


# ---- CMVN, deltas, splicing ----------------------------------------------------------------------

class CmvnOptions:
    """kaldi_native_fbank.CmvnOptions(norm_vars=False, reverse=False)."""

    def __init__(self, norm_vars: bool = False, reverse: bool = False):
        """norm_vars: divide by the standard deviation too; reverse: undo the normalisation."""
        self.norm_vars, self.reverse = norm_vars, reverse

    def __str__(self):
        return f"CmvnOptions(norm_vars={self.norm_vars}, reverse={self.reverse})"


def compute_cmvn_stats(feats) -> np.ndarray:
    """Kaldi's AccCmvnStats over every row: float64 (2, dim + 1): [sums, count], [sums of
    squares, 0]."""
    x = _f32_2d(feats).astype(np.float64)
    s = np.zeros((2, x.shape[1] + 1))
    s[0, :-1] = x.sum(axis=0)
    s[1, :-1] = (x * x).sum(axis=0)
    s[0, -1] = x.shape[0]
    return s


def _cmvn(stats, opts, x):
    st = np.asarray(stats, np.float64)
    if st.ndim != 2 or st.shape[0] not in (1, 2) or st.shape[1] != x.shape[1] + 1:
        raise ValueError(f"stats must be (1 or 2, dim + 1 = {x.shape[1] + 1}), got {st.shape}")
    norm_vars = _check_bool(opts.norm_vars, "opts.norm_vars")
    reverse = _check_bool(opts.reverse, "opts.reverse")
    if norm_vars and st.shape[0] != 2:
        raise ValueError("norm_vars needs 2-row stats (sums of squares)")
    count = st[0, -1]
    if count < 1.0:
        raise ValueError(f"Insufficient samples in cmvn stats {count}")
    mean = st[0, :-1] / count
    if not norm_vars:
        scale = np.ones_like(mean)
    else:
        var = np.maximum(st[1, :-1] / count - mean * mean, 1.0e-20)
        scale = 1.0 / np.sqrt(var)
        if not np.all(np.isfinite(scale)) or np.any(scale == 0):
            raise ValueError("NaN or infinity in cepstral mean/variance computation")
    xd = x.astype(np.float64)
    if reverse:
        y = xd / scale + mean
    else:
        y = (xd - mean) * scale
    return y.astype(np.float32)


def apply_cmvn(stats, opts: CmvnOptions, feats) -> np.ndarray:
    """Kaldi's ApplyCmvn / ApplyCmvnReverse on a copy (float64 arithmetic, one float32 rounding):
    (x - mean) [/ std]; reverse: x [* std] + mean; the variance floored at 1e-20."""
    return _cmvn(stats, opts, _f32_2d(feats))


def apply_cmvn_(stats, opts: CmvnOptions, feats) -> None:
    """apply_cmvn in place: feats a writeable C-contiguous float32 numpy array."""
    if not (isinstance(feats, np.ndarray) and feats.dtype == np.float32 and feats.ndim == 2
            and feats.flags.c_contiguous and feats.flags.writeable):
        raise TypeError("feats must be a writeable, C-contiguous float32 (num_frames, dim) array")
    feats[...] = _cmvn(stats, opts, feats)


class CmvnAccumulator:
    """kaldi_native_fbank.CmvnAccumulator(dim=0): add(dim, frame, weight), accumulate(feats),
    stats (float64 (2, dim + 1))."""

    def __init__(self, dim: int = 0):
        dim = _check_int(dim, "dim", 0)
        self._s = np.zeros((2, dim + 1)) if dim else None

    def add(self, dim, frame, weight=1.0):
        dim = _check_int(dim, "dim", 1)
        f = np.asarray(frame, np.float64).reshape(-1)
        if f.shape[0] != dim:
            raise ValueError(f"frame holds {f.shape[0]} values, dim is {dim}")
        if self._s is None:
            self._s = np.zeros((2, dim + 1))
        if self._s.shape[1] != dim + 1:
            raise ValueError(f"dim {dim} does not match the accumulator's {self._s.shape[1] - 1}")
        w = _check_float(weight, "weight")
        self._s[0, :-1] += f * w
        self._s[1, :-1] += f * f * w
        self._s[0, -1] += w

    def accumulate(self, feats):
        x = _f32_2d(feats).astype(np.float64)
        for row in x:
            self.add(x.shape[1], row, 1.0)

    @property
    def stats(self) -> np.ndarray:
        return np.zeros((2, 1)) if self._s is None else self._s.copy()


class DeltaOptions:
    """kaldi_native_fbank.DeltaOptions(order=2, window=2)."""

    def __init__(self, order: int = 2, window: int = 2):
        """order: the delta order (2: [x, delta, delta-delta]); window: the regression window
        (2 window + 1 frames)."""
        self.order, self.window = order, window

    def __str__(self):
        return f"DeltaOptions(order={self.order}, window={self.window})"


def _delta_scales(order: int, window: int):
    scales = [np.array([1.0])]
    for _ in range(order):
        prev = scales[-1]
        cur = np.zeros(prev.shape[0] + 2 * window)
        norm = 2.0 * sum(j * j for j in range(1, window + 1))
        for j in range(-window, window + 1):
            cur[j + window: j + window + prev.shape[0]] += prev * j / norm
        scales.append(cur)
    return scales


def compute_deltas(opts: DeltaOptions, feats) -> np.ndarray:
    """Kaldi's DeltaFeatures (add-deltas): [x, delta, delta-delta, ...], each order's window
    applied to the input with edge frames replicated; float64, one float32 rounding."""
    order = _check_int(opts.order, "opts.order", 0)
    window = _check_int(opts.window, "opts.window", 1)
    x = _f32_2d(feats).astype(np.float64)
    T, D = x.shape
    if T == 0:
        raise ValueError("compute_deltas: feats holds no frames")
    out = np.empty((T, D * (order + 1)))
    for i, sc in enumerate(_delta_scales(order, window)):
        m = (sc.shape[0] - 1) // 2
        acc = np.zeros((T, D))
        for j in range(-m, m + 1):
            if sc[j + m] != 0.0:
                acc += sc[j + m] * x[np.clip(np.arange(T) + j, 0, T - 1)]
        out[:, i * D:(i + 1) * D] = acc
    return out.astype(np.float32)


class SpliceOptions:
    """kaldi_native_fbank.SpliceOptions(left_context=3, right_context=3)."""

    def __init__(self, left_context: int = 3, right_context: int = 3):
        """left_context / right_context: frames appended before / after each frame."""
        self.left_context, self.right_context = left_context, right_context

    def __str__(self):
        return f"SpliceOptions(left_context={self.left_context}, right_context={self.right_context})"


def splice_frames(feats, opts: SpliceOptions = None) -> np.ndarray:
    """Kaldi's splice-feats: each row [x(t-L), ..., x(t+R)], indices clamped to the ends."""
    opts = SpliceOptions() if opts is None else opts
    left = _check_int(opts.left_context, "opts.left_context", 0)
    right = _check_int(opts.right_context, "opts.right_context", 0)
    x = _f32_2d(feats)
    T, D = x.shape
    if T == 0:
        raise ValueError("splice_frames: feats holds no frames")
    idx = np.clip(np.arange(T)[:, None] + np.arange(-left, right + 1)[None, :], 0, T - 1)
    return np.ascontiguousarray(x[idx].reshape(T, -1))


# ---- linear transforms -------------------------------------------------------------------------

def _read_kaldi_matrix(filename: str) -> np.ndarray:
    """A Kaldi matrix file: binary ("\\0B", "FM " or "DM ", then rows and cols as a size byte
    and an int32, then the values) or text ("[ v v ... \\n ... ]")."""
    try:
        with open(filename, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise RuntimeError(f"FeatureTransform: cannot open {filename}: {e.strerror}") from None
    if data.startswith(b"\0B"):
        tok, rest = data[2:].split(b" ", 1)
        if tok not in (b"FM", b"DM") or len(rest) < 10 or rest[0] != 4 or rest[5] != 4:
            raise RuntimeError(f"FeatureTransform: {filename}: not a Kaldi FM/DM binary matrix")
        rows = int.from_bytes(rest[1:5], "little", signed=True)
        cols = int.from_bytes(rest[6:10], "little", signed=True)
        dt = np.float32 if tok == b"FM" else np.float64
        if rows < 0 or cols < 0 or len(rest) - 10 < rows * cols * np.dtype(dt).itemsize:
            raise RuntimeError(f"FeatureTransform: {filename}: truncated matrix")
        return np.frombuffer(rest, dt, rows * cols, 10).reshape(rows, cols).astype(np.float64)
    try:
        text = data.decode("ascii")
        body = text[text.index("[") + 1:text.rindex("]")]
        rows = [[float(v) for v in line.split()] for line in body.strip().splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError):
        raise RuntimeError(f"FeatureTransform: {filename}: not a Kaldi matrix") from None
    if not rows or len({len(r) for r in rows}) != 1:
        raise RuntimeError(f"FeatureTransform: {filename}: ragged or empty matrix")
    return np.array(rows, np.float64)


class FeatureTransform:
    """kaldi_native_fbank.FeatureTransform (Kaldi's transform-feats): a matrix M (out, n);
    apply(feats) is feats M^T when feats has n columns, feats M[:, :-1]^T + M[:, -1] when it
    has n - 1 (affine), ValueError otherwise; float64 arithmetic, one float32 rounding."""

    def __init__(self, mat):
        m = np.asarray(mat, np.float32)
        if m.ndim != 2:
            raise ValueError(f"mat must be a 2-D matrix, got shape {m.shape}")
        self._m = m.astype(np.float64)

    @staticmethod
    def read(filename: str) -> "FeatureTransform":
        return FeatureTransform(_read_kaldi_matrix(str(filename)))

    @property
    def input_dim(self) -> int:
        return self._m.shape[1]

    @property
    def output_dim(self) -> int:
        return self._m.shape[0]

    def is_affine(self, input_dim: int) -> bool:
        return self._m.shape[1] == _check_int(input_dim, "input_dim", 0) + 1

    def apply(self, feats) -> np.ndarray:
        x = _f32_2d(feats).astype(np.float64)
        n = self._m.shape[1]
        if x.shape[1] == n:
            y = x @ self._m.T
        elif x.shape[1] + 1 == n:
            y = x @ self._m[:, :-1].T + self._m[:, -1]
        else:
            raise ValueError(f"the transform takes {n} (linear) or {n - 1} (affine) columns; "
                             f"feats has {x.shape[1]}")
        return y.astype(np.float32)


def transform_features(feats, transform: FeatureTransform) -> np.ndarray:
    """transform.apply(feats)."""
    if not isinstance(transform, FeatureTransform):
        raise TypeError("transform must be a wmel.kaldi.FeatureTransform")
    return transform.apply(feats)
