"""test_dlpack_cuda.py -- wmel.features / features_batch of DLPack producers on a CUDA device
that are not torch tensors (CuPy, JAX, ...), without a GPU: the extension built on the CUDA
emulator (WMEL_CUDA=EMU; `make test-emu` builds and runs this file) exports the emulator's
device memory as kDLCUDA capsules (_wmel._emu_array, a CudaArray holding given bytes), and the
emulator counts the copies between host and device memory (_wmel._emu_host_copies). Elsewhere
every test skips, by name."""
import gc

import numpy as np
import pytest

import wmel
from wmel import _wmel

pytestmark = pytest.mark.skipif(
    not getattr(_wmel, "CUDA_EMU", 0),
    reason="needs the extension built on the CUDA emulator (WMEL_CUDA=EMU: make test-emu)")

F32, S16 = (2, 32), (0, 16)  # DLPack (code, bits)


def emu(a, strides=None, offset=0):
    """The emulator's device memory holding array a, a kDLCUDA DLPack producer."""
    code, bits = {np.dtype(np.float32): F32, np.dtype(np.int16): S16, np.dtype(np.float64): (2, 64)}[a.dtype]
    return _wmel._emu_array(np.ascontiguousarray(a).tobytes(), code, bits, a.shape, strides, offset)


def host(out):
    """A CudaArray's values, read back (a copy the test makes)."""
    return np.frombuffer(_wmel.cuda_read(out.ptr, out.nbytes, out.device), np.float32).reshape(out.shape)


def clip(n, seed=1):
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


def copies():
    return _wmel._emu_host_copies()


@pytest.mark.parametrize("preset", [p["name"] for p in wmel.presets()])
def test_every_preset_on_the_device_no_copy(preset):
    x = clip(16000)
    a = emu(x)
    wmel.features(x, plan=preset, backend="cuda")  # the context made (its tables uploaded) first
    c0 = copies()
    out = wmel.features(a, plan=preset, backend="cuda", check=False)
    assert copies() == c0  # not one byte between host and device
    r = wmel.last_run()
    assert (r["input"], r["frames"], r["copies"]) == ("cuda:0", "cuda", [])
    assert type(out).__name__ == "CudaArray" and out.__dlpack_device__() == (2, 0)
    np.testing.assert_array_equal(host(out), wmel.features(x, plan=preset, backend="cuda"))
    assert a.dlpack_streams == [1]  # the legacy default stream, as the protocol spells it
    del out
    gc.collect()
    assert a.dlpack_counts == (1, 1)  # one capsule, its deleter called once


def test_check_scans_on_the_device_only_its_verdict_comes_back():
    x = clip(16000)
    a = emu(x)
    wmel.features(emu(x), backend="cuda")  # the checking context made first
    c0 = copies()
    out = wmel.features(a, backend="cuda")  # check=True: the NaN scan's flag is read back
    c1 = copies()
    assert c1[0] - c0[0] == 1 and c1[1] - c0[1] < 64
    np.testing.assert_array_equal(host(out), wmel.features(x, backend="cuda"))
    bad = x.copy()
    bad[777] = np.nan
    with pytest.raises(ValueError, match="NaN|not finite|finite"):
        wmel.features(emu(bad), backend="cuda")


def test_2d_batch_and_int16_byte_equal_to_the_host_path():
    b = np.stack([clip(12000, 3), clip(12000, 4)])
    out = wmel.features(emu(b), "kaldi", backend="cuda", check=False)
    assert out.shape == (2, 73, 80) and wmel.last_run()["copies"] == []
    np.testing.assert_array_equal(host(out), wmel.features(b, "kaldi", backend="cuda"))
    s = (clip(16000, 5) * 20000).astype(np.int16)
    ref, a = wmel.features(s, "nemo", backend="cuda"), emu(s)
    c0 = copies()
    out = wmel.features(a, "nemo", backend="cuda", check=False)
    assert copies() == c0
    np.testing.assert_array_equal(host(out), ref)
    # a row stride past the samples (a slice of a wider array) is read in place
    wide = np.zeros((2, 12500), np.float32)
    wide[:, :12000] = b
    flat = wide.reshape(-1)
    out = wmel.features(_wmel._emu_array(flat.tobytes(), 2, 32, (2, 12000), (12500, 1)), "kaldi", backend="cuda")
    np.testing.assert_array_equal(host(out), wmel.features(b, "kaldi", backend="cuda"))


