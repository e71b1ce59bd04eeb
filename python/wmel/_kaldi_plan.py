"""wmel._kaldi_plan -- kaldi-native-fbank 1.23's options (wmel._kaldi_opts) translated into a
libwmel plan (wmel.h, wmel_frontend_plan), for the online computers (wmel._kaldi_online).

Every option is honoured by the plan or refused with ValueError naming the option, its value and
why; nothing computes something other than what the options ask for.
"""
from __future__ import annotations

import math

import numpy as np

from . import _wmel
from ._kaldi_dsp import check_librosa_bank
from ._kaldi_opts import (FLT_EPS, _MAX_HOP, FrameExtractionOptions, MelBanksOptions, check_types,
                          get_dither_seed, unsupported, vtln_factor)

# knf window_type -> (plan window, numpy formula name)
_PLAN_WINDOWS = {"povey": _wmel.WINDOW_POVEY, "hamming": _wmel.WINDOW_HAMMING,
                 "hanning": _wmel.WINDOW_HANN, "rectangular": _wmel.WINDOW_RECT,
                 "hann": _wmel.WINDOW_HANN_PERIODIC, "sine": _wmel.WINDOW_SINE}
_KNF_WINDOWS = ("hanning", "hann", "sine", "hamming", "povey", "rectangular", "blackman")
_LOG_ADD, _LOG_CLAMP, _LOG_NONE = 1, 2, 3          # wmel.h WMEL_LOG_*
_MEL_SLANEY, _MEL_KALDI = 0, 1
_MELNORM_NONE, _MELNORM_SLANEY = 0, 1
_BANK_HTK = 4                                      # wmel.h WMEL_BANK_HTK


def dither_plan(fo: FrameExtractionOptions, plan: dict) -> None:
    """Sets the plan's dither from frame options (the noise's standard deviation in the
    samples' own units, as the original's; a negative one the same distribution) and the
    module's seed."""
    d = abs(float(fo.dither))
    if d > 1e30:
        raise unsupported("frame_opts.dither", fo.dither, "libwmel's plans take |dither| <= 1e30")
    plan["dither"] = d
    seed = get_dither_seed() if d else 0
    plan["dither_seed"] = seed - (1 << 32) if seed >= 1 << 31 else seed  # the plan's int32


def frame_geometry(fo: FrameExtractionOptions, what="frame_opts"):
    """(sample_rate, frame_length, hop, n_fft, snip) of frame options, the original's
    arithmetic; ValueError for what the original refuses too."""
    sr = float(fo.samp_freq)
    if not sr > 0:
        raise ValueError(f"{what}.samp_freq {sr}: must be positive")
    L, H = fo.window_size(), fo.window_shift()
    if L < 2:
        raise ValueError(f"{what}: frame_length_ms {fo.frame_length_ms} at {sr} Hz gives {L} "
                         "samples a frame; at least 2 are needed")
    if H < 1 or H > _MAX_HOP:
        raise ValueError(f"{what}.frame_shift_ms {fo.frame_shift_ms}: at {sr} Hz that is {H} samples; "
                         f"a shift of 1 .. {_MAX_HOP} samples is needed (frame_shift_ms "
                         f"{1000.0 / sr:.6g} .. {_MAX_HOP * 1000.0 / sr:.6g} at {sr} Hz)")
    n_fft = fo.padded_window_size()
    return sr, L, H, n_fft, bool(fo.snip_edges)


def _smooth(m: int) -> bool:
    for p in (2, 3, 5):
        while m % p == 0:
            m //= p
    return m == 1


