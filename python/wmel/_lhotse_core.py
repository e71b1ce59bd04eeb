"""wmel._lhotse_core -- the standalone Fbank and Mfcc behind wmel.lhotse (whose docstring says
what they compute), below both wmel.lhotse and its lhotse FeatureExtractors (wmel._lhotse_fe),
which take them from here.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ._features import features, plan_from

FLT_EPS = 2.0 ** -23                       # torch.finfo(torch.float).eps: Wav2LogFilterBank's guard
_WINDOWS = {"povey": ("povey", None), "hamming": ("hamming", None), "hanning": ("hann", None),
            "rectangular": ("rect", None),
            # lhotse's blackman: 0.42 - 0.5 cos(2 pi i / N) + 0.08 cos(4 pi i / N) (denominator N)
            "blackman": ("blackman_periodic", 0.42)}


@dataclass
class FbankConfig:
    """lhotse 1.33's FbankConfig: the same fields and defaults."""
    sampling_rate: int = 16000
    frame_length: float = 0.025
    frame_shift: float = 0.01
    round_to_power_of_two: bool = True
    remove_dc_offset: bool = True
    preemph_coeff: float = 0.97
    window_type: str = "povey"
    dither: float = 0.0
    snip_edges: bool = False
    energy_floor: float = 1e-10
    raw_energy: bool = True
    use_energy: bool = False
    use_fft_mag: bool = False
    low_freq: float = 20.0
    high_freq: float = -400.0
    num_filters: int = 80
    num_mel_bins: int | None = None
    norm_filters: bool = False
    torchaudio_compatible_mel_scale: bool = True
    device: str = "cpu"

    def __post_init__(self):
        if self.num_mel_bins is not None:
            self.num_filters, self.num_mel_bins = self.num_mel_bins, None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class MfccConfig(FbankConfig):
    """lhotse 1.33's MfccConfig: FbankConfig's fields with 23 filters, and the cepstra's."""
    num_filters: int = 23
    num_ceps: int = 13
    cepstral_lifter: int = 22


_DEFAULTS = FbankConfig().to_dict()
_MFCC_DEFAULTS = MfccConfig().to_dict()
_KNOWN = set(_DEFAULTS) | {"num_mel_bins", "vtln_warp", "vtln_low", "vtln_high", "min_duration"}


def _is_mfcc(config) -> bool:
    if isinstance(config, dict):
        return "num_ceps" in config or "cepstral_lifter" in config
    return hasattr(config, "num_ceps")


def _config_dict(config, mfcc=None) -> dict:
    if mfcc is None:
        mfcc = config is not None and _is_mfcc(config)
    defaults = _MFCC_DEFAULTS if mfcc else _DEFAULTS
    kind = "MfccConfig" if mfcc else "FbankConfig"
    if config is None:
        return dict(defaults)
    if isinstance(config, dict):
        d = dict(config)
    elif hasattr(config, "to_dict"):
        d = dict(config.to_dict())
    else:
        raise TypeError(f"config: a lhotse {kind}, its to_dict() or None, got {type(config).__name__}")
    unknown = sorted(set(d) - _KNOWN - (set(_MFCC_DEFAULTS) if mfcc else set()))
    if unknown:
        raise ValueError(f"config key {unknown[0]!r}: not a lhotse {kind} field (lhotse 1.33: "
                         f"{', '.join(sorted(defaults))})")
    if d.get("num_mel_bins") is not None:
        d["num_filters"] = d["num_mel_bins"]
    d.pop("num_mel_bins", None)
    return {**defaults, **d}


def _num(d, key, lo=None, hi=None):
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"config {key} {v!r}: a finite number is needed")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"config {key} {v!r}: outside {lo} .. {hi}")
    return float(v)


def _flag(d, key):
    v = d[key]
    if not isinstance(v, (bool, np.bool_)) and v not in (0, 1):
        raise ValueError(f"config {key} {v!r}: True or False")
    return bool(v)


