"""wmel._torch_device -- a plan's features of a CUDA tensor on the device, for the core.

features_device: a plan's features (wmel.features' front-ends and presets) of a CUDA tensor
through wmel_cuda_features_device(): data_ptr(), torch's current stream, a new CUDA tensor
out. features_cuda: wmel.features' door to it. cuda_path(): how the last CUDA call ran.
The core (wmel._features) imports this module only; the torch adapters (wmel._torch_op,
torch.ops.wmel.*) sit above the core and use it too.
"""
from __future__ import annotations

import torch

from . import _wmel

_SAMPLE_F32, _SAMPLE_S16 = 0, 1  # wmel.h: WMEL_SAMPLE_F32 / WMEL_SAMPLE_S16
_OP_DEVICE = 3  # wmel.h: WMEL_OP_DEVICE
_last_cuda_path = "none"
_last_refusal = ""  # the device's refusal of features_cuda's last tensor, where it refused one
_last_scratch = "none"  # where the last device call's scratch came from (last_scratch())


def last_scratch() -> str:
    """Where the device scratch of the last features_device / features_batch_cuda call came from:
    'torch' (torch's caching allocator, given to libwmel: the call allocates nothing and waits
    for nothing) or 'none' (the call needed none)."""
    return _last_scratch


def _scratch(ctx, device, call: int, sample_type: int, n, batch: int = 1):
    """Device scratch for a libwmel device call from torch's caching allocator: (tensor, ptr,
    bytes), or (None, 0, 0) where the call needs none. The tensor is allocated on torch's
    current stream of `device`, the stream the call is enqueued on: the allocator hands its
    block to other work only after the caller drops it, and then in that stream's order (or,
    in a CUDA graph's capture, from the graph's own pool), so the call's work, which the stream
    orders before any later use, is done with it by then."""
    global _last_scratch
    nbytes = ctx.device_scratch(call, sample_type, n, batch)
    _last_scratch = "torch" if nbytes else "none"
    if not nbytes:
        return None, 0, 0
    t = torch.empty(nbytes, dtype=torch.uint8, device=device)
    return t, t.data_ptr(), nbytes


def cuda_path() -> str:
    """How the last CUDA call (torch.ops.wmel.log_mel, wmel.features of a CUDA tensor) ran:
    'device' (libwmel CUDA, zero-copy) or 'host-copy'."""
    return _last_cuda_path


def set_cuda_path(path: str) -> None:
    """Records how the last CUDA call ran ('device' or 'host-copy'; cuda_path() reads it)."""
    global _last_cuda_path
    _last_cuda_path = path


