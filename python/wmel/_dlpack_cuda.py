"""wmel._dlpack_cuda -- wmel.features / features_batch of DLPack producers on a CUDA device
(CuPy, JAX, ... : kDLCUDA) without torch: the capsule taken with the legacy default stream
(__dlpack__(stream=1, max_version=(1, 0)): a versioned capsule, or an unversioned one from
a producer before DLPack 1.0), the features computed on the device by wmel_cuda_features_device(_batch)
on that stream into wmel's own device memory, returned as a _wmel.CudaArray (a DLPack producer:
cupy.from_dlpack / jax.dlpack.from_dlpack / torch.from_dlpack take it without a copy). Where the
device does not take the call, the samples are copied to the host and the features back, said
in wmel.last_run() (copy="never" raises instead). A build without CUDA leaves such arrays to the
host path's refusal.
"""
from __future__ import annotations

import numpy as np

from . import _lastrun, _wmel

KDL_CUDA = 2
_SAMPLE_F32, _SAMPLE_S16 = 0, 1  # wmel.h: WMEL_SAMPLE_F32 / WMEL_SAMPLE_S16
_DTYPES = {(2, 32, 1): (_SAMPLE_F32, np.float32), (0, 16, 1): (_SAMPLE_S16, np.int16)}
_DT_NAMES = {0: "int", 1: "uint", 2: "float", 4: "bfloat", 5: "complex", 6: "bool"}


def is_cuda_dlpack(x) -> bool:
    """A DLPack producer on a CUDA device (kDLCUDA) that this build computes on the device."""
    if not _wmel.HAVE_CUDA or isinstance(x, np.ndarray) or not hasattr(x, "__dlpack_device__") \
            or not hasattr(x, "__dlpack__"):
        return False
    try:
        return int(x.__dlpack_device__()[0]) == KDL_CUDA
    except (TypeError, ValueError, IndexError):
        return False


DLPACK_VERSION = (1, 0)  # the versioned capsules wmel takes (DLManagedTensorVersioned)


def _take(x):
    """The producer's capsule for the legacy default stream (the DLPack protocol's stream=1: the
    producer orders its pending work before that stream's), consumed: a _wmel.DLIn whose deleter
    runs once, when it is released or dies. The versioned capsule (DLPack 1.0) is asked for
    with max_version; a producer of the protocol before it (TypeError) is asked again without,
    and one before the stream argument with neither."""
    try:
        cap = x.__dlpack__(stream=1, max_version=DLPACK_VERSION)
    except TypeError:  # a producer of the protocol before max_version: the unversioned capsule
        try:
            cap = x.__dlpack__(stream=1)
        except TypeError:  # before the stream argument
            cap = x.__dlpack__()
    return _wmel.dlpack_take(cap)


def _layout(info: dict, name: str, ndims=(1, 2)):
    """(ptr, sample type, numpy dtype, batch, n, row stride) of a taken tensor, or the error."""
    if info["device"][0] != KDL_CUDA:
        raise ValueError(f"{name}: __dlpack_device__() says CUDA, its capsule's tensor is on DLPack device "
                         f"{tuple(info['device'])}")
    dt = tuple(info["dtype"])
    if dt not in _DTYPES:
        kind = _DT_NAMES.get(dt[0], f"code {dt[0]}")
        raise TypeError(f"{name}: a CUDA DLPack array of dtype {kind}{dt[1]}"
                        f"{'' if dt[2] == 1 else f' x{dt[2]} lanes'}: wmel computes float32 or int16 samples "
                        "(int16 divided by 32768) on the device; convert it there first (x.astype('float32'))")
    shape, strides = tuple(info["shape"]), info["strides"]
    if len(shape) not in ndims:
        want = "1-D (samples)" if ndims == (1,) else "1-D (samples) or 2-D (batch, samples)"
        raise ValueError(f"{name} must be {want}, got shape {shape}")
    batch, n = (1, shape[0]) if len(shape) == 1 else shape
    stride = n
    if strides is not None:
        strides = tuple(strides)
        row = strides[0] if len(shape) == 2 else n
        if (n > 1 and strides[-1] != 1) or (batch > 1 and row < n):
            raise ValueError(f"{name}: a CUDA DLPack array of shape {shape} with strides {strides} (elements): wmel "
                             "reads each clip's samples contiguous on the device (stride 1 along samples, rows "
                             "apart by at least a row); pass a contiguous array (cupy.ascontiguousarray(x))")
        stride = row if batch > 1 else n
    sample_type, np_dtype = _DTYPES[dt]
    return info["ptr"], sample_type, np_dtype, batch, n, stride


def _refusal(ctx, device: int) -> str | None:
    """Why the ctx does not compute on this device's memory (None: it does)."""
    if ctx.backend != "cuda":
        return (f"the context's backend is {ctx.backend} ({ctx.backend_reason}); backend='cuda' computes a "
                "CUDA array's features on its device")
    if ctx.op_backend(_lastrun.OP_DEVICE) != "cuda":
        _, why = _wmel.backend_accepts(_wmel.BACKEND_CUDA, ctx.plan, _lastrun.OP_DEVICE)
        return f"the CUDA backend does not make this plan's features on the device: {why}"
    if device != ctx.cuda_device:
        return f"the array is on cuda:{device}, the context's device is cuda:{ctx.cuda_device}"
    return None


def _to_host(ptr: int, np_dtype, batch: int, n: int, stride: int, device: int) -> np.ndarray:
    """The clips' samples copied to the host: (batch, n)."""
    item = np.dtype(np_dtype).itemsize
    count = (batch - 1) * stride + n if batch else 0
    flat = np.frombuffer(_wmel.cuda_read(ptr, count * item, device), np_dtype)
    return np.lib.stride_tricks.as_strided(flat, (batch, n), (stride * item, item)).copy() if batch else \
        np.empty((0, n), np_dtype)


