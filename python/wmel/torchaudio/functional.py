"""wmel.torchaudio.functional -- torchaudio.functional's melscale_fbanks, create_dct,
amplitude_to_DB, and numpy forms of torch's windows (hann_window, hamming_window,
blackman_window, bartlett_window) for use without torch.

Filter banks and DCT matrices are computed in float64 and rounded once to float32; they are
torch tensors when torch is installed (as torchaudio's), numpy arrays otherwise. The windows are
computed in float64 blocks into their float32 values (no float64 copy of the whole window).

Sizes: a transform or window length above MAX_N_FFT (2^20) given to the transforms, and a
filter bank or DCT matrix of more than MAX_MATRIX (2^25) entries raise ValueError naming the
option, its value and the bound (torchaudio builds them; here they are float64 first).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._common import _check_bool, _check_float, _check_int, _is_torch

try:
    import torch
except ImportError:   # numpy only
    torch = None

__all__ = ["melscale_fbanks", "create_dct", "amplitude_to_DB", "hann_window", "hamming_window",
           "blackman_window", "bartlett_window"]


MAX_N_FFT = 1 << 20      # n_fft / win_length the transforms take (torchaudio's real use: <= 2^16)
MAX_MATRIX = 1 << 25     # entries of a mel bank (n_freqs x n_mels) or DCT matrix (n_mels x n_mfcc)
_BLOCK = 1 << 16         # rows computed at once in float64


def _bound(value, name: str, bound: int) -> None:
    """ValueError where an int-valued option exceeds its bound (other types are left to the
    option's own checks)."""
    if (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
            and value > bound):
        raise ValueError(f"{name}={int(value)} is above wmel.torchaudio's bound of {bound} "
                         f"(2^{bound.bit_length() - 1}): the transforms build their windows, "
                         "banks and matrices in float64 on the host")


def _bound_matrix(rows: int, cols: int, name: str, value: int, other: str) -> None:
    """ValueError where a (rows, cols) bank or matrix exceeds MAX_MATRIX entries."""
    if rows * cols > MAX_MATRIX:
        raise ValueError(f"{name}={value} with {other} gives a matrix of {rows * cols} entries, "
                         f"above wmel.torchaudio's bound of {MAX_MATRIX} (2^25) entries: banks "
                         "and DCT matrices are built in float64 on the host")


def _out(a: np.ndarray):
    a = np.ascontiguousarray(a, np.float32)
    return torch.from_numpy(a) if torch is not None else a


# ---- windows (numpy; torch's definitions) -------------------------------------------------

def _cos_window(n, periodic, coeffs):
    n = _check_int(n, "window_length", 0)
    periodic = _check_bool(periodic, "periodic")
    if n == 1:
        return np.ones(1, np.float32)
    d = n if periodic else n - 1
    out = np.empty(n, np.float32)
    for a in range(0, n, _BLOCK):
        i = np.arange(a, min(n, a + _BLOCK), dtype=np.float64)
        w = np.zeros(i.shape[0])
        for k, c in enumerate(coeffs):
            w += c * np.cos(2.0 * math.pi * k * i / d)
        out[a:a + i.shape[0]] = w
    return out


def hann_window(window_length: int, periodic: bool = True, **_):
    """torch.hann_window in numpy (float32)."""
    return _cos_window(window_length, periodic, (0.5, -0.5))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, **_):
    """torch.hamming_window in numpy (float32)."""
    return _cos_window(window_length, periodic, (_check_float(alpha, "alpha"),
                                                 -_check_float(beta, "beta")))


def blackman_window(window_length: int, periodic: bool = True, **_):
    """torch.blackman_window in numpy (float32)."""
    return _cos_window(window_length, periodic, (0.42, -0.5, 0.08))


def bartlett_window(window_length: int, periodic: bool = True, **_):
    """torch.bartlett_window in numpy (float32)."""
    n = _check_int(window_length, "window_length", 0)
    if n == 1:
        return np.ones(1, np.float32)
    d = n if _check_bool(periodic, "periodic") else n - 1
    out = np.empty(n, np.float32)
    for a in range(0, n, _BLOCK):
        i = np.arange(a, min(n, a + _BLOCK), dtype=np.float64)
        out[a:a + i.shape[0]] = 1.0 - np.abs(2.0 * i / d - 1.0)
    return out


# ---- filter banks -------------------------------------------------------------------------

def _hz_to_mel(f, scale):
    f = np.asarray(f, np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    lin = f / (200.0 / 3)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-300) / 1000.0) / (math.log(6.4) / 27.0), lin)


