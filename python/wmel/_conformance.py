"""wmel.vectors() and wmel.vectors_check(): conformance packs (`wmel vectors`,
vectors/vectors.c and vectors/vectors_check.c, through wmel._vectors: one code for both doors;
docs/porting.md)."""
from __future__ import annotations

import json
import os
import tempfile

from . import _vectors, _wmel

_SPEECH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "speech_en.wav")


class VectorsError(RuntimeError):
    """A pack not made or not graded (the command's message)."""


def vectors(out, preset: str | None = None, *, plan=None, hf_config=None, quick: bool = False,
            force: bool = False, speech=None, threads: int = 0) -> dict:
    """Writes a conformance pack of a front-end to the folder out, as `wmel vectors` does
    (the same files, byte for byte), and returns its manifest (manifest.json as a dict).

    The front-end: preset (a built-in preset's name), plan (a plan's JSON file or text, a
    dict in the JSON's schema, or frontend_plan()'s dict) or hf_config (a transformers preprocessor_config.json or its folder). quick: the
    speech case is the clip's first second and the 30 s cases are left out. force: replace
    a previous pack at out (never a folder that is not recognisably a pack of wmel vectors).
    speech: the speech case's audio file, its first 60 s at most (default: the clip the
    package ships, the repository's data/speech_en.wav).

    The pack is built beside out and renamed into place: an error or Ctrl-C
    (KeyboardInterrupt) leaves out as it was. VectorsError (ValueError for a usage error)
    says why a pack was not made."""
    if sum(x is not None for x in (preset, plan, hf_config)) != 1:
        raise ValueError("vectors: name one front-end: preset=, plan= or hf_config=")
    out = os.fspath(out)
    args = ["-q", "-o", out]
    if quick:
        args.append("--quick")
    if force:
        args.append("--force")
    if threads:
        args += ["--threads", str(int(threads))]
    args += ["--speech", os.fspath(speech) if speech is not None else _SPEECH]
    tmp = None
    try:
        if preset is not None:
            args += ["--preset", str(preset)]
        elif hf_config is not None:
            args += ["--hf-config", os.fspath(hf_config)]
        else:
            if isinstance(plan, dict) and not isinstance(plan.get("frontend", ""), str):
                text = _wmel.plan_to_json(plan)  # frontend_plan()'s fields
            elif isinstance(plan, dict):
                text = json.dumps(plan)  # the JSON's schema
            else:
                text = os.fspath(plan)
            if text.lstrip().startswith("{"):
                fd, tmp = tempfile.mkstemp(suffix=".json", prefix="wmel-plan-")
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                text = tmp
            args += ["--plan", text]
        status, msg = _vectors.make(args)
    finally:
        if tmp:
            os.unlink(tmp)
    if status == 2:
        raise ValueError(msg or "vectors: a usage error")
    if status:
        raise VectorsError(msg or "vectors: the pack was not made")
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as fh:
        return json.load(fh)


def vectors_check(pack, outputs, allow_missing: bool = False) -> dict:
    """Grades a port's outputs (a folder of CASE.npy or CASE.f32, and optionally
    CASE.STAGE.npy) against a pack, as `wmel vectors check PACK OUTPUTS --json` does, and
    returns that report: {"pack", "outputs", "cases": [{"case", "status" ("pass", "fail",
    "missing", "refused"), "worst_ratio", "worst_index", "port", "expected",
    "first_diverging_stage", "detail"}, ...], "passed", "failed", "missing", "refused",
    "ok"}. ok is False when a case fails, or is missing without allow_missing; a stage
    written is graded whether the output was written or not. VectorsError when the pack
    cannot be read (not a pack, a manifest of a wrong form)."""
    fd, report = tempfile.mkstemp(suffix=".json", prefix="wmel-check-")
    os.close(fd)
    try:
        args = ["-q", "-o", report]
        if allow_missing:
            args.append("--allow-missing")
        status, msg = _vectors.check(args + ["--", os.fspath(pack), os.fspath(outputs)])
        if status == 2:
            raise VectorsError(msg or "vectors check: not graded")
        with open(report, encoding="utf-8") as fh:
            return json.load(fh)
    finally:
        if os.path.exists(report):
            os.unlink(report)
