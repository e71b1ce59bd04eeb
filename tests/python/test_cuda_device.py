"""The binding's device-pointer entry points, Ctx.log_mel_device and Ctx.features_device: the
calls torch's CUDA kernel of torch.ops.wmel.log_mel and wmel._torch_op.features_device make
with data_ptr() and the current stream, driven here without torch: device buffers come from
a CUDA runtime library loaded with ctypes (the emulator's in a -DWMEL_CUDA=EMU build,
libcudart on a machine with a GPU); then the torch side with CUDA tensors.

The device tests skip unless the extension can make a CUDA ctx and a runtime library is
loadable (so in `make test`, whose extension is CPU-only, they skip; bench/gpu_check.sh runs
them, on a GPU and on the emulator), the torch ones unless torch sees a CUDA device. The
checks made before any CUDA call (a CPU ctx refused, negative sizes, a tensor that is not a
float32/int16 CUDA tensor of 1 or 2 dimensions) run everywhere (the torch ones with torch)."""
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


# ---- Ctx.features_device: a plan's features (wmel_cuda_features_device) -------------------

PRESETS = ["nemo", "kaldi", "funasr", "whisper", "whisper-128"]
OP_DEVICE = 3  # wmel.h: WMEL_OP_DEVICE


def _plan_ctx(name, backend):
    return _wmel.Ctx(plan=wmel.frontend_plan(plan=name), backend=backend)


def _cuda_plan_ctx(name):
    try:
        return _plan_ctx(name, _wmel.BACKEND_CUDA)
    except (RuntimeError, ValueError, TypeError) as e:
        pytest.skip(f"libwmel has no usable CUDA device here: {e}")


def _host_features(ctx, clips):
    """ctx.features of each clip (float32 samples) on the host: (batch, rows, cols)."""
    rows, cols = ctx.features_shape(clips.shape[1])
    out = np.empty((clips.shape[0], rows, cols), np.float32)
    for b in range(clips.shape[0]):
        ctx.features(np.ascontiguousarray(clips[b]), out[b])
    return out


def test_features_device_refuses_a_cpu_ctx():
    ctx = _plan_ctx("nemo", _wmel.BACKEND_CPU)
    assert ctx.op_backend(OP_DEVICE) == "none"
    assert ctx.cuda_device == 0
    with pytest.raises(RuntimeError, match="backend is cpu|not built") as e:  # before any pointer is read
        ctx.features_device(0, 0, 1, N, N, 0, 0, 0)
    # the status as an attribute: wmel.features tells a refusal from a CUDA failure by it
    assert e.value.status in (_wmel.ERR_BACKEND_UNAVAILABLE, _wmel.ERR_NOT_BUILT)
    assert ("not built" in str(e.value)) == (e.value.status == _wmel.ERR_NOT_BUILT)
    with pytest.raises(RuntimeError, match="backend is cpu|not built"):
        ctx.features_device(0, 0, 0, N, N, 0, 0, 0)  # no clips: the ctx's refusal all the same
    for args, name in [((0, 0, -1, N, N, 0, 0, 0), "batch"), ((0, 0, 1, -1, N, 0, 0, 0), "n_samples"),
                       ((0, 0, 1, N, -1, 0, 0, 0), "stride"), ((0, 0, 1, N, N, 0, -1, 0), "out_len")]:
        with pytest.raises(ValueError, match=name):
            ctx.features_device(*args)
    assert _wmel.Ctx(plan=wmel.frontend_plan(plan="nemo"), backend=_wmel.BACKEND_CPU, cuda_device=1).cuda_device == 1


