"""The binding's device-pointer entry point, Ctx.log_mel_device: the call torch's CUDA
kernel of torch.ops.wmel.log_mel makes with data_ptr() and the current stream, driven
here without torch: device buffers come from a CUDA runtime library loaded with ctypes
(the emulator's in a -DWMEL_CUDA=EMU build, libcudart on a machine with a GPU).

Skips unless the extension can make a CUDA ctx and a runtime library is loadable (so in
`make test`, whose extension is CPU-only, it skips; bench/gpu_check.sh runs it, on a GPU
and on the emulator)."""
import ctypes
import os

import numpy as np
import pytest

import wmel
from wmel import _wmel

N = 48000  # 3 s: 301 frames


def _cuda_ctx():
    try:
        return _wmel.Ctx(n_mels=80, backend=_wmel.BACKEND_CUDA)
    except (RuntimeError, ValueError, TypeError) as e:
        pytest.skip(f"libwmel has no usable CUDA device here: {e}")


def _runtime():
    names = ["libwmel_cudaemu.so", "libcudart.so", "libcudart.so.13", "libcudart.so.12"]
    cuda = os.environ.get("CUDA_PATH", "/usr/local/cuda")
    names += [os.path.join(cuda, "lib64", n) for n in ("libcudart.so", "libcudart.so.13", "libcudart.so.12")]
    for name in names:
        try:
            rt = ctypes.CDLL(name)
        except OSError:
            continue
        rt.cudaMalloc.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
        rt.cudaMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        rt.cudaFree.argtypes = [ctypes.c_void_p]
        rt.cudaStreamSynchronize.argtypes = [ctypes.c_void_p]
        return rt
    pytest.skip("no CUDA runtime library to allocate device memory with")


class _Dev:
    """A device buffer holding an array (or room for `nbytes`)."""

    H2D, D2H = 1, 2

    def __init__(self, rt, array=None, nbytes=0):
        self.rt = rt
        self.ptr = ctypes.c_void_p()
        nbytes = array.nbytes if array is not None else nbytes
        assert rt.cudaMalloc(ctypes.byref(self.ptr), nbytes) == 0, "cudaMalloc"
        if array is not None:
            a = np.ascontiguousarray(array)
            assert rt.cudaMemcpy(self.ptr, a.ctypes.data, a.nbytes, self.H2D) == 0, "upload"

    def read(self, shape, dtype=np.float32):
        out = np.empty(shape, dtype=dtype)
        assert self.rt.cudaMemcpy(out.ctypes.data, self.ptr, out.nbytes, self.D2H) == 0, "download"
        return out

    def free(self):
        self.rt.cudaFree(self.ptr)


def _clips():
    t = np.arange(N) / 16000.0
    return np.stack([(0.1 + 0.2 * c) * np.sin(2 * np.pi * (200 + 150 * c) * t * (1 + t)) for c in range(3)]
                    ).astype(np.float32)


@pytest.mark.parametrize("s16", [False, True])
def test_device_pointers_match_the_cpu(s16):
    ctx, rt = _cuda_ctx(), _runtime()
    x = _clips()
    xin = (x * 30000).astype(np.int16) if s16 else x
    want = np.stack([wmel.log_mel_spectrogram(c.astype(np.float32) / 32768 if s16 else c) for c in xin])
    nf = want.shape[-1]
    d_in, d_out = _Dev(rt, xin), _Dev(rt, nbytes=want.nbytes)
    try:
        ctx.log_mel_device(d_in.ptr.value, 1 if s16 else 0, 3, N, N, 0, _wmel.BATCH_PER_CLIP, d_out.ptr.value,
                           want.size, 0)
        assert rt.cudaStreamSynchronize(None) == 0
        got = d_out.read((3, 80, nf))
    finally:
        d_in.free()
        d_out.free()
    assert np.abs(got - want).max() <= 2e-5
    assert ctx.op_backend(3) == "cuda"  # WMEL_OP_DEVICE


def test_device_errors_are_exceptions():
    ctx, rt = _cuda_ctx(), _runtime()
    d = _Dev(rt, nbytes=4 * N)
    try:
        with pytest.raises(ValueError, match="too small"):  # output shorter than 80 x 301
            ctx.log_mel_device(d.ptr.value, 0, 1, N, N, 0, _wmel.BATCH_PER_CLIP, d.ptr.value, 100, 0)
        with pytest.raises(ValueError):  # no such sample type
            ctx.log_mel_device(d.ptr.value, 7, 1, N, N, 0, _wmel.BATCH_PER_CLIP, d.ptr.value, 80 * 301, 0)
        with pytest.raises(ValueError):  # NULL samples
            ctx.log_mel_device(0, 0, 1, N, N, 0, _wmel.BATCH_PER_CLIP, d.ptr.value, 80 * 301, 0)
        with pytest.raises(ValueError):  # 200 samples cannot be reflect-padded
            ctx.log_mel_device(d.ptr.value, 0, 1, 200, 200, 0, _wmel.BATCH_PER_CLIP, d.ptr.value, 80 * 301, 0)
    finally:
        d.free()