def _upload(host: np.ndarray, device: int):
    out = _wmel.CudaArray(host.shape, device)
    out.write(np.ascontiguousarray(host, np.float32))
    return out


def features(ctx, audio, copy: str, host_features):
    """wmel.features of a CUDA DLPack producer on ctx: a CudaArray of the features' shape.
    host_features(ctx, samples) computes a host array's (the fallback)."""
    device = int(audio.__dlpack_device__()[1])
    t = _take(audio)
    ptr, sample_type, np_dtype, batch, n, stride = _layout(t.info(), "audio")
    ndim = len(t.info()["shape"])
    why = _refusal(ctx, device)
    if why is None:
        rows, cols = ctx.features_shape(n)
        shape = (batch, rows, cols) if ndim == 2 or ctx.plan.get("batch_axis") else (rows, cols)
        out = _wmel.CudaArray(shape, device)
        try:
            ctx.features_device(ptr, sample_type, batch, n, stride, out.ptr, batch * rows * cols, 0)
        except RuntimeError as e:
            if getattr(e, "status", None) != _wmel.ERR_BACKEND_UNAVAILABLE:
                raise
            why = str(e)  # the device refused the plan or the length before enqueuing anything
        else:
            out.ready(t)  # the samples are held until the device has read them
            _lastrun.record("features", ctx, f"cuda:{device}", _lastrun.OP_DEVICE, scratch="libwmel")
            return out
    if copy == "never":
        _lastrun.refuse_copy(f"the features of a DLPack array on cuda:{device}", why)
    host = _to_host(ptr, np_dtype, batch, n, stride, device)
    t.release()
    res = host_features(ctx, host[0] if ndim == 1 else host)
    out = _upload(res, device)
    _lastrun.record("features", ctx, f"cuda:{device}", _lastrun.OP_LOG_MEL,
                    [f"cuda:{device} -> host: the samples", f"host -> cuda:{device}: the features"], why)
    return out


def features_batch(ctx, clips: list, copy: str, host_batch):
    """wmel.features_batch of CUDA DLPack producers (1-D clips of any lengths) on ctx: a list of
    CudaArrays. host_batch(ctx, samples list) computes host arrays' (the fallback)."""
    devices = [int(c.__dlpack_device__()[1]) for c in clips]
    taken = [_take(c) for c in clips]
    lay = []
    for i, t in enumerate(taken):
        lay.append(_layout(t.info(), f"clip {i}", ndims=(1,)))
    why = _refusal(ctx, devices[0])
    if why is None and any(d != devices[0] for d in devices):
        why = "the clips are on more than one CUDA device"
    if why is None and len({x[1] for x in lay}) > 1:
        why = "the clips mix float32 and int16 samples (the device takes one sample type a batch)"
    device = devices[0]
    if why is None:
        outs = []
        for i, x in enumerate(lay):
            try:
                rows, cols = ctx.features_shape(x[4])
            except ValueError as e:
                raise ValueError(f"clip {i}: {e}") from None
            outs.append(_wmel.CudaArray((rows, cols), device))
        try:
            ctx.features_device_batch([x[0] for x in lay], lay[0][1], [x[4] for x in lay], [o.ptr for o in outs],
                                      [o.nbytes // 4 for o in outs], 0)
        except RuntimeError as e:
            if getattr(e, "status", None) != _wmel.ERR_BACKEND_UNAVAILABLE:
                raise
            why = str(e)
        else:
            for o in outs:
                o.ready(taken)
            _lastrun.record("features_batch", ctx, f"cuda:{device}", _lastrun.OP_DEVICE, scratch="libwmel")
            return outs
    if copy == "never":
        _lastrun.refuse_copy(f"the features of {len(clips)} DLPack clip(s) on cuda:{device}", why)
    host = [_to_host(x[0], x[2], 1, x[4], x[4], devices[i])[0] for i, x in enumerate(lay)]
    for t in taken:
        t.release()
    outs = [_upload(r, devices[i]) for i, r in enumerate(host_batch(ctx, host))]
    _lastrun.record("features_batch", ctx, f"cuda:{device}", _lastrun.OP_LOG_MEL_BATCH,
                    [f"cuda:{device} -> host: the samples of {len(clips)} clip(s)",
                     f"host -> cuda:{device}: the features"], why)
    return outs


def log_mel(audio, n_mels: int, padding: int, smooth: int, ctx_of):
    """wmel.log_mel_spectrogram of a CUDA DLPack producer where torch is absent: Whisper's
    log-Mel computed by wmel_cuda_log_mel_device on the legacy default stream (a 2-D batch with
    one max over the batch, as openai's; smooth the ctx's 3x3 smoothing), a CudaArray of
    (n_mels, (n + padding) // 160) or (batch, n_mels, ...). ctx_of: wmel._common._ctx."""
    device = int(audio.__dlpack_device__()[1])
    t = _take(audio)
    ptr, sample_type, _, batch, n, stride = _layout(t.info(), "audio")
    nf = (n + padding) // 160
    shape = (n_mels, nf) if len(t.info()["shape"]) == 1 else (batch, n_mels, nf)
    ctx = ctx_of(n_mels, _wmel.BACKEND_CUDA, device, smooth)
    out = _wmel.CudaArray(shape, device)
    ctx.log_mel_device(ptr, sample_type, batch, n, stride, padding, _wmel.BATCH_GLOBAL, out.ptr,
                       batch * n_mels * nf, 0)
    out.ready(t)
    return out
