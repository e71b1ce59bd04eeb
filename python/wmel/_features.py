"""wmel.features -- the front-ends of other model families through one call.

features(audio, frontend="nemo") computes NeMo's (Parakeet, Canary), Kaldi's fbank
(k2/icefall, sherpa-onnx, FunASR, WeNet), SeamlessM4T's (w2v-BERT 2.0) or Whisper's features
in the original's layout, from a plan the C library holds (wmel.h, wmel_frontend_plan).
"""
from __future__ import annotations

import functools
import json
import os

import numpy as np

from . import _ctxcache, _wmel
from . import _lastrun
from ._dlpack_cuda import is_cuda_dlpack
from ._common import _as_samples, _check_bool, _check_float, _check_int, _is_torch, _out_array, load_audio

FRONTENDS = {
    "whisper": _wmel.FRONTEND_WHISPER,
    "nemo": _wmel.FRONTEND_NEMO,
    "kaldi": _wmel.FRONTEND_KALDI,
    "seamless": _wmel.FRONTEND_SEAMLESS,
}
_BACKENDS = {"auto": _wmel.BACKEND_AUTO, "cpu": _wmel.BACKEND_CPU, "ref": _wmel.BACKEND_REF,
             "cuda": _wmel.BACKEND_CUDA, "vulkan": _wmel.BACKEND_VULKAN}
# wmel_params.cuda_arith by name (WMEL_CUDA_ARITH_AUTO, _FLOAT64, _FLOAT_FLOAT; the names of
# WMEL_CUDA_ARITHMETIC's values), or the constants themselves
_CUDA_ARITH = {"auto": _wmel.CUDA_ARITH_AUTO, "float64": _wmel.CUDA_ARITH_FLOAT64,
               "float-float": _wmel.CUDA_ARITH_FLOAT_FLOAT}


def _check_cuda_arith(v) -> int:
    """cuda_arith= as wmel_params.cuda_arith: a name of _CUDA_ARITH or one of its constants."""
    if isinstance(v, str) and v in _CUDA_ARITH:
        return _CUDA_ARITH[v]
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and int(v) in _CUDA_ARITH.values():
        return int(v)
    raise ValueError(f"cuda_arith must be 'auto', 'float64' or 'float-float' (wmel_params.cuda_arith: "
                     f"WMEL_CUDA_ARITH_AUTO 0, WMEL_CUDA_ARITH_FLOAT64 1, WMEL_CUDA_ARITH_FLOAT_FLOAT 2), got {v!r}")

# The plan options in the order the library sets them (wmel.h, wmel_plan_set, which owns
# their rules: which option applies to which front-end, the values, the sentence on a
# refusal), from the library's table (wmel_plan_field_info): the options of some
# front-ends (features()' own keywords), then the capabilities' options (any front-end)
# with the kind each takes: str, bool, int, num or guard ("mag_guard": "none", "max:G",
# "add:G" or a pair ("max", G)).
_GROUP_FRONTEND = 0
_OPTIONS = tuple(f[0] for f in _wmel.plan_fields() if f[2] == _GROUP_FRONTEND)
_CAPS = tuple((f[0], f[1]) for f in _wmel.plan_fields() if f[2] != _GROUP_FRONTEND)
_CAP_NAMES = tuple(k for k, _ in _CAPS)


def _check_caps(caps: dict) -> tuple:
    """The capabilities' values in _CAPS' order (None: not given), type-checked; an unknown
    name raises TypeError."""
    unknown = sorted(set(caps) - set(_CAP_NAMES))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r} (plan options: "
                        f"{', '.join(_OPTIONS + _CAP_NAMES)})")
    out = []
    for name, kind in _CAPS:
        v = caps.get(name)
        if v is None:
            out.append(None)
        elif kind == "str":
            if not isinstance(v, str):
                raise TypeError(f"{name} must be a str, got {type(v).__name__} {v!r}")
            out.append(v)
        elif kind == "bool":
            out.append(_check_bool(v, name))
        elif kind == "int":
            out.append(_check_int(v, name, 0))
        elif kind == "num":
            out.append(_check_float(v, name))
        else:  # the magnitude guard: "none", "max:G", "add:G" or (kind, G)
            if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str):
                v = f"{v[0]}:{_text(_check_float(v[1], name))}"
            if not isinstance(v, str):
                raise TypeError(f"{name} must be 'none', 'max:G', 'add:G' or a pair ('max', G), "
                                f"got {type(v).__name__} {v!r}")
            out.append(v)
    return tuple(out)


