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


def batch(manifest_or_paths: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]],
          out_dir: Union[str, os.PathLike], mode: str = "pad30", n_mels: int = 80,
          jobs: int | None = None, shard_size: int = 1000, progress: bool = False) -> BatchResult:
    """Runs (or resumes) `wmel batch` into out_dir and returns a BatchResult.

    manifest_or_paths: a manifest file (one path per line, or .jsonl with "path" and an
    optional "key"; relative paths and keys are relative to its folder), or a list of
    paths (relative paths and keys relative to the current folder).
    mode: 'pad30' (n_mels, 3000), 'full' (n_mels, n // 160) or 'windows'
    (n_windows, n_mels, 3000). jobs: files decoded at once (None: all cores).
    Inputs that fail are listed in out_dir/errors.jsonl (exit_status 3); the job itself
    failing raises BatchError and leaves no partial shard.
    """
    manifest, text = _manifest_args(manifest_or_paths)
    jobs = 0 if jobs is None else int(jobs)
    rc, items, written, failed, skipped, secs, msg = _batch.run(
        manifest, os.fsdecode(out_dir), mode=_mode(mode), n_mels=int(n_mels), jobs=jobs,
        shard_size=int(shard_size), progress=bool(progress), text=text)
    if rc == 1:
        raise BatchError(msg)
    return BatchResult(items, written, failed, skipped, secs, rc)
