"""The CUDA backend's arithmetic through the binding: _wmel.Ctx(cuda_arith=...) sets
wmel_params.cuda_arith (_wmel.CUDA_ARITH_AUTO, _FLOAT64, _FLOAT_FLOAT), and wmel.features /
features_batch / backend_info take cuda_arith="auto"|"float64"|"float-float" (or those
constants); another value raises ValueError naming the field and the accepted values. On the
CUDA emulator's build (CTest's test_py_dlpack_cuda runs this file there) the context's kernel,
as backend_info() and wmel.last_run() report it, is the arithmetic asked for, for a host
array and for a CUDA DLPack array; elsewhere the arithmetic changes no byte of a CPU ctx."""
import numpy as np
import pytest

import wmel
from wmel import _wmel

emu_only = pytest.mark.skipif(not getattr(_wmel, "CUDA_EMU", 0),
                              reason="needs the extension built on the CUDA emulator (WMEL_CUDA=EMU)")


def clip(n=16000, seed=3):
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


def test_constants_are_the_c_enum():
    assert (_wmel.CUDA_ARITH_AUTO, _wmel.CUDA_ARITH_FLOAT64, _wmel.CUDA_ARITH_FLOAT_FLOAT) == (0, 1, 2)


@pytest.mark.parametrize("bad", [-1, 3, 1000])
def test_ctx_refuses_another_value(bad):
    for backend in (_wmel.BACKEND_CPU, _wmel.BACKEND_AUTO):
        with pytest.raises(ValueError, match=r"params\.cuda_arith %d: expected WMEL_CUDA_ARITH_AUTO \(0\), "
                                             r"WMEL_CUDA_ARITH_FLOAT64 \(1\) or WMEL_CUDA_ARITH_FLOAT_FLOAT \(2\)"
                           % bad) as e:
            _wmel.Ctx(backend=backend, cuda_arith=bad, n_threads=1)
        assert e.value.status == _wmel.ERR_INVALID_ARG


@pytest.mark.parametrize("bad", ["double", "float32", "FLOAT64", 3, -1, True, 1.0, None])
def test_features_refuse_another_value(bad):
    x = clip(4000)
    msg = r"cuda_arith must be 'auto', 'float64' or 'float-float' .*WMEL_CUDA_ARITH_FLOAT_FLOAT 2\), got"
    with pytest.raises(ValueError, match=msg):
        wmel.features(x, backend="cpu", cuda_arith=bad)
    with pytest.raises(ValueError, match=msg):
        wmel.features_batch([x], backend="cpu", cuda_arith=bad)
    with pytest.raises(ValueError, match=msg):
        wmel.backend_info(backend="cpu", cuda_arith=bad)


def test_every_value_taken_and_a_cpu_ctx_unchanged():
    x = clip()
    ref = wmel.features(x, "nemo", backend="cpu", threads=1)
    for v in ("auto", "float64", "float-float", _wmel.CUDA_ARITH_AUTO, _wmel.CUDA_ARITH_FLOAT64,
              _wmel.CUDA_ARITH_FLOAT_FLOAT, np.int32(2)):
        np.testing.assert_array_equal(wmel.features(x, "nemo", backend="cpu", threads=1, cuda_arith=v), ref)
        np.testing.assert_array_equal(wmel.features_batch([x], "nemo", backend="cpu", threads=1, cuda_arith=v)[0],
                                      ref)
    for v in (_wmel.CUDA_ARITH_AUTO, _wmel.CUDA_ARITH_FLOAT64, _wmel.CUDA_ARITH_FLOAT_FLOAT):
        ctx = _wmel.Ctx(backend=_wmel.BACKEND_CPU, cuda_arith=v, n_threads=1)
        assert ctx.backend == "cpu"


@emu_only
@pytest.mark.parametrize("plan", [None, "nemo"])
def test_the_kernel_follows_the_arithmetic(plan):
    x = clip()
    kind = {"float64": "cuda-f64", "float-float": "cuda-ff"}
    outs = {}
    for name, prefix in kind.items():
        info = wmel.backend_info(plan=plan, backend="cuda", cuda_arith=name)
        assert info["backend"] == "cuda" and info["kernel"].startswith(prefix), (name, info)
        outs[name] = wmel.features(x, plan=plan, backend="cuda", cuda_arith=name)
        r = wmel.last_run()
        assert r["kernel"].startswith(prefix) and r["frames"] in ("cuda", "cpu"), (name, r)
        outs[name + " batch"] = wmel.features_batch([x, x[:9000]], plan=plan, backend="cuda", cuda_arith=name)[0]
        assert wmel.last_run()["kernel"].startswith(prefix)
    # both arithmetics are held to the same bar: the features agree far inside float32's noise
    assert np.abs(outs["float64"] - outs["float-float"]).max() <= 1e-4
    np.testing.assert_array_equal(outs["float64"], outs["float64 batch"])
    np.testing.assert_array_equal(outs["float-float"], outs["float-float batch"])
    # the constants give the same contexts' kernels as the names
    ctx = _wmel.Ctx(backend=_wmel.BACKEND_CUDA, cuda_arith=_wmel.CUDA_ARITH_FLOAT_FLOAT, n_threads=1)
    assert ctx.kernel.startswith("cuda-ff"), ctx.kernel
    ctx = _wmel.Ctx(backend=_wmel.BACKEND_CUDA, cuda_arith=_wmel.CUDA_ARITH_FLOAT64, n_threads=1)
    assert ctx.kernel.startswith("cuda-f64"), ctx.kernel


@emu_only
def test_a_cuda_dlpack_array_on_the_arithmetic_asked_for():
    x = clip()
    for name, prefix in (("float-float", "cuda-ff"), ("float64", "cuda-f64")):
        a = _wmel._emu_array(x.tobytes(), 2, 32, x.shape)
        out = wmel.features(a, "kaldi", backend="cuda", cuda_arith=name)
        r = wmel.last_run()
        assert r["kernel"].startswith(prefix) and r["frames"] == "cuda" and r["copies"] == [], r
        got = np.frombuffer(_wmel.cuda_read(out.ptr, out.nbytes, out.device), np.float32).reshape(out.shape)
        np.testing.assert_array_equal(got, wmel.features(x, "kaldi", backend="cuda", cuda_arith=name))