def _mel_to_hz(m, scale):
    m = np.asarray(m, np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    return np.where(m >= 15.0, 1000.0 * np.exp(math.log(6.4) / 27.0 * (m - 15.0)), 200.0 / 3 * m)


def melscale_fbanks_np(n_freqs, f_min, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"):
    """torchaudio.functional.melscale_fbanks in float64: (n_freqs, n_mels), computed in blocks
    of rows (the temporaries are a block's, not the bank's); ValueError above MAX_MATRIX
    entries."""
    if norm is not None and norm != "slaney":
        raise ValueError('norm must be one of None or "slaney"')
    if mel_scale not in ("slaney", "htk"):
        raise ValueError('mel_scale should be one of "htk" or "slaney".')
    _bound_matrix(n_freqs, n_mels, "n_mels", n_mels, f"n_freqs={n_freqs}")
    all_freqs = np.linspace(0.0, float(sample_rate // 2), n_freqs)
    m_pts = np.linspace(float(_hz_to_mel(f_min, mel_scale)), float(_hz_to_mel(f_max, mel_scale)),
                        n_mels + 2)
    f_pts = _mel_to_hz(m_pts, mel_scale)
    f_diff = f_pts[1:] - f_pts[:-1]
    fb = np.empty((n_freqs, n_mels))
    step = max(1, _BLOCK // max(1, n_mels))
    with np.errstate(divide="ignore", invalid="ignore"):
        enorm = 2.0 / (f_pts[2:n_mels + 2] - f_pts[:n_mels]) if norm == "slaney" else None
        for a in range(0, n_freqs, step):
            slopes = f_pts[None, :] - all_freqs[a:a + step, None]
            down = -slopes[:, :-2] / f_diff[:-1]
            up = slopes[:, 2:] / f_diff[1:]
            b = np.maximum(0.0, np.minimum(down, up))
            if enorm is not None:
                b = b * enorm[None, :]
            fb[a:a + b.shape[0]] = b
    return fb


def melscale_fbanks(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int,
                    norm=None, mel_scale: str = "htk"):
    """torchaudio.functional.melscale_fbanks: the (n_freqs, n_mels) triangular bank (HTK's or
    Slaney's scale, norm None or "slaney") over linspace(0, sample_rate // 2, n_freqs), in
    float64 rounded once to float32; warns as torchaudio does when a filter is all zero."""
    n_freqs = _check_int(n_freqs, "n_freqs", 0)
    n_mels = _check_int(n_mels, "n_mels", 0)
    fb = melscale_fbanks_np(n_freqs, _check_float(f_min, "f_min"), _check_float(f_max, "f_max"),
                            n_mels, _check_int(sample_rate, "sample_rate", 0), norm, mel_scale)
    if n_mels and fb.size and (fb.max(axis=0) == 0.0).any():
        warnings.warn("At least one mel filterbank has all zero values. "
                      f"The value for `n_mels` ({n_mels}) may be set too high. "
                      f"Or, the value for `n_freqs` ({n_freqs}) may be set too low.")
    return _out(fb)


def create_dct_np(n_mfcc, n_mels, norm):
    if norm is not None and norm != "ortho":
        raise ValueError('norm must be either "ortho" or None')
    _bound_matrix(n_mels, n_mfcc, "n_mfcc", n_mfcc, f"n_mels={n_mels}")
    n = np.arange(float(n_mels))
    k = np.arange(float(n_mfcc))[:, None]
    dct = np.cos(math.pi / float(n_mels) * (n + 0.5) * k)
    if norm is None:
        dct *= 2.0
    else:
        dct[0] *= 1.0 / math.sqrt(2.0)
        dct *= math.sqrt(2.0 / float(n_mels))
    return dct.T


def create_dct(n_mfcc: int, n_mels: int, norm):
    """torchaudio.functional.create_dct: the (n_mels, n_mfcc) DCT-II matrix, norm None or
    "ortho"."""
    return _out(create_dct_np(_check_int(n_mfcc, "n_mfcc", 0), _check_int(n_mels, "n_mels", 1),
                              norm))


def amplitude_to_DB(x, multiplier: float, amin: float, db_multiplier: float, top_db=None):
    """torchaudio.functional.amplitude_to_DB: multiplier log10(max(x, amin)) - multiplier
    db_multiplier, then (top_db) values below the max - top_db raised to it, one max per
    (channel, freq, time) block (2-D and 3-D inputs: one max). A tensor is computed with
    torch's operations (as torchaudio's, differentiable); a numpy array in float64, rounded to
    its dtype (float32 for anything else)."""
    if _is_torch(x):
        x_db = multiplier * torch.log10(torch.clamp(x, min=amin))
        x_db = x_db - multiplier * db_multiplier
        if top_db is not None:
            shape = x_db.size()
            c = shape[-3] if x_db.dim() > 2 else 1
            x_db = x_db.reshape(-1, c, shape[-2], shape[-1])
            x_db = torch.max(x_db, (x_db.amax(dim=(-3, -2, -1)) - top_db).view(-1, 1, 1, 1))
            x_db = x_db.reshape(shape)
        return x_db
    a = np.asarray(x)
    dt = a.dtype if a.dtype in (np.float32, np.float64) else np.float32
    return db_np(a.astype(np.float64), multiplier, amin, db_multiplier, top_db).astype(dt)


def db_np(a: np.ndarray, multiplier, amin, db_multiplier, top_db):
    """amplitude_to_DB in float64 on a numpy array."""
    d = multiplier * np.log10(np.maximum(a, amin)) - multiplier * db_multiplier
    if top_db is not None:
        if a.ndim < 2:
            raise ValueError(f"amplitude_to_DB with top_db needs (..., freq, time), got shape {a.shape}")
        c = a.shape[-3] if a.ndim > 2 else 1
        flat = d.reshape(-1, c * a.shape[-2] * a.shape[-1])
        if flat.shape[1]:
            flat = np.maximum(flat, flat.max(axis=1, keepdims=True) - top_db)
        d = flat.reshape(a.shape)
    return d
