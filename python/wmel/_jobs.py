"""wmel.batch(): a whole corpus to WebDataset shards on this machine.

It runs the `wmel batch` job itself (the same C code, compiled into wmel._batch), so the
files it writes equal the command's byte for byte; the GIL is released while it runs.
"""
from __future__ import annotations

import os
from typing import Iterable, NamedTuple, Union

from . import _batch

__all__ = ["batch", "BatchError", "BatchResult", "MODES"]

MODES = {"full": _batch.MODE_FULL, "pad30": _batch.MODE_PAD30, "windows": _batch.MODE_WINDOWS}


class BatchError(RuntimeError):
    """The job itself failed (manifest unreadable, output folder not writable, disk full,
    a different job already in the folder); the message says which and what to do."""


class BatchResult(NamedTuple):
    items: int            # inputs in the manifest
    written: int          # items written by this run (resumed shards not counted)
    failed: int           # inputs of the whole job listed in errors.jsonl
    shards_skipped: int   # shards already complete from an earlier run
    audio_seconds: float  # audio written by this run
    exit_status: int      # what `wmel batch` exits with: 0 all done, 3 some failed


def _int_arg(v, name: str) -> int:
    """An integer argument: ints (numpy's too) only, never a float that int() would cut."""
    import operator
    if isinstance(v, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(v).__name__}") from None


def _mode(mode: str) -> int:
    if mode not in MODES:
        raise ValueError(f"mode must be 'full', 'pad30' or 'windows', got {mode!r}")
    return MODES[mode]


def _manifest_args(manifest_or_paths):
    """(manifest path, None) for a manifest file, (None, text) for a list of paths."""
    if isinstance(manifest_or_paths, (str, bytes, os.PathLike)):
        return os.fsdecode(manifest_or_paths), None
    paths = [os.fsdecode(p) for p in manifest_or_paths]
    for p in paths:
        if "\n" in p or "\r" in p or not p.strip():
            raise ValueError(f"a path in the list is empty or holds a line break: {p!r}")
    if not paths:
        raise ValueError("no input paths given")
    return None, "".join(p + "\n" for p in paths)


def _plan_job(mode, n_mels, plan, cmvn, col_scale, col_shift):
    """(mode, n_mels, plan_json, cols) of a job: Whisper's (pad30 by default, n_mels 80 by
    default), or a plan's (mode full; its JSON, and the per-column affine's scales then
    shifts as float64 bytes or None) -- what wmel.batch and wmel.ray.run hand the C job."""
    plan_json, cols = None, None
    if plan is not None:
        from . import _features
        if mode not in (None, "full"):
            raise ValueError(f"mode={mode!r}: a plan's job is mode 'full' (each input's whole features); "
                             "'pad30' and 'windows' are Whisper's")
        mode = "full"
        p = _features.frontend_plan(None, None if n_mels is None else _int_arg(n_mels, "n_mels"), plan=plan)
        plan_json = _features.plan_to_json(p)
        c = _features._colvec(col_scale, col_shift, cmvn)
        if c is not None:
            sc, sh = _features._cols(p, *c)
            cols = sc + sh
        n_mels = 80  # the job's n_mels is the plan's
    elif cmvn is not None or col_scale is not None or col_shift is not None:
        raise ValueError("cmvn, col_scale and col_shift apply to a plan's job (plan=...)")
    mode = "pad30" if mode is None else mode
    n_mels = 80 if n_mels is None else _int_arg(n_mels, "n_mels")
    return mode, n_mels, plan_json, cols


def batch(manifest_or_paths: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]],
          out_dir: Union[str, os.PathLike], mode: str | None = None, n_mels: int | None = None,
          jobs: int | None = None, shard_size: int = 1000, progress: bool = False,
          item_timeout: float | None = None, *, plan=None, cmvn=None, col_scale=None,
          col_shift=None) -> BatchResult:
    """Runs (or resumes) `wmel batch` into out_dir and returns a BatchResult.

    manifest_or_paths: a manifest file (one path per line, or .jsonl with "path" and an
    optional "key"; relative paths and keys are relative to its folder), or a list of
    paths (relative paths and keys relative to the current folder).
    mode: 'pad30' (n_mels, 3000; the default), 'full' (n_mels, n // 160) or 'windows'
    (n_windows, n_mels, 3000); n_mels 80 (default) or 128.
    plan: any front-end instead of Whisper's (a preset's name, a plan's JSON file or a dict,
    as wmel.features' plan=; n_mels given changes it): each input's wmel.features(path,
    plan=plan) in the plan's layout, mode 'full' (`wmel batch --preset NAME`), job.json
    recording the plan; cmvn (a CMVN file, wmel.load_cmvn) or col_scale / col_shift: the
    per-column affine of wmel.features, recorded too (`wmel batch --cmvn FILE`).
    jobs: files decoded at once (None: all cores).
    item_timeout: seconds an input may take before it is listed in errors.jsonl as
    "timed out after N s" and the job goes on (None: 60 s + 10 s per MiB of the file's
    data, as `wmel batch`; 0: no limit).
    Inputs that fail are listed in out_dir/errors.jsonl (exit_status 3); the job itself
    failing raises BatchError and leaves no partial shard. Ctrl-C (SIGINT) stops the job
    within a fraction of a second with KeyboardInterrupt, leaving out_dir as `wmel batch`
    does after SIGINT: complete shards kept, the shard in progress removed; calling
    batch() again resumes it.
    """
    manifest, text = _manifest_args(manifest_or_paths)
    jobs = 0 if jobs is None else _int_arg(jobs, "jobs")
    mode, n_mels, plan_json, cols = _plan_job(mode, n_mels, plan, cmvn, col_scale, col_shift)
    shard_size = _int_arg(shard_size, "shard_size")
    if item_timeout is None:
        timeout = -1.0
    else:
        if isinstance(item_timeout, bool) or not isinstance(item_timeout, (int, float)):
            raise TypeError(f"item_timeout must be a number of seconds or None, got "
                            f"{type(item_timeout).__name__}")
        timeout = float(item_timeout)
        if not timeout >= 0 or timeout == float("inf"):
            raise ValueError(f"item_timeout must be >= 0 seconds (0: no limit), got {item_timeout!r}")
    rc, items, written, failed, skipped, secs, msg = _batch.run(
        manifest, os.fsdecode(out_dir), mode=_mode(mode), n_mels=n_mels, jobs=jobs,
        shard_size=shard_size, progress=bool(progress), text=text, item_timeout=timeout,
        plan_json=plan_json, cols=cols)
    if rc == 1:
        raise BatchError(msg)
    return BatchResult(items, written, failed, skipped, secs, rc)
