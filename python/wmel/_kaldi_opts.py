"""wmel._kaldi_opts -- kaldi-native-fbank 1.23's option classes and their translation into a
libwmel plan (wmel.h, wmel_frontend_plan), for wmel.kaldi.

Every option is honoured by the plan or refused with ValueError naming the option, its value and
why; nothing computes something other than what the options ask for.
"""
from __future__ import annotations

import math

import numpy as np

from . import _wmel
from ._common import _check_bool, _check_float, _check_int

FLT_EPS = 2.0 ** -23

# knf window_type -> (plan window, numpy formula name)
_PLAN_WINDOWS = {"povey": _wmel.WINDOW_POVEY, "hamming": _wmel.WINDOW_HAMMING,
                 "hanning": _wmel.WINDOW_HANN, "rectangular": _wmel.WINDOW_RECT,
                 "hann": _wmel.WINDOW_HANN_PERIODIC, "sine": _wmel.WINDOW_SINE}
_KNF_WINDOWS = ("hanning", "hann", "sine", "hamming", "povey", "rectangular", "blackman")
_LOG_ADD, _LOG_CLAMP, _LOG_NONE = 1, 2, 3          # wmel.h WMEL_LOG_*
_MEL_SLANEY, _MEL_KALDI = 0, 1
_MELNORM_NONE, _MELNORM_SLANEY = 0, 1
_BANK_HTK = 4                                      # wmel.h WMEL_BANK_HTK


def unsupported(name, value, why):
    return ValueError(f"{name}={value!r} is not supported by wmel.kaldi ({why})")


class _Options:
    """Plain attributes with kaldi-native-fbank's keyword constructor, as_dict / from_dict / str
    and pickling. _fields: the names in the original's order; _defaults(): their defaults."""

    _fields: tuple = ()

    def _defaults(self) -> dict:
        return {}

    def __init__(self, **kw):
        for k, v in self._defaults().items():
            object.__setattr__(self, k, v)
        for k, v in kw.items():
            setattr(self, k, v)

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
            setattr(o, k, type(cur).from_dict(v) if isinstance(cur, _Options) and isinstance(v, dict)
                    else v)
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

    def _defaults(self):
        return dict(samp_freq=16000.0, frame_shift_ms=10.0, frame_length_ms=25.0, dither=0.00003,
                    preemph_coeff=0.97, remove_dc_offset=True, window_type="povey",
                    round_to_power_of_two=True, blackman_coeff=0.42, snip_edges=True)

    def window_shift(self) -> int:
        """Kaldi's WindowShift(): int(samp_freq * 0.001f * frame_shift_ms) in float32."""
        return _ms_samples(self.samp_freq, self.frame_shift_ms, "frame_shift_ms")

    def window_size(self) -> int:
        return _ms_samples(self.samp_freq, self.frame_length_ms, "frame_length_ms")

    def padded_window_size(self) -> int:
        n = self.window_size()
        return 1 << max(0, (n - 1).bit_length()) if self.round_to_power_of_two else n


_MAX_HOP = 1 << 24   # wmel_plan_check's hop limit, in samples


def _ms_samples(sr, ms, name="frame_shift_ms") -> int:
    # the original's arithmetic: float fields, 0.001f, float products, truncation
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.float32(sr) * np.float32(0.001) * np.float32(ms)
    if not np.isfinite(v) or v >= 2.0 ** 31 or v <= -(2.0 ** 31):
        raise ValueError(f"frame_opts.{name} {ms!r}: at {sr} Hz that is {float(v):.6g} samples; a frame's "
                         f"length and shift are whole numbers of samples, a shift 1 .. {_MAX_HOP} (at "
                         f"{sr} Hz: frame_shift_ms up to {_MAX_HOP * 1000.0 / float(sr):.6g} ms)")
    return int(v)


class MelBanksOptions(_Options):
    """kaldi_native_fbank.MelBanksOptions, its defaults (25 bins; FbankOptions sets 23)."""

    _fields = ("num_bins", "low_freq", "high_freq", "vtln_low", "vtln_high", "debug_mel", "htk_mode",
               "is_librosa", "norm", "use_slaney_mel_scale", "floor_to_int_bin")

    def _defaults(self):
        return dict(num_bins=25, low_freq=20.0, high_freq=0.0, vtln_low=100.0, vtln_high=-500.0,
                    debug_mel=False, htk_mode=False, is_librosa=False, norm="slaney",
                    use_slaney_mel_scale=True, floor_to_int_bin=False)


