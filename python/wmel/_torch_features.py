"""wmel._torch_features -- a plan's features as a registered torch op, and the module that calls it.

torch.ops.wmel.features(audio, spec): wmel.features(audio, **options) as a torch.library custom
op (CPU and CUDA kernels, a fake for meta tensors and torch.compile): spec is the options as
JSON (features_spec), resolved once (the plan, the column vectors, the backend), so that
torch.compile(fullgraph=True) of a module calling it traces the op and nothing of wmel's Python.
wmel.Features(...): the torch.nn.Module holding that spec (the usual way to put wmel in a model).
A CUDA tensor takes the device path wmel.features takes (wmel._torch_device); wmel.last_run()
says where each stage ran.
"""
from __future__ import annotations

import functools
import json

import torch

from . import _features, _lastrun

_SPEC_KEYS = ("plan", "backend", "threads", "col_scale", "col_shift", "copy")


def features_spec(frontend=None, n_mels=None, *, backend: str = "auto", threads: int = 0, col_scale=None,
                  col_shift=None, cmvn=None, copy: str = "auto", plan=None, **options) -> str:
    """The op's spec for wmel.features' options (the same names): JSON of the resolved plan (a
    dict of wmel_frontend_plan's fields), the backend, the threads, the per-column affine (as
    float64 lists; cmvn read now) and the copy rule. Raises what wmel.features raises for a bad
    option (ValueError with the library's sentence)."""
    resolved = _features.frontend_plan(frontend, n_mels, plan=plan, **options)
    cols = _features._colvec(col_scale, col_shift, cmvn)
    scale, shift = (None, None) if cols is None else cols
    spec = {"plan": resolved, "backend": backend, "threads": threads, "copy": copy,
            "col_scale": None if scale is None else [float(v) for v in _as_list(scale)],
            "col_shift": None if shift is None else [float(v) for v in _as_list(shift)]}
    _lastrun.check_copy(copy)
    text = json.dumps(spec, sort_keys=True)
    _ctx_of(text)  # the context's checks now (backend, threads, columns), not at the first call
    return text


def _as_list(v):
    return v.tolist() if hasattr(v, "tolist") else list(v) if not isinstance(v, (int, float)) else [v]


@functools.lru_cache(maxsize=64)
def _kwargs(spec: str) -> tuple:
    """The spec's options for wmel.features, as sorted items (cached: a model calls with one)."""
    try:
        d = json.loads(spec)
    except ValueError as e:
        raise ValueError(f"wmel::features: the spec is not JSON ({e}); make it with wmel.features_spec") from None
    if not isinstance(d, dict) or set(d) != set(_SPEC_KEYS):
        raise ValueError(f"wmel::features: the spec must hold exactly {', '.join(_SPEC_KEYS)} "
                         "(make it with wmel.features_spec)")
    return tuple(sorted(d.items()))


def _options(spec: str) -> dict:
    kw = dict(_kwargs(spec))
    kw["plan"] = dict(kw["plan"])  # the caller's copy: the cached one stays as it was
    return kw


def _ctx_of(spec: str):
    """The context wmel.features computes the spec with (the package's context cache)."""
    kw = _options(spec)
    cols = None
    if kw["col_scale"] is not None or kw["col_shift"] is not None:
        cols = _features._cols(kw["plan"], kw["col_scale"], kw["col_shift"])
    return _features._ctx(kw["plan"], kw["backend"], kw["threads"], cols)


def _shape(audio: torch.Tensor, spec: str) -> tuple:
    if audio.dim() not in (1, 2):
        raise ValueError(f"wmel::features: audio must be 1-D (samples) or 2-D (batch, samples), got shape "
                         f"{tuple(audio.shape)}")
    ctx = _ctx_of(spec)
    rows, cols = ctx.features_shape(int(audio.shape[-1]))
    if audio.dim() == 2:
        return (int(audio.shape[0]), rows, cols)
    return (1, rows, cols) if ctx.plan.get("batch_axis") else (rows, cols)


@torch.library.custom_op("wmel::features", mutates_args=())
def features_op(audio: torch.Tensor, spec: str) -> torch.Tensor:
    """wmel.features(audio, **options) of a tensor (1-D samples, or a 2-D batch of equal
    lengths; float32, int16 divided by 32768, other float dtypes converted): float32 features on
    the input's device, in the plan's layout. spec: wmel.features_spec(...)'s JSON."""
    out = _features.features_on(_ctx_of(spec), audio, _options(spec)["copy"])
    return out if out._base is None else out.clone()  # a fresh tensor, never a view


@features_op.register_fake
def _features_fake(audio, spec):
    return audio.new_empty(_shape(audio, spec), dtype=torch.float32)


class Features(torch.nn.Module):
    """wmel.features with these options as a torch.nn.Module: forward(audio) is
    torch.ops.wmel.features(audio, self.spec), so torch.compile(fullgraph=True) of a model
    calling it compiles, meta and fake tensors get its shape, and a CUDA tensor is computed on
    its device where wmel.features would (wmel.last_run() says where). The options are
    wmel.features' (frontend, n_mels, plan=, backend=, threads=, col_scale=, col_shift=, cmvn=,
    copy=, and the plan's capabilities), resolved once here: a bad one raises ValueError now.
    It has no parameters or buffers; the features are not differentiable."""

    def __init__(self, frontend=None, n_mels=None, **options):
        super().__init__()
        self.spec = features_spec(frontend, n_mels, **options)
        plan = options.get("plan")
        self.label = plan if isinstance(plan, str) else frontend if isinstance(frontend, str) else "a plan"

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return torch.ops.wmel.features(audio, self.spec)

    def extra_repr(self) -> str:
        d = dict(_kwargs(self.spec))
        return (f"{self.label!r}, n_mels={d['plan'].get('n_mels')}, backend={d['backend']!r}, "
                f"columns={'yes' if d['col_scale'] is not None or d['col_shift'] is not None else 'no'}")