def test_batch_of_mixed_lengths_on_the_device():
    xs = [clip(n, i) for i, n in enumerate((16000, 9111, 23456))]
    arrs = [emu(x) for x in xs]
    wmel.features_batch(xs, "seamless", backend="cuda")
    c0 = copies()
    outs = wmel.features_batch(arrs, "seamless", backend="cuda", check=False)
    assert copies() == c0 and wmel.last_run()["copies"] == []
    for o, x in zip(outs, xs):
        np.testing.assert_array_equal(host(o), wmel.features(x, "seamless", backend="cuda"))
    s = [(x * 30000).astype(np.int16) for x in xs]
    outs = wmel.features_batch([emu(v) for v in s], "whisper", backend="cuda")
    for o, v in zip(outs, s):
        np.testing.assert_array_equal(host(o), wmel.features(v, "whisper", backend="cuda"))
    del outs
    gc.collect()
    assert all(a.dlpack_counts == (1, 1) and a.dlpack_streams == [1] for a in arrs)


def test_host_copy_is_reported_and_copy_never_raises():
    x = clip(16000)
    a = emu(x)
    with pytest.raises(ValueError, match="copy='never'.*backend is cpu"):
        wmel.features(a, backend="cpu", copy="never")
    out = wmel.features(a, backend="cpu")
    r = wmel.last_run()
    assert r["copies"] == ["cuda:0 -> host: the samples", "host -> cuda:0: the features"]
    assert "backend is cpu" in r["why"]["copies"]
    np.testing.assert_array_equal(host(out), wmel.features(x, backend="cpu"))
    # a dithered plan stays on the device (its frames draw the CPU's noise): no copy
    out = wmel.features(emu(x), "kaldi", backend="cuda", dither=1.0, copy="never")
    assert wmel.last_run()["copies"] == []
    np.testing.assert_array_equal(host(out), wmel.features(x, "kaldi", backend="cpu", dither=1.0))
    # a plan the device refuses (the log energy of the windowed frame): the device's reason
    with pytest.raises(ValueError, match="copy='never'.*windowed"):
        wmel.features(emu(x), "kaldi", backend="cuda", use_energy=True, raw_energy=False, copy="never")
    out = wmel.features(emu(x), "kaldi", backend="cuda", use_energy=True, raw_energy=False)
    assert len(wmel.last_run()["copies"]) == 2
    np.testing.assert_array_equal(host(out), wmel.features(x, "kaldi", backend="cuda", use_energy=True,
                                                           raw_energy=False))
    with pytest.raises(ValueError, match="copy='never'.*backend is cpu"):
        wmel.features_batch([emu(x), emu(x[:9000])], backend="cpu", copy="never")
    outs = wmel.features_batch([emu(x), emu(x[:9000])], backend="cpu")
    assert len(wmel.last_run()["copies"]) == 2
    np.testing.assert_array_equal(host(outs[1]), wmel.features(x[:9000], backend="cpu"))
    del out, outs
    gc.collect()
    assert a.dlpack_counts == (2, 2)


def test_refusals_name_the_layout_and_the_dtype():
    x = clip(16000)
    a = emu(np.repeat(x, 2), strides=(2,))
    with pytest.raises(ValueError, match="strides \\(2,\\).*contiguous"):
        wmel.features(a, backend="cuda")
    d = emu(x.astype(np.float64))
    with pytest.raises(TypeError, match="dtype float64.*float32 or int16"):
        wmel.features(d, backend="cuda")
    e = _wmel._emu_array(x.tobytes(), 2, 32, (2, 2, 4000))
    with pytest.raises(ValueError, match="1-D \\(samples\\) or 2-D"):
        wmel.features(e, backend="cuda")
    with pytest.raises(TypeError, match="clip 1: .*dtype float64"):
        wmel.features_batch([emu(x), d], backend="cuda")
    gc.collect()
    assert a.dlpack_counts == (1, 1) and d.dlpack_counts == (2, 2) and e.dlpack_counts == (1, 1)


