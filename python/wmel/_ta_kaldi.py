"""wmel._ta_kaldi -- torchaudio.compliance.kaldi's fbank, mfcc and spectrogram on host arrays,
for wmel.kaldi (and its torch op, wmel::ta_kaldi in _torch_op).

options(kind, **kwargs) checks the arguments in torchaudio's order and raises where it raises
(its assertions as TorchaudioAssertion, both AssertionError and ValueError, with its messages);
compute(x, opts) gives the float32 (frames, columns) result of one channel's samples.
fbank and mfcc go through a libwmel plan (Kaldi's framing by index, DC removal, pre-emphasis,
window, float64 transform, Kaldi's mel bank with its empty filters kept as torchaudio keeps
them, ln(max(m, FLT_EPSILON)), the log energy); spectrogram through a plan without a mel bank
(linear_bins, first_bin 1: the log energy, then bins 1 .. n_fft / 2) where n_fft <= 512 and
the samples are float32, numpy float64 otherwise; mfcc's DCT, lifter and htk_compat order in
the plan too (n_ceps; numpy float64 for a lifter outside 0 .. 1e6); subtract_mean numpy float64. Under torch.vmap each clip's dither seed is clip_seed(seed, its indices).
"""
from __future__ import annotations

import math
import sys

import numpy as np

from . import _features, _wmel
from ._common import _check_bool, _check_float, _check_int
from ._kaldi_online import dct_matrix, frame_indices, frame_samples, lifter_coeffs, num_frames, plan_features
from ._feref import kaldi_mel_filters
from ._kaldi_opts import get_dither_seed

FLT_EPS = 2.0 ** -23
_WINDOWS = {"povey": _wmel.WINDOW_POVEY, "hamming": _wmel.WINDOW_HAMMING,
            "hanning": _wmel.WINDOW_HANN, "rectangular": _wmel.WINDOW_RECT,
            "blackman": _wmel.WINDOW_BLACKMAN}
_LOG_CLAMP, _LOG_NONE = 2, 3          # wmel.h WMEL_LOG_CLAMP / WMEL_LOG_NONE


class TorchaudioAssertion(AssertionError, ValueError):
    """What torchaudio asserts (AssertionError there); a ValueError too, as wmel raises for a
    bad argument."""


def _assert(cond, msg):
    if not cond:
        raise TorchaudioAssertion(msg)


def check_vtln(vtln_low: float, vtln_high: float, vtln_warp: float, low_freq: float,
               high_freq: float, sample_frequency: float) -> dict:
    """The VTLN arguments of fbank and mfcc, in one place: torchaudio's range check of
    vtln_low / vtln_high (made only for a warp other than 1.0, as there), then the plan's
    fields of the warp (vtln_warp, vtln_low, vtln_high: Kaldi's VtlnWarpMelFreq on the bank's
    edges and centres; a negative vtln_high is Nyquist plus it, as in torchaudio). {} for
    no warp."""
    if vtln_warp == 1.0:
        return {}       # vtln_low / vtln_high shape a warped bank only, as in torchaudio
    nyq = 0.5 * sample_frequency
    hi = high_freq + nyq if high_freq <= 0.0 else high_freq
    vh = vtln_high + nyq if vtln_high < 0.0 else vtln_high
    _assert(low_freq < vtln_low < hi and 0.0 < vh < hi and vtln_low < vh,
            f"Bad values in options: vtln-low {vtln_low} and vtln-high {vh}, versus "
            f"low-freq {low_freq} and high-freq {hi}")
    if not 0.01 <= vtln_warp <= 100.0:
        raise ValueError(f"vtln_warp={vtln_warp!r} is not supported by wmel.kaldi: a VTLN factor "
                         "is taken from 0.01 to 100 (Kaldi's are about 0.8 to 1.2)")
    return dict(vtln_warp=float(vtln_warp), vtln_low=float(vtln_low), vtln_high=float(vtln_high))


_FLOATS = ("blackman_coeff", "dither", "energy_floor", "frame_length", "frame_shift", "high_freq",
           "low_freq", "min_duration", "preemphasis_coefficient", "sample_frequency", "vtln_high",
           "vtln_low", "vtln_warp", "cepstral_lifter")
