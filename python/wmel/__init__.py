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

import math
import os
import sys

import numpy as np

from . import _ctxcache, _wmel

__all__ = [
    "SAMPLE_RATE", "N_FFT", "HOP_LENGTH", "CHUNK_LENGTH", "N_SAMPLES", "N_FRAMES",
    "log_mel_spectrogram", "pad_or_trim", "load_audio", "mel_filters", "windows",
    "WhisperFeatureExtractor", "FeatureExtractor", "BatchFeature", "version", "build_info",
    "decoder",
    "batch", "BatchError", "BatchResult",
    "features", "frontend_plan",
    "Stream", "SlidingBuffer",
]

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
CHUNK_LENGTH = 30
N_SAMPLES = CHUNK_LENGTH * SAMPLE_RATE  # 480000
N_FRAMES = N_SAMPLES // HOP_LENGTH      # 3000

def _ctx(n_mels: int, backend: int = _wmel.BACKEND_CPU, cuda_device: int = 0, smooth: int = 0):
    """The shared context for (n_mels, backend, device, smoothing), from the package's
    bounded context cache (_ctxcache): hold the returned object while computing with it."""
    if n_mels not in (80, 128):
        raise ValueError(f"n_mels must be 80 or 128, got {n_mels!r}")
    return _ctxcache.get(("whisper", n_mels, backend, cuda_device, smooth),
                         lambda: _wmel.Ctx(n_mels=n_mels, backend=backend,
                                           cuda_device=cuda_device, smooth=smooth))


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
            "openblas": "openblas" in parts, "cuda": "cuda" in parts, "decoder": decoder()}


def _is_torch(x) -> bool:
    # No `import torch` here: it costs seconds, and a tensor can only exist once it is loaded.
    t = sys.modules.get("torch")
    return t is not None and isinstance(x, t.Tensor)


def _check_int(v, name: str, minimum=0, hint: str = "") -> int:
    """An integer argument: int or numpy integer (not bool, not float), >= minimum (None:
    no bound). hint: what the bound means, for the message."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(v).__name__} {v!r}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}{hint}, got {v}")
    return int(v)


def _check_bool(v, name: str) -> bool:
    """A yes/no argument: bool, numpy bool, or the ints 0 and 1 (not strings, not floats)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)) and v in (0, 1):
        return bool(v)
    raise TypeError(f"{name} must be a bool (True/False, or 0/1), got {type(v).__name__} {v!r}")


