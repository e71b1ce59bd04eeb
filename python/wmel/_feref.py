"""wmel._feref -- float64 numpy oracles for the non-Whisper front-ends.

Each function follows its original stage by stage (framing, preemphasis, window, 512-point power
spectrum, filter bank, log, normalisation, layout), in float64 with exact filter banks, and returns
float64 in the original's layout. The tests hold libwmel and the originals to these.

  nemo(x, ...)      NeMo's FilterbankFeatures at inference (Parakeet, Canary): (n_mels, n // 160 + 1)
  kaldi(x, ...)     Kaldi compute-fbank-feats / kaldi-native-fbank / torchaudio's kaldi.fbank:
                    (n_frames, n_mels [+ 1 energy column first])
  seamless(x, ...)  transformers' SeamlessM4TFeatureExtractor: (ceil(n_frames / 2), 2 * n_mels)
  features(x, frontend, n_mels, **options)  the three (and whisper) behind wmel.features' signature

Edge rules (docs/frontends-originals.md has the table): empty input raises ValueError; where an original
divides by a zero frame count minus one (one valid frame) the standard deviation is taken as 0, so
outputs are finite everywhere; kaldi and seamless give zero rows below 400 samples.
"""
from __future__ import annotations

import math

import numpy as np

from ._npref import log_mel, slaney_mel_filters

SAMPLE_RATE = 16000
FRAME_LENGTH = 400          # 25 ms
HOP_LENGTH = 160            # 10 ms
N_FFT = 512
FLT_EPS = 2.0 ** -23        # std::numeric_limits<float>::epsilon(): Kaldi's log floor, Seamless' mel_floor
NEMO_LOG_GUARD = 2.0 ** -24
NEMO_STD_EPS = 1e-5
SEAMLESS_VAR_EPS = 1e-7
KALDI_SCALE = 32768.0

_BLOCK = 4096               # frames per block: bounds the float64 working set on long inputs


def _as_samples(x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"expected one channel of samples (1-D), got shape {x.shape}")
    if x.size == 0:
        raise ValueError("the input holds no audio samples")
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("the input holds NaN or infinite samples")
    return x


# ---- windows ---------------------------------------------------------------------------------

def kaldi_window(kind: str = "povey", n: int = FRAME_LENGTH) -> np.ndarray:
    """Kaldi's symmetric windows (a = 2 pi / (n - 1)): povey = hann^0.85, hamming 0.54/0.46,
    hann (Kaldi's and torchaudio's "hanning"), rect."""
    i = np.arange(n, dtype=np.float64)
    hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * i / (n - 1))
    if kind == "povey":
        return hann ** 0.85
    if kind == "hann":
        return hann
    if kind == "hamming":
        return 0.54 - 0.46 * np.cos(2.0 * np.pi * i / (n - 1))
    if kind == "rect":
        return np.ones(n)
    raise ValueError(f"window must be povey, hann, hamming or rect, got {kind!r}")


def nemo_window(n: int = FRAME_LENGTH) -> np.ndarray:
    """torch.hann_window(n, periodic=False)."""
    return kaldi_window("hann", n)


# ---- filter banks ----------------------------------------------------------------------------

def nemo_mel_filters(n_mels: int, n_fft: int = N_FFT, sampling_rate: int = SAMPLE_RATE) -> np.ndarray:
    """librosa.filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, norm="slaney"), exact: (n_mels, n_fft//2+1)."""
    return slaney_mel_filters(sampling_rate, n_fft, n_mels, fmin=0.0, fmax=sampling_rate / 2.0)


def kaldi_mel_scale(f):
    return 1127.0 * np.log1p(np.asarray(f, np.float64) / 700.0)


def vtln_warp_freq(vtln_low: float, vtln_high: float, low_freq: float, high_freq: float,
                   warp: float, freq):
    """Kaldi's VtlnWarpFreq (mel-computations.cc), float64: the piecewise-linear warp with
    F(low_freq) = low_freq, F(high_freq) = high_freq, F(f) = f / warp between
    l = vtln_low max(1, warp) and h = vtln_high min(1, warp); freq outside [low_freq,
    high_freq] is returned as it is. vtln_low and vtln_high are in Hz (vtln_high already made
    positive)."""
    f = np.asarray(freq, np.float64)
    lo, hi, w = float(low_freq), float(high_freq), float(warp)
    l, h = vtln_low * max(1.0, w), vtln_high * min(1.0, w)
    s = 1.0 / w
    out = np.where(f < l, lo + (s * l - lo) / (l - lo) * (f - lo),
                   np.where(f < h, s * f, hi + (hi - s * h) / (hi - h) * (f - hi)))
    return np.where((f < lo) | (f > hi), f, out)


