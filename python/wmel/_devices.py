"""wmel.devices(): each device of each backend in this libwmel (the CPU with its ISA level,
each CUDA and Vulkan device), its arithmetic, its self-tests' results, and for each preset
whether its frames and finish run there or why not (wmel_backend_accepts, answered from the
plan before any context is made; `wmel devices` prints the same)."""
from __future__ import annotations

from . import _wmel
from ._features import _preset_plan, _preset_texts

_BACKENDS = {1: "ref", 2: "cpu", 3: "cuda", 4: "vulkan"}
# wmel.h's WMEL_OP_*: the frames of clips in host memory, their finish, device memory
_OP_FRAMES, _OP_DEVICE, _OP_FINISH = 0, 3, 5


def _verdict(backend: int, usable: bool, self_test: str, plan: dict) -> dict:
    if not usable:
        why = f"no arithmetic runs on this device ({self_test})"
        return {"frames": False, "why": why, "finish": False, "finish_why": why,
                "device_memory": False, "device_memory_why": why}
    out = {}
    for key, op in (("frames", _OP_FRAMES), ("finish", _OP_FINISH), ("device_memory", _OP_DEVICE)):
        ok, why = _wmel.backend_accepts(backend, plan, op)
        out[key] = bool(ok)
        out["why" if key == "frames" else key + "_why"] = why
    return out


def devices(presets=None) -> list:
    """One dict per device, the CPU first: "backend" ("cpu", "cuda", "vulkan"), "index" (its
    place in its backend: backend="vulkan" device index + 1 for wmel_params.vulkan_device),
    "name", "kind", "arithmetic" ("float32 avx512", "float64", "float-float", "none"),
    "usable", "self_test" (the self-tests' results, a sentence) and "presets": for each
    preset (all, or the names given), {"frames", "why", "finish", "finish_why",
    "device_memory", "device_memory_why"}: whether each runs on the device, and the
    reason. An unknown preset's name raises ValueError."""
    texts = _preset_texts()
    names = sorted(texts) if presets is None else list(presets)
    for n in names:
        if n not in texts:
            raise ValueError(f"preset {n!r}: not a built-in preset ({', '.join(sorted(texts))})")
    plans = {n: _preset_plan(n) for n in names}
    out = []
    for backend, index, usable, name, kind, arith, self_test in _wmel.devices_list():
        out.append({"backend": _BACKENDS.get(backend, str(backend)), "index": index, "name": name, "kind": kind,
                    "arithmetic": arith, "usable": bool(usable), "self_test": self_test,
                    "presets": {n: _verdict(backend, bool(usable), self_test, plans[n]) for n in names}})
    return out
