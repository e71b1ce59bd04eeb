"""wmel.features -- the front-ends of other model families through one call.

features(audio, frontend="nemo") computes NeMo's (Parakeet, Canary), Kaldi's fbank
(k2/icefall, sherpa-onnx, FunASR, WeNet), SeamlessM4T's (w2v-BERT 2.0) or Whisper's features
in the original's layout, from a plan the C library holds (wmel.h, wmel_frontend_plan).
"""
from __future__ import annotations

import os

import numpy as np

from . import _ctxcache, _wmel
from ._common import _as_samples, _check_bool, _check_float, _check_int, _is_torch, load_audio

FRONTENDS = {
    "whisper": _wmel.FRONTEND_WHISPER,
    "nemo": _wmel.FRONTEND_NEMO,
    "kaldi": _wmel.FRONTEND_KALDI,
    "seamless": _wmel.FRONTEND_SEAMLESS,
}
_WINDOWS = {"povey": _wmel.WINDOW_POVEY, "hamming": _wmel.WINDOW_HAMMING,
            "hann": _wmel.WINDOW_HANN, "rect": _wmel.WINDOW_RECT}
_BACKENDS = {"auto": _wmel.BACKEND_AUTO, "cpu": _wmel.BACKEND_CPU, "ref": _wmel.BACKEND_REF,
             "cuda": _wmel.BACKEND_CUDA}

def _not_for(opt: str, frontend: str) -> ValueError:
    return ValueError(f"{opt} does not apply to frontend={frontend!r}")


def frontend_plan(frontend: str = "whisper", n_mels=None, *, normalize=None, window=None,
                  scale=None, low_freq=None, high_freq=None, use_energy=None, energy_floor=None,
                  legacy: bool = False, pad_to=None) -> dict:
    """The plan (a dict of wmel_frontend_plan's fields) that features() computes with these
    options. Options that do not apply to the front-end raise ValueError."""
    if not isinstance(frontend, str) or frontend not in FRONTENDS:
        raise ValueError(f"frontend must be one of {', '.join(FRONTENDS)}, got {frontend!r}")
    nemo, kaldi, seam = frontend == "nemo", frontend == "kaldi", frontend == "seamless"
    legacy = _check_bool(legacy, "legacy")
    if n_mels is not None:
        n_mels = _check_int(n_mels, "n_mels", 1)
    if use_energy is not None:
        use_energy = _check_bool(use_energy, "use_energy")
    if pad_to is not None:
        pad_to = _check_int(pad_to, "pad_to", 0)
    scale, low_freq, high_freq, energy_floor = (
        None if v is None else _check_float(v, k)
        for k, v in (("scale", scale), ("low_freq", low_freq), ("high_freq", high_freq),
                     ("energy_floor", energy_floor)))
    for k, v in (("normalize", normalize), ("window", window)):
        if v is not None and not isinstance(v, str):
            raise TypeError(f"{k} must be a str, got {type(v).__name__} {v!r}")
    given = {k: v for k, v in dict(normalize=normalize, window=window, scale=scale,
                                   low_freq=low_freq, high_freq=high_freq, use_energy=use_energy,
                                   energy_floor=energy_floor, pad_to=pad_to).items()
             if v is not None}
    if legacy:
        given["legacy"] = True
    if frontend == "whisper" and given:
        raise ValueError(f"{', '.join(given)}: not options of frontend='whisper' "
                         "(they apply to nemo, kaldi or seamless)")
    if legacy and not nemo:
        raise _not_for("legacy", frontend)
    if pad_to is not None and not nemo:
        raise _not_for("pad_to", frontend)
    if (use_energy is not None or energy_floor is not None) and not kaldi:
        raise _not_for("use_energy" if use_energy is not None else "energy_floor", frontend)
    if window is not None:
        if window not in _WINDOWS:
            raise ValueError(f"window must be povey, hamming, hann or rect, got {window!r}")
        if not (kaldi or (nemo and window != "povey")):
            raise _not_for(f"window={window!r}", frontend)
    if normalize is not None:
        ok = {"nemo": ("per_feature", "none"), "seamless": ("mean_var", "none"),
              "kaldi": ("none",)}[frontend]
        if normalize not in ok:
            raise ValueError(f"normalize for frontend={frontend!r} takes "
                             f"{' or '.join(repr(o) for o in ok)}, got {normalize!r}")
    n = 0 if n_mels is None else n_mels
    code = _wmel.FRONTEND_NEMO_LEGACY if nemo and legacy else FRONTENDS[frontend]
    try:
        plan = _wmel.frontend_preset(code, n)
    except ValueError:
        raise ValueError(f"n_mels={n_mels!r} is out of range for frontend={frontend!r} "
                         "(whisper: 80 or 128; others 1..256)") from None
    if normalize == "none":
        plan["norm"] = _wmel.NORM_NONE
    if window is not None:
        plan["window"] = _WINDOWS[window]
    if scale is not None:
        plan["scale"] = scale
    if low_freq is not None:
        plan["low_freq"] = low_freq
    if high_freq is not None:
        plan["high_freq"] = high_freq
    if use_energy:
        plan["use_energy"] = 1
    if energy_floor is not None:
        plan["energy_floor"] = energy_floor
    if pad_to is not None:
        plan["pad_to"] = pad_to
    return plan


