"""torchaudio_oracle.py -- float64 numpy oracles of torchaudio 2.11's transforms (Spectrogram,
MelSpectrogram, AmplitudeToDB, MFCC) and compliance.kaldi (fbank, mfcc, spectrogram), written
from torchaudio's source step by step (torch.stft's framing, its window centred in n_fft, the
bank over linspace(0, sr // 2, n_freqs), Kaldi's framing and mel bank), for the tests of
wmel.torchaudio and wmel.kaldi: no torch needed, no wmel code used.
"""
from __future__ import annotations

import math

import numpy as np

FLT_EPS = 2.0 ** -23


# ---- transforms ----------------------------------------------------------------------------

def stft(x, n_fft, hop, window, center=True, pad_mode="reflect", onesided=True, pad=0):
    """torch.stft (return_complex) of (rows, n) float64 -> (rows, bins, frames) complex128."""
    x = np.asarray(x, np.float64)
    if pad > 0:
        x = np.concatenate([np.zeros((x.shape[0], pad)), x, np.zeros((x.shape[0], pad))], axis=1)
    if center:
        p = n_fft // 2
        mode = {"reflect": "reflect", "constant": "constant", "replicate": "edge",
                "circular": "wrap"}[pad_mode]
        x = np.pad(x, ((0, 0), (p, p)), mode=mode)
    w = np.zeros(n_fft)
    left = (n_fft - len(window)) // 2
    w[left:left + len(window)] = window
    T = 1 + (x.shape[1] - n_fft) // hop
    out = []
    for t in range(T):
        f = x[:, t * hop:t * hop + n_fft] * w
        out.append(np.fft.rfft(f, axis=1) if onesided else np.fft.fft(f, axis=1))
    return np.stack(out, axis=2)


def window(kind, N, periodic=True):
    d = N if periodic else N - 1
    i = np.arange(N, dtype=np.float64)
    if kind == "hann":
        return 0.5 - 0.5 * np.cos(2 * math.pi * i / d)
    if kind == "hamming":
        return 0.54 - 0.46 * np.cos(2 * math.pi * i / d)
    if kind == "blackman":
        return 0.42 - 0.5 * np.cos(2 * math.pi * i / d) + 0.08 * np.cos(4 * math.pi * i / d)
    if kind == "bartlett":
        return 1.0 - np.abs(2.0 * i / d - 1.0)
    if kind == "ones":
        return np.ones(N)
    raise ValueError(kind)


def spectrogram(x, n_fft=400, win_length=None, hop_length=None, pad=0, window_values=None,
                power=2.0, normalized=False, center=True, pad_mode="reflect", onesided=True):
    win_length = win_length or n_fft
    hop_length = hop_length or win_length // 2
    w = window("hann", win_length) if window_values is None else np.asarray(window_values, np.float64)
    s = stft(x, n_fft, hop_length, w, center, pad_mode, onesided, pad)
    if normalized == "frame_length":
        s = s / math.sqrt(n_fft)
    elif normalized is True or normalized == "window":
        s = s / math.sqrt((w * w).sum())
    if power is None:
        return s
    return np.abs(s) ** power


def hz_to_mel(f, scale):
    if scale == "htk":
        return 2595.0 * math.log10(1.0 + f / 700.0)
    if f >= 1000.0:
        return 15.0 + math.log(f / 1000.0) / (math.log(6.4) / 27.0)
    return f / (200.0 / 3)


def mel_to_hz(m, scale):
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    if m >= 15.0:
        return 1000.0 * math.exp(math.log(6.4) / 27.0 * (m - 15.0))
    return 200.0 / 3 * m


def melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"):
    """(n_freqs, n_mels): triangles over linspace(0, sr // 2, n_freqs)."""
    freqs = np.linspace(0.0, sample_rate // 2, n_freqs)
    m0, m1 = hz_to_mel(f_min, mel_scale), hz_to_mel(f_max, mel_scale)
    pts = np.array([mel_to_hz(m0 + (m1 - m0) * k / (n_mels + 1), mel_scale)
                    for k in range(n_mels + 2)])
    fb = np.zeros((n_freqs, n_mels))
    for j in range(n_mels):
        lo, c, hi = pts[j], pts[j + 1], pts[j + 2]
        up = (freqs - lo) / (c - lo)
        down = (hi - freqs) / (hi - c)
        fb[:, j] = np.maximum(0.0, np.minimum(up, down))
        if norm == "slaney":
            fb[:, j] *= 2.0 / (hi - lo)
    return fb


def mel_spectrogram(x, sample_rate=16000, n_fft=400, win_length=None, hop_length=None,
                    f_min=0.0, f_max=None, pad=0, n_mels=128, window_values=None, power=2.0,
                    normalized=False, center=True, pad_mode="reflect", norm=None,
                    mel_scale="htk"):
    s = spectrogram(x, n_fft, win_length, hop_length, pad, window_values, power, normalized,
                    center, pad_mode)
    fb = melscale_fbanks(n_fft // 2 + 1, f_min, sample_rate // 2 if f_max is None else f_max,
                         n_mels, sample_rate, norm, mel_scale)
    return np.einsum("rft,fm->rmt", s, fb)


def amplitude_to_db(x, multiplier=10.0, amin=1e-10, top_db=None):
    d = multiplier * np.log10(np.maximum(x, amin))
    if top_db is not None:
        c = x.shape[-3] if x.ndim > 2 else 1
        flat = d.reshape(-1, c * x.shape[-2] * x.shape[-1])
        flat = np.maximum(flat, flat.max(axis=1, keepdims=True) - top_db)
        d = flat.reshape(x.shape)
    return d


def dct(n_mfcc, n_mels, norm="ortho"):
    """(n_mels, n_mfcc) DCT-II."""
    m = np.zeros((n_mels, n_mfcc))
    for k in range(n_mfcc):
        for n in range(n_mels):
            v = math.cos(math.pi / n_mels * (n + 0.5) * k)
            if norm is None:
                m[n, k] = 2.0 * v
            else:
                m[n, k] = v * math.sqrt(2.0 / n_mels) * (1.0 / math.sqrt(2.0) if k == 0 else 1.0)
    return m


# ---- compliance.kaldi ----------------------------------------------------------------------

def _kaldi_frames(x, L, H, snip):
    n = len(x)
    if snip:
        m = 1 + (n - L) // H
        starts = np.arange(m) * H
    else:
        m = (n + H // 2) // H
        starts = np.arange(m) * H + H // 2 - L // 2
    idx = starts[:, None] + np.arange(L)[None, :]
    while (idx < 0).any() or (idx >= n).any():   # Kaldi's reflection, repeated
        idx = np.where(idx < 0, -idx - 1, idx)
        idx = np.where(idx >= n, 2 * n - 1 - idx, idx)
    return np.asarray(x, np.float64)[idx]


def _kaldi_window(kind, L, coeff=0.42):
    i = np.arange(L, dtype=np.float64)
    a = 2 * math.pi / (L - 1)
    if kind == "hanning":
        return 0.5 - 0.5 * np.cos(a * i)
    if kind == "hamming":
        return 0.54 - 0.46 * np.cos(a * i)
    if kind == "povey":
        return (0.5 - 0.5 * np.cos(a * i)) ** 0.85
    if kind == "rectangular":
        return np.ones(L)
    return coeff - 0.5 * np.cos(a * i) + (0.5 - coeff) * np.cos(2 * a * i)


def kaldi_power(x, frame_length=25.0, frame_shift=10.0, sample_frequency=16000.0,
                snip_edges=True, remove_dc_offset=True, preemphasis_coefficient=0.97,
                window_type="povey", blackman_coeff=0.42, round_to_power_of_two=True,
                raw_energy=True, energy_floor=1.0, **_):
    """(|X|^2 (frames, n_fft/2 + 1), log energy (frames), n_fft) without dither."""
    L = int(sample_frequency * frame_length * 0.001)
    H = int(sample_frequency * frame_shift * 0.001)
    n_fft = 2 ** (L - 1).bit_length() if round_to_power_of_two else L
    f = _kaldi_frames(x, L, H, snip_edges)
    if remove_dc_offset:
        f = f - f.mean(axis=1, keepdims=True)

    def energy(g):
        e = np.log(np.maximum((g * g).sum(axis=1), FLT_EPS))
        return e if energy_floor == 0.0 else np.maximum(e, math.log(energy_floor))
    e = energy(f) if raw_energy else None
    if preemphasis_coefficient:
        prev = np.concatenate([f[:, :1], f[:, :-1]], axis=1)
        f = f - preemphasis_coefficient * prev
    f = f * _kaldi_window(window_type, L, blackman_coeff)
    if not raw_energy:
        e = energy(f)
    X = np.fft.rfft(f, n=n_fft, axis=1)
    return np.abs(X) ** 2, e, n_fft


def kaldi_mel_banks(num_bins, n_fft, sr, low_freq, high_freq):
    nyq = 0.5 * sr
    if high_freq <= 0:
        high_freq += nyq
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f, np.float64) / 700.0)  # noqa: E731
    ml, mh = mel(low_freq), mel(high_freq)
    d = (mh - ml) / (num_bins + 1)
    m = mel(sr / n_fft * np.arange(n_fft // 2))
    fb = np.zeros((num_bins, n_fft // 2 + 1))
    for b in range(num_bins):
        l, c, r = ml + b * d, ml + (b + 1) * d, ml + (b + 2) * d
        fb[b, :n_fft // 2] = np.maximum(0.0, np.minimum((m - l) / (c - l), (r - m) / (r - c)))
    return fb


def kaldi_fbank(x, num_mel_bins=23, low_freq=20.0, high_freq=0.0, use_energy=False,
                htk_compat=False, use_log_fbank=True, use_power=True, subtract_mean=False,
                sample_frequency=16000.0, **kw):
    p, e, n_fft = kaldi_power(x, sample_frequency=sample_frequency, **kw)
    s = p if use_power else np.sqrt(p)
    m = s @ kaldi_mel_banks(num_mel_bins, n_fft, sample_frequency, low_freq, high_freq).T
    if use_log_fbank:
        m = np.log(np.maximum(m, FLT_EPS))
    if use_energy:
        m = np.concatenate([m, e[:, None]] if htk_compat else [e[:, None], m], axis=1)
    if subtract_mean:
        m = m - m.mean(axis=0, keepdims=True)
    return m


def kaldi_mfcc(x, num_ceps=13, cepstral_lifter=22.0, num_mel_bins=23, use_energy=False,
               htk_compat=False, subtract_mean=False, **kw):
    p, e, _ = kaldi_power(x, **kw)
    m = kaldi_fbank(x, num_mel_bins=num_mel_bins, **kw)
    d = dct(num_mel_bins, num_mel_bins, "ortho")
    d[:, 0] = math.sqrt(1.0 / num_mel_bins)
    c = m @ d[:, :num_ceps]
    if cepstral_lifter != 0.0:
        c = c * (1.0 + 0.5 * cepstral_lifter * np.sin(math.pi * np.arange(num_ceps) / cepstral_lifter))
    if use_energy:
        c[:, 0] = e
    if htk_compat:
        c0 = c[:, :1] * (1.0 if use_energy else math.sqrt(2.0))
        c = np.concatenate([c[:, 1:], c0], axis=1)
    if subtract_mean:
        c = c - c.mean(axis=0, keepdims=True)
    return c


def kaldi_spectrogram(x, subtract_mean=False, **kw):
    p, e, _ = kaldi_power(x, **kw)
    s = np.log(np.maximum(p, FLT_EPS))
    s[:, 0] = e
    if subtract_mean:
        s = s - s.mean(axis=0, keepdims=True)
    return s
