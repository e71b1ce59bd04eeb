"""wmel._torch_op -- torch.ops.wmel.log_mel, a torch.library custom op over libwmel.

CPU kernel: zero-copy numpy views of the tensors into the C extension. CUDA kernel:
libwmel's wmel_cuda_log_mel_device() on the tensor's data_ptr(), enqueued on torch's
current stream (no copies, no synchronisation) when the library was built with CUDA;
otherwise the samples are copied to the host, computed there and copied back (visible
through wmel._torch_op.cuda_path()). register_fake gives shapes for torch.compile /
meta tensors. Not differentiable (the features are an input to the model).

features_device: a plan's features (wmel.features' front-ends and presets) of a CUDA
tensor through wmel_cuda_features_device(), the same way: data_ptr(), torch's current
stream, a new CUDA tensor out.
"""
from __future__ import annotations

import json

import numpy as np
import torch

from . import _wmel
from ._common import _as_samples, _ctx, _log_mel_np
from ._torch_device import _SAMPLE_F32, _SAMPLE_S16, cuda_path, features_cuda, features_device, set_cuda_path  # noqa: F401


def _check(audio: torch.Tensor, n_mels: int, padding: int) -> None:
    if audio.dim() not in (1, 2):
        raise ValueError(f"audio must be 1-D (samples) or 2-D (batch, samples), got shape {tuple(audio.shape)}")
    if n_mels not in (80, 128):
        raise ValueError(f"n_mels must be 80 or 128, got {n_mels}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if audio.dtype.is_complex or not (audio.dtype.is_floating_point or audio.dtype == torch.int16):
        raise TypeError(f"audio must hold float32 samples (other float types are converted, "
                        f"int16 is divided by 32768), got dtype {audio.dtype}")


def _shape(audio, n_mels, padding):
    nf = (audio.shape[-1] + padding) // 160
    return (n_mels, nf) if audio.dim() == 1 else (audio.shape[0], n_mels, nf)


def _samples(audio: torch.Tensor, keep_s16: bool) -> torch.Tensor:
    a = audio.detach()
    if a.dtype == torch.int16 and not (keep_s16 and a.dim() == 1):
        a = a.to(torch.float32) / 32768.0  # exact: a power-of-two scale
    elif a.dtype not in (torch.float32, torch.int16):
        a = a.to(torch.float32)
    return a.contiguous()


@torch.library.custom_op("wmel::log_mel", mutates_args=(), device_types="cpu")
def log_mel(audio: torch.Tensor, n_mels: int = 80, padding: int = 0) -> torch.Tensor:
    """Whisper's log-Mel of audio (1-D, or 2-D batch with one max over the batch):
    float32 (n_mels, (n + padding) // 160) or (batch, n_mels, ...)."""
    _check(audio, n_mels, padding)
    return torch.from_numpy(_log_mel_np(_samples(audio, True).numpy(), n_mels, padding))


@log_mel.register_fake
def _log_mel_fake(audio, n_mels=80, padding=0):
    _check(audio, n_mels, padding)
    return audio.new_empty(_shape(audio, n_mels, padding), dtype=torch.float32)


@log_mel.register_kernel("cuda")
def _log_mel_cuda(audio, n_mels=80, padding=0):
    _check(audio, n_mels, padding)
    ctx = None
    if _wmel.HAVE_CUDA_DEVICE:
        try:
            ctx = _ctx(n_mels, _wmel.BACKEND_CUDA, audio.device.index or 0)
        except RuntimeError:  # built with CUDA but no usable device for libwmel
            ctx = None
    if ctx is None:
        set_cuda_path("host-copy")
        return log_mel(audio.cpu(), n_mels, padding).to(audio.device)
    a = _samples(audio, True)
    if a.dtype == torch.int16 and a.dim() == 2:
        a = a.to(torch.float32) / 32768.0
    batch, n = (1, a.shape[0]) if a.dim() == 1 else a.shape
    if n + padding <= 200:  # the device path would say so too; keep the host wording
        raise ValueError(_wmel.strerror(-5))
    out = torch.empty(_shape(a, n_mels, padding), device=a.device, dtype=torch.float32)
    stream = torch.cuda.current_stream(a.device).cuda_stream
    ctx.log_mel_device(a.data_ptr(), _SAMPLE_S16 if a.dtype == torch.int16 else _SAMPLE_F32,
                       batch, n, n, padding, _wmel.BATCH_GLOBAL, out.data_ptr(), out.numel(),
                       stream)
    set_cuda_path("device")
    return out


def log_mel_spectrogram(audio, n_mels: int, padding: int, device):
    """The torch side of wmel.log_mel_spectrogram: a tensor on the input's device (or on
    `device`)."""
    if not isinstance(audio, torch.Tensor):
        if hasattr(audio, "__dlpack__"):
            audio = torch.from_dlpack(audio)  # CuPy/JAX/... on their device, no copy
        else:
            audio = torch.from_numpy(_as_samples(audio))
    if device is not None:
        audio = audio.to(device)
    return torch.ops.wmel.log_mel(audio.detach(), n_mels, padding)


# ---- torchaudio.compliance.kaldi (wmel.kaldi.fbank, mfcc, spectrogram) ----------------------

@torch.library.custom_op("wmel::ta_kaldi", mutates_args=())
def ta_kaldi_op(waveform: torch.Tensor, opts: str) -> torch.Tensor:
    """torchaudio.compliance.kaldi.<opts["kind"]> of one channel (1-D samples): the result on
    the input's device and in its dtype. opts: the checked keyword arguments as JSON."""
    from . import _ta_kaldi
    kw = json.loads(opts)
    kind = kw.pop("kind")
    x = waveform.detach().to("cpu")
    if x.dtype in (torch.bfloat16, torch.float16):
        x = x.float()
    xn = x.contiguous().numpy()
    o = _ta_kaldi.options(kind, kw, 1, xn.shape[0])
    out = _ta_kaldi.compute(xn, o)
    return torch.from_numpy(out).to(device=waveform.device, dtype=waveform.dtype)


@ta_kaldi_op.register_fake
def _ta_kaldi_fake(waveform, opts):
    from . import _ta_kaldi
    kw = json.loads(opts)
    kind = kw.pop("kind")
    n = int(waveform.shape[0])
    return waveform.new_empty(_ta_kaldi.out_shape(_ta_kaldi.options(kind, kw, 1, n), n))


def _ta_kaldi_vmap(info, in_dims, waveform, opts):
    """torch.vmap's rule: the op over each waveform of the batch, stacked."""
    bd = in_dims[0]
    if bd is None:
        return ta_kaldi_op(waveform, opts), None
    x = waveform.movedim(bd, 0)
    kw = json.loads(opts)
    clip = list(kw.get("_clip", ()))
    out = []
    for i in range(x.shape[0]):   # each clip its own dither noise (wmel._ta_kaldi.clip_seed)
        kw["_clip"] = clip + [i]
        out.append(ta_kaldi_op(x[i], json.dumps(kw)))
    return torch.stack(out), 0


ta_kaldi_op.register_vmap(_ta_kaldi_vmap)


def _ta_kaldi_setup(ctx, inputs, output):
    ctx.save_for_backward(inputs[0])
    ctx.opts = inputs[1]


def _ta_kaldi_backward(ctx, grad):
    """The gradient with respect to the samples: wmel._ta_kaldi.backward, torchaudio's chain
    rule in numpy float64 (on the host; returned on the input's device and in its dtype)."""
    (waveform,) = ctx.saved_tensors
    return ta_kaldi_grad(waveform, ctx.opts, grad), None


@torch.library.custom_op("wmel::ta_kaldi_grad", mutates_args=())
def ta_kaldi_grad(waveform: torch.Tensor, opts: str, grad: torch.Tensor) -> torch.Tensor:
    """The gradient of sum(grad * ta_kaldi(waveform, opts)) with respect to waveform."""
    from . import _ta_kaldi
    kw = json.loads(opts)
    kind = kw.pop("kind")
    x = waveform.detach().to("cpu", torch.float64).contiguous().numpy()
    o = _ta_kaldi.options(kind, kw, 1, x.shape[0])
    g = grad.detach().to("cpu", torch.float64).contiguous().numpy()
    gx = _ta_kaldi.backward(x, o, g)
    return torch.from_numpy(gx).to(device=waveform.device, dtype=waveform.dtype)


@ta_kaldi_grad.register_fake
def _ta_kaldi_grad_fake(waveform, opts, grad):
    return torch.empty_like(waveform)


ta_kaldi_op.register_autograd(_ta_kaldi_backward, setup_context=_ta_kaldi_setup)


def ta_kaldi(kind: str, waveform: torch.Tensor, kw: dict) -> torch.Tensor:
    """wmel.kaldi.<kind>(waveform, **kw) of a tensor (channels, n): torchaudio's checks on the
    (logical, under vmap) shape, the channel selected, then the op."""
    from . import _ta_kaldi
    if not waveform.is_floating_point():  # torchaudio's computation needs one too
        raise TypeError(f"waveform must hold floating-point samples (float16, float32 or "
                        f"float64), got {waveform.dtype}")
    if waveform.dim() != 2:
        raise ValueError(f"waveform must be 2-D (channels, samples), got shape "
                         f"{tuple(waveform.shape)}")
    o = _ta_kaldi.options(kind, kw, waveform.shape[0], waveform.shape[1])
    kw = dict({k: o[k] for k in kw}, channel=-1, kind=kind, _seed=o["seed"])
    return ta_kaldi_op(waveform[o["ch"]], json.dumps(kw))


# ---- torchaudio.transforms (wmel.torchaudio.transforms) ---------------------------------------

_TRANSFORMS = {}   # key -> weak reference to the module whose forward the op computes


def transform_key(mod) -> str:
    """The op's handle on a transform module (held weakly: the op never keeps it alive)."""
    import weakref
    key = f"{type(mod).__name__}@{id(mod):x}"
    ref = _TRANSFORMS.get(key)
    if ref is None or ref() is not mod:
        _TRANSFORMS[key] = weakref.ref(mod, lambda _r, k=key: _TRANSFORMS.pop(k, None))
    return key


def _transform(key):
    ref = _TRANSFORMS.get(key)
    mod = ref() if ref is not None else None
    if mod is None:
        raise RuntimeError(f"wmel::ta_transform: the module {key} no longer exists")
    return mod


def _out_dtype(waveform, is_complex):
    if is_complex:
        return torch.complex128 if waveform.dtype == torch.float64 else torch.complex64
    return waveform.dtype


@torch.library.custom_op("wmel::ta_transform", mutates_args=())
def ta_transform(waveform: torch.Tensor, key: str) -> torch.Tensor:
    """A wmel.torchaudio transform's forward on (..., time) samples, computed on the host: the
    result on the input's device, in its dtype (complex for Spectrogram(power=None))."""
    mod = _transform(key)
    a = waveform.detach().to("cpu")
    if a.dtype in (torch.float16, torch.bfloat16):
        a = a.float()
    a = a.contiguous().numpy()
    lead = a.shape[:-1]
    out = mod._np_forward(a.reshape(-1, a.shape[-1]), lead)
    t = torch.from_numpy(np.ascontiguousarray(out))
    return t.to(device=waveform.device, dtype=_out_dtype(waveform, t.is_complex()))


@ta_transform.register_fake
def _ta_transform_fake(waveform, key):
    shape, cplx = _transform(key)._out_shape(tuple(waveform.shape[:-1]), int(waveform.shape[-1]))
    return waveform.new_empty(shape, dtype=_out_dtype(waveform, cplx))


def _ta_transform_vmap(info, in_dims, waveform, key):
    """torch.vmap's rule: each batch element on its own (MFCC's top_db takes one maximum per
    call's blocks, as torchaudio's does per element under vmap)."""
    bd = in_dims[0]
    if bd is None:
        return ta_transform(waveform, key), None
    if torch.is_grad_enabled() and waveform.requires_grad:
        raise RuntimeError("wmel.torchaudio.transforms (under torch.vmap) does not compute "
                           "gradients: pass waveform.detach(), or use torchaudio")
    x = waveform.movedim(bd, 0)
    return torch.stack([ta_transform(x[i], key) for i in range(x.shape[0])]), 0


ta_transform.register_vmap(_ta_transform_vmap)