def check_nfft(n_fft: int, round_pow2: bool, what="frame_opts") -> None:
    if round_pow2:
        return
    if n_fft % 2:
        raise ValueError(f"{what}.round_to_power_of_two=False: the transform is the frame length, "
                         f"{n_fft} samples, which is odd; the original's real FFT needs an even "
                         "size too: choose a frame length that gives an even number of samples")
    if not _smooth(n_fft // 2) or n_fft > 65536:
        raise unsupported(f"{what}.round_to_power_of_two", False,
                          f"the transform would be the frame length, {n_fft} samples, and libwmel's "
                          "transform takes sizes whose half is a product of 2, 3 and 5 (up to 65536): "
                          "set round_to_power_of_two=True or choose such a frame length")


def _window_plan(fo, what):
    w = fo.window_type
    if not isinstance(w, str) or w not in _KNF_WINDOWS:
        raise ValueError(f"{what}.window_type {w!r}: the original knows "
                         f"{', '.join(_KNF_WINDOWS)}")
    if w == "blackman":
        c = fo.blackman_coeff
        if not 0.0 < c < 1.0:   # the plan's Blackman takes 0 < a < 1 (0 stands for 0.42 there)
            raise unsupported(f"{what}.blackman_coeff", c, "libwmel's Blackman window takes "
                              "0 < blackman_coeff < 1")
        return _wmel.WINDOW_BLACKMAN
    if w not in _PLAN_WINDOWS:
        raise unsupported(f"{what}.window_type", w, "not in libwmel's plans")
    return _PLAN_WINDOWS[w]


def _mel_plan(mo: MelBanksOptions, plan: dict, what="mel_opts", fo=None, vtln_warp=1.0) -> None:
    """Sets the plan's mel bank from mel options (Kaldi's bank, or the librosa-style one) and
    a VTLN warp factor (kaldi-native-fbank's MelBanks(opts, frame_opts, vtln_warp_factor))."""
    n = int(mo.num_bins)
    if n < 3:
        raise ValueError(f"Must have at least 3 mel bins, got {what}.num_bins {n}")
    if n > 512:
        raise unsupported(f"{what}.num_bins", n, "libwmel's plans hold 3..512 bins")
    # vtln_low / vtln_high shape a warped bank only (vtln_warp other than 1); debug_mel prints
    # the original's bank and changes nothing
    plan["n_mels"] = n
    if mo.htk_mode and not mo.is_librosa:
        # Kaldi's bank in HTK mode: the first filter's lowest weight 0 (low_freq > 0); the
        # floor of the mel energies at 1 is fbank_plan's (the log's guard) or htk_rows'
        plan["bank_flags"] = plan.get("bank_flags", 0) | _BANK_HTK
    plan["low_freq"] = float(mo.low_freq)
    plan["high_freq"] = float(mo.high_freq)
    if mo.is_librosa:
        if not mo.use_slaney_mel_scale:
            raise unsupported(f"{what}.use_slaney_mel_scale", False, "libwmel's plans hold the "
                              "librosa-style bank on Slaney's scale only (MelBanks has both)")
        if mo.floor_to_int_bin:
            raise unsupported(f"{what}.floor_to_int_bin", True, "libwmel's plans do not floor the "
                              "librosa-style bank's edges to bins (MelBanks does)")
        if mo.norm not in ("slaney", ""):
            raise ValueError(f"Unsupported norm: {mo.norm} ({what}.norm: 'slaney' or '')")
        plan["mel_scale"] = _MEL_SLANEY
        plan["mel_norm"] = _MELNORM_SLANEY if mo.norm == "slaney" else _MELNORM_NONE
        if fo is not None:   # the original's empty-filter check
            check_librosa_bank(n, plan["low_freq"], plan["high_freq"], fo)
    else:
        plan["mel_scale"] = _MEL_KALDI
        plan["mel_norm"] = _MELNORM_NONE
    nyq = 0.5 * float(np.float32(plan["sample_rate"]))
    hi = plan["high_freq"] if plan["high_freq"] > 0 else nyq + plan["high_freq"]
    if not 0.0 <= plan["low_freq"] < hi <= nyq:
        return                  # plan_check names the range
    v = vtln_factor(mo, vtln_warp, plan["low_freq"], hi, nyq, what)
    if v is not None:
        plan["vtln_warp"], plan["vtln_low"], plan["vtln_high"] = v


def fbank_plan(opts, *, mfcc=False, vtln_warp=1.0) -> tuple:
    """(plan, geometry) of FbankOptions (or of MfccOptions with mfcc=True: the cepstra, n_ceps
    with Kaldi's lifter and htk_compat order, the log energy in c0 when use_energy); vtln_warp: the VTLN factor of the
    original's Compute(..., vtln_warp, ...) (its mel bank for that factor).
    geometry: (sr, L, H, n_fft, snip)."""
    check_types(opts)
    fo, mo = opts.frame_opts, opts.mel_opts
    sr, L, H, n_fft, snip = frame_geometry(fo)
    if sr != int(sr) or not 1000 <= sr <= 384000:
        raise unsupported("frame_opts.samp_freq", fo.samp_freq, "libwmel's plans take whole "
                          "sample rates 1000..384000 Hz")
    check_nfft(n_fft, fo.round_to_power_of_two)
    plan = _wmel.frontend_preset(_wmel.FRONTEND_KALDI, 0)
    plan.update(sample_rate=int(sr), frame_length=L, hop=H, n_fft=n_fft,
                window=_window_plan(fo, "frame_opts"), remove_dc=int(bool(fo.remove_dc_offset)),
                scale=1.0, preemph=float(fo.preemph_coeff))
    if fo.window_type == "blackman":
        plan["window_coeff"] = float(fo.blackman_coeff)
    if not 0.0 <= plan["preemph"] <= 1.0:
        raise unsupported("frame_opts.preemph_coeff", fo.preemph_coeff, "libwmel's plans take "
                          "0..1")
    _mel_plan(mo, plan, fo=fo, vtln_warp=vtln_warp)
    dither_plan(fo, plan)
    use_energy = bool(opts.use_energy)
    plan["use_energy"] = int(use_energy)
    plan["energy_windowed"] = int(use_energy and not opts.raw_energy)
    plan["energy_floor"] = max(float(opts.energy_floor), 0.0) if use_energy else 0.0
    htk = bool(mo.htk_mode)
    if mfcc:  # the cepstra in the plan: ln(max(m, FLT_EPSILON)) (htk_mode: floored at 1 first)
        plan.update(log=_LOG_CLAMP, log_guard=1.0 if htk else FLT_EPS, power=2,
                    n_ceps=int(opts.num_ceps), cepstral_lifter=float(opts.cepstral_lifter),
                    ceps_htk=int(bool(opts.htk_compat)))
    else:
        plan["power"] = 2 if opts.use_power else 1
        if not opts.use_log_fbank:
            plan["log"] = _LOG_NONE
        else:
            eps = float(opts.eps)
            if not eps > 0 or not math.isfinite(eps):
                raise unsupported("eps", opts.eps, "the log's guard must be positive here")
            if htk and not opts.use_log_floor:
                plan["log"] = _LOG_NONE      # ln(max(m, 1) + eps): htk_rows' finishing
            else:
                # htk_mode: ln(max(max(m, 1), eps)) = ln(max(m, max(1, eps)))
                plan["log"] = _LOG_CLAMP if opts.use_log_floor else _LOG_ADD
                plan["log_guard"] = max(eps, 1.0) if htk else eps
    why = _wmel.plan_check(plan)
    if why:
        raise ValueError(f"these options: {why}")
    return plan, (sr, L, H, n_fft, snip)


def htk_rows(opts) -> tuple:
    """(floor, log_add_guard) that OnlineFbank applies to the plan's mel values
    (_wmel.Stream.set_rows): in htk_mode without the log (the mel energies floored at 1) or with
    use_log_floor False (ln(max(m, 1) + eps)); otherwise the plan's values as they are (0, 0).
    (MFCC's floor is the plan's log guard: fbank_plan(mfcc=True).)"""
    htk = bool(opts.mel_opts.htk_mode)
    if not htk or (opts.use_log_fbank and opts.use_log_floor):
        return 0.0, 0.0
    return 1.0, (float(opts.eps) if opts.use_log_fbank else 0.0)