_BOOLS = ("htk_compat", "raw_energy", "remove_dc_offset", "round_to_power_of_two", "snip_edges",
          "subtract_mean", "use_energy", "use_log_fbank", "use_power")


def options(kind: str, kw: dict, n_channels: int, n_samples: int) -> dict:
    """The checked options of torchaudio.compliance.kaldi.<kind>(waveform, **kw) for a
    waveform of (n_channels, n_samples), with the frame geometry and the plan (None for
    spectrogram); raises as torchaudio does, in its order."""
    o = dict(kw)
    for k in _FLOATS:
        if k in o:
            o[k] = _check_float(o[k], k)
    for k in _BOOLS:
        if k in o:
            o[k] = _check_bool(o[k], k)
    o["channel"] = _check_int(o["channel"], "channel", None)
    if not isinstance(o["window_type"], str):
        raise TypeError(f"window_type must be a str, got {type(o['window_type']).__name__}")
    if kind == "mfcc":
        o["num_ceps"] = _check_int(o["num_ceps"], "num_ceps", 1)
        o["num_mel_bins"] = _check_int(o["num_mel_bins"], "num_mel_bins", None)
        _assert(o["num_ceps"] <= o["num_mel_bins"], "num_ceps cannot be larger than num_mel_bins: "
                f"{o['num_ceps']} vs {o['num_mel_bins']}")
    elif kind == "fbank":
        o["num_mel_bins"] = _check_int(o["num_mel_bins"], "num_mel_bins", None)
    # _get_waveform_and_window_properties
    ch = max(o["channel"], 0)
    _assert(ch < n_channels, f"Invalid channel {o['channel']} for size {n_channels}")
    sf = o["sample_frequency"]
    H = int(sf * o["frame_shift"] * 0.001)
    L = int(sf * o["frame_length"] * 0.001)
    n_fft = (1 if L == 0 else 2 ** (L - 1).bit_length()) if o["round_to_power_of_two"] else L
    _assert(2 <= L <= n_samples, f"choose a window size {L} that is [2, {n_samples}]")
    _assert(0 < H, "`window_shift` must be greater than 0")
    if H > 1 << 24:   # wmel_plan_check's hop limit
        raise ValueError(f"frame_shift={o['frame_shift']!r} ms: at {sf} Hz that is {H} samples a shift; "
                         f"wmel computes shifts of 1 .. {1 << 24} samples (frame_shift up to "
                         f"{(1 << 24) * 1000.0 / sf:.6g} ms at {sf} Hz)")
    _assert(n_fft % 2 == 0, "the padded `window_size` must be divisible by two. use "
            f"`round_to_power_of_two` or change `frame_length` ({L} samples: odd)")
    _assert(0.0 <= o["preemphasis_coefficient"] <= 1.0,
            "`preemphasis_coefficient` must be between [0,1]")
    _assert(sf > 0, "`sample_frequency` must be greater than zero")
    o.update(ch=ch, L=L, H=H, n_fft=n_fft, kind=kind)
    o["seed"] = clip_seed(o.pop("_seed", get_dither_seed()), o.pop("_clip", ()))
    o["empty"] = n_samples < o["min_duration"] * sf
    if o["empty"]:
        if kind == "mfcc":   # torchaudio multiplies its empty fbank by the DCT matrix: fails
            raise RuntimeError(f"mfcc of {n_samples} samples, under min_duration "
                               f"{o['min_duration']} s: torchaudio's mfcc fails here too (its "
                               "empty fbank does not multiply with the DCT matrix)")
        return o
    if o["window_type"] not in _WINDOWS:
        raise ValueError(f"Invalid window type {o['window_type']} (window_type: torchaudio "
                         f"knows {', '.join(_WINDOWS)})")
    if o["energy_floor"] < 0.0:
        raise ValueError(f"energy_floor {o['energy_floor']}: torchaudio takes log(energy_floor) "
                         "(math domain error); use 0.0 for no floor")
    if o["window_type"] == "blackman" and not 0.0 < o["blackman_coeff"] < 1.0:
        raise ValueError(f"blackman_coeff={o['blackman_coeff']!r} is not supported by wmel.kaldi "
                         "(libwmel's Blackman window takes 0 < blackman_coeff < 1)")
    if sf != int(sf) or not 1000 <= sf <= 384000:
        raise ValueError(f"sample_frequency={sf!r} is not supported by wmel.kaldi (libwmel's "
                         "plans take whole sample rates 1000..384000 Hz)")
    if kind == "spectrogram":
        o["plan"] = _spectrogram_plan(o)
        return o
    nb = o["num_mel_bins"]
    _assert(nb > 3, "Must have at least 3 mel bins")
    nyq = 0.5 * sf
    lo, hi = o["low_freq"], o["high_freq"]
    hi_e = hi + nyq if hi <= 0.0 else hi
    _assert(0.0 <= lo < nyq and 0.0 < hi_e <= nyq and lo < hi_e,
            f"Bad values in options: low-freq {lo} and high-freq {hi_e} vs. nyquist {nyq}")
    vtln = check_vtln(o["vtln_low"], o["vtln_high"], o["vtln_warp"], lo, hi, sf)
    if nb > 512:
        raise ValueError(f"num_mel_bins={nb} is not supported by wmel.kaldi (libwmel's plans "
                         "hold up to 512 bins)")
    plan = _wmel.frontend_preset(_wmel.FRONTEND_KALDI, 0)
    mfcc = kind == "mfcc"
    plan.update(sample_rate=int(sf), frame_length=L, hop=H, n_fft=n_fft,
                window=_WINDOWS[o["window_type"]], remove_dc=int(o["remove_dc_offset"]),
                scale=1.0, preemph=o["preemphasis_coefficient"], n_mels=nb, low_freq=lo,
                high_freq=hi, bank_flags=_wmel_bank_allow_empty(),
                power=2 if (mfcc or o["use_power"]) else 1,
                log=_LOG_CLAMP if (mfcc or o["use_log_fbank"]) else _LOG_NONE,
                log_guard=FLT_EPS, use_energy=int(o["use_energy"]),
                energy_windowed=int(o["use_energy"] and not o["raw_energy"]),
                energy_floor=o["energy_floor"] if o["use_energy"] else 0.0)
    plan.update(vtln)
    # mfcc: the cepstra in the plan (the DCT, the lifter, the energy in c0, htk_compat's order,
    # float64 and one rounding); a lifter the plans do not take (negative, past 1e6) in numpy
    o["ceps_in_plan"] = mfcc and 0.0 <= o["cepstral_lifter"] <= 1e6
    if o["ceps_in_plan"]:
        plan.update(n_ceps=o["num_ceps"], cepstral_lifter=float(o["cepstral_lifter"]),
                    ceps_htk=int(o["htk_compat"]))
    _window_dither(plan, o)
    if n_fft > 65536 or not _smooth(n_fft // 2):
        raise ValueError(f"round_to_power_of_two=False with frame_length {o['frame_length']} ms "
                         f"is not supported by wmel.kaldi: the transform would be {n_fft} "
                         "samples, and libwmel's takes even sizes whose half is a product of 2, "
                         "3 and 5 (up to 65536): set round_to_power_of_two=True or choose such a "
                         "frame length")
    why = _wmel.plan_check(plan)
    if why:
        raise ValueError(f"these options are not supported by wmel.kaldi: {why}")
    o["plan"] = plan
    return o


def _window_dither(plan: dict, o: dict):
    """The Blackman coefficient and the dither (its amplitude and seed, as the plan's signed
    32-bit field) of the options into the plan."""
    if o["window_type"] == "blackman":
        plan["window_coeff"] = o["blackman_coeff"]
    d = abs(o["dither"])
    plan["dither"] = d
    seed = o["seed"] if d else 0
    plan["dither_seed"] = seed - (1 << 32) if seed >= 1 << 31 else seed


def clip_seed(seed: int, clip=()) -> int:
    """The dither seed of clip (i1, i2, ...) of a torch.vmap batch (one index per vmap level,
    innermost first): seed <- (seed * 0x9E3779B1 + i + 1) mod 2**32 for each index; the seed
    itself for a call outside vmap. Distinct clips of one level get distinct seeds, so their
    noise is that of independent generators."""
    s = int(seed) & 0xFFFFFFFF
    for i in clip:
        s = (s * 0x9E3779B1 + int(i) + 1) & 0xFFFFFFFF
    return s


def _spectrogram_plan(o: dict):
    """spectrogram's plan: no mel bank (linear_bins), the log-energy column then the log power
    of bins 1 .. n_fft / 2 (Kaldi's layout: the energy in place of bin 0), ln(max(p, FLT_EPSILON));
    None where the plans do not hold it (more than 256 bins: n_fft > 512; a transform size
    whose half is not 2^a 3^b 5^c), and numpy float64 computes."""
    n_fft, sf = o["n_fft"], int(o["sample_frequency"])
    if n_fft // 2 > 256 or n_fft > 65536 or not _smooth(n_fft // 2):
        return None
    plan = _wmel.frontend_preset(_wmel.FRONTEND_KALDI, 0)
    plan.update(sample_rate=sf, frame_length=o["L"], hop=o["H"], n_fft=n_fft,
                window=_WINDOWS[o["window_type"]], remove_dc=int(o["remove_dc_offset"]),
                scale=1.0, preemph=o["preemphasis_coefficient"], n_mels=n_fft // 2,
                low_freq=0.0, high_freq=0.0, bank_flags=0, power=2, log=_LOG_CLAMP,
                log_guard=FLT_EPS, use_energy=1, energy_windowed=int(not o["raw_energy"]),
                energy_floor=o["energy_floor"], linear_bins=1, first_bin=1)
    _window_dither(plan, o)
    return plan if not _wmel.plan_check(plan) else None


def _threads() -> int:
    """The plan's threads: torch's setting when torch is loaded (torch.set_num_threads), else
    one (a clip's frames are few; callers parallelise over clips)."""
    t = sys.modules.get("torch")
    return t.get_num_threads() if t is not None else 1


def _wmel_bank_allow_empty() -> int:
    return 1   # wmel.h WMEL_BANK_ALLOW_EMPTY: torchaudio keeps a filter with no bin under it


def _smooth(m: int) -> bool:
    for p in (2, 3, 5):
        while m and m % p == 0:
            m //= p
    return m == 1


def out_shape(o: dict, n_samples: int) -> tuple:
    """The result's shape for n_samples of the channel."""
    if o["empty"]:
        return (0,)
    m = num_frames(n_samples, o["L"], o["H"], o["snip_edges"], True)
    if o["kind"] == "spectrogram":
        return (m, o["n_fft"] // 2 + 1)
    if o["kind"] == "mfcc":
        return (m, o["num_ceps"])
    return (m, o["num_mel_bins"] + int(o["use_energy"]))


# ---- wmel_dither_gauss in numpy (wmel.h): the spectrogram's dither -----------------------------

def _splitmix64(z):
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def dither_gauss(seed: int, frames: np.ndarray, L: int) -> np.ndarray:
    """wmel_dither_gauss(seed, t, j) for t in frames, j in 0..L-1 (float64 (len(frames), L)):
    libwmel's documented generator, here with numpy's log and cos."""
    with np.errstate(over="ignore"):
        s = _splitmix64(np.array([seed & 0xFFFFFFFF], np.uint64))
        k = _splitmix64(s ^ np.asarray(frames, np.uint64)[:, None])
        j = np.arange(L, dtype=np.uint64)[None, :] * np.uint64(2)
        a = _splitmix64(k ^ j)
        b = _splitmix64(k ^ (j + np.uint64(1)))
    u1 = ((a >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0 ** -53
    u2 = (b >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)


def _window(o) -> np.ndarray:
    L = o["L"]
    i = np.arange(L, dtype=np.float64)
    a = 2.0 * math.pi / (L - 1)
    w = o["window_type"]
    if w == "rectangular":
        return np.ones(L)
    if w == "blackman":
        c = o["blackman_coeff"]
        return c - 0.5 * np.cos(a * i) + (0.5 - c) * np.cos(2.0 * a * i)
    if w == "hamming":
        return 0.54 - 0.46 * np.cos(a * i)
    h = 0.5 - 0.5 * np.cos(a * i)
    return h ** 0.85 if w == "povey" else h


def _spectrogram(x: np.ndarray, o: dict) -> np.ndarray:
    L, H, n = o["L"], o["H"], x.shape[0]
    m = num_frames(n, L, H, o["snip_edges"], True)
    idx = frame_indices(0, m, L, H, o["snip_edges"], n)
    f = x.astype(np.float64)[idx][np.arange(m)[:, None] * H + np.arange(L)[None, :]]
    if o["dither"] != 0.0:
        f = f + abs(o["dither"]) * dither_gauss(o["seed"], np.arange(m), L)
    if o["remove_dc_offset"]:
        f = f - f.mean(axis=1, keepdims=True)

    def log_energy(g):
        e = np.log(np.maximum((g * g).sum(axis=1), FLT_EPS))
        return e if o["energy_floor"] == 0.0 else np.maximum(e, math.log(o["energy_floor"]))
    if o["raw_energy"]:
        e = log_energy(f)
    c = o["preemphasis_coefficient"]
    if c != 0.0:
        g = f.copy()
        g[:, 1:] -= c * f[:, :-1]
        g[:, 0] -= c * f[:, 0]
        f = g
    f = f * _window(o)
    if not o["raw_energy"]:
        e = log_energy(f)
    p = np.fft.rfft(f, n=o["n_fft"], axis=1)
    s = np.log(np.maximum(p.real ** 2 + p.imag ** 2, FLT_EPS))
    s[:, 0] = e
    return s


def compute(x: np.ndarray, o: dict) -> np.ndarray:
    """The float32 result of one channel's samples x (1-D, float32 or float64)."""
    if o["empty"]:
        return np.zeros(0, np.float32)
    kind = o["kind"]
    if kind == "spectrogram" and (o["plan"] is None or x.dtype == np.float64):
        out = _spectrogram(x, o)   # numpy float64: beyond the plans, or float64 samples
    else:
        n = x.shape[0]
        m = num_frames(n, o["L"], o["H"], o["snip_edges"], True)
        ctx = _features._ctx(o["plan"], "cpu", _threads())
        out = plan_features(ctx, frame_samples(np.asarray(x, np.float32), 0, 0, m, o["L"], o["H"],
                                               o["snip_edges"], n))
        e = int(o.get("use_energy", 0))
        if kind == "spectrogram":   # the plan's columns are Kaldi's: the log energy, bins 1 ..
            if not o["subtract_mean"]:
                return out
        elif kind == "fbank":
            if e and o["htk_compat"]:
                out = np.concatenate([out[:, 1:], out[:, :1]], axis=1)
            if not o["subtract_mean"]:
                return out
        elif o["ceps_in_plan"]:
            if not o["subtract_mean"]:
                return out
        else:
            nc, nb = o["num_ceps"], o["num_mel_bins"]
            mat = dct_matrix(nc, nb).T
            if o["cepstral_lifter"] != 0.0:
                mat = mat * lifter_coeffs(nc, o["cepstral_lifter"])[None, :]
            c = out[:, e:].astype(np.float64) @ mat
            if e:
                c[:, 0] = out[:, 0]
            if o["htk_compat"]:
                c0 = c[:, :1] * (1.0 if e else math.sqrt(2.0))
                c = np.concatenate([c[:, 1:], c0], axis=1)
            out = c
    out = np.asarray(out, np.float64)
    if o["subtract_mean"]:
        out = out - out.mean(axis=0, keepdims=True)
    return out.astype(np.float32)


# ---- gradients (the op's backward): torchaudio's chain rule in numpy float64 ------------------

def _forward64(x: np.ndarray, o: dict):
    """The pipeline in float64 with what the backward needs: absolute sample indices (m, L),
    the frame after DC removal, the windowed frame, the window, its transform, the energies."""
    L, H, n = o["L"], o["H"], x.shape[0]
    m = num_frames(n, L, H, o["snip_edges"], True)
    lay = frame_indices(0, m, L, H, o["snip_edges"], n)
    A = lay[np.arange(m)[:, None] * H + np.arange(L)[None, :]]
    f = x.astype(np.float64)[A]
    if o["dither"] != 0.0:
        f = f + abs(o["dither"]) * dither_gauss(o["seed"], np.arange(m), L)
    if o["remove_dc_offset"]:
        f = f - f.mean(axis=1, keepdims=True)
    c = o["preemphasis_coefficient"]
    f2 = f
    if c != 0.0:
        f2 = f.copy()
        f2[:, 1:] -= c * f[:, :-1]
        f2[:, 0] -= c * f[:, 0]
    w = _window(o)
    f3 = f2 * w
    X = np.fft.rfft(f3, n=o["n_fft"], axis=1)
    S = ((f * f) if o["raw_energy"] else (f3 * f3)).sum(axis=1)
    return A, f, f3, w, X, S


def _energy_grad(S: np.ndarray, o: dict) -> np.ndarray:
    """d log-energy / d sum(x^2): 1/S where neither the FLT_EPSILON guard nor energy_floor
    holds the value (torch.max passes the gradient to the larger operand)."""
    e = np.log(np.maximum(S, FLT_EPS))
    live = S > FLT_EPS
    if o["energy_floor"] != 0.0:
        live &= e > math.log(o["energy_floor"])
    return np.where(live, 1.0 / np.where(live, S, 1.0), 0.0)


def backward(x: np.ndarray, o: dict, g: np.ndarray) -> np.ndarray:
    """The gradient with respect to one channel's samples x of sum(g * compute(x, o)), in
    float64 (torchaudio's chain rule through each step; the FFT's adjoint by an inverse FFT)."""
    n = x.shape[0]
    if o["empty"] or g.size == 0:
        return np.zeros(n)
    g = np.asarray(g, np.float64)
    if o["subtract_mean"]:
        g = g - g.mean(axis=0, keepdims=True)
    kind, N = o["kind"], o["n_fft"]
    A, f1, f3, w, X, S = _forward64(x, o)
    P2 = X.real ** 2 + X.imag ** 2
    if kind == "spectrogram":
        gE = g[:, 0]
        gP = np.where(P2 > FLT_EPS, g / np.where(P2 > FLT_EPS, P2, 1.0), 0.0)
        gP[:, 0] = 0.0
        gX = 2.0 * X * gP
    else:
        nb, e = o["num_mel_bins"], int(o["use_energy"])
        sr = o["sample_frequency"]
        hi = o["high_freq"] if o["high_freq"] > 0 else 0.5 * sr + o["high_freq"]
        B = kaldi_mel_filters(nb, o["low_freq"], hi, N, int(sr))
        mfcc = kind == "mfcc"
        power = mfcc or o["use_power"]
        spec = P2 if power else np.sqrt(P2)
        M = spec @ B.T
        gE = np.zeros(g.shape[0])
        if mfcc:
            nc = o["num_ceps"]
            if o["htk_compat"]:
                g = np.concatenate([g[:, -1:] * (1.0 if e else math.sqrt(2.0)), g[:, :-1]], axis=1)
            if e:
                gE = g[:, 0].copy()
                g = g.copy()
                g[:, 0] = 0.0
            if o["cepstral_lifter"] != 0.0:
                g = g * lifter_coeffs(nc, o["cepstral_lifter"])[None, :]
            gL = g @ dct_matrix(nc, nb)            # (m, nb): through C = L D^T
        else:
            if e:
                ie = nb if o["htk_compat"] else 0
                gE = g[:, ie]
                gL = np.delete(g, ie, axis=1)
            else:
                gL = g
        if mfcc or o["use_log_fbank"]:
            gM = np.where(M > FLT_EPS, gL / np.where(M > FLT_EPS, M, 1.0), 0.0)
        else:
            gM = gL
        gS = gM @ B
        if power:
            gX = 2.0 * X * gS
        else:
            mag = np.sqrt(P2)
            gX = np.where(mag > 0, X / np.where(mag > 0, mag, 1.0), 0.0) * gS
    Y = gX.copy()
    Y[:, 1:N // 2] *= 0.5
    gf3 = (N * np.fft.irfft(Y, n=N, axis=1))[:, :o["L"]]
    dE = gE * _energy_grad(S, o)
    if not o["raw_energy"]:
        gf3 = gf3 + 2.0 * dE[:, None] * f3
    gf = gf3 * w
    c = o["preemphasis_coefficient"]
    if c != 0.0:
        g1 = gf.copy()
        g1[:, :-1] -= c * gf[:, 1:]
        g1[:, 0] -= c * gf[:, 0]
        gf = g1
    if o["raw_energy"]:
        gf = gf + 2.0 * dE[:, None] * f1
    if o["remove_dc_offset"]:
        gf = gf - gf.mean(axis=1, keepdims=True)
    return np.bincount(A.ravel(), weights=gf.ravel(), minlength=n)