def _geometry(d):
    """(sr, L, H, n_fft) with lhotse's arithmetic (Wav2Win: floor(seconds x sr))."""
    sr = d["sampling_rate"]
    if (isinstance(sr, bool) or not isinstance(sr, (int, np.integer, float)) or not math.isfinite(sr)
            or sr != int(sr) or not 1000 <= sr <= 384000):
        raise ValueError(f"config sampling_rate {sr!r}: a whole number of Hz, 1000 .. 384000")
    sr = int(sr)
    L = int(math.floor(_num(d, "frame_length", 0.0) * sr))
    H = int(math.floor(_num(d, "frame_shift", 0.0) * sr))
    if L < 2 or H < 1:
        raise ValueError(f"config frame_length {d['frame_length']} / frame_shift {d['frame_shift']}: {L} / {H} "
                         f"samples at {sr} Hz; at least 2 / 1 are needed")
    n_fft = 1 << (L - 1).bit_length() if _flag(d, "round_to_power_of_two") else L
    return sr, L, H, n_fft


def _plan_and_pads(config, mfcc=None):
    """(the plan's JSON-schema dict, lhotse's left pad or None where kaldi_center is its framing)."""
    if mfcc is None:
        mfcc = config is not None and _is_mfcc(config)
    d = _config_dict(config, mfcc)
    sr, L, H, n_fft = _geometry(d)
    w = d["window_type"]
    if not isinstance(w, str) or w not in _WINDOWS:
        raise ValueError(f"config window_type {w!r}: lhotse's windows are {', '.join(_WINDOWS)}")
    if _num(d, "dither", 0.0) != 0.0:
        raise ValueError(f"config dither {d['dither']!r}: lhotse adds torch.randn noise to the whole waveform "
                         "before framing (overlapping frames share it), which libwmel's per-frame dither does "
                         "not reproduce; use dither 0 (lhotse's default) or add the noise to the samples")
    if not _flag(d, "torchaudio_compatible_mel_scale"):
        raise ValueError("config torchaudio_compatible_mel_scale False: lhotse's create_mel_scale bank (bins "
                         "over 0 .. sampling_rate) is not a libwmel mel bank; use True (lhotse's default)")
    if d.get("vtln_warp", 1.0) != 1.0:
        raise ValueError(f"config vtln_warp {d['vtln_warp']!r}: lhotse's Fbank has no VTLN; 1.0 only")
    if d.get("min_duration", 0.0) != 0.0:
        raise ValueError(f"config min_duration {d['min_duration']!r}: 0 only (no minimum)")
    use_energy, floor = _flag(d, "use_energy"), _num(d, "energy_floor", 0.0)
    if use_energy and floor < FLT_EPS:
        raise ValueError(f"config energy_floor {floor!r} with use_energy: lhotse's log energy is ln(sum x^2 + 1e-15) "
                         f"floored at ln(energy_floor), libwmel's ln(max(sum x^2, {FLT_EPS:.9g})) floored the same "
                         f"way; they agree for energy_floor >= {FLT_EPS:.9g} only: raise energy_floor or drop "
                         "use_energy")
    name, coeff = _WINDOWS[w]
    plan = {"frontend": "kaldi", "n_mels": int(d["num_filters"]), "window": name, "scale": 1,
            "low_freq": _num(d, "low_freq"), "high_freq": _num(d, "high_freq"), "use_energy": use_energy,
            "remove_dc": _flag(d, "remove_dc_offset"),
            "preemph": _num(d, "preemph_coeff", 0.0, 1.0), "sample_rate": sr, "frame_length": L, "hop": H,
            "n_fft": n_fft, "power": 1 if _flag(d, "use_fft_mag") else 2,
            "log_guard": FLT_EPS}
    if coeff is not None:
        plan["window_coeff"] = coeff
    raw = _flag(d, "raw_energy")
    if use_energy:
        plan["raw_energy"] = raw
        if floor > 0:
            plan["energy_floor"] = floor
    if isinstance(d["num_filters"], bool) or not isinstance(d["num_filters"], (int, np.integer)):
        raise ValueError(f"config num_filters {d['num_filters']!r}: a whole number")
    if mfcc:
        nc = d["num_ceps"]
        if isinstance(nc, bool) or not isinstance(nc, (int, np.integer)):
            raise ValueError(f"config num_ceps {nc!r}: a whole number")
        plan["n_ceps"] = int(nc)
        q = _num(d, "cepstral_lifter", 0.0)
        if q > 0:
            plan["cepstral_lifter"] = q
    pad = None
    if _flag(d, "snip_edges"):
        plan["framing"] = "snip"
    elif (L - H) // 2 == L // 2 - H // 2:
        plan["framing"] = "kaldi_center"
    else:
        plan["framing"], pad = "snip", (L - H) // 2
    try:
        plan_from(plan)
    except ValueError as e:
        raise ValueError(f"lhotse config: {e}") from None
    return plan, pad