def test_capsule_taken_once():
    a = emu(clip(4000))
    cap = a.__dlpack__(stream=1)
    t = _wmel.dlpack_take(cap)
    with pytest.raises(ValueError, match="consumed already"):
        _wmel.dlpack_take(cap)
    assert a.dlpack_counts == (1, 0)
    t.release()
    t.release()
    assert a.dlpack_counts == (1, 1)
    a.__dlpack__()  # a capsule never consumed calls the deleter when it dies
    gc.collect()
    assert a.dlpack_counts == (2, 2)


def test_output_is_a_cuda_dlpack_producer():
    x = clip(16000)
    out = wmel.features(emu(x), "nemo", backend="cuda")
    assert out.__dlpack_device__() == (2, 0) and out.shape == (80, 101)
    for stream in (None, 1, 2, -1):
        info = _wmel.dlpack_take(out.__dlpack__(stream=stream)).info()
        assert info["ptr"] == out.ptr and info["device"] == (2, 0) and info["dtype"] == (2, 32, 1)
        assert info["shape"] == (80, 101) and info["strides"] == (101, 1)
    h = _wmel._emu_stream()  # a consumer's own stream: made to wait for the computation
    _wmel.dlpack_take(out.__dlpack__(stream=h, dl_device=(2, 0), max_version=(1, 0))).release()
    _wmel._emu_stream(h)
    with pytest.raises(ValueError, match="stream=0.*disallowed"):
        out.__dlpack__(stream=0)
    with pytest.raises(BufferError, match="dl_device"):
        out.__dlpack__(dl_device=(1, 0))
    with pytest.raises(BufferError, match="copy=True"):
        out.__dlpack__(copy=True)
    gc.collect()
    assert out.dlpack_counts == (5, 5) and out.dlpack_streams == [None, 1, 2, -1, h]


def test_offset_and_device_memory_freed():
    x = clip(16000)
    ref = wmel.features(x, "kaldi", backend="cuda")
    n0 = _wmel._emu_device_allocations()
    a = emu(x, offset=256)  # the tensor's byte_offset is honoured
    out = wmel.features(a, "kaldi", backend="cuda")
    np.testing.assert_array_equal(host(out), ref)
    assert _wmel._emu_device_allocations() == n0 + 2
    cap = out.__dlpack__()
    del out  # the capsule holds the memory
    gc.collect()
    assert _wmel._emu_device_allocations() == n0 + 2
    del cap, a
    gc.collect()
    assert _wmel._emu_device_allocations() == n0


def test_batch_mixing_sample_types_goes_through_the_host():
    x = clip(16000)
    s = (x * 20000).astype(np.int16)
    with pytest.raises(ValueError, match="copy='never'.*mix float32 and int16"):
        wmel.features_batch([emu(x), emu(s)], "nemo", backend="cuda", copy="never")
    outs = wmel.features_batch([emu(x), emu(s)], "nemo", backend="cuda")
    assert len(wmel.last_run()["copies"]) == 2
    np.testing.assert_array_equal(host(outs[1]), wmel.features(s, "nemo", backend="cuda"))