@pytest.mark.parametrize("s16", [False, True])
@pytest.mark.parametrize("name", PRESETS)
def test_features_device_pointers_match_the_host(name, s16):
    ctx, rt = _cuda_plan_ctx(name), _runtime()
    x = _clips()
    xin = (x * 30000).astype(np.int16) if s16 else x
    if ctx.op_backend(OP_DEVICE) != "cuda":  # a plan the device does not finish: refused, with the reason
        with pytest.raises(RuntimeError, match="wmel_cuda_features_device") as e:
            ctx.features_device(0, 1 if s16 else 0, 0, N, N, 0, 0, 0)
        assert e.value.status == _wmel.ERR_BACKEND_UNAVAILABLE
        return
    want = _host_features(ctx, xin.astype(np.float32) / 32768 if s16 else x)
    d_in, d_out = _Dev(rt, xin), _Dev(rt, nbytes=want.nbytes)
    try:
        ctx.features_device(d_in.ptr.value, 1 if s16 else 0, 3, N, N, d_out.ptr.value, want.size, 0)
        assert rt.cudaStreamSynchronize(None) == 0
        got = d_out.read(want.shape)
    finally:
        d_in.free()
        d_out.free()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    if name.startswith("whisper"):  # Whisper's own kernels on both paths: the same bytes
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
    assert ctx.op_backend(OP_DEVICE) == "cuda"


def test_features_device_errors_are_exceptions():
    ctx, rt = _cuda_plan_ctx("nemo"), _runtime()
    if ctx.op_backend(OP_DEVICE) != "cuda":
        pytest.skip("the nemo preset's finish is kept on the host here")
    rows, cols = ctx.features_shape(N)
    d = _Dev(rt, nbytes=4 * max(N, rows * cols))
    o = _Dev(rt, nbytes=4 * rows * cols)
    try:
        with pytest.raises(ValueError, match="too small"):
            ctx.features_device(d.ptr.value, 0, 1, N, N, o.ptr.value, 100, 0)
        with pytest.raises(ValueError):  # no such sample type
            ctx.features_device(d.ptr.value, 7, 1, N, N, o.ptr.value, rows * cols, 0)
        with pytest.raises(ValueError):  # NULL samples
            ctx.features_device(0, 0, 1, N, N, o.ptr.value, rows * cols, 0)
        with pytest.raises(ValueError):  # the output overlaps the samples
            ctx.features_device(d.ptr.value, 0, 1, N, N, d.ptr.value, rows * cols, 0)
        with pytest.raises(ValueError):  # clips overlap: stride below n
            ctx.features_device(d.ptr.value, 0, 2, N, N - 1, o.ptr.value, 2 * rows * cols, 0)
        with pytest.raises(ValueError):  # no samples
            ctx.features_device(d.ptr.value, 0, 1, 0, 0, o.ptr.value, rows * cols, 0)
    finally:
        d.free()
        o.free()
    whisper = _cuda_ctx()  # Whisper's geometry: taken (no clips: nothing enqueued, no error)
    assert whisper.op_backend(OP_DEVICE) == "cuda"
    whisper.features_device(0, 0, 0, N, N, 0, 0, 0)
    with pytest.raises(ValueError):  # a clip too short for Whisper's reflect padding, as on the host
        whisper.features_device(1, 0, 1, 200, 200, 2, 80, 0)


# ---- the torch side: wmel._torch_op.features_device, wmel.features of a CUDA tensor --------

def _torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    return torch


def test_torch_features_device_argument_checks():
    torch = pytest.importorskip("torch")
    from wmel import _torch_op

    ctx = _plan_ctx("nemo", _wmel.BACKEND_CPU)
    with pytest.raises(TypeError, match="torch tensor"):
        _torch_op.features_device(ctx, np.zeros(N, np.float32))
    with pytest.raises(TypeError, match="float32 or int16"):
        _torch_op.features_device(ctx, torch.zeros(N, dtype=torch.float64))
    with pytest.raises(ValueError, match="1-D"):
        _torch_op.features_device(ctx, torch.zeros(1, 1, N))
    with pytest.raises(ValueError, match="CUDA tensor"):
        _torch_op.features_device(ctx, torch.zeros(N))


