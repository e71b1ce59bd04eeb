"""wmel._kaldi_opts -- kaldi-native-fbank 1.23's option classes, their checks and the dither's
seed, for wmel.kaldi; wmel._kaldi_plan translates them into a libwmel plan.
"""
from __future__ import annotations

import numpy as np

from ._common import _check_bool, _check_float, _check_int

FLT_EPS = 2.0 ** -23


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