def features_device(ctx, audio: torch.Tensor) -> torch.Tensor:
    """A plan's features of a CUDA tensor, computed by libwmel's wmel_cuda_features_device()
    on the tensor's data_ptr() into a new CUDA tensor, enqueued on torch's current stream of
    the tensor's device (no host copy, no synchronisation; the samples are not scanned for
    NaN/Inf, unless the ctx was made with device_check=1: then a scan on the device and a wait
    for its verdict come first, a NaN or Inf raising ValueError, a stream capture refused with
    ValueError). ctx: a plan's context (wmel._wmel.Ctx(plan=...), as wmel.features makes) on
    the CUDA backend whose device is the tensor's. The call's device scratch comes from torch's
    caching allocator (last_scratch() says so), so libwmel neither allocates nor waits: the
    call may be captured into a CUDA graph on any device. audio: float32 or int16 (divided by
    32768) samples on that device, 1-D (one clip) or 2-D (batch, samples) whose rows are
    contiguous (stride (s, 1), s >= samples: a row stride is taken as it is). Returns
    float32 (rows, cols), or (batch, rows, cols), rows x cols = ctx.features_shape(samples),
    in the plan's layout: what wmel.features computes for the same samples on the host.
    Errors: TypeError (not a tensor, its dtype), ValueError (its rank, layout or device,
    too short or empty clips), RuntimeError (a ctx not on the CUDA backend, a plan the device
    does not finish -- a plan's n_samples -- with the reason, a CUDA failure)."""
    if not isinstance(audio, torch.Tensor):
        raise TypeError(f"audio must be a torch tensor on a CUDA device, got {type(audio).__name__}")
    if audio.dim() not in (1, 2):
        raise ValueError(f"audio must be 1-D (samples) or 2-D (batch, samples), got shape {tuple(audio.shape)}")
    if audio.dtype not in (torch.float32, torch.int16):
        raise TypeError(f"audio must hold float32 or int16 samples (int16 is divided by 32768), "
                        f"got dtype {audio.dtype}")
    if audio.device.type != "cuda":
        raise ValueError(f"audio is on {audio.device}: the device path takes a CUDA tensor "
                         "(wmel.features computes a CPU tensor on the host)")
    a = audio.detach()
    batch, n = (1, a.shape[0]) if a.dim() == 1 else a.shape
    sample_type = _SAMPLE_S16 if a.dtype == torch.int16 else _SAMPLE_F32
    # the ctx's refusal (its backend, its plan) before anything else: no clips, nothing enqueued
    ctx.features_device(0, sample_type, 0, n, n, 0, 0, 0)
    if a.device.index != ctx.cuda_device:
        raise ValueError(f"audio is on {a.device}, the context's device is cuda:{ctx.cuda_device}")
    if n > 1 and a.stride(-1) != 1:
        raise ValueError(f"audio: each clip's samples must be contiguous (stride 1 along samples), got "
                         f"stride {tuple(a.stride())}: pass audio.contiguous()")
    stride = n if a.dim() == 1 or batch <= 1 else a.stride(0)
    if stride < n:
        raise ValueError(f"audio: clips overlap (row stride {stride} < {n} samples), got stride "
                         f"{tuple(a.stride())}: pass audio.contiguous()")
    rows, cols = ctx.features_shape(n)
    out = torch.empty((batch, rows, cols), device=a.device, dtype=torch.float32)
    stream = torch.cuda.current_stream(a.device).cuda_stream
    scratch, zp, zb = _scratch(ctx, a.device, _wmel.CUDA_CALL_FEATURES, sample_type, n, batch)
    ctx.features_device(a.data_ptr(), sample_type, batch, n, stride, out.data_ptr(), out.numel(), stream, zp, zb)
    del scratch  # its block goes back to the allocator, reused in the stream's order only
    return out[0] if a.dim() == 1 else out


def features_cuda(ctx, audio: torch.Tensor):
    """wmel.features' CUDA tensor: features_device's tensor where the ctx is a CUDA ctx on the
    tensor's device whose plan's features the device makes (every plan, dithered ones and Whisper's
    geometry included), else None (the caller copies to the host).
    Other float dtypes are converted to float32, and a layout features_device does not take
    is made contiguous, on the device."""
    global _last_cuda_path, _last_refusal
    _last_cuda_path = "host-copy"
    _last_refusal = ""
    if audio.dim() not in (1, 2) or ctx.backend != "cuda" or ctx.op_backend(_OP_DEVICE) != "cuda" \
            or audio.device.index != ctx.cuda_device:
        return None  # the host path says what is wrong with the argument, or computes it
    if audio.dtype.is_complex or not (audio.dtype.is_floating_point or audio.dtype == torch.int16):
        return None  # the host path's TypeError
    a = audio.detach()
    if a.dtype not in (torch.float32, torch.int16):
        a = a.to(torch.float32)
    n = a.shape[-1]
    if n > 1 and (a.stride(-1) != 1 or (a.dim() == 2 and a.shape[0] > 1 and a.stride(0) < n)):
        a = a.contiguous()
    try:
        out = features_device(ctx, a)
    except RuntimeError as e:
        # WMEL_ERR_BACKEND_UNAVAILABLE: wmel_cuda_features_device refused the plan or a clip
        # length before enqueuing anything; wmel_features computes it.
        # A CUDA failure (ERR_CUDA) is raised.
        if getattr(e, "status", None) == _wmel.ERR_BACKEND_UNAVAILABLE:
            _last_refusal = str(e)
            return None
        raise
    _last_cuda_path = "device"
    return out


