"""wmel.diagnose(): what a port of a speech front-end got wrong (`wmel diagnose`'s engine,
diagnose/diagnose.c, through wmel._diagnose: one code for both doors; docs/porting.md)."""
from __future__ import annotations

import json
import os

import numpy as np

from . import _diagnose
from ._common import load_audio


def diagnose(audio, features, preset: str | None = None, *, plan=None, hf_config=None) -> dict:
    """Which of the plan's fields (and the layout, units, dtype) a port's features of a clip
    differ in from the front-end it claims.

    audio: a path (decoded as openai's load_audio) or 16 kHz mono float samples; features:
    the port's array (numpy or torch, any float dtype; a batch axis of 1 is dropped) or a
    .npy path; the claimed front-end: preset (a built-in preset's name), plan (a plan's JSON
    file, text or dict) or hf_config (a transformers preprocessor_config.json or its folder).

    Returns {"matches": bool, "explained": bool, "differences": [{"field", "preset",
    "found", "residual_without"}, ...] (the most error explained first), "residual_before",
    "residual_after", "tolerance", "floor", "notes", "candidates", "nonfinite"}: NaN or
    infinite cells of the port's are left out of the residuals and named (field "values").

    ValueError for a shape no layout reconciles; the search releases the GIL and checks for
    signals between candidate plans, so Ctrl-C (KeyboardInterrupt) stops a long one."""
    if sum(x is not None for x in (preset, plan, hf_config)) != 1:
        raise ValueError("diagnose: name one claimed front-end: preset=, plan= or hf_config=")
    if isinstance(audio, (str, os.PathLike)):
        audio = load_audio(os.fspath(audio))
    a = np.ascontiguousarray(np.asarray(audio, dtype=np.float32).reshape(-1))
    if isinstance(features, (str, os.PathLike)):
        features = np.load(os.fspath(features))
    if hasattr(features, "detach"):  # a torch tensor
        features = features.detach().cpu().float().numpy()
    f = np.asarray(features)
    if f.dtype.kind != "f":
        raise TypeError(f"diagnose: features must be floating point, got {f.dtype}")
    f = np.ascontiguousarray(f, dtype=np.float32)
    if preset is not None:
        kind, text = 0, str(preset)
    elif hf_config is not None:
        path = os.fspath(hf_config)
        if os.path.isdir(path):
            path = os.path.join(path, "preprocessor_config.json")
        with open(path, encoding="utf-8") as fh:
            kind, text = 2, fh.read()
    elif isinstance(plan, dict):
        kind, text = 1, json.dumps(plan)
    else:
        text = os.fspath(plan)
        if not text.lstrip().startswith("{"):
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        kind = 1
    return json.loads(_diagnose.run(a.tobytes(), f.tobytes(), tuple(int(s) for s in f.shape), kind, text))