def plan(config=None) -> dict:
    """The libwmel plan (JSON schema: wmel.plan_from, wmel.features(plan=...)) of a lhotse
    FbankConfig or MfccConfig, its to_dict() or None (FbankConfig's defaults: the lhotse-fbank
    preset's plan; MfccConfig's: lhotse-mfcc's)."""
    p, pad = _plan_and_pads(config)
    if pad is not None:
        raise ValueError(f"config frame_length / frame_shift: lhotse pads (L - H) // 2 = {pad} samples before the "
                         "clip, Kaldi's snip_edges=false framing L // 2 - H // 2: no plan frames it lhotse's way "
                         "(wmel.lhotse.Fbank pads such clips itself)")
    return p


class Fbank:
    """lhotse.features.kaldi.extractors.Fbank through libwmel (float64 inside, one rounding)."""
    name = "wmel-fbank"
    _mfcc = False

    def __init__(self, config=None):
        self.config = config if config is not None else (MfccConfig() if self._mfcc else FbankConfig())
        self._plan, self._pad = _plan_and_pads(self.config, self._mfcc)
        d = _config_dict(self.config, self._mfcc)
        self._sr, self._shift = self._plan["sample_rate"], float(d["frame_shift"])
        self._dim = int(d["num_ceps"]) if self._mfcc else int(d["num_filters"])
        self._cols = self._dim + (0 if self._mfcc else int(self._plan["use_energy"]))

    @property
    def frame_shift(self) -> float:
        return self._shift

    @property
    def device(self) -> str:
        return "cpu"

    def feature_dim(self, sampling_rate: int) -> int:
        return self._dim   # lhotse's: num_filters (the energy column not counted)

    def extract(self, samples, sampling_rate: int):
        """(frames, num_filters [+1]) float32 features of 1-D samples (or (1, n)) in [-1, 1]; a torch
        tensor gives a torch tensor."""
        if sampling_rate != self._sr:
            raise ValueError(f"Fbank was instantiated for sampling_rate {self._sr}, but sampling_rate="
                             f"{sampling_rate} was passed to extract() (resample the audio first)")
        torch_in = type(samples).__module__.startswith("torch")
        x = samples.detach().cpu().numpy() if torch_in else np.asarray(samples)
        if x.ndim == 2 and x.shape[0] == 1:
            x = x[0]
        if x.ndim != 1:
            raise ValueError(f"samples: one clip (n,) or (1, n), got shape {x.shape}")
        x = np.ascontiguousarray(x, np.float32)
        L, H = self._plan["frame_length"], self._plan["hop"]
        snip = self._plan["framing"] == "snip" and self._pad is None
        nf = (0 if x.size < L else 1 + (x.size - L) // H) if snip else (x.size + H // 2) // H
        if self._pad is not None and nf:  # lhotse's own padding: the flipped ends, then whole frames
            n, need = x.size, (nf - 1) * H + L
            right = need - n - self._pad
            # each end at most the clip (torch's slices stop at its ends, as numpy's from 0 do)
            x = np.concatenate([x[:self._pad][::-1], x, x[max(0, n - right):][::-1] if right > 0 else x[:0]])
            if x.size < need:  # lhotse's strided view runs past its samples: torch raises there
                raise ValueError(f"samples: {n} samples give {nf} frame(s) of {L} with frame_shift {H}, which need "
                                 f"{need} samples once lhotse's flipped ends are added; these make {x.size} (lhotse "
                                 "raises for this clip too): give a longer clip")
        if nf == 0:
            out = np.zeros((0, self._cols), np.float32)
        else:
            out = features(x, plan=self._plan)
            if self._pad is not None:
                out = out[:nf]
        if torch_in:
            import torch
            return torch.from_numpy(np.ascontiguousarray(out))
        return out


class Mfcc(Fbank):
    """lhotse.features.kaldi.extractors.Mfcc through libwmel: Kaldi's MFCC (the DCT of the log
    mel energies, the lifter, use_energy's log energy in c0), float64 inside, one rounding."""
    name = "wmel-mfcc"
    _mfcc = True

    def feature_dim(self, sampling_rate: int) -> int:
        return self._dim   # lhotse's: num_ceps