def _text(v) -> str:
    """An option's value as the library reads it: a float's repr reads back exactly."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(v)
    return str(v)


@functools.lru_cache(maxsize=1)
def _preset_texts() -> dict:
    return dict(_wmel.preset_texts())


@functools.lru_cache(maxsize=None)
def _preset_plan(name: str) -> dict:
    """A built-in preset's plan, parsed once (callers get a copy)."""
    return _wmel.plan_from_json(_preset_texts()[name])


def presets() -> list:
    """The built-in front-end presets (presets/*.json in the source, compiled into the
    library): one dict per preset, the file's keys -- "name", "models", "original",
    "matched", "frontend" and the plan's options -- in name order. features(audio,
    plan=NAME) computes one."""
    return [json.loads(t) for _, t in sorted(_preset_texts().items())]


def plan_from(plan) -> dict:
    """The plan (a dict of wmel_frontend_plan's fields) of a built-in preset's name, of a
    plan's JSON file (a path) or of a dict in the JSON's schema ({"frontend": "kaldi",
    "window": "hamming", ...}: wmel_plan_set's options by name). A refused plan raises
    ValueError with the library's sentence (naming the line and the key)."""
    if isinstance(plan, dict):
        try:
            text = json.dumps(plan, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ValueError(f"plan: not a plan's JSON object ({e})") from None
        try:
            return _wmel.plan_from_json(text)
        except ValueError as e:
            raise ValueError(f"plan: {e}") from None
    if isinstance(plan, str) and plan in _preset_texts():
        return dict(_preset_plan(plan))
    if not isinstance(plan, (str, os.PathLike)):
        raise TypeError(f"plan must be a preset's name, a JSON file's path or a dict, got {type(plan).__name__}")
    path = os.fspath(plan)
    if not os.path.exists(path) and not path.endswith(".json") and os.sep not in path:
        raise ValueError(f"plan {path!r}: not a built-in preset ({', '.join(sorted(_preset_texts()))}) "
                         "nor a file")
    with open(path, "rb") as f:
        data = f.read(1 << 20 | 1)
    if len(data) > 1 << 20:
        raise ValueError(f"{path}: more than 1 MiB: not a plan's JSON")
    try:
        return _wmel.plan_from_json(data)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def plan_to_json(plan: dict) -> str:
    """A plan dict (frontend_plan's, plan_from's) as the JSON text plan_from reads back
    field for field; ValueError naming the field for a plan the options do not reach."""
    return _wmel.plan_to_json(plan)


def frontend_plan(frontend: str | None = None, n_mels=None, *, normalize=None, window=None,
                  scale=None, low_freq=None, high_freq=None, use_energy=None, energy_floor=None,
                  legacy: bool = False, pad_to=None, plan=None, **caps) -> dict:
    """The plan (a dict of wmel_frontend_plan's fields) that features() computes with these
    options. An option that does not apply to the front-end, or a value out of its range,
    raises ValueError with the library's sentence (the same as `wmel mel`'s).

    caps: the capabilities any front-end takes (docs/frontends.md): mel_scale
    ("slaney"|"kaldi"|"htk"|"tf"), mel_norm ("none"|"slaney"), empty_filters, bf16,
    window_coeff, power (1|2), mag_guard ("max:G"|"add:G"|("max", G)), log_guard, norm_eps,
    norm_ddof (0|1), norm_max, norm_range, n_frames, pad_value, post_scale, post_shift,
    remove_dc, preemph; the geometry: sample_rate, frame_length, hop, n_fft, stack, framing
    ("snip"|"center_reflect"|"center_zero"|"kaldi_center": Kaldi snip_edges=false),
    preemph_mode ("frame"|"signal"|"padded"), log ("log10_clamp"|"ln_add"|"ln_clamp"|"none"|"ln_zero"|"log10_zero"), valid ("all"|"hop"|"trim"), layout
    ("mels_frames"|"frames_mels"); dither (the noise's standard deviation in the scaled
    samples' units; libwmel's counter-based generator, wmel_dither_gauss), dither_seed
    (0 .. 2**32 - 1), raw_energy (False: the log energy after the window, with use_energy);
    the explicit framing (framing "snip"): pad_left, pad_right, pad_multiple, pad_mode
    ("zero"|"reflect"), frame_span, window_offset, valid also "end"|"ceil"|"but_last", and
    nemo's exact_pad (True: NeMo's (n_fft - hop) / 2 zeros, the padded signal's pre-emphasis
    with NeMo's time mask, center=False; with legacy=True the reflection, no mask).
    vtln_warp (Kaldi's VTLN factor, 0.01 .. 100; 0 or 1: none), vtln_low, vtln_high (its
    cutoffs in Hz, after vtln_warp; 0: Kaldi's 100 and -500, a negative high Nyquist plus it);
    htk_bank (Kaldi's htk_mode bank: the first filter's lowest weight 0 when low_freq > 0).
    symmetric_bank (SpeechBrain's Filterbank: each Hz triangle symmetric with its left half's
    width; mel_scale "htk" or "slaney", mel_norm "none").
    snap_bins (the classic MFCC bank, python_speech_features' get_filterbanks: the Hz points
    snapped to FFT bins floor((n_fft + 1) f / sample_rate), triangles between those bins, peak
    1; mel_scale "htk" or "slaney", mel_norm "none", not with symmetric_bank).
    lfr ("M/N": FunASR's low frame rate), stack_stride, stack_left, stack_tail
    ("zero"|"drop"|"trim"|"last"|"fill:V"), delta_win (3..63: torchaudio compute_deltas
    appended before stacking), cols_stacked (the per-column affine on the stacked rows).
    linear_bins (True: no mel bank, the columns are the FFT bins first_bin .. first_bin +
    n_mels - 1 themselves), first_bin.
    n_ceps (1 .. n_mels: Kaldi's MFCC, the first n_ceps cepstra of the log mel energies in
    place of the columns; use_energy puts the log energy in c0), cepstral_lifter (Kaldi's Q,
    22; 0: none), ceps_htk (True: Kaldi's htk_compat order, c0 last).
    plan: a preset's name, a plan's JSON file or a dict (plan_from) to start from in place
    of frontend's preset; the options given then change it."""
    if plan is not None:
        if frontend is not None:
            raise ValueError("frontend and plan both name a plan: give one (the plan's \"frontend\" key "
                             "is its front-end)")
        base = plan_from(plan)
    elif frontend is None:
        frontend = "whisper"
    if plan is None and (not isinstance(frontend, str) or frontend not in FRONTENDS):
        raise ValueError(f"frontend must be one of {', '.join(FRONTENDS)}, got {frontend!r}")
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
    cv = _check_caps(caps)
    values = (n_mels, normalize, window, scale, low_freq, high_freq, use_energy, energy_floor,
              True if legacy else None, pad_to, *cv)
    if plan is not None:
        out = dict(base)
        for name, v in zip(_OPTIONS + _CAP_NAMES, values):
            if v is not None:
                out = _wmel.plan_set(out, name, _text(v))
        why = _wmel.plan_check(out)
        if why:
            raise ValueError(f"plan={plan!r}: {why}")
        return out
    return dict(_plan_of(frontend, *values))


@functools.lru_cache(maxsize=256)
def _plan_of(frontend, *values) -> dict:
    """The plan of checked option values (in _OPTIONS' order; None: not given), built by the
    library once per distinct set (callers get a copy)."""
    plan = _wmel.frontend_preset(FRONTENDS[frontend], 0)
    for name, v in zip(_OPTIONS + _CAP_NAMES, values):
        if v is not None:
            plan = _wmel.plan_set(plan, name, _text(v))
    why = _wmel.plan_check(plan)
    if why:
        raise ValueError(f"frontend={frontend!r}: {why}")
    return plan


@functools.lru_cache(maxsize=64)
def _named_plan(frontend, plan) -> tuple:
    """(plan, its sorted items) of frontend_plan(frontend, plan=plan) for a front-end's or a
    built-in preset's name without options (the cache keeps a name's plan; the caller does not
    change the dict)."""
    p = frontend_plan(frontend, plan=plan)
    return p, tuple(sorted(p.items()))


def _check_threads(threads) -> int:
    return _check_int(threads, "threads", 0, " (0 = all cores)")


def _ctx(plan: dict, backend: str, threads: int, cols=None, items=None, vulkan_device: int = 0,
         device_check: int = 0, cuda_arith: int = 0):
    """The shared context for a plan (and a per-column affine: a pair of float64 bytes), from
    the package's bounded context cache (_ctxcache): hold the returned object while computing
    with it. items: the plan's sorted items when the caller has them (_named_plan).
    vulkan_device: wmel_params.vulkan_device (0: the default choice; k: device k - 1).
    device_check: wmel_params.device_check (1: the CUDA device path scans the samples).
    cuda_arith: wmel_params.cuda_arith (a WMEL_CUDA_ARITH_*, checked: _check_cuda_arith)."""
    if not isinstance(backend, str) or backend not in _BACKENDS:
        raise ValueError(f"backend must be auto, cpu, ref, cuda or vulkan, got {backend!r}")
    threads = _check_threads(threads)
    key = ("plan", items if items is not None else tuple(sorted(plan.items())), backend, threads, cols,
           vulkan_device) + (("device_check",) if device_check else ()) + \
        (("cuda_arith", cuda_arith) if cuda_arith else ())
    kw = {} if cols is None else {"col_scale": cols[0], "col_shift": cols[1]}
    if vulkan_device:
        kw["vulkan_device"] = vulkan_device
    if device_check:
        kw["device_check"] = 1
    if cuda_arith:
        kw["cuda_arith"] = cuda_arith
    return _ctxcache.get(key, lambda: _wmel.Ctx(plan=plan, backend=_BACKENDS[backend],
                                                n_threads=threads, **kw))


def _cols(plan: dict, col_scale, col_shift):
    """The per-column affine as a pair of float64 bytes (None: none): one value per output
    column (n_mels, + 1 with use_energy); a missing one is the identity's (1 or 0)."""
    if col_scale is None and col_shift is None:
        return None
    n = plan["n_mels"] + plan["use_energy"]
    if plan.get("cols_stacked"):  # one per output column: after the deltas and the stacking
        n *= (2 if plan.get("delta_win") else 1) * plan["stack"]
    out = []
    for name, v, unit in (("col_scale", col_scale, 1.0), ("col_shift", col_shift, 0.0)):
        try:
            a = np.full(n, unit) if v is None else np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
            raise ValueError(f"{name} {shown}: {n} numbers expected (one per column), finite, at most "
                             "1e30 in magnitude") from None
        if a.shape != (n,):
            raise ValueError(f"{name} must hold {n} values (one per column), got shape {a.shape}")
        bad = ~np.isfinite(a) | (np.abs(np.nan_to_num(a)) > 1e30)
        if bad.any():
            j = int(np.argmax(bad))
            raise ValueError(f"{name}: value {j} is {float(a[j])!r}: each of the {n} values must be finite, at "
                             "most 1e30 in magnitude")
        out.append(np.ascontiguousarray(a).tobytes())
    return tuple(out)


def _colvec(col_scale, col_shift, cmvn):
    """(col_scale, col_shift) of the keywords, cmvn's file read (load_cmvn); None for none."""
    if cmvn is not None:
        if col_scale is not None or col_shift is not None:
            raise ValueError("cmvn and col_scale / col_shift both give the per-column affine: give one")
        return load_cmvn(cmvn)
    if col_scale is None and col_shift is None:
        return None
    return col_scale, col_shift


def load_cmvn(path) -> tuple:
    """A CMVN file as the per-column affine (col_scale, col_shift), float64 arrays: Kaldi CMVN
    statistics (cmvn.ark, text or binary: mean = sum / count, var = sumsq / count - mean^2
    floored at 1e-20, scale 1 / sqrt(var), shift -mean scale; FireRedASR) or FunASR's am.mvn
    (scale = <Rescale>, shift = <AddShift> x <Rescale>). The format is told from the content;
    a malformed file raises ValueError with the line and the rule (wmel.h: wmel_cmvn_parse)."""
    s, h = _wmel.cmvn_load(os.fspath(path))
    return np.frombuffer(s, np.float64).copy(), np.frombuffer(h, np.float64).copy()


def _features_ctx(frontend, n_mels, normalize, window, scale, low_freq, high_freq, use_energy,
                  energy_floor, legacy, pad_to, backend, threads, col_scale, col_shift, plan, cmvn, caps,
                  device_check: int = 0, cuda_arith="auto"):
    """The ctx of features()' arguments (cached by plan, backend, threads, columns,
    device_check -- 1 for a CUDA tensor with check=True -- and cuda_arith)."""
    cuda_arith = _check_cuda_arith(cuda_arith)
    items = None
    if (not caps and n_mels is None and normalize is None and window is None and scale is None
            and low_freq is None and high_freq is None and use_energy is None
            and energy_floor is None and legacy is False and pad_to is None
            and (type(plan) is str if frontend is None else (plan is None and type(frontend) is str))
            and (plan is None or plan in _preset_texts())):
        # a built-in preset or a front-end by name with no option: its plan is computed once
        plan, items = _named_plan(frontend, plan)
    else:
        plan = frontend_plan(frontend, n_mels, normalize=normalize, window=window, scale=scale,
                             low_freq=low_freq, high_freq=high_freq, use_energy=use_energy,
                             energy_floor=energy_floor, legacy=legacy, pad_to=pad_to, plan=plan,
                             **caps)
    threads = _check_threads(threads)
    colv = _colvec(col_scale, col_shift, cmvn)
    return _ctx(plan, backend, threads, None if colv is None else _cols(plan, *colv), items,
                device_check=device_check, cuda_arith=cuda_arith)


def _check_flag(check) -> int:
    """check= of features() / features_batch(): a bool."""
    if not isinstance(check, (bool, np.bool_)):
        raise TypeError(f"check must be True or False, got {check!r}")
    return int(bool(check))


def features_batch(clips, frontend: str | None = None, n_mels=None, *, normalize=None, window=None,
                   scale=None, low_freq=None, high_freq=None, use_energy=None, energy_floor=None,
                   legacy: bool = False, pad_to=None, backend: str = "auto", threads: int = 0,
                   col_scale=None, col_shift=None, plan=None, cmvn=None, copy: str = "auto", check: bool = True,
                   cuda_arith="auto", **caps):
    """features() of many clips of any lengths in one library call (wmel_features_batch):
    a list of arrays, each clip's array equal to features(clip, ...) with the same options.
    clips: a sequence of 1-D arrays of samples (float32; int16 is divided by 32768;
    float16/64 converted) or torch tensors (the results are then tensors on the first
    clip's device). On the Vulkan backend the clips' frames share the device's dispatches
    (docs/vulkan.md). A clip the plan refuses (empty, too short, NaN) raises ValueError
    naming its index ("clip 3: ..."); nothing is returned then. CUDA tensors on a CUDA
    context's device (backend="cuda", or AUTO choosing it) whose plan the device finishes
    (Whisper's geometry included) are computed there, clips of any lengths in one call whose rounds share launches
    (wmel_cuda_features_device_batch, on torch's current stream); other clips on a GPU are
    copied to the host and their features back (wmel.last_run() lists the copies and why);
    copy="never" raises ValueError instead. Clips that are all CUDA arrays of another library
    (CuPy, JAX: kDLCUDA DLPack producers, 1-D) give wmel._wmel.CudaArrays, computed on the
    device where it takes them, else through the host, reported the same way (docs/python.md,
    "torch and DLPack"). check (CUDA tensors on the device path): True (the
    default) scans the samples on the device first and waits for the verdict, so a NaN or Inf
    raises ValueError naming the clip as on the host; False skips the scan: no wait (the call
    stays asynchronous, usable inside a CUDA graph capture), a NaN gives unspecified values.
    cuda_arith: the CUDA backend's arithmetic, as features()'."""
    _lastrun.check_copy(copy)
    check = _check_flag(check)
    if isinstance(clips, (str, bytes, bytearray, os.PathLike)):
        raise TypeError("features_batch: clips is a sequence of 1-D arrays of samples")
    clips = list(clips)
    on_cuda = bool(clips) and ((_is_torch(clips[0]) and clips[0].device.type == "cuda") or is_cuda_dlpack(clips[0]))
    ctx = _features_ctx(frontend, n_mels, normalize, window, scale, low_freq, high_freq, use_energy,
                        energy_floor, legacy, pad_to, backend, threads, col_scale, col_shift, plan, cmvn, caps,
                        device_check=int(check and on_cuda), cuda_arith=cuda_arith)
    torch_dev, copy_why = None, ""
    if clips and all(is_cuda_dlpack(c) and not _is_torch(c) for c in clips):
        from . import _dlpack_cuda

        return _dlpack_cuda.features_batch(ctx, clips, copy, _host_batch)
    if clips and _is_torch(clips[0]) and clips[0].device.type == "cuda":
        from . import _torch_device

        outs = _torch_device.features_batch_cuda(ctx, clips)
        if outs is not None:
            _lastrun.record("features_batch", ctx, str(clips[0].device), _lastrun.OP_DEVICE,
                            scratch=_torch_device.last_scratch())
            return outs
        copy_why = _torch_device.host_reason_batch(ctx, clips)
    pcms, outs, moved = [], [], []
    for i, c in enumerate(clips):
        if _is_torch(c):
            if torch_dev is None:
                torch_dev = c.device
            if c.device.type != "cpu":
                if copy == "never":
                    _lastrun.refuse_copy(f"clip {i} (on {c.device})",
                                         copy_why or "features_batch computes this batch from host memory")
                moved.append(i)
            c = c.detach().to("cpu").contiguous().numpy()
        pcms.append(c)
    outs = _host_batch(ctx, pcms)
    copies = []
    if moved:
        copies = [f"{torch_dev} -> host: the samples of {len(moved)} clip(s)"]
        if torch_dev.type != "cpu":
            copies.append(f"host -> {torch_dev}: the features")
    _lastrun.record("features_batch", ctx, "host" if not moved else str(torch_dev), _lastrun.OP_LOG_MEL_BATCH,
                    copies, (copy_why or "features_batch computes this batch from host memory") if copies else "")
    if torch_dev is not None:
        import torch

        return [torch.from_numpy(o).to(torch_dev) for o in outs]
    return outs


def _host_batch(ctx, clips: list) -> list:
    """The features of host clips (arrays of samples) on ctx in one library call."""
    pcms = [_as_samples(c, allow_s16=False, name=f"clip {i}", ndims=(1,)) for i, c in enumerate(clips)]
    outs = []
    for i, a in enumerate(pcms):
        try:
            rows, cols = ctx.features_shape(a.shape[0])
        except ValueError as e:
            raise ValueError(f"clip {i}: {e}") from None
        outs.append(_out_array((rows, cols)))
    ctx.features_batch(pcms, outs)
    return outs


def backend_info(frontend: str | None = None, n_mels=None, *, normalize=None, window=None,
                 scale=None, low_freq=None, high_freq=None, use_energy=None, energy_floor=None,
                 legacy: bool = False, pad_to=None, backend: str = "auto", threads: int = 0,
                 col_scale=None, col_shift=None, plan=None, cmvn=None, cuda_arith="auto", **caps) -> dict:
    """Where features() with the same arguments computes (no audio needed): a dict of
    "backend" ("cpu", "ref", "cuda", "vulkan"), "kernel" (e.g. "cpu-avx512-fft512",
    "vulkan-f64-fft400") and "reason": "asked for by name", or AUTO's, e.g. "AUTO: cpu,
    timed on a 30 s clip: vulkan 52.34 ms, cpu 0.38 ms (...)" (docs/vulkan.md, AUTO against
    the CPU). The context is the one features() then uses (the package's context cache)."""
    ctx = _features_ctx(frontend, n_mels, normalize, window, scale, low_freq, high_freq, use_energy,
                        energy_floor, legacy, pad_to, backend, threads, col_scale, col_shift, plan, cmvn, caps,
                        cuda_arith=cuda_arith)
    return {"backend": ctx.backend, "kernel": ctx.kernel, "reason": ctx.backend_reason}


def features(audio, frontend: str | None = None, n_mels=None, *, normalize=None, window=None,
             scale=None, low_freq=None, high_freq=None, use_energy=None, energy_floor=None,
             legacy: bool = False, pad_to=None, backend: str = "auto", threads: int = 0,
             col_scale=None, col_shift=None, plan=None, cmvn=None, copy: str = "auto", check: bool = True,
             cuda_arith="auto", **caps):
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
    leading batch axis); a torch tensor gives a torch tensor on its device: a CUDA tensor
    with backend="cuda" (or AUTO choosing CUDA) is computed on the device, on torch's current
    stream, where the plan is one the device finishes (wmel._torch_device.features_device),
    else through a host copy: wmel.last_run() says where each stage ran and which copies were
    made, and copy="never" raises ValueError (with the reason) where the call would copy a
    device's data to the host. A CUDA array of another library (CuPy, JAX: a kDLCUDA DLPack
    producer) gives a wmel._wmel.CudaArray (a DLPack producer on its device) by the same rule,
    computed on the legacy default stream (docs/python.md, "torch and DLPack").
    check (the device path): True (the default) scans the samples on the device first and
    waits for the verdict, so a NaN or Inf raises ValueError as on the host (naming the clip
    of a batch); False skips the scan: no wait, the call stays
    asynchronous (usable inside a CUDA graph capture, which check=True refuses with
    ValueError), and a NaN gives unspecified values.
    cuda_arith: the CUDA backend's arithmetic (wmel_params.cuda_arith): "auto" (the default:
    the backend's choice, docs/cuda.md), "float64" or "float-float" (or the constants
    _wmel.CUDA_ARITH_AUTO, _FLOAT64, _FLOAT_FLOAT); another value raises ValueError. The
    context's kernel name says which ran (it starts "cuda-ff" or "cuda-f64": backend_info(),
    wmel.last_run()["kernel"]); other backends ignore it.
    low_freq/high_freq/scale apply to nemo, kaldi and seamless. backend: "auto", "cpu",
    "ref" (the float64 reference), "cuda", "vulkan" (docs/vulkan.md). threads: 0 = all cores. Empty audio raises ValueError.
    caps: the capabilities any front-end's plan takes (frontend_plan; docs/frontends.md),
    e.g. mel_scale="htk", empty_filters=True, mag_guard="max:1e-10", norm_max=1.5,
    normalize="mean_var" with norm_ddof=0 and norm_eps=0, n_frames=1024 with post_scale /
    post_shift, bf16=True, window="blackman".
    col_scale, col_shift: a per-column affine after everything else (x col_scale[c] +
    col_shift[c]; one value per column): CLVP's 1 / mel_norms, Gemma's per-bin mean and
    stddev, CMVN statistics (wmel.h: wmel_create_plan_cols).
    cmvn: a CMVN file (load_cmvn: Kaldi statistics, FunASR's am.mvn) giving col_scale and
    col_shift: features(x, plan="firered", cmvn="cmvn.ark"), features(x, plan="funasr",
    cmvn="am.mvn") (the funasr preset's cols_stacked applies it to the 560 values of a row).
    plan: a built-in preset's name (presets(): "wespeaker", "ast", ...), a plan's JSON file
    or a dict in its schema, in place of frontend (docs/frontends.md, "Presets"); options
    given with it change it.
    """
    _lastrun.check_copy(copy)
    on_cuda = _check_flag(check) and ((_is_torch(audio) and audio.device.type == "cuda") or is_cuda_dlpack(audio))
    ctx = _features_ctx(frontend, n_mels, normalize, window, scale, low_freq, high_freq, use_energy,
                        energy_floor, legacy, pad_to, backend, threads, col_scale, col_shift, plan, cmvn, caps,
                        device_check=int(on_cuda), cuda_arith=cuda_arith)
    return features_on(ctx, audio, copy)


def features_on(ctx, audio, copy: str = "auto"):
    """features() on a context made already (the package's cache: _features_ctx, or
    wmel._torch_features' spec): the same inputs, outputs, routing and record."""
    if isinstance(audio, (str, os.PathLike)):
        audio = load_audio(audio)
    elif isinstance(audio, (bytes, bytearray, memoryview)):
        audio = load_audio(bytes(audio) if isinstance(audio, memoryview) else audio)
    torch_in, copies, copy_why = None, [], ""
    if not _is_torch(audio) and is_cuda_dlpack(audio):
        from . import _dlpack_cuda

        return _dlpack_cuda.features(ctx, audio, copy, features_on)
    if _is_torch(audio):
        if audio.device.type == "cuda":
            from . import _torch_device

            out = _torch_device.features_cuda(ctx, audio)
            if out is not None:
                _lastrun.record("features", ctx, str(audio.device), _lastrun.OP_DEVICE,
                                scratch=_torch_device.last_scratch())
                return out[None] if audio.dim() == 1 and ctx.plan.get("batch_axis") else out
            copy_why = _torch_device.host_reason(ctx, audio)
        elif audio.device.type != "cpu":
            copy_why = f"wmel computes a tensor on {audio.device} on the host"
        if audio.device.type != "cpu":
            if copy == "never":
                _lastrun.refuse_copy(f"the features of a tensor on {audio.device}", copy_why)
            copies = [f"{audio.device} -> host: the samples", f"host -> {audio.device}: the features"]
        torch_in = audio
        audio = audio.detach().to("cpu").contiguous().numpy()
    a = _as_samples(audio, allow_s16=False)
    clips = a[None] if a.ndim == 1 else a
    rows, cols = ctx.features_shape(clips.shape[1])
    out = _out_array((clips.shape[0], rows, cols))
    for b in range(clips.shape[0]):
        ctx.features(clips[b], out[b])
    _lastrun.record("features", ctx, str(torch_in.device) if copies else "host", _lastrun.OP_LOG_MEL, copies, copy_why)
    out = out[0] if a.ndim == 1 and not ctx.plan.get("batch_axis") else out  # (the plan's leading axis of 1)
    if torch_in is not None:
        import torch

        return torch.from_numpy(out).to(torch_in.device)
    return out
