"""test_dlpack.py -- DLPack both ways: outputs export __dlpack__/__dlpack_device__ (CPU,
shared memory), inputs are taken from any CPU DLPack producer without a copy, and a
producer on a GPU is refused with a clear message when torch is absent and the build has no
CUDA (with CUDA: tests/python/test_dlpack_cuda.py)."""
import sys

import numpy as np
import pytest

import wmel


class Producer:
    """A minimal DLPack producer that is not a numpy array (like a JAX/CuPy array)."""

    def __init__(self, arr, device=(1, 0)):
        self.arr, self.device, self.calls = arr, device, 0

    def __dlpack__(self, stream=None, **kw):
        self.calls += 1
        return self.arr.__dlpack__()

    def __dlpack_device__(self):
        return self.device


def test_output_is_dlpack_exportable():
    x = (np.random.default_rng(5).standard_normal(8000) * 0.1).astype(np.float32)
    m = wmel.log_mel_spectrogram(x)
    assert m.__dlpack_device__() == (1, 0)  # kDLCPU
    y = np.from_dlpack(m)
    assert np.shares_memory(y, m) and y.shape == (80, 50)


def test_cpu_producer_input_matches_numpy():
    x = (np.random.default_rng(6).standard_normal(8000) * 0.1).astype(np.float32)
    np.testing.assert_array_equal(wmel.log_mel_spectrogram(Producer(x)), wmel.log_mel_spectrogram(x))
    b = np.stack([x, x[::-1].copy()])
    np.testing.assert_array_equal(wmel.log_mel_spectrogram(Producer(b)), wmel.log_mel_spectrogram(b))


def test_inputs_are_not_copied(monkeypatch):
    # float32 C-contiguous numpy and CPU DLPack inputs reach the C call as the same memory
    from wmel import _common, _wmel
    seen = []
    real = _common._ctx

    class Spy:
        def __init__(self, c):
            self.c = c

        def log_mel(self, a, padding, out):
            seen.append(a)
            return self.c.log_mel(a, padding, out)

    monkeypatch.setattr(_common, "_ctx", lambda n, *a, **k: Spy(real(n, *a, **k)))
    x = np.zeros(4000, np.float32)
    x[::7] = 0.25
    wmel.log_mel_spectrogram(x)
    wmel.log_mel_spectrogram(Producer(x))
    assert all(np.shares_memory(s, x) for s in seen) and len(seen) == 2
    assert _wmel.n_frames(4000, 0) == 25


def test_gpu_producer_without_torch(monkeypatch):
    if "torch" in sys.modules:
        pytest.skip("torch is loaded: a GPU producer would go through torch")
    monkeypatch.setitem(sys.modules, "torch", None)  # make `import torch` fail
    g = Producer(np.zeros(4000, np.float32), device=(2, 0))  # kDLCUDA
    from wmel import _wmel
    if _wmel.HAVE_CUDA:  # computed on the device without torch: its capsule must be on it
        with pytest.raises(ValueError, match="says CUDA, its capsule's tensor is on DLPack device"):
            wmel.log_mel_spectrogram(g)
    else:
        with pytest.raises(RuntimeError, match="needs torch"):
            wmel.log_mel_spectrogram(g)
    with pytest.raises(RuntimeError, match="needs torch"):
        wmel.log_mel_spectrogram(np.zeros(4000, np.float32), device="cpu")


def test_features_of_a_cuda_producer_by_build():
    # wmel.features of a producer whose __dlpack_device__ says kDLCUDA: a build with CUDA takes
    # its capsule (whose tensor must then be on the device: tests/python/test_dlpack_cuda.py has
    # the device path), a build without CUDA refuses it as host memory it cannot read
    from wmel import _wmel
    g = Producer(np.zeros(4000, np.float32), device=(2, 0))
    if _wmel.HAVE_CUDA:
        with pytest.raises(ValueError, match="says CUDA, its capsule's tensor is on DLPack device \\(1, 0\\)"):
            wmel.features(g)
    else:
        with pytest.raises(RuntimeError, match="CUDA's memory \\(DLPack device \\(2, 0\\)\\).*built without CUDA"):
            wmel.features(g)


@pytest.mark.parametrize("device,says", [
    ((7, 0), "Vulkan's memory .*no other Vulkan instance can import.*wmel_vulkan_features_device"),
    ((10, 1), "ROCm's memory \\(DLPack device \\(10, 1\\)\\): no wmel backend computes there"),
    ((99, 0), "an unknown device's memory"),
])
def test_other_devices_refused_with_their_reason(device, says):
    # memory no backend reads: the refusal names the device and what the caller can do, and
    # takes no capsule (the producer's __dlpack__ is never called)
    g = Producer(np.zeros(4000, np.float32), device=device)
    with pytest.raises(RuntimeError, match=says):
        wmel.features(g)
    assert g.calls == 0


def test_numpy_versioned_capsule_taken():
    # DLPack 1.0's versioned capsule (numpy >= 2.1 makes one for max_version): the binding's
    # consumer (dlpack_take) takes it and its flags, renames it; the unversioned one too
    from wmel import _wmel
    if tuple(int(v) for v in np.__version__.split(".")[:2]) < (2, 1):
        pytest.skip("numpy before 2.1 makes no versioned capsule")
    x = np.arange(8, dtype=np.float32)
    cap = x.__dlpack__(max_version=(1, 0))
    assert '"dltensor_versioned"' in repr(cap)
    t = _wmel.dlpack_take(cap)
    assert '"used_dltensor_versioned"' in repr(cap)
    info = t.info()
    assert info["version"][0] == 1 and info["device"] == (1, 0) and info["dtype"] == (2, 32, 1)
    assert info["shape"] == (8,) and info["ptr"] == x.ctypes.data and info["flags"] & 1 == 0
    with pytest.raises(ValueError, match="consumed already"):
        _wmel.dlpack_take(cap)
    t.release()
    info = _wmel.dlpack_take(x.__dlpack__()).info()  # no max_version: unversioned
    assert info["version"] is None and info["flags"] == 0
    x.flags.writeable = False
    assert _wmel.dlpack_take(x.__dlpack__(max_version=(1, 0))).info()["flags"] & 1 == 1  # read-only
    # the CPU door (np.from_dlpack) asks a producer for the versioned capsule (a read-only
    # array's, which the unversioned one cannot carry), and takes an older producer's
    y = (np.random.default_rng(7).standard_normal(8000) * 0.1).astype(np.float32)
    ref = wmel.features(y)
    y.flags.writeable = False
    kws = []

    class Versioned:
        def __dlpack__(self, **kw):
            kws.append(kw.get("max_version"))
            return y.__dlpack__(**kw)

        def __dlpack_device__(self):
            return (1, 0)

    np.testing.assert_array_equal(wmel.features(Versioned()), ref)
    assert kws and kws[0] is not None and kws[0][0] >= 1
    np.testing.assert_array_equal(wmel.features(Producer(y.copy())), ref)
