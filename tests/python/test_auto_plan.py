"""AUTO's planner mode through the binding: _wmel.Ctx(auto_plan=...) sets
wmel_params.auto_plan (WMEL_AUTO_MEASURE, ESTIMATE, MEASURE_ANY); ESTIMATE never times (the
reason names no timing), a value not a WMEL_AUTO_* raises ValueError naming the field, and
the mode changes no byte of a ctx asked for by name."""
import numpy as np
import pytest

from wmel import _wmel


def test_constants():
    assert (_wmel.AUTO_MEASURE, _wmel.AUTO_ESTIMATE, _wmel.AUTO_MEASURE_ANY) == (0, 1, 2)


def test_estimate_never_times():
    ctx = _wmel.Ctx(backend=_wmel.BACKEND_AUTO, auto_plan=_wmel.AUTO_ESTIMATE, n_threads=1)
    assert ctx.backend_reason.startswith("AUTO: ")
    assert "timed on" not in ctx.backend_reason, ctx.backend_reason


@pytest.mark.parametrize("bad", [-1, 3, 1000])
def test_invalid_mode(bad):
    for backend in (_wmel.BACKEND_AUTO, _wmel.BACKEND_CPU):
        with pytest.raises(ValueError, match=r"params\.auto_plan %d: expected WMEL_AUTO_MEASURE" % bad) as e:
            _wmel.Ctx(backend=backend, auto_plan=bad)
        assert e.value.status == _wmel.ERR_INVALID_ARG


def test_named_backend_same_bytes():
    x = (0.1 * np.sin(np.arange(16000, dtype=np.float64) * 0.05)).astype(np.float32)
    outs = []
    for mode in (_wmel.AUTO_MEASURE, _wmel.AUTO_ESTIMATE, _wmel.AUTO_MEASURE_ANY):
        ctx = _wmel.Ctx(backend=_wmel.BACKEND_CPU, auto_plan=mode, n_threads=1)
        assert ctx.backend_reason == "asked for by name"
        rows, cols = ctx.features_shape(len(x))
        out = np.empty(rows * cols, np.float32)
        ctx.features(x, out)
        outs.append(out.tobytes())
    assert outs[0] == outs[1] == outs[2]
