"""What the package's modules share: Whisper's constants, the argument rules (ints,
bools, numbers, strings; samples by the rule of each kind of entry point), the shared
libwmel contexts and the computation on host arrays, and decoding (libwmel's FFmpeg, PyAV
or WAV only). wmel re-exports the public names (SAMPLE_RATE ..., decoder, load_audio).
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np

from . import _ctxcache, _pyav, _wmel

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
CHUNK_LENGTH = 30
N_SAMPLES = CHUNK_LENGTH * SAMPLE_RATE  # 480000
N_FRAMES = N_SAMPLES // HOP_LENGTH      # 3000


def _ctx(n_mels: int, backend: int = _wmel.BACKEND_CPU, cuda_device: int = 0, smooth: int = 0,
         vulkan_device: int = 0):
    """The shared context for (n_mels, backend, device, smoothing), from the package's
    bounded context cache (_ctxcache): hold the returned object while computing with it.
    vulkan_device: wmel_params.vulkan_device (0: the default choice; k: device k - 1)."""
    if n_mels not in (80, 128):
        raise ValueError(f"n_mels must be 80 or 128, got {n_mels!r}")
    return _ctxcache.get(("whisper", n_mels, backend, cuda_device, smooth, vulkan_device),
                         lambda: _wmel.Ctx(n_mels=n_mels, backend=backend,
                                           cuda_device=cuda_device, smooth=smooth,
                                           vulkan_device=vulkan_device))


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


def _nonfinite(v):
    """The first float in v (a number, or a list / tuple / array of them, nested) that is not
    finite, else None."""
    if isinstance(v, (bool, np.bool_, str, bytes)) or v is None:
        return None
    if isinstance(v, (float, np.floating)):
        return None if math.isfinite(float(v)) else v
    if isinstance(v, np.ndarray) and v.dtype.kind in "fc":
        bad = ~np.isfinite(v)
        return v[bad].flat[0] if bad.any() else None
    if isinstance(v, (list, tuple)):
        for x in v:
            b = _nonfinite(x)
            if b is not None:
                return b
    return None


def check_finite_options(where: str, options) -> None:
    """The one rule for float options (constructor arguments, configuration fields, keyword
    options): ValueError naming the first option in `options` (a dict, or (name, value)
    pairs) whose value holds NaN or an infinity -- no option of a wmel front-end or drop-in
    computes anything meaningful from them. None stays: where an option takes None, it is
    the original's own meaning (e.g. f_max=None)."""
    items = options.items() if isinstance(options, dict) else options
    for k, v in items:
        b = _nonfinite(v)
        if b is not None:
            shown = v if isinstance(v, (float, np.floating)) else f"{type(v).__name__} holding {b!r}"
            raise ValueError(f"{where}: {k}={shown!r}: not a finite number (NaN and infinities are "
                             "refused: give a finite value)" if isinstance(v, (float, np.floating)) else
                             f"{where}: {k}: {shown}: not finite (NaN and infinities are refused: give "
                             "finite values)")


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


# DLPack's device types (dlpack.h DLDeviceType) that a producer may report
_DL_DEVICES = {2: "CUDA", 4: "OpenCL", 7: "Vulkan", 8: "Metal", 9: "VPI", 10: "ROCm", 11: "ROCm host",
               12: "an extension device", 13: "CUDA managed", 14: "oneAPI", 15: "WebGPU", 16: "Hexagon",
               17: "MAIA"}


def _device_refusal(name: str, dev) -> str:
    """Why a DLPack producer's device memory is not taken by a call that computes on the CPU."""
    kind = int(dev[0])
    what = f"{name} lives in {_DL_DEVICES.get(kind, 'an unknown device')}'s memory (DLPack device {tuple(dev)})"
    if kind == 7:
        return (what + ": a DLPack Vulkan tensor is a handle inside its producer's own VkDevice, which "
                "no other Vulkan instance can import; wmel takes another Vulkan device's memory only "
                "from C, by an exported memory file descriptor (wmel_vulkan_features_device, "
                "docs/vulkan.md). Copy it to the host first (this call computes on the CPU)")
    if kind == 2:
        return (what + ": this call computes on the CPU " + ("(this wmel was built without CUDA)" if not
                _wmel.HAVE_CUDA else "(features, features_batch and log_mel_spectrogram take CUDA "
                "memory on the device)") + "; pass a torch tensor for the torch path, or copy it to the "
                "host first")
    return what + ": no wmel backend computes there; copy it to the host first (this call computes on the CPU)"


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
            raise RuntimeError(_device_refusal(name, dev))
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