class FbankOptions(_Options):
    """kaldi_native_fbank.FbankOptions: opts.frame_opts.dither, opts.mel_opts.num_bins, ...
    (the original's defaults: 23 bins, dither 3e-5; sherpa-onnx and FunASR set 80 and 0)."""

    _fields = ("frame_opts", "mel_opts", "use_energy", "energy_floor", "raw_energy", "htk_compat",
               "use_log_fbank", "use_log_floor", "eps", "use_power")

    def _defaults(self):
        return dict(frame_opts=FrameExtractionOptions(), mel_opts=MelBanksOptions(num_bins=23),
                    use_energy=False, energy_floor=0.0, raw_energy=True, htk_compat=False,
                    use_log_fbank=True, use_power=True, use_log_floor=True, eps=FLT_EPS)


class MfccOptions(_Options):
    """kaldi_native_fbank.MfccOptions: 13 cepstra with the log energy in place of C0, lifter 22,
    mel_opts with 23 bins."""

    _fields = ("frame_opts", "mel_opts", "num_ceps", "use_energy", "energy_floor", "raw_energy",
               "cepstral_lifter", "htk_compat")

    def _defaults(self):
        return dict(frame_opts=FrameExtractionOptions(), mel_opts=MelBanksOptions(num_bins=23),
                    num_ceps=13, use_energy=True, energy_floor=0.0, raw_energy=True,
                    cepstral_lifter=22.0, htk_compat=False)


class WhisperFeatureOptions(_Options):
    """kaldi_native_fbank.WhisperFeatureOptions: dim 80 or 128; frame_opts is kept for its
    as_dict() and ignored, as the original's computer resets it (16 kHz, 400-sample periodic
    Hann frames every 160 samples, no pre-processing, snip_edges False)."""

    _fields = ("frame_opts", "dim")

    def _defaults(self):
        return dict(frame_opts=FrameExtractionOptions(), dim=80)


class RawAudioSamplesOptions(_Options):
    """kaldi_native_fbank.RawAudioSamplesOptions: frame_opts defaults to no processing
    (rectangular window, no dither, preemphasis, DC removal or zero-padding)."""

    _fields = ("frame_opts",)

    def _defaults(self):
        return dict(frame_opts=FrameExtractionOptions(dither=0.0, preemph_coeff=0.0,
                                                      remove_dc_offset=False,
                                                      window_type="rectangular",
                                                      round_to_power_of_two=False))


class NemoFbankOptions(_Options):
    """kaldi_native_fbank.NemoFbankOptions, for OnlineNemoFbank."""

    _fields = ("samp_freq", "frame_shift_ms", "frame_length_ms", "num_mel_bins", "low_freq",
               "high_freq", "preemph_coeff", "buffered_capacity")

    def _defaults(self):
        return dict(samp_freq=16000.0, frame_shift_ms=10.0, frame_length_ms=25.0, num_mel_bins=80,
                    low_freq=0.0, high_freq=0.0, preemph_coeff=0.97, buffered_capacity=0)


# ---- checks ------------------------------------------------------------------------------------

_FRAME_KINDS = {"samp_freq": "float", "frame_shift_ms": "float", "frame_length_ms": "float",
                "dither": "float", "preemph_coeff": "float", "remove_dc_offset": "bool",
                "window_type": "str", "round_to_power_of_two": "bool", "blackman_coeff": "float",
                "snip_edges": "bool"}
_MEL_KINDS = {"num_bins": "int", "low_freq": "float", "high_freq": "float", "vtln_low": "float",
              "vtln_high": "float", "debug_mel": "bool", "htk_mode": "bool", "is_librosa": "bool",
              "norm": "str", "use_slaney_mel_scale": "bool", "floor_to_int_bin": "bool"}
_KINDS = {"use_energy": "bool", "energy_floor": "float", "raw_energy": "bool", "htk_compat": "bool",
          "use_log_fbank": "bool", "use_power": "bool", "use_log_floor": "bool", "eps": "float",
          "num_ceps": "int", "cepstral_lifter": "float", "dim": "int"}


def check_types(opts, name="opts") -> None:
    """Each option of the kind the original's typed (C++) field takes, else TypeError."""
    for k in opts._fields:
        v = getattr(opts, k)
        full = f"{name}.{k}"
        if isinstance(v, _Options) or k in ("frame_opts", "mel_opts"):
            want = MelBanksOptions if k == "mel_opts" else FrameExtractionOptions
            if not isinstance(v, want):
                raise TypeError(f"{full} must be a wmel.kaldi.{want.__name__}, got {type(v).__name__}")
            check_types(v, full)
            continue
        kind = _FRAME_KINDS.get(k) or _MEL_KINDS.get(k) or _KINDS.get(k)
        if kind == "float":
            _check_float(v, full)
        elif kind == "bool":
            _check_bool(v, full)
        elif kind == "int":
            _check_int(v, full, None)
        elif kind == "str" and not isinstance(v, str):
            raise TypeError(f"{full} must be a str, got {type(v).__name__} {v!r}")


