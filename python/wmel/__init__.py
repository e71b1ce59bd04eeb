"""wmel -- openai-whisper's exact log-Mel spectrogram, computed by libwmel (C).

numpy in, numpy out (torch in, torch out on the input's device). Drop-ins:
  wmel.log_mel_spectrogram / pad_or_trim / load_audio   openai-whisper (whisper.audio)
  wmel.whisper.patch()                                  swaps them into openai-whisper
  wmel.WhisperFeatureExtractor                          HF transformers
  wmel.FeatureExtractor                                 faster-whisper
The C work runs with the GIL released; a libwmel context (tables, worker threads) is
shared by all threads for each option set (a wmel_ctx is read-only after creation), and at
most 16 are kept: the least recently used one is dropped first.
"""
from __future__ import annotations

import os

import numpy as np

from . import _ctxcache, _wmel  # noqa: F401  (wmel._ctxcache.MAX_CONTEXTS: docs/python.md)
# the package's shared helpers; the private names stay attributes of wmel as well
from ._common import (  # noqa: F401
    CHUNK_LENGTH, HOP_LENGTH, N_FFT, N_FRAMES, N_SAMPLES, SAMPLE_RATE, _ACCEPTS, _HINT,
    _NO_DECODER, _SHAPES, _as_samples, _check_bool, _check_float, _check_int, _check_str, _ctx,
    _decode, _is_torch, _log_mel_np, _on_gpu, _smooth_flag, decoder, load_audio, set_output_cache)
from ._windows import windows
from ._jobs import BatchError, BatchResult, batch
from ._features import backend_info, features, features_batch, frontend_plan, load_cmvn, plan_from, plan_to_json, presets
from ._live import SlidingBuffer, Stream
from .faster_whisper import FeatureExtractor
from . import fixed  # the integer front-end: wmel.fixed.log_mel_spectrogram
from ._diagnosis import diagnose, probes
from ._conformance import VectorsError, vectors, vectors_check
from ._devices import devices
from ._lastrun import last_run

__all__ = [
    "SAMPLE_RATE", "N_FFT", "HOP_LENGTH", "CHUNK_LENGTH", "N_SAMPLES", "N_FRAMES",
    "log_mel_spectrogram", "pad_or_trim", "load_audio", "mel_filters", "windows",
    "WhisperFeatureExtractor", "FeatureExtractor", "BatchFeature", "version", "build_info",
    "decoder", "set_output_cache",
    "batch", "BatchError", "BatchResult",
    "backend_info", "features", "features_batch", "frontend_plan", "load_cmvn", "plan_from", "plan_to_json", "presets",
    "Stream", "SlidingBuffer", "diagnose", "probes", "vectors", "vectors_check", "VectorsError", "devices",
    "last_run",
]


def version() -> str:
    """libwmel's version and the optional parts of this build, e.g.
    '0.1.0 (x86_64 ffmpeg cuda); parts: ffmpeg openblas cuda; decoder: ffmpeg'."""
    parts = _wmel.BUILD_PARTS.split()
    return f"{_wmel.version()}; parts: {' '.join(parts) or 'none'}; decoder: {decoder()}"


def build_info() -> dict:
    """The optional parts of the libwmel in this package (FFmpeg, OpenBLAS for the stem's
    GEMM, CUDA), and what decodes files (see decoder())."""
    parts = _wmel.BUILD_PARTS.split()
    return {"version": _wmel.version().split()[0], "ffmpeg": "ffmpeg" in parts,
            "openblas": "openblas" in parts, "cuda": "cuda" in parts, "vulkan": "vulkan" in parts,
            "decoder": decoder()}


def register_torch_op():
    """Registers torch.ops.wmel.log_mel (done on first use with a tensor) and
    torch.ops.wmel.features (wmel.Features; done on first use of it), and returns log_mel."""
    from . import _torch_features, _torch_op  # noqa: F401
    return _torch_op.log_mel