def host_reason(ctx, audio: torch.Tensor) -> str:
    """Why features_cuda left this CUDA tensor to the host (after it returned None): the
    context's backend, the plan, the tensor's device, rank or dtype, or the device's refusal."""
    if ctx.backend != "cuda":
        return (f"the context's backend is {ctx.backend} ({ctx.backend_reason}); backend='cuda' computes a "
                "CUDA tensor's features on its device")
    if ctx.op_backend(_OP_DEVICE) != "cuda":
        ok, why = _wmel.backend_accepts(_wmel.BACKEND_CUDA, ctx.plan, _OP_DEVICE)
        return f"the CUDA backend does not make this plan's features on the device: {why}"
    if audio.device.index != ctx.cuda_device:
        return f"the tensor is on {audio.device}, the context's device is cuda:{ctx.cuda_device}"
    if audio.dim() not in (1, 2):
        return f"the tensor's shape {tuple(audio.shape)}: the device path takes 1-D or 2-D"
    if audio.dtype.is_complex or not (audio.dtype.is_floating_point or audio.dtype == torch.int16):
        return f"the tensor's dtype {audio.dtype}"
    return _last_refusal or "the device refused the call"


def features_batch_cuda(ctx, clips: list):
    """wmel.features_batch' CUDA tensors: each clip's features computed on the device by
    wmel_cuda_features_device_batch() (clips of any lengths in one call, in rounds that share
    launches), on torch's current stream of their device, into new CUDA tensors; None where the
    context or the clips do not take that path (the caller copies to the host: host_reason_batch
    says why). The device scratch comes from torch's caching allocator, as features_device's. Every clip is a 1-D CUDA tensor on the context's device (float32 or int16; other
    float dtypes converted, a strided one made contiguous, on the device; int16 clips with float
    ones converted to float32 /32768 exactly)."""
    global _last_refusal
    _last_refusal = ""
    if not clips or ctx.backend != "cuda" or ctx.op_backend(_OP_DEVICE) != "cuda":
        return None
    if any(not isinstance(c, torch.Tensor) or c.device.type != "cuda" or c.device.index != ctx.cuda_device
           or c.dim() != 1 or c.dtype.is_complex or not (c.dtype.is_floating_point or c.dtype == torch.int16)
           for c in clips):
        return None
    s16 = all(c.dtype == torch.int16 for c in clips)
    xs = []
    for c in clips:
        a = c.detach()
        if not s16:
            a = a.to(torch.float32) / 32768.0 if a.dtype == torch.int16 else a.to(torch.float32)
        xs.append(a.contiguous())
    outs = []
    for i, a in enumerate(xs):
        try:
            rows, cols = ctx.features_shape(a.shape[0])
        except ValueError as e:
            raise ValueError(f"clip {i}: {e}") from None
        outs.append(torch.empty((rows, cols), device=a.device, dtype=torch.float32))
    stream = torch.cuda.current_stream(xs[0].device).cuda_stream
    sample_type = _SAMPLE_S16 if s16 else _SAMPLE_F32
    try:
        scratch, zp, zb = _scratch(ctx, xs[0].device, _wmel.CUDA_CALL_FEATURES_BATCH, sample_type,
                                   [a.shape[0] for a in xs], len(xs))
        ctx.features_device_batch([a.data_ptr() for a in xs], sample_type,
                                  [a.shape[0] for a in xs], [o.data_ptr() for o in outs],
                                  [o.numel() for o in outs], stream, zp, zb)
        del scratch  # as features_device's
    except RuntimeError as e:
        if getattr(e, "status", None) == _wmel.ERR_BACKEND_UNAVAILABLE:
            _last_refusal = str(e)  # nothing was enqueued: the host computes the batch
            return None
        raise
    return outs


def host_reason_batch(ctx, clips: list) -> str:
    """Why features_batch_cuda left these clips to the host (after it returned None)."""
    if ctx.backend != "cuda" or ctx.op_backend(_OP_DEVICE) != "cuda":
        return host_reason(ctx, clips[0])
    for i, c in enumerate(clips):
        if not isinstance(c, torch.Tensor) or c.device.type != "cuda":
            return f"clip {i} is not on a CUDA device (a batch stays on the device when every clip does)"
        if c.device.index != ctx.cuda_device:
            return f"clip {i} is on {c.device}, the context's device is cuda:{ctx.cuda_device}"
        if c.dim() != 1 or c.dtype.is_complex or not (c.dtype.is_floating_point or c.dtype == torch.int16):
            return f"clip {i}: shape {tuple(c.shape)}, dtype {c.dtype}"
    return _last_refusal or "the device refused the batch"