_OUT_CACHED = 1 << 20  # floats (4 MiB): smaller outputs come from numpy (glibc reuses them)


def _out_array(shape) -> np.ndarray:
    """An unset float32 output array of this shape; from 4 MiB up, its memory is libwmel's
    (huge pages asked for) and goes back to the output cache when the array dies, so that
    the next call's output of about that size is memory already mapped (set_output_cache)."""
    n = math.prod(shape)
    if n < _OUT_CACHED:
        return np.empty(shape, np.float32)
    return np.frombuffer(_wmel.out_buffer(n), np.float32, count=n).reshape(shape)


def set_output_cache(max_bytes: int) -> int:
    """The most bytes of output memory kept for reuse after an output array dies (one
    block; default 256 MiB); 0 keeps none. Returns the previous limit. Outputs under 4 MiB
    come from numpy's allocator, whose freed blocks glibc keeps in the heap anyway; a larger
    block would go back to the system, and the next output's pages be mapped and zeroed
    again as they are first written (at 600 s, a fifth of a spectrogram's call)."""
    return _wmel.set_output_cache(_check_int(max_bytes, "max_bytes"))


def _log_mel_np(a: np.ndarray, n_mels: int, padding: int, per_clip: bool = False,
                smooth: int = 0, vulkan_device=None) -> np.ndarray:
    """The computation on host arrays from _as_samples: (n_mels, frames) for 1-D input,
    (batch, n_mels, frames) for 2-D (one max over the batch, or one per clip); on the CPU,
    or on Vulkan where vulkan_device is not None (wmel_params.vulkan_device)."""
    if vulkan_device is None:
        ctx = _ctx(n_mels, smooth=smooth)
    else:
        ctx = _ctx(n_mels, _wmel.BACKEND_VULKAN, smooth=smooth, vulkan_device=vulkan_device)
    if a.ndim == 1:
        out = _out_array((n_mels, _wmel.n_frames(a.shape[0], padding)))
        ctx.log_mel(a, padding, out)
        return out
    b, n = a.shape
    out = _out_array((b, n_mels, _wmel.n_frames(n, padding)))
    ctx.log_mel_batch(a, b, n, n, padding,
                      _wmel.BATCH_PER_CLIP if per_clip else _wmel.BATCH_GLOBAL, out)
    return out


def _smooth_flag(smooth) -> int:
    if smooth is None or smooth is False:
        return 0
    if smooth == "3x3":
        return _wmel.SMOOTH_3X3
    raise ValueError(f"smooth must be None or '3x3', got {smooth!r}")


_NO_DECODER = ("this build has no audio decoder for this file: pip install av, or rebuild wmel "
               "with FFmpeg (apt-get install libavformat-dev libavcodec-dev libswresample-dev)")


def decoder() -> str:
    """What decodes paths and bytes: 'ffmpeg' (libwmel's FFmpeg), 'pyav' (this build has no
    FFmpeg; PyAV's is used), or 'wav' (neither: 16 kHz mono WAV only)."""
    if _wmel.HAVE_DECODER and _wmel.have_ffmpeg():
        return "ffmpeg"
    return "pyav" if _pyav.available() else "wav"


def _decode(src):
    """(float32 samples or a Buffer of them, warning) for a path or encoded bytes."""
    if not isinstance(src, (str, os.PathLike, bytes, bytearray, memoryview)):
        raise TypeError(f"expected a path or bytes, got {type(src).__name__}")
    how = decoder()
    if how == "pyav":
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
