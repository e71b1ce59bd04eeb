"""wmel.devices(): the CPU first, every device with its arithmetic and self-tests, every
preset's verdicts with their reasons, the same answers as wmel_backend_accepts; and the
binding's backend_accepts on a dithered plan and on host memory."""
import pytest

import wmel
from wmel import _wmel


def test_devices_lists_every_preset():
    devs = wmel.devices()
    assert devs[0]["backend"] == "cpu" and devs[0]["arithmetic"].startswith("float32 ")
    names = sorted(p["name"] for p in wmel.presets())
    for d in devs:
        assert d["name"] and d["kind"] and d["self_test"] and isinstance(d["usable"], bool)
        assert sorted(d["presets"]) == names
        for v in d["presets"].values():
            assert isinstance(v["frames"], bool) and v["why"] and v["finish_why"] and v["device_memory_why"]
        if d["backend"] == "vulkan":
            assert "float-float self-test" in d["self_test"]
    cpu = devs[0]["presets"]["nemo"]
    assert cpu["frames"] and cpu["finish"] and not cpu["device_memory"]
    assert "host memory only" in cpu["device_memory_why"]


def test_devices_some_presets():
    devs = wmel.devices(["nemo", "kaldi"])
    assert all(sorted(d["presets"]) == ["kaldi", "nemo"] for d in devs)
    with pytest.raises(ValueError, match="not a built-in preset"):
        wmel.devices(["nope"])


def test_backend_accepts_reasons():
    plan = wmel.plan_from("kaldi")
    plan["dither"] = 1.0
    assert _wmel.backend_accepts(2, plan, 0)[0] == 1  # the CPU computes it
    ok, why = _wmel.backend_accepts(2, plan, 3)  # no device memory on the CPU
    assert ok == 0 and "host memory only" in why
    windowed = dict(plan, use_energy=True, energy_windowed=True)
    for backend in (3, 4):  # CUDA, Vulkan: the devices draw the dither's noise; the windowed energy is the host's
        try:
            ok, why = _wmel.backend_accepts(backend, plan, 0)
        except RuntimeError as e:  # not built
            assert "not built" in str(e)
            continue
        assert ok == 1 and "general algorithm" in why
        assert backend == 3 or why.startswith("the dither's noise needs float64"), why
        ok, why = _wmel.backend_accepts(backend, windowed, 0)
        assert ok == 0 and "windowed" in why
    with pytest.raises(ValueError, match="op 9"):
        _wmel.backend_accepts(2, plan, 9)