def _check_threads(threads) -> int:
    return _check_int(threads, "threads", 0, " (0 = all cores)")


def _ctx(plan: dict, backend: str, threads: int):
    """The shared context for a plan, from the package's bounded context cache
    (_ctxcache): hold the returned object while computing with it."""
    if not isinstance(backend, str) or backend not in _BACKENDS:
        raise ValueError(f"backend must be auto, cpu, ref or cuda, got {backend!r}")
    threads = _check_threads(threads)
    key = ("plan", tuple(sorted(plan.items())), backend, threads)
    return _ctxcache.get(key, lambda: _wmel.Ctx(plan=plan, backend=_BACKENDS[backend],
                                                n_threads=threads))


def features(audio, frontend: str = "whisper", n_mels=None, *, normalize=None, window=None,
             scale=None, low_freq=None, high_freq=None, use_energy=None, energy_floor=None,
             legacy: bool = False, pad_to=None, backend: str = "auto", threads: int = 0):
    """The features of one front-end, float32, in its original's layout:

      whisper   (n_mels, n // 160), as log_mel_spectrogram(audio, n_mels)
      nemo      (n_mels, n // 160 + 1 [padded to pad_to]); normalize="per_feature"|"none",
                window="hann"|"hamming"|"rect", legacy=True for NeMo before mid-2025
      kaldi     (n_frames, n_mels [+1 energy column first]), n_frames = 1 + (n - 400) // 160
                (0 below 400 samples); samples x 32768 unless scale= says otherwise;
                window="povey"|"hamming"|"hann"|"rect", use_energy, energy_floor
      seamless  (ceil(n_frames / 2), 2 n_mels); normalize="mean_var"|"none"

    audio: a path, encoded bytes, a 1-D array of samples (float32; int16 is divided by
    32768; float16/64 converted) or a 2-D batch of equal-length clips (the result gets a
    leading batch axis); a torch tensor gives a torch tensor on its device.
    low_freq/high_freq/scale apply to nemo, kaldi and seamless. backend: "auto", "cpu",
    "ref" (the float64 reference). threads: 0 = all cores. Empty audio raises ValueError.
    """
    plan = frontend_plan(frontend, n_mels, normalize=normalize, window=window, scale=scale,
                         low_freq=low_freq, high_freq=high_freq, use_energy=use_energy,
                         energy_floor=energy_floor, legacy=legacy, pad_to=pad_to)
    threads = _check_threads(threads)
    if isinstance(audio, (str, os.PathLike)):
        audio = load_audio(audio)
    elif isinstance(audio, (bytes, bytearray, memoryview)):
        audio = load_audio(bytes(audio) if isinstance(audio, memoryview) else audio)
    torch_in = None
    if _is_torch(audio):
        torch_in = audio
        audio = audio.detach().to("cpu").contiguous().numpy()
    a = _as_samples(audio, allow_s16=False)
    ctx = _ctx(plan, backend, threads)
    clips = a[None] if a.ndim == 1 else a
    rows, cols = ctx.features_shape(clips.shape[1])
    out = np.empty((clips.shape[0], rows, cols), np.float32)
    for b in range(clips.shape[0]):
        ctx.features(clips[b], out[b])
    out = out[0] if a.ndim == 1 else out
    if torch_in is not None:
        import torch

        return torch.from_numpy(out).to(torch_in.device)
    return out