@pytest.mark.parametrize("s16", [False, True])
@pytest.mark.parametrize("name", PRESETS)
def test_torch_features_device_matches_the_host(name, s16):
    torch = _torch_cuda()
    from wmel import _torch_op

    ctx = _cuda_plan_ctx(name)
    x = _clips()
    xin = (x * 30000).astype(np.int16) if s16 else x
    t = torch.from_numpy(xin).cuda()
    if ctx.op_backend(OP_DEVICE) != "cuda":
        with pytest.raises(RuntimeError, match="wmel_cuda_features_device"):
            _torch_op.features_device(ctx, t)
        return
    want = _host_features(ctx, xin.astype(np.float32) / 32768 if s16 else x)
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):  # enqueued on torch's current stream
        got = _torch_op.features_device(ctx, t)
    stream.synchronize()
    assert got.is_cuda and got.dtype == torch.float32 and tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.cpu().numpy(), want, rtol=1e-5, atol=1e-5)
    one = _torch_op.features_device(ctx, t[1])  # 1-D: one clip, (rows, cols)
    np.testing.assert_allclose(one.cpu().numpy(), want[1], rtol=1e-5, atol=1e-5)


def test_torch_features_device_layouts():
    torch = _torch_cuda()
    from wmel import _torch_op

    ctx = _cuda_plan_ctx("nemo")
    if ctx.op_backend(OP_DEVICE) != "cuda":
        pytest.skip("the nemo preset's finish is kept on the host here")
    x = _clips()
    want = _host_features(ctx, x)
    wide = torch.zeros(3, N + 64, device="cuda")
    wide[:, :N] = torch.from_numpy(x).cuda()
    got = _torch_op.features_device(ctx, wide[:, :N])  # a row stride of N + 64, taken as it is
    np.testing.assert_allclose(got.cpu().numpy(), want, rtol=1e-5, atol=1e-5)
    cols = torch.from_numpy(np.ascontiguousarray(x.T)).cuda().t()  # stride (1, 3)
    with pytest.raises(ValueError, match="contiguous"):
        _torch_op.features_device(ctx, cols)
    with pytest.raises(ValueError, match="no audio samples"):
        _torch_op.features_device(ctx, torch.zeros(1, 0, device="cuda"))
    with pytest.raises(RuntimeError, match="backend is"):  # a CPU ctx
        _torch_op.features_device(_plan_ctx("nemo", _wmel.BACKEND_CPU), wide)


@pytest.mark.parametrize("name", PRESETS)
def test_features_of_a_cuda_tensor(name):
    torch = _torch_cuda()
    from wmel import _torch_op

    _cuda_plan_ctx(name)  # skips where libwmel has no CUDA device
    x = _clips()
    want = wmel.features(x, plan=name, backend="cuda")
    got = wmel.features(torch.from_numpy(x).cuda(), plan=name, backend="cuda")
    takes = _plan_ctx(name, _wmel.BACKEND_CUDA).op_backend(OP_DEVICE) == "cuda"
    assert takes or not name.startswith("whisper")  # Whisper's geometry stays on the device
    assert _torch_op.cuda_path() == ("device" if takes else "host-copy")
    assert got.is_cuda and tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.cpu().numpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["nemo", "whisper"])
def test_torch_scratch_and_cuda_graph_replay(name):
    """The device scratch from torch's caching allocator (last_run()["scratch"] "torch"), and
    the call captured into a CUDA graph: its replay on new samples gives the direct call's
    bytes (a GPU only)."""
    torch = _torch_cuda()
    from wmel import _torch_device, _torch_op

    ctx = _cuda_plan_ctx(name)
    if ctx.op_backend(OP_DEVICE) != "cuda":
        pytest.skip(f"the {name} preset's finish is kept on the host here")
    x = torch.from_numpy(_clips()).cuda()
    got = wmel.features(x, plan=name, backend="cuda", check=False)
    assert wmel.last_run()["scratch"] == "torch" and _torch_device.last_scratch() == "torch"
    static_in = torch.zeros_like(x)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):  # warm-up outside the capture (the ctx's first call)
        _torch_op.features_device(ctx, static_in)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        static_out = _torch_op.features_device(ctx, static_in)
    for k in range(2):
        static_in.copy_(x * (1.0 + 0.5 * k))
        g.replay()
        want = _torch_op.features_device(ctx, static_in)
        torch.cuda.synchronize()
        assert torch.equal(static_out.view(torch.int32), want.view(torch.int32)), f"replay {k}"
    np.testing.assert_array_equal(got.cpu().numpy(), _torch_op.features_device(ctx, x).cpu().numpy())