def log_mel_spectrogram(audio, n_mels: int = 80, padding: int = 0, device=None, *, smooth=None):
    """openai-whisper's log_mel_spectrogram().

    audio: a path (decoded as openai's load_audio), encoded file bytes, a numpy array
    (1-D samples or 2-D batch; float32, int16 / 32768, float16/64 converted), any CPU
    DLPack producer, or a torch tensor. A 2-D batch is normalised with one max over the
    batch, as openai does on a 2-D tensor.
    Returns a float32 numpy array (n_mels, (n + padding) // 160) -- (batch, n_mels, ...)
    for a batch -- or, for a torch tensor or when `device` is given, a torch tensor on
    that device (torch.ops.wmel.log_mel). A CUDA array of another library (CuPy, JAX: a
    kDLCUDA DLPack producer) goes through torch where torch imports; without torch it is
    computed on its device (wmel_cuda_log_mel_device, the legacy default stream) into a
    wmel._wmel.CudaArray (docs/python.md, "torch and DLPack").
    smooth="3x3": the 3x3 average of the result, exactly
    torch.nn.functional.avg_pool2d(x[None], 3, stride=1, padding=1) (zeros outside, / 9),
    per clip; on host arrays fused into the library's normalisation pass.
    """
    n_mels = _check_int(n_mels, "n_mels")
    padding = _check_int(padding, "padding")
    sm = _smooth_flag(smooth)
    if isinstance(audio, (str, os.PathLike)):
        audio = load_audio(audio)
    elif isinstance(audio, (bytes, bytearray, memoryview)):
        audio = load_audio(bytes(audio) if isinstance(audio, memoryview) else audio)
    if _is_torch(audio) or device is not None or _on_gpu(audio):
        try:
            from . import _torch_op
        except ImportError:
            from . import _dlpack_cuda

            if device is None and _dlpack_cuda.is_cuda_dlpack(audio):  # CuPy, JAX, ... without torch
                return _dlpack_cuda.log_mel(audio, n_mels, padding, sm, _ctx)
            raise RuntimeError("this input needs torch (pip install 'wmel[torch]'): "
                               "device= was given, or the array lives on a GPU") from None
        out = _torch_op.log_mel_spectrogram(audio, n_mels, padding, device)
        if sm:
            import torch.nn.functional as F

            out = F.avg_pool2d(out.unsqueeze(-3), 3, stride=1, padding=1).squeeze(-3)
        return out
    return _log_mel_np(_as_samples(audio), n_mels, padding, smooth=sm)


def pad_or_trim(array, length: int = N_SAMPLES, *, axis: int = -1):
    """openai-whisper's pad_or_trim: zero-pad or trim `axis` to `length` (numpy or torch)."""
    length = _check_int(length, "length")
    ndim = len(array.shape) if hasattr(array, "shape") else np.ndim(array)
    if ndim == 0:
        raise ValueError("pad_or_trim: expected an array of samples (at least 1-D), got a "
                         "0-d scalar")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"pad_or_trim: axis {axis!r} is out of range for a {ndim}-D array")
    if _is_torch(array):
        import torch
        import torch.nn.functional as F
        if array.shape[axis] > length:
            array = array.index_select(axis, torch.arange(length, device=array.device))
        if array.shape[axis] < length:
            pad = [(0, 0)] * array.ndim
            pad[axis] = (0, length - array.shape[axis])
            array = F.pad(array, [p for sizes in pad[::-1] for p in sizes])
        return array
    array = np.asarray(array)
    if array.shape[axis] > length:
        array = array.take(indices=range(length), axis=axis)
    if array.shape[axis] < length:
        pad = [(0, 0)] * array.ndim
        pad[axis] = (0, length - array.shape[axis])
        array = np.pad(array, pad)
    return array


def mel_filters(n_mels: int = 80) -> np.ndarray:
    """The Slaney mel filter bank as wmel uses it: float32 (n_mels, 201), like openai's
    mel_filters() (librosa.filters.mel(sr=16000, n_fft=400, n_mels))."""
    out = np.empty((_check_int(n_mels, "n_mels"), N_FFT // 2 + 1), np.float32)
    _wmel.mel_filters(n_mels, out)
    return out


def have_ffmpeg() -> bool:
    """True when this build decodes any format with FFmpeg (else 16 kHz WAV only)."""
    return bool(_wmel.HAVE_DECODER and _wmel.have_ffmpeg())


def __getattr__(name):
    # wmel.hf imports transformers when it is installed (about a second): only on use.
    if name in ("WhisperFeatureExtractor", "BatchFeature"):
        from . import hf
        return getattr(hf, name)
    # wmel.Features (a torch.nn.Module) and its op's spec import torch: only on use.
    if name in ("Features", "features_spec"):
        try:
            from . import _torch_features
        except ModuleNotFoundError as e:
            if e.name != "torch":
                raise
            raise ModuleNotFoundError(f"wmel.{name} is a torch op's: it needs torch (pip install torch); "
                                      "wmel.features computes the same without it", name="torch") from None
        return getattr(_torch_features, name)
    raise AttributeError(f"module 'wmel' has no attribute {name!r}")