def kaldi_mel_filters(n_mels: int, low_freq: float = 20.0, high_freq: float = 0.0,
                      n_fft: int = N_FFT, sampling_rate: int = SAMPLE_RATE, vtln_warp: float = 1.0,
                      vtln_low: float = 100.0, vtln_high: float = -500.0) -> np.ndarray:
    """Kaldi's mel bank (mel-computations.cc): triangles in mel space (mel = 1127 ln(1 + f/700)),
    n_mels + 2 equally spaced points from low_freq to high_freq (<= 0: Nyquist + high_freq), over the
    FFT bins 0 .. n_fft/2 - 1 (the Nyquist bin's weight is 0), no normalisation: (n_mels, n_fft//2+1).
    vtln_warp != 1: each filter's edges and centre warped by vtln_warp_freq (vtln_high < 0:
    Nyquist plus it), Kaldi's checks of the cutoffs raising ValueError with its message."""
    n_mels = int(n_mels)
    nyq = 0.5 * sampling_rate
    lo = float(low_freq)
    hi = float(high_freq) if high_freq > 0 else nyq + float(high_freq)
    if n_mels < 1:
        raise ValueError(f"n_mels must be at least 1, got {n_mels}")
    if lo < 0 or lo >= nyq or hi <= 0 or hi > nyq or hi <= lo:
        raise ValueError(f"bad mel range: low_freq {lo} and high_freq {hi} vs Nyquist {nyq}")
    mlo, mhi = kaldi_mel_scale(lo), kaldi_mel_scale(hi)
    delta = (mhi - mlo) / (n_mels + 1)
    b = np.arange(n_mels, dtype=np.float64)[:, None]
    left, center, right = mlo + b * delta, mlo + (b + 1) * delta, mlo + (b + 2) * delta
    if vtln_warp != 1.0:
        vl, vh = float(vtln_low), float(vtln_high)
        vh = vh + nyq if vh < 0 else vh
        if vl < 0 or vl <= lo or vl >= hi or vh <= 0 or vh >= hi or vh <= vl:
            raise ValueError(f"Bad values in options: vtln-low {vl:g} and vtln-high {vh:g}, versus "
                             f"low-freq {lo:g} and high-freq {hi:g}")
        to_hz = lambda m: 700.0 * np.expm1(m / 1127.0)  # noqa: E731
        left, center, right = (kaldi_mel_scale(vtln_warp_freq(vl, vh, lo, hi, vtln_warp, to_hz(e)))
                               for e in (left, center, right))
    m = kaldi_mel_scale(sampling_rate / n_fft * np.arange(n_fft // 2 + 1))[None, :]
    up = (m - left) / (center - left)
    down = (right - m) / (right - center)
    w = np.where((m > left) & (m <= center), up, np.where((m > center) & (m < right), down, 0.0))
    w[:, n_fft // 2] = 0.0
    return w


# ---- shared stages ---------------------------------------------------------------------------

def _power_blocks(frames_of, n_frames: int, window: np.ndarray, n_fft: int):
    """Yields (start, power) blocks: power = |rfft(frame * window, n_fft)|^2, float64."""
    for s in range(0, n_frames, _BLOCK):
        e = min(n_frames, s + _BLOCK)
        spec = np.fft.rfft(frames_of(s, e) * window, n=n_fft, axis=-1)
        yield s, spec.real ** 2 + spec.imag ** 2


def _kaldi_frames(x: np.ndarray, snip_edges: bool):
    """(n_frames, frames_of(s, e)) with Kaldi's framing: snip_edges keeps the frames that fit; otherwise
    (n + 80) // 160 frames centred on t * 160 + 80, samples outside [0, n) reflected (-s-1, 2n-1-s)."""
    n = x.size
    if snip_edges:
        n_frames = 0 if n < FRAME_LENGTH else 1 + (n - FRAME_LENGTH) // HOP_LENGTH
        first = 0
    else:
        n_frames = (n + HOP_LENGTH // 2) // HOP_LENGTH
        first = HOP_LENGTH // 2 - FRAME_LENGTH // 2
    offs = np.arange(FRAME_LENGTH)

    def frames_of(s, e):
        idx = (first + HOP_LENGTH * np.arange(s, e))[:, None] + offs[None, :]
        if not snip_edges:
            idx = np.mod(idx, 2 * n)             # reflection has period 2n
            idx = np.where(idx >= n, 2 * n - 1 - idx, idx)
        return x[idx]

    return n_frames, frames_of


def _kaldi_process(f: np.ndarray, preemph: float, remove_dc: bool):
    """DC removal, raw energy, Kaldi-style preemphasis (f[0] -= c f[0]) on a block of frames."""
    if remove_dc:
        f = f - f.mean(axis=1, keepdims=True)
    energy = np.sum(f * f, axis=1)
    if preemph:
        g = f.copy()
        g[:, 1:] -= preemph * f[:, :-1]
        g[:, 0] -= preemph * f[:, 0]
        f = g
    return f, energy


def _mean(v, axis):
    """The mean taken about the first element, so a constant row's mean is exact (digital
    silence normalises to exactly 0 rather than to rounding noise divided by epsilon)."""
    c = np.take(v, [0], axis=axis)
    return np.squeeze(c, axis) + (v - c).mean(axis=axis)


# ---- kaldi -----------------------------------------------------------------------------------

def kaldi(x, n_mels: int = 80, *, window: str = "povey", scale: float = KALDI_SCALE,
          low_freq: float = 20.0, high_freq: float = 0.0, use_energy: bool = False,
          energy_floor: float = 0.0, snip_edges: bool = True, preemph: float = 0.97,
          remove_dc: bool = True, raw_energy: bool = True) -> np.ndarray:
    """Kaldi fbank (kaldi-native-fbank's computer with dither 0): float64 (n_frames, n_mels [+1])."""
    x = _as_samples(x) * float(scale)
    w = kaldi_window(window)
    bank = kaldi_mel_filters(n_mels, low_freq, high_freq)
    n_frames, frames_of = _kaldi_frames(x, snip_edges)
    cols = int(n_mels) + (1 if use_energy else 0)
    out = np.empty((n_frames, cols))
    for s in range(0, n_frames, _BLOCK):
        e = min(n_frames, s + _BLOCK)
        f, energy = _kaldi_process(frames_of(s, e), preemph, remove_dc)
        f = f * w
        if not raw_energy:
            energy = np.sum(f * f, axis=1)
        spec = np.fft.rfft(f, n=N_FFT, axis=-1)
        mel = (spec.real ** 2 + spec.imag ** 2) @ bank.T
        out[s:e, cols - int(n_mels):] = np.log(np.maximum(mel, FLT_EPS))
        if use_energy:
            le = np.log(np.maximum(energy, FLT_EPS))
            if energy_floor > 0:
                le = np.maximum(le, math.log(energy_floor))
            out[s:e, 0] = le
    return out


# ---- nemo ------------------------------------------------------------------------------------

def nemo(x, n_mels: int = 80, *, normalize: str = "per_feature", legacy: bool = False,
         pad_to: int = 0, return_denominator: bool = False):
    """NeMo FilterbankFeatures (inference: dither 0) in float64: (n_mels, n // 160 + 1 [padded]).

    Current NeMo (since mid-2025): zero centre padding, n // 160 valid frames (the last STFT frame
    is zeroed and left out of the statistics). legacy=True: reflect centre padding, all n // 160 + 1
    frames valid. normalize "per_feature": (x - mean) / (std + 1e-5) per mel row over the valid
    frames, Bessel-corrected std, taken as 0 with one valid frame; "none": the log-mel.
    return_denominator: also return the per-row std + 1e-5 (ones for "none")."""
    x = _as_samples(x)
    n = x.size
    if normalize not in ("per_feature", "none"):
        raise ValueError(f"normalize must be 'per_feature' or 'none' for nemo, got {normalize!r}")
    y = np.empty_like(x)
    y[0] = x[0]
    y[1:] = x[1:] - 0.97 * x[:-1]
    half = N_FFT // 2
    ypad = np.pad(y, half, mode="reflect" if legacy else "constant")
    n_frames = n // HOP_LENGTH + 1
    valid = n_frames if legacy else n // HOP_LENGTH
    off = (N_FFT - FRAME_LENGTH) // 2
    offs = np.arange(FRAME_LENGTH)

    def frames_of(s, e):
        return ypad[(off + HOP_LENGTH * np.arange(s, e))[:, None] + offs[None, :]]

    bank = nemo_mel_filters(n_mels)
    logmel = np.empty((int(n_mels), n_frames))
    for s, p in _power_blocks(frames_of, n_frames, nemo_window(), N_FFT):
        logmel[:, s:s + p.shape[0]] = np.log(bank @ p.T + NEMO_LOG_GUARD)
    denom = np.ones(int(n_mels))
    if normalize == "per_feature":
        v = logmel[:, :valid]
        if valid >= 1:
            mean = _mean(v, axis=1)
            std = np.sqrt(((v - mean[:, None]) ** 2).sum(axis=1) / (valid - 1)) if valid > 1 \
                else np.zeros(int(n_mels))
        else:
            mean, std = np.zeros(int(n_mels)), np.zeros(int(n_mels))
        denom = std + NEMO_STD_EPS
        logmel = (logmel - mean[:, None]) / denom[:, None]
    logmel[:, valid:] = 0.0
    if pad_to and n_frames % pad_to:
        logmel = np.pad(logmel, ((0, 0), (0, pad_to - n_frames % pad_to)))
    return (logmel, denom) if return_denominator else logmel


# ---- seamless --------------------------------------------------------------------------------

def seamless(x, n_mels: int = 80, *, normalize: str = "mean_var", return_denominator: bool = False):
    """transformers' SeamlessM4TFeatureExtractor in float64: the 80-bin Kaldi fbank of x * 32768
    (x first rounded to float32, as the original casts it), per-bin (x - mean) / sqrt(var + 1e-7)
    (var with ddof=1, taken as 0 for one frame), an odd frame count padded with a zero frame, frames
    stacked in pairs: (ceil(n_frames / 2), 2 * n_mels). return_denominator: also the per-column
    sqrt(var + 1e-7) (length 2 * n_mels; ones for normalize="none")."""
    if normalize not in ("mean_var", "none"):
        raise ValueError(f"normalize must be 'mean_var' or 'none' for seamless, got {normalize!r}")
    xs = np.asarray(x)
    if xs.ndim == 1 and xs.size and np.all(np.isfinite(xs)):
        xs = xs.astype(np.float32)
    lm = kaldi(xs, n_mels)
    nf = lm.shape[0]
    denom = np.ones(int(n_mels))
    if normalize == "mean_var" and nf:
        mean = _mean(lm, axis=0)
        var = ((lm - mean) ** 2).sum(axis=0) / (nf - 1) if nf > 1 else np.zeros(int(n_mels))
        denom = np.sqrt(var + SEAMLESS_VAR_EPS)
        lm = (lm - mean) / denom
    if nf % 2:
        lm = np.vstack([lm, np.zeros((1, int(n_mels)))])
    out = lm.reshape(lm.shape[0] // 2, 2 * int(n_mels))
    return (out, np.concatenate([denom, denom])) if return_denominator else out


def seamless_attention_mask(n_samples: int) -> np.ndarray:
    """The original's attention mask for one clip: row r is 1 iff frame 2r + 1 is real."""
    nf = 0 if n_samples < FRAME_LENGTH else 1 + (n_samples - FRAME_LENGTH) // HOP_LENGTH
    return (np.arange((nf + 1) // 2) < nf // 2).astype(np.int32)


# ---- wmel.features' signature ----------------------------------------------------------------

def features(audio, frontend: str = "whisper", n_mels=None, *, normalize=None, window=None, scale=None,
             low_freq=None, high_freq=None, use_energy=False, energy_floor=None, legacy=False,
             pad_to=0, snip_edges=True, return_denominator=False):
    """The oracle behind wmel.features' signature (float64). return_denominator (nemo, seamless):
    also the per-row (nemo) or per-column (seamless) normalisation denominators."""
    if frontend == "nemo":
        return nemo(audio, n_mels or 80, normalize=normalize or "per_feature", legacy=legacy,
                    pad_to=pad_to or 0, return_denominator=return_denominator)
    if frontend == "kaldi":
        return kaldi(audio, n_mels or 80, window=window or "povey",
                     scale=KALDI_SCALE if scale is None else scale,
                     low_freq=20.0 if low_freq is None else low_freq,
                     high_freq=0.0 if high_freq is None else high_freq, use_energy=bool(use_energy),
                     energy_floor=energy_floor or 0.0, snip_edges=snip_edges)
    if frontend == "seamless":
        return seamless(audio, n_mels or 80, normalize=normalize or "mean_var",
                        return_denominator=return_denominator)
    if frontend == "whisper":
        nm = n_mels or 80
        x = _as_samples(audio)
        return log_mel(x[None, :], 400, 160, slaney_mel_filters(SAMPLE_RATE, 400, nm))[0].astype(np.float64)
    raise ValueError(f"frontend must be whisper, nemo, kaldi or seamless, got {frontend!r}")