_DITHER_SEED = [0]


def set_dither_seed(seed: int) -> None:
    """The seed of the dither's noise for the computers and functions created after this call
    (wmel-only; the default is 0): a whole number 0 .. 2**32 - 1. The noise is libwmel's
    counter-based generator (wmel_dither_gauss: a pure function of the seed, the absolute frame
    index and the sample in the frame), not the original's random numbers: dithered features
    agree with kaldi-native-fbank's and torchaudio's in distribution, never bit for bit."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 32:
        raise ValueError(f"dither seed {seed!r}: a whole number from 0 to 4294967295")
    _DITHER_SEED[0] = seed


def get_dither_seed() -> int:
    """The seed set_dither_seed() last set (0 by default)."""
    return _DITHER_SEED[0]


def dither_plan(fo: FrameExtractionOptions, plan: dict) -> None:
    """Sets the plan's dither from frame options (the noise's standard deviation in the
    samples' own units, as the original's; a negative one the same distribution) and the
    module's seed."""
    d = abs(float(fo.dither))
    if d > 1e30:
        raise unsupported("frame_opts.dither", fo.dither, "libwmel's plans take |dither| <= 1e30")
    plan["dither"] = d
    seed = _DITHER_SEED[0] if d else 0
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


def vtln_factor(mo: MelBanksOptions, vtln_warp, lo: float, hi: float, nyq: float,
                what="mel_opts"):
    """(factor, vtln_low, vtln_high in Hz) of a VTLN warp as the original takes it (float32
    values; a factor that is 1.0 in float32 is no warp: None), with Kaldi's checks of the
    cutoffs against the bank's range [lo, hi] and its message (ValueError)."""
    w = float(np.float32(_check_float(vtln_warp, "vtln_warp")))
    if w == 1.0:
        return None
    if not 0.01 <= w <= 100.0:
        raise unsupported("vtln_warp", vtln_warp, "a VTLN warp factor is taken from 0.01 to 100 "
                          "(Kaldi's are about 0.8 .. 1.2; the original divides by it)")
    if mo.is_librosa:
        raise unsupported("vtln_warp", vtln_warp, f"{what}.is_librosa: kaldi-native-fbank builds "
                          "the librosa-style bank without the warp (it ignores the factor); VTLN "
                          "warps Kaldi's bank (is_librosa=False), or pass 1.0")
    vl = float(np.float32(mo.vtln_low))
    vh = float(np.float32(mo.vtln_high))
    vh = float(np.float32(vh + np.float32(nyq))) if vh < 0 else vh
    if vl < 0 or vl <= lo or vl >= hi or vh <= 0 or vh >= hi or vh <= vl:
        raise ValueError(f"Bad values in options: vtln-low {vl:g} and vtln-high {vh:g}, versus "
                         f"low-freq {lo:g} and high-freq {hi:g} ({what}.vtln_low, "
                         f"{what}.vtln_high: low_freq < vtln_low < vtln_high < high_freq; a "
                         "negative vtln_high is Nyquist plus it)")
    return w, vl, vh


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
        if fo is not None:
            from ._kaldi_online import check_librosa_bank   # the original's empty-filter check
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
    """(plan, geometry) of FbankOptions (or of MfccOptions with mfcc=True: the mel energies,
    LOG_NONE, and the energy column when use_energy); vtln_warp: the VTLN factor of the
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
    if mfcc:
        plan["log"] = _LOG_NONE
        plan["power"] = 2
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


def htk_rows(opts, *, mfcc=False) -> tuple:
    """(floor, log_add_guard) that the online computers apply to the plan's mel values
    (_wmel.Stream.set_rows): MFCC ln(max(m, floor)), floor 1 in htk_mode (its floor of the mel
    energies, then FLT_EPSILON's) else FLT_EPSILON; fbank in htk_mode without the log (the mel
    energies floored at 1) or with use_log_floor False (ln(max(m, 1) + eps)); otherwise the
    plan's values as they are (0, 0)."""
    htk = bool(opts.mel_opts.htk_mode)
    if mfcc:
        return (1.0 if htk else FLT_EPS), 0.0
    if not htk or (opts.use_log_fbank and opts.use_log_floor):
        return 0.0, 0.0
    return 1.0, (float(opts.eps) if opts.use_log_fbank else 0.0)