def test_log_mel_spectrogram_without_torch(monkeypatch):
    import sys
    if "torch" in sys.modules:
        pytest.skip("torch is loaded: a CUDA array goes through torch")
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` fails
    x = clip(16000)
    b = np.stack([x, clip(16000, 9) * 3])
    s = (x * 20000).astype(np.int16)
    for audio, kw in ((x, {}), (x, {"n_mels": 128, "padding": 480}), (b, {}), (s, {}), (b, {"smooth": "3x3"})):
        wmel.log_mel_spectrogram(emu(audio), **kw)  # its context made first
        a = emu(audio)
        c0 = copies()
        out = wmel.log_mel_spectrogram(a, **kw)
        assert copies() == c0 and type(out).__name__ == "CudaArray"
        want = wmel.log_mel_spectrogram(audio, **kw)  # the host's CPU kernels: within 2e-5
        assert out.shape == want.shape and np.abs(host(out) - want).max() <= 2e-5
        del out
        gc.collect()
        assert a.dlpack_counts == (1, 1) and a.dlpack_streams == [1]
    with pytest.raises(RuntimeError, match="needs torch"):
        wmel.log_mel_spectrogram(emu(x), device="cuda")


class Forward:
    """A producer over a CudaArray that records each __dlpack__ call's keywords and capsule;
    legacy=True: one from before DLPack 1.0 (no max_version: TypeError, as Python raises)."""

    def __init__(self, a, legacy=False):
        self.a, self.legacy, self.calls, self.caps = a, legacy, [], []

    def __dlpack__(self, stream=None, **kw):
        if self.legacy and kw:
            raise TypeError(f"__dlpack__() got an unexpected keyword argument {next(iter(kw))!r}")
        self.calls.append(dict(kw, stream=stream))
        self.caps.append(self.a.__dlpack__(stream=stream, **kw))
        return self.caps[-1]

    def __dlpack_device__(self):
        return self.a.__dlpack_device__()


def test_versioned_capsules_exported_as_max_version_asks():
    out = wmel.features(emu(clip(16000)), "nemo", backend="cuda")
    for maxv, name, version in ((None, "dltensor", None), ((0, 9), "dltensor", None), ((1, 0), "dltensor_versioned",
                                (1, 0)), ((1, 3), "dltensor_versioned", (1, 0)), ((2, 0), "dltensor_versioned", (1, 0))):
        cap = out.__dlpack__(max_version=maxv, copy=False)
        assert f'"{name}"' in repr(cap), (maxv, repr(cap))
        t = _wmel.dlpack_take(cap)
        assert f'"used_{name}"' in repr(cap)
        info = t.info()
        assert info["version"] == version and info["flags"] == 0  # writable, not a copy
        assert (info["ptr"], info["shape"], info["strides"], info["dtype"]) == (out.ptr, (80, 101), (101, 1), (2, 32, 1))
        with pytest.raises(ValueError, match="consumed already"):
            _wmel.dlpack_take(cap)
        t.release()
    for bad in ("1.0", (1,), (1, 0, 0), (-1, 0), [1, 0]):
        with pytest.raises(TypeError, match="max_version must be None or a \\(major, minor\\) tuple"):
            out.__dlpack__(max_version=bad)
    out.__dlpack__(max_version=(1, 0))  # never consumed: its destructor calls the deleter
    gc.collect()
    assert out.dlpack_counts == (6, 6)


def test_input_versioned_legacy_and_read_only_producers():
    x = clip(16000)
    ref = wmel.features(x, "kaldi", backend="cuda")
    new, old = Forward(emu(x)), Forward(emu(x), legacy=True)
    for p, name in ((new, "used_dltensor_versioned"), (old, "used_dltensor")):
        out = wmel.features(p, "kaldi", backend="cuda")
        assert wmel.last_run()["copies"] == [] and len(p.caps) == 1 and f'"{name}"' in repr(p.caps[0])
        np.testing.assert_array_equal(host(out), ref)
    assert new.calls == [{"stream": 1, "max_version": (1, 0)}] and old.calls == [{"stream": 1}]
    # read-only (DLPack's flag): wmel only reads the samples
    ro = _wmel._emu_array(x.tobytes(), 2, 32, x.shape, None, 0, 0, 1)
    assert _wmel.dlpack_take(ro.__dlpack__(max_version=(1, 0))).info()["flags"] == 1
    np.testing.assert_array_equal(host(wmel.features(ro, "kaldi", backend="cuda")), ref)
    # a batch of both kinds of producers
    outs = wmel.features_batch([Forward(emu(x)), Forward(emu(x[:9000]), legacy=True), ro], "kaldi", backend="cuda")
    assert wmel.last_run()["copies"] == []
    np.testing.assert_array_equal(host(outs[1]), wmel.features(x[:9000], "kaldi", backend="cuda"))
    # another major version: refused, the capsule left to its own destructor (the deleter once)
    v2 = _wmel._emu_array(x.tobytes(), 2, 32, x.shape, None, 0, 0, 0, 2)
    with pytest.raises(BufferError, match="version 2.0: wmel takes DLPack 1.x"):
        wmel.features(v2, "kaldi", backend="cuda")
    del outs, out
    gc.collect()
    assert new.a.dlpack_counts == old.a.dlpack_counts == (1, 1) and ro.dlpack_counts == (3, 3)
    assert v2.dlpack_counts == (1, 1)


def _scratch(nbytes):
    """nbytes of the emulator's device memory (256-byte aligned: an allocation of its own)."""
    return _wmel._emu_array(bytes(nbytes), 1, 8, (nbytes,))


@pytest.mark.parametrize("preset", ["nemo", "kaldi", "whisper"])
def test_caller_scratch_no_allocation_same_bytes(preset):
    ctx = _wmel.Ctx(plan=wmel.frontend_plan(plan=preset), backend=_wmel.BACKEND_CUDA)
    b = np.stack([clip(12000, 6), clip(12000, 7)])
    a = emu(b)
    rows, cols = ctx.features_shape(12000)
    out, mine = emu(np.zeros(2 * rows * cols, np.float32)), emu(np.zeros(2 * rows * cols, np.float32))
    ctx.features_device(a.ptr, 0, 2, 12000, 12000, out.ptr, 2 * rows * cols, 0)  # libwmel's own scratch
    need = ctx.device_scratch(_wmel.CUDA_CALL_FEATURES, 0, 12000, 2)
    assert need > 0
    z = _scratch(need)
    a0, w0 = _wmel._emu_allocs_waits()
    ctx.features_device(a.ptr, 0, 2, 12000, 12000, mine.ptr, 2 * rows * cols, 0, z.ptr, need)
    assert _wmel._emu_allocs_waits() == (a0, w0)  # neither an allocation nor a wait
    assert host(mine).tobytes() == host(out).tobytes()
    with pytest.raises(ValueError, match=f"needs {need}"):
        ctx.features_device(a.ptr, 0, 2, 12000, 12000, mine.ptr, 2 * rows * cols, 0, z.ptr, need - 1)
    # a batch of its own lengths, the same way
    xs = [clip(n, i) for i, n in enumerate((16000, 9111, 23456))]
    arrs = [emu(x) for x in xs]
    shapes = [ctx.features_shape(len(x)) for x in xs]
    outs = [emu(np.zeros(r * c, np.float32)) for r, c in shapes]
    mines = [emu(np.zeros(r * c, np.float32)) for r, c in shapes]
    lens, sizes = [len(x) for x in xs], [r * c for r, c in shapes]
    ctx.features_device_batch([x.ptr for x in arrs], 0, lens, [o.ptr for o in outs], sizes, 0)
    need = ctx.device_scratch(_wmel.CUDA_CALL_FEATURES_BATCH, 0, lens)
    z = _scratch(need)
    a0, w0 = _wmel._emu_allocs_waits()
    ctx.features_device_batch([x.ptr for x in arrs], 0, lens, [o.ptr for o in mines], sizes, 0, z.ptr, need)
    assert _wmel._emu_allocs_waits() == (a0, w0)
    assert all(host(m).tobytes() == host(o).tobytes() for m, o in zip(mines, outs))
    with pytest.raises(ValueError, match=f"needs {need}"):
        ctx.features_device_batch([x.ptr for x in arrs], 0, lens, [o.ptr for o in mines], sizes, 0, z.ptr, need - 1)


def test_last_run_says_libwmel_allocated_the_scratch():
    x = clip(16000)
    wmel.features(emu(x), plan="nemo", backend="cuda", check=False)
    assert wmel.last_run()["scratch"] == "libwmel"
    wmel.features(x, plan="nemo", backend="cuda")
    assert wmel.last_run()["scratch"] is None  # the host path: no device call