def _check_float(v, name: str) -> float:
    """A number argument: int, float or their numpy kinds (not bool, not strings), finite."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number (int or float), got {type(v).__name__} {v!r}")
    x = float(v)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {v!r}")
    return x


def _check_str(v, name: str, choices) -> str:
    """One of the strings `choices`."""
    if not isinstance(v, str) or v not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}, "
                         f"got {v!r}")
    return v


def _on_gpu(x) -> bool:
    """A DLPack producer whose memory is not host memory (CUDA, ROCm, ...)."""
    if isinstance(x, np.ndarray) or not hasattr(x, "__dlpack_device__"):
        return False
    return int(x.__dlpack_device__()[0]) not in (1, 3)  # kDLCPU, kDLCUDAHost


def register_torch_op():
    """Registers torch.ops.wmel.log_mel (done on first use with a tensor) and returns it."""
    from . import _torch_op
    return _torch_op.log_mel


# What each kind of entry point takes as samples (the one rule of the package):
#   "float"  wmel's own front-ends: float32 as is; float16/float64 converted; int16 divided
#            by 32768 (kept int16 where the C call takes it, allow_s16)
#   "value"  kaldi-native-fbank's OnlineFbank (samples in the caller's scale): any float or
#            integer dtype, converted to float32 by value, as the original does
#   "real"   torchaudio's fbank (the caller's scale): float16/32/64 only, as the original
#   "int16"  the integer front-end (wmel.fixed): int16 only
# in any byte order; bool, complex, object, string and other dtypes raise TypeError, a
# shape outside `ndims` ValueError, both naming the argument.
_ACCEPTS = {
    "float": "float32 samples (float16/float64 are converted, int16 is divided by 32768)",
    "value": "real samples: a float or integer dtype (converted to float32 by value)",
    "real": "floating-point samples (float16, float32 or float64)",
    "int16": "int16 PCM",
}
_HINT = {
    "int16": " (float audio in [-1, 1]: np.clip(np.round(x * 32768), -32768, 32767)"
             ".astype(np.int16))",
    "real": " (integer samples: waveform.astype(np.float32), in the caller's scale)",
}
_SHAPES = {(1,): "1-D (samples)", (2,): "2-D (channels, samples)",
           (1, 2): "1-D (samples) or 2-D (batch, samples)"}


def _as_samples(audio, *, allow_s16: bool = True, name: str = "audio", ndims=(1, 2),
                kind: str = "float") -> np.ndarray:
    """audio as a C-contiguous numpy array by the rule above (float32, or int16 for "int16"
    and for 1-D int16 with allow_s16), with no copy when it already is one. DLPack
    producers on the CPU are taken without a copy."""
    if isinstance(audio, np.ndarray):
        a = audio
    elif hasattr(audio, "__dlpack__") and hasattr(audio, "__dlpack_device__"):
        dev = audio.__dlpack_device__()
        if int(dev[0]) not in (1, 3):  # kDLCPU, kDLCUDAHost
            raise RuntimeError(
                f"{name} lives on DLPack device {tuple(dev)}: pass a torch tensor for the "
                "torch path, or copy it to the host first (this call computes on the CPU)")
        a = np.from_dlpack(audio)
    else:
        try:
            a = np.asarray(audio)
        except Exception as e:  # ragged lists and the like
            raise TypeError(f"{name}: cannot be read as an array of samples ({e})") from None
    dt = a.dtype
    if dt.kind == "f" and dt.itemsize in (2, 4, 8):
        ok = kind != "int16"
    elif dt.kind in "iu" and dt.itemsize <= 8:
        ok = kind == "value" or (kind in ("float", "int16") and dt.kind == "i" and dt.itemsize == 2)
    else:
        ok = False
    if not ok:
        raise TypeError(f"{name} must hold {_ACCEPTS[kind]}, got dtype {dt}{_HINT.get(kind, '')}")
    if a.ndim not in ndims:
        raise ValueError(f"{name} must be {_SHAPES[tuple(ndims)]}, got shape {a.shape}")
    if not dt.isnative:
        a = a.astype(dt.newbyteorder("="))  # big-endian samples: the same values, native
    if a.dtype == np.float32:
        pass
    elif kind == "int16" or (kind == "float" and a.dtype == np.int16 and allow_s16 and a.ndim == 1):
        pass
    elif kind == "float" and a.dtype == np.int16:
        a = a.astype(np.float32) / np.float32(32768.0)  # exact: a power-of-two scale
    else:
        a = a.astype(np.float32)
    return np.ascontiguousarray(a)


def _log_mel_np(a: np.ndarray, n_mels: int, padding: int, per_clip: bool = False,
                smooth: int = 0) -> np.ndarray:
    """The computation on host arrays from _as_samples: (n_mels, frames) for 1-D input,
    (batch, n_mels, frames) for 2-D (one max over the batch, or one per clip)."""
    ctx = _ctx(n_mels, smooth=smooth)
    if a.ndim == 1:
        out = np.empty((n_mels, _wmel.n_frames(a.shape[0], padding)), np.float32)
        ctx.log_mel(a, padding, out)
        return out
    b, n = a.shape
    out = np.empty((b, n_mels, _wmel.n_frames(n, padding)), np.float32)
    ctx.log_mel_batch(a, b, n, n, padding,
                      _wmel.BATCH_PER_CLIP if per_clip else _wmel.BATCH_GLOBAL, out)
    return out


def _smooth_flag(smooth) -> int:
    if smooth is None or smooth is False:
        return 0
    if smooth == "3x3":
        return _wmel.SMOOTH_3X3
    raise ValueError(f"smooth must be None or '3x3', got {smooth!r}")


def log_mel_spectrogram(audio, n_mels: int = 80, padding: int = 0, device=None, *, smooth=None):
    """openai-whisper's log_mel_spectrogram().

    audio: a path (decoded as openai's load_audio), encoded file bytes, a numpy array
    (1-D samples or 2-D batch; float32, int16 / 32768, float16/64 converted), any CPU
    DLPack producer, or a torch tensor. A 2-D batch is normalised with one max over the
    batch, as openai does on a 2-D tensor.
    Returns a float32 numpy array (n_mels, (n + padding) // 160) -- (batch, n_mels, ...)
    for a batch -- or, for a torch tensor or when `device` is given, a torch tensor on
    that device (torch.ops.wmel.log_mel).
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


_NO_DECODER = ("this build has no audio decoder for this file: pip install av, or rebuild wmel "
               "with FFmpeg (apt-get install libavformat-dev libavcodec-dev libswresample-dev)")


def decoder() -> str:
    """What decodes paths and bytes: 'ffmpeg' (libwmel's FFmpeg), 'pyav' (this build has no
    FFmpeg; PyAV's is used), or 'wav' (neither: 16 kHz mono WAV only)."""
    if _wmel.HAVE_DECODER and _wmel.have_ffmpeg():
        return "ffmpeg"
    from . import _pyav
    return "pyav" if _pyav.available() else "wav"


def _decode(src):
    """(float32 samples or a Buffer of them, warning) for a path or encoded bytes."""
    if not isinstance(src, (str, os.PathLike, bytes, bytearray, memoryview)):
        raise TypeError(f"expected a path or bytes, got {type(src).__name__}")
    how = decoder()
    if how == "pyav":
        from . import _pyav
        return _pyav.decode(src), None
    is_path = isinstance(src, (str, os.PathLike))
    try:
        if how == "ffmpeg":
            return (_wmel.load_audio(os.fspath(src)) if is_path else _wmel.load_audio_memory(src))
        return _wmel.read_wav(os.fspath(src)) if is_path else _wmel.parse_wav(src, "(memory)")
    except ValueError as e:
        if how == "wav" and ("WAV" in str(e) or "unsupported" in str(e)):
            raise ValueError(f"{e}; {_NO_DECODER}") from None
        raise


def load_audio(file, sr: int = SAMPLE_RATE) -> np.ndarray:
    """openai-whisper's load_audio: any file FFmpeg reads (a path, or its bytes), as
    16 kHz mono float32 samples bit-identical to `ffmpeg ... -ar 16000 -f s16le` / 32768.
    Without FFmpeg in this build: 16 kHz mono WAV only. Warnings (a damaged file decoded
    anyway) are issued through the warnings module. Ctrl-C stops a long decode of a path
    within a fraction of a second (KeyboardInterrupt)."""
    if _check_int(sr, "sr") != SAMPLE_RATE:
        raise ValueError(f"wmel decodes to {SAMPLE_RATE} Hz only, got sr={sr}")
    buf, warning = _decode(file)
    if warning:
        import warnings
        warnings.warn(warning, RuntimeWarning, stacklevel=2)
    return buf if isinstance(buf, np.ndarray) else np.frombuffer(buf, dtype=np.float32)


def mel_filters(n_mels: int = 80) -> np.ndarray:
    """The Slaney mel filter bank as wmel uses it: float32 (n_mels, 201), like openai's
    mel_filters() (librosa.filters.mel(sr=16000, n_fft=400, n_mels))."""
    out = np.empty((_check_int(n_mels, "n_mels"), N_FFT // 2 + 1), np.float32)
    _wmel.mel_filters(n_mels, out)
    return out


def have_ffmpeg() -> bool:
    """True when this build decodes any format with FFmpeg (else 16 kHz WAV only)."""
    return bool(_wmel.HAVE_DECODER and _wmel.have_ffmpeg())


from ._windows import windows  # noqa: E402
from ._jobs import BatchError, BatchResult, batch  # noqa: E402
from ._features import features, frontend_plan  # noqa: E402
from ._live import SlidingBuffer, Stream  # noqa: E402


def __getattr__(name):
    # wmel.hf imports transformers when it is installed (about a second): only on use.
    if name in ("WhisperFeatureExtractor", "BatchFeature"):
        from . import hf
        return getattr(hf, name)
    raise AttributeError(f"module 'wmel' has no attribute {name!r}")


from .faster_whisper import FeatureExtractor  # noqa: E402
from . import fixed  # noqa: E402  (the integer front-end: wmel.fixed.log_mel_spectrogram)
