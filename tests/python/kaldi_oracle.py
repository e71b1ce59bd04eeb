"""kaldi_oracle.py -- float64 oracles of Kaldi's features for any frame geometry, written from
Kaldi's feature-window.cc, mel-computations.cc, feature-fbank.cc and feature-mfcc.cc (and
librosa's mel filters for the librosa-style bank), independently of wmel.kaldi's code:
framing (snip_edges or reflection), DC removal, raw energy, pre-emphasis, window, |rfft|^p,
mel bank, log; MFCC's DCT and lifter. Everything float64, nothing rounded."""
import math

import numpy as np

FLT_EPS = 2.0 ** -23


def sizes(sr, length_ms, shift_ms):
    """The original's float32 products (samp_freq * 0.001f * ms), truncated."""
    f = np.float32
    return int(f(sr) * f(0.001) * f(length_ms)), int(f(sr) * f(0.001) * f(shift_ms))


def frames(x, L, H, snip):
    x = np.asarray(x, np.float64)
    n = x.shape[0]
    if snip:
        nf = 0 if n < L else 1 + (n - L) // H
        starts = np.arange(nf) * H
    else:
        nf = (n + H // 2) // H
        starts = np.arange(nf) * H + H // 2 - L // 2
    out = np.empty((nf, L))
    for t in range(nf):
        for j in range(L):
            s = starts[t] + j
            while s < 0 or s >= n:       # Kaldi's loop, as written
                s = -s - 1 if s < 0 else 2 * n - 1 - s
            out[t, j] = x[s]
    return out


def window(kind, L, blackman_coeff=0.42):
    i = np.arange(L, dtype=np.float64)
    a = 2 * math.pi / (L - 1)
    return {"hanning": lambda: 0.5 - 0.5 * np.cos(a * i),
            "hann": lambda: 0.5 - 0.5 * np.cos(2 * math.pi * i / L),
            "sine": lambda: np.sin(0.5 * a * i),
            "hamming": lambda: 0.54 - 0.46 * np.cos(a * i),
            "povey": lambda: (0.5 - 0.5 * np.cos(a * i)) ** 0.85,
            "rectangular": lambda: np.ones(L),
            "blackman": lambda: blackman_coeff - 0.5 * np.cos(a * i)
            + (0.5 - blackman_coeff) * np.cos(2 * a * i)}[kind]()


def vtln_warp(f, vl, vh, lo, hi, w):
    """Kaldi's VtlnWarpFreq, as its comment defines it: F(lo) = lo, F(hi) = hi, F(f) = f / w on
    [l, h] with min(l, F(l)) = vl and max(h, F(h)) = vh, linear between the four points."""
    if f < lo or f > hi:
        return f
    l, h = vl * max(1.0, w), vh * min(1.0, w)
    if f < l:
        return lo + (f - lo) * (l / w - lo) / (l - lo)
    if f < h:
        return f / w
    return h / w + (f - h) * (hi - h / w) / (hi - h)


def kaldi_bank(n_mels, lo, hi, n_fft, sr, warp=1.0, vtln_low=100.0, vtln_high=-500.0):
    nyq = sr / 2
    hi = hi if hi > 0 else nyq + hi
    mel = lambda f: 1127.0 * math.log(1 + f / 700.0)  # noqa: E731
    imel = lambda m: 700.0 * (math.exp(m / 1127.0) - 1.0)  # noqa: E731
    vh = vtln_high + nyq if vtln_high < 0 else vtln_high
    wm = (lambda m: m) if warp == 1.0 else (  # noqa: E731
        lambda m: mel(vtln_warp(imel(m), vtln_low, vh, lo, hi, warp)))
    ml, mh = mel(lo), mel(hi)
    d = (mh - ml) / (n_mels + 1)
    w = np.zeros((n_mels, n_fft // 2 + 1))
    for b in range(n_mels):
        left, c, right = (wm(ml + i * d) for i in (b, b + 1, b + 2))
        for k in range(n_fft // 2):              # the Nyquist bin is left out
            m = mel(sr * k / n_fft)
            if left < m < right:
                w[b, k] = (m - left) / (c - left) if m <= c else (right - m) / (right - c)
    return w


def slaney_bank(n_mels, lo, hi, n_fft, sr, norm=True, htk_scale=False, floor_int=False):
    """librosa's bank as kaldi-native-fbank builds it (is_librosa): Slaney's mel scale (or the
    HTK one, 1127 ln(1 + f/700)); floor_int: edges truncated to bins of (n_fft + 1) / sr per Hz,
    bin i at i."""
    hi = hi if hi > 0 else sr / 2 + hi

    def hz2mel(f):
        if htk_scale:
            return 1127.0 * math.log(1 + f / 700.0)
        return 3 * f / 200 if f <= 1000 else 15 + math.log(f / 1000) / (math.log(6.4) / 27)

    def mel2hz(m):
        if htk_scale:
            return 700.0 * (math.exp(m / 1127.0) - 1)
        return 200 * m / 3 if m <= 15 else 1000 * math.exp((m - 15) * math.log(6.4) / 27)
    pts = [mel2hz(m) for m in np.linspace(hz2mel(lo), hz2mel(hi), n_mels + 2)]
    if floor_int:
        pts = [float(int(p * (n_fft + 1.0) / sr)) for p in pts]
        fk = np.arange(n_fft // 2 + 1, dtype=np.float64)
    else:
        fk = np.arange(n_fft // 2 + 1) * sr / n_fft
    w = np.zeros((n_mels, fk.shape[0]))
    for b in range(n_mels):
        l, c, r = pts[b], pts[b + 1], pts[b + 2]
        for k, f in enumerate(fk):
            if l < f < r:
                w[b, k] = (f - l) / (c - l) if f <= c else (r - f) / (r - c)
        if norm:
            w[b] *= 2 / (r - l)
    return w


def fbank(x, sr=16000, length_ms=25.0, shift_ms=10.0, snip=True, window_type="povey",
          preemph=0.97, remove_dc=True, round_pow2=True, n_mels=23, lo=20.0, hi=0.0,
          use_energy=False, energy_floor=0.0, power=True, log=True, log_floor=True,
          eps=FLT_EPS, librosa=False, norm=True, htk_compat=False, energy_out=False,
          blackman_coeff=0.42, raw_energy=True, warp=1.0, vtln_low=100.0, vtln_high=-500.0,
          htk_mode=False):
    """Kaldi fbank, float64 (frames, [energy,] n_mels); energy_out: (mels, log energy);
    raw_energy False: the energy of the windowed frame (after pre-emphasis and the window);
    warp: the VTLN factor of Kaldi's bank; htk_mode: Kaldi's bank with the first filter's
    lowest weight 0 (low_freq > 0) and the mel energies floored at 1."""
    L, H = sizes(sr, length_ms, shift_ms)
    n_fft = 1 << (L - 1).bit_length() if round_pow2 else L
    f = frames(x, L, H, snip)
    if remove_dc:
        f = f - f.mean(axis=1, keepdims=True)
    energy = np.log(np.maximum((f * f).sum(axis=1), FLT_EPS))
    if energy_floor > 0:
        energy = np.maximum(energy, math.log(energy_floor))
    if preemph:
        g = f.copy()
        g[:, 1:] -= preemph * f[:, :-1]
        g[:, 0] -= preemph * f[:, 0]
        f = g
    f = f * window(window_type, L, blackman_coeff)
    if not raw_energy:
        energy = np.log(np.maximum((f * f).sum(axis=1), FLT_EPS))
        if energy_floor > 0:
            energy = np.maximum(energy, math.log(energy_floor))
    spec = np.abs(np.fft.rfft(f, n=n_fft, axis=1))
    if power:
        spec = spec ** 2
    bank = (slaney_bank(n_mels, lo, hi, n_fft, sr, norm) if librosa
            else kaldi_bank(n_mels, lo, hi, n_fft, sr, warp, vtln_low, vtln_high))
    if htk_mode and not librosa and lo != 0.0:
        bank[0, np.flatnonzero(bank[0])[0]] = 0.0
    mel = spec @ bank.T
    if htk_mode:
        mel = np.maximum(mel, 1.0)
    if energy_out:
        return mel, energy
    if log:
        mel = np.log(np.maximum(mel, eps)) if log_floor else np.log(mel + eps)
    if use_energy:
        cols = [mel, energy[:, None]] if htk_compat else [energy[:, None], mel]
        return np.concatenate(cols, axis=1)
    return mel


def mfcc(x, num_ceps=13, use_energy=True, cepstral_lifter=22.0, htk_compat=False, **kw):
    """Kaldi MFCC, float64 (frames, num_ceps)."""
    mel, energy = fbank(x, energy_out=True, **kw)
    n = mel.shape[1]
    logm = np.log(np.maximum(mel, FLT_EPS))
    dct = np.zeros((num_ceps, n))
    for k in range(num_ceps):
        for j in range(n):
            dct[k, j] = (math.sqrt(1 / n) if k == 0 else
                         math.sqrt(2 / n) * math.cos(math.pi / n * (j + 0.5) * k))
    c = logm @ dct.T
    if cepstral_lifter:
        c = c * (1 + 0.5 * cepstral_lifter * np.sin(math.pi * np.arange(num_ceps) / cepstral_lifter))
    if use_energy:
        c[:, 0] = energy
    if htk_compat:
        e = c[:, 0] * (1.0 if use_energy else math.sqrt(2.0))
        c = np.concatenate([c[:, 1:], e[:, None]], axis=1)
    return c


def whisper_power(x, dim=80):
    """kaldi-native-fbank's OnlineWhisperFbank: periodic Hann 400 every 160, reflected framing,
    400-point power spectrum, Slaney bank (0..8000 Hz): mel power, float64."""
    f = frames(x, 400, 160, False) * window("hann", 400)
    p = np.abs(np.fft.rfft(f, n=400, axis=1)) ** 2
    return p @ slaney_bank(dim, 0.0, 0.0, 400, 16000).T


def nemo_window(audio, n, sr=16000, length_ms=25.0, shift_ms=10.0, n_mels=80, lo=0.0, hi=0.0,
                preemph=0.97):
    """kaldi-native-fbank's OnlineNemoFbank on one window of samples: pre-emphasis over it,
    centred zero-padded frames (n_fft = the frame length rounded up to a power of two), the
    symmetric Hann window centred in n_fft, Slaney bank, ln(m + 2^-24); its first n frames."""
    L, H = sizes(sr, length_ms, shift_ms)
    n_fft = 1 << (L - 1).bit_length()
    a = np.asarray(audio, np.float64)
    y = a.copy()
    y[1:] -= preemph * a[:-1]
    yp = np.concatenate([np.zeros(n_fft // 2), y, np.zeros(n_fft // 2)])
    w = np.zeros(n_fft)
    w[(n_fft - L) // 2:(n_fft - L) // 2 + L] = window("hanning", L)
    f = np.stack([yp[t * H:t * H + n_fft] * w for t in range(n)])
    p = np.abs(np.fft.rfft(f, axis=1)) ** 2
    return np.log(p @ slaney_bank(n_mels, lo, hi, n_fft, sr).T + 2.0 ** -24)
