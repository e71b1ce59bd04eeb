"""wmel.ray -- the `wmel batch` job on a Ray cluster (Ray Data).

    python -m wmel.ray MANIFEST -o OUTDIR [--address ADDR] [--mode pad30|full|windows]
                       [--n-mels 80|128] [--plan NAME|FILE.json [--cmvn FILE]] [--shard-size N]
                       [--workers N] [--format webdataset|parquet] [--source paths|bytes] [--quiet]

    wmel.ray.run(manifest_or_paths, out_dir, mode="pad30", n_mels=80, shard_size=1000,
                 address=None, workers=None, format="webdataset", source="paths",
                 plan=None, cmvn=None, col_scale=None, col_shift=None)

plan= (--plan) runs any front-end's job instead of Whisper's (a preset, a plan's JSON file or
a dict; mode full, each input's whole features in the plan's layout), with the per-column
affine of cmvn= (--cmvn: Kaldi statistics, FunASR's am.mvn) or col_scale / col_shift: the
same job and files as wmel.batch(plan=...) and `wmel batch --preset NAME --cmvn FILE`.

A Ray Dataset of the manifest's items goes through `map_batches` with a callable class,
`Featurizer`, that holds one wmel context per Ray worker (an actor): each worker reads the
input's bytes and decodes them in-process (no ffmpeg process), and turns them into the
item's two tar members with the same C code as `wmel batch` (wmel._batch.Worker). The
driver receives the items in manifest order and writes the shards, the .parts, index.jsonl,
errors.jsonl and job.json exactly as `wmel batch` does, so the output folder is the same,
byte for byte, and either tool resumes the other's job. With source="paths" (the
default) the inputs are paths every worker can read (one machine, or a shared
filesystem); with source="bytes" Ray tasks pinned to the driver's node read them
(`read_bytes`) and their bytes reach the workers through the object store, so the workers
need not see the files. An input that cannot be read is an errors.jsonl line either way,
with `wmel batch`'s message.

Ray restarts a worker that dies and retries its batch (Ray Data's actor defaults), and the
driver keeps each item once, so a killed worker costs time, not items.

format="parquet" writes the items with Ray's own Parquet writer instead (columns key,
path, samples, seconds, shape, mode, n_mels, npy: the .npy file's bytes) under
OUTDIR/parquet/, with errors.jsonl and job.json beside it; it is not resumable.

Ray is an optional dependency: pip install 'wmel[ray]'.
"""
from __future__ import annotations

import fcntl
import json
import os
import sys

from . import _batch
from ._jobs import BatchError, BatchResult, MODES, _manifest_args, _mode, _plan_job

__all__ = ["run", "Featurizer", "read_bytes", "main"]

_ZERO = bytes(1024)


def _read_file(path: str, open_path: str):
    """(the file's bytes, None), or (None, the message `wmel batch` records when it cannot
    read the file)."""
    try:
        with open(open_path, "rb") as f:
            return f.read(), None
    except IsADirectoryError:
        return None, f"{path}: cannot open: is a directory"  # libwmel's words
    except OSError as e:
        return None, f"{path}: cannot open: {e.strerror}"


class Featurizer:
    """The map_batches callable: one wmel context per Ray worker. A batch (pyarrow) of
    rows i, key, path, shard and either open (the file to read) or bytes (its content,
    null when it could not be read, with the message in an `error` column) -> rows i, ok,
    members (the two tar members), line (the index.jsonl or errors.jsonl line)."""

    def __init__(self, n_mels: int = 80, mode: str = "pad30", plan_json: str | None = None,
                 cols: bytes | None = None):
        # plan_json / cols: a plan's job (wmel.ray.run(plan=...)), as wmel batch --preset
        self.worker = _batch.Worker(n_mels, _mode(mode), plan_json=plan_json, cols=cols)

    def read_file(self, path: str, open_path: str):
        return _read_file(path, open_path)

    def item(self, key: str, path: str, open_path: str | None, shard: int, data=None, error=None):
        """The item's (members, line), or (None, errors.jsonl line). With open_path the
        worker reads the file; without it, data is the file's content (None: it could not
        be read, and error says why)."""
        if open_path is not None:
            data, error = self.read_file(path, open_path)
        if data is None:
            return None, _batch.error_line(path, key, error or f"{path}: cannot open")
        return self.worker.item(data, key, path, shard)

    def __call__(self, batch):
        import pyarrow as pa
        names = set(batch.column_names)
        cols = {c: batch.column(c).to_pylist() for c in ("i", "key", "path", "shard")}
        n = len(cols["i"])
        if "bytes" in names:
            opens = [None] * n
            datas = batch.column("bytes").to_pylist()
            errors = batch.column("error").to_pylist() if "error" in names else [None] * n
        else:
            opens = batch.column("open").to_pylist()
            datas, errors = [None] * n, [None] * n
        members, lines = [], []
        for k in range(n):
            m, line = self.item(cols["key"][k], cols["path"][k], opens[k], cols["shard"][k],
                                datas[k], errors[k])
            members.append(m)
            lines.append(line)
        return pa.table({
            "i": pa.array(cols["i"], pa.int64()),
            "ok": pa.array([m is not None for m in members], pa.bool_()),
            "members": pa.array([m or b"" for m in members], pa.large_binary()),
            "line": pa.array(lines, pa.string()),
        })


def read_bytes(batch):
    """map_batches function of source="bytes": rows i, key, path, open, shard -> rows i,
    key, path, shard, bytes (the file's content; null when it cannot be read), error (the
    message `wmel batch` records then; null otherwise). wmel.ray.run() runs it on the
    driver's node, so the workers need not see the files."""
    import pyarrow as pa
    datas, errors = [], []
    for path, op in zip(batch.column("path").to_pylist(), batch.column("open").to_pylist()):
        d, e = _read_file(path, op)
        datas.append(d)
        errors.append(e)
    return pa.table({
        "i": batch.column("i"), "key": batch.column("key"), "path": batch.column("path"),
        "shard": batch.column("shard"),
        "bytes": pa.array(datas, pa.large_binary()),
        "error": pa.array(errors, pa.string()),
    })


# ---------------------------------------------------------------- the output folder
# The same files, names and commit order as batch/batch.c (see its header).

_TMP_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _mkstemp(target: str):
    """TARGET.tmp.XXXXXX, created exclusively: support/out.c's temporary names, so either
    tool cleans up after the other."""
    import random
    for _ in range(100):
        tmp = target + ".tmp." + "".join(random.choice(_TMP_CHARS) for _ in range(6))
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), tmp
        except FileExistsError:
            continue
    raise OSError(f"{target}: cannot create a temporary file")


def _our_tmp(name: str) -> bool:
    """A temporary file of the job (the rule of clean_tmp in batch/batch.c)."""
    at = name.find(".tmp.")
    if at < 0 or len(name) - at != 11:
        return False
    base = name[:at]
    return ((len(base) == 16 and base.startswith("shard-") and base.endswith(".tar"))
            or base.endswith(".jsonl") or base == "job.json")


def _atomic(out_dir: str, name: str, write) -> None:
    d, base = os.path.split(os.path.join(out_dir, name))
    fd, tmp = _mkstemp(os.path.join(d, base))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
            um = os.umask(0)
            os.umask(um)
            os.fchmod(f.fileno(), 0o666 & ~um)
        os.replace(tmp, os.path.join(d, base))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _sync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _shard_done(out_dir: str, s: int) -> bool:
    return all(os.path.exists(os.path.join(out_dir, n)) for n in (
        f"shard-{s:06d}.tar", f".parts/{s:06d}.index.jsonl", f".parts/{s:06d}.errors.jsonl"))


def _strays(out_dir: str, have_job: bool, n_shards: int, parquet: bool) -> list:
    """What in out_dir the job does not account for (the rule of strays() in
    batch/batch.c): without job.json anything but the lock, an empty .parts and temporary
    files; with it, anything but job.json, index.jsonl, errors.jsonl, shards and parts
    numbered below n_shards (parquet: the parquet folder)."""
    def numbered(name, prefix, suffix):
        mid = name[len(prefix):len(name) - len(suffix)]
        return (name.startswith(prefix) and name.endswith(suffix) and len(mid) == 6
                and mid.isdigit() and mid.isascii() and int(mid) < n_shards)
    found = []
    for n in sorted(os.listdir(out_dir)):
        if n in (".lock", ".parts") or _our_tmp(n):
            continue
        if have_job and (n in ("job.json", "index.jsonl", "errors.jsonl")
                         or (parquet and n == "parquet") or numbered(n, "shard-", ".tar")):
            continue
        found.append(n)
    parts = os.path.join(out_dir, ".parts")
    for n in sorted(os.listdir(parts)) if os.path.isdir(parts) else []:
        if _our_tmp(n) or (have_job and (numbered(n, "", ".index.jsonl") or numbered(n, "", ".errors.jsonl"))):
            continue
        found.append(".parts/" + n)
    return found


def _names(found: list) -> str:
    return ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")


def _prepare(out_dir: str, job_json: str, n_shards: int = 0, parquet: bool = False):
    """Creates the folder, takes its lock, checks or writes job.json (a folder holding
    files the job did not record is refused, as by `wmel batch`), removes the temporary
    files of a killed run. Returns the lock's file descriptor."""
    try:
        os.makedirs(os.path.join(out_dir, ".parts"), exist_ok=True)
        lock = os.open(os.path.join(out_dir, ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as e:
        raise BatchError(f"{out_dir}: cannot create the output folder: {e.strerror}") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        raise BatchError(f"{out_dir}: another wmel batch is running on this folder") from None
    try:
        jp = os.path.join(out_dir, "job.json")
        if os.path.exists(jp):
            with open(jp, encoding="utf-8") as f:
                have = f.read()
            if have != job_json:
                raise BatchError(
                    f"{out_dir} holds another job (job.json: {have.strip()}; now: {job_json.strip()}): "
                    "rerun with the same manifest and options to resume it, or use a new output folder")
            found = _strays(out_dir, True, n_shards, parquet)
            if found:
                raise BatchError(
                    f"{out_dir} holds files its job (job.json: shards 0 to {n_shards - 1}) does not "
                    f"account for: {_names(found)}; remove them to resume the job, or use a new "
                    "output folder (-o)")
        else:
            found = _strays(out_dir, False, n_shards, parquet)
            if found:
                raise BatchError(
                    f"{out_dir} is not empty and holds no job.json ({_names(found)}): wmel batch "
                    "never takes over files it did not record; use a new output folder (-o), or "
                    "remove this one to start over")
            _atomic(out_dir, "job.json", lambda f: f.write(job_json.encode()))
        for d in (out_dir, os.path.join(out_dir, ".parts")):
            for n in os.listdir(d):
                if _our_tmp(n):
                    os.unlink(os.path.join(d, n))
    except BaseException:
        os.close(lock)
        raise
    return lock


def _assemble(out_dir: str, n_shards: int) -> int:
    failed = 0
    for kind in ("index", "errors"):
        chunks = []
        for s in range(n_shards):
            with open(os.path.join(out_dir, ".parts", f"{s:06d}.{kind}.jsonl"), "rb") as f:
                chunks.append(f.read())
        if kind == "errors":
            failed = sum(c.count(b"\n") for c in chunks)
        _atomic(out_dir, f"{kind}.jsonl", lambda f: [f.write(c) for c in chunks])
    _sync_dir(out_dir)
    return failed


class _ShardWriter:
    def __init__(self, out_dir: str, shard: int):
        self.out_dir, self.shard = out_dir, shard
        self.fd, self.tmp = _mkstemp(os.path.join(out_dir, f"shard-{shard:06d}.tar"))
        self.f = os.fdopen(self.fd, "wb")
        self.index, self.errors = [], []

    def add(self, ok: bool, members: bytes, line: str) -> None:
        if ok:
            self.f.write(members)
            self.index.append(line + "\n")
        else:
            self.errors.append(line + "\n")

    def commit(self) -> None:
        self.f.write(_ZERO)
        self.f.flush()
        os.fsync(self.f.fileno())
        um = os.umask(0)
        os.umask(um)
        os.fchmod(self.f.fileno(), 0o666 & ~um)
        self.f.close()
        s = self.shard
        _atomic(self.out_dir, f".parts/{s:06d}.index.jsonl", lambda f: f.write("".join(self.index).encode()))
        _atomic(self.out_dir, f".parts/{s:06d}.errors.jsonl", lambda f: f.write("".join(self.errors).encode()))
        _sync_dir(os.path.join(self.out_dir, ".parts"))
        os.replace(self.tmp, os.path.join(self.out_dir, f"shard-{s:06d}.tar"))
        _sync_dir(self.out_dir)

    def abort(self) -> None:
        try:
            self.f.close()
        finally:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass


def _npy_of(members: bytes) -> bytes:
    """The .npy file inside an item's members (the first tar member)."""
    size = int(members[124:136].rstrip(b"\0 ") or b"0", 8)
    return members[512:512 + size]


# ---------------------------------------------------------------- the job

def run(manifest_or_paths, out_dir, mode: str | None = None, n_mels: int | None = None,
        shard_size: int = 1000, address: str | None = None, workers: int | None = None,
        format: str = "webdataset", batch_size: int = 4, progress: bool = False,
        featurizer=Featurizer, source: str = "paths", *, plan=None, cmvn=None, col_scale=None,
        col_shift=None) -> BatchResult:
    """Runs (or resumes) the `wmel batch` job on a Ray cluster and returns a BatchResult
    (exit_status 0, or 3 when some inputs failed: errors.jsonl). mode and n_mels: as
    wmel.batch (pad30 and 80 by default). plan: any front-end instead of Whisper's (a
    preset's name, a plan's JSON file or a dict; n_mels given changes it), mode 'full', with
    cmvn (a CMVN file) or col_scale / col_shift for the per-column affine: the job and its
    files are wmel.batch(plan=...)'s, `wmel batch --preset NAME --cmvn FILE`'s. address: the cluster
    (None: the one ray.init() finds or starts; ignored when Ray is already initialised).
    workers: Ray workers, each with one wmel context (None: the cluster's CPUs).
    source: "paths", each worker reads its inputs (every node sees the files: one machine
    or a shared filesystem), or "bytes", the inputs are read on the driver's node by Ray
    tasks and their bytes travel to the workers through Ray's object store (the workers
    need not see the files; the driver must run on a node of the cluster, not through Ray
    Client). The output is the same either way, errors.jsonl included.
    The job itself failing raises BatchError."""
    import ray

    if format not in ("webdataset", "parquet"):
        raise ValueError(f"format must be 'webdataset' or 'parquet', got {format!r}")
    if source not in ("paths", "bytes"):
        raise ValueError(f"source must be 'paths' or 'bytes', got {source!r}")
    manifest, text = _manifest_args(manifest_or_paths)
    out_dir = os.fsdecode(out_dir)
    mode, n_mels, plan_json, cols = _plan_job(mode, n_mels, plan, cmvn, col_scale, col_shift)
    try:
        entries, job_json = _batch.plan(manifest, mode=_mode(mode), n_mels=int(n_mels),
                                        shard_size=int(shard_size), text=text, plan_json=plan_json,
                                        cols=cols)
    except ValueError as e:
        raise BatchError(str(e)) from None
    n_shards = (len(entries) + shard_size - 1) // shard_size
    if format == "parquet":
        job_json = job_json.replace('"format": "wmel-batch/1"', '"format": "wmel-batch/1 parquet"')
    lock = _prepare(out_dir, job_json, n_shards, format == "parquet")
    started = False
    try:
        if not ray.is_initialized():
            ray.init(address=address, log_to_driver=False, configure_logging=False)
            started = True
        dctx = ray.data.DataContext.get_current()
        dctx.execution_options.preserve_order = True
        dctx.enable_progress_bars = bool(progress)
        if not progress:
            import logging
            logging.getLogger("ray.data").setLevel(logging.WARNING)
        if format == "parquet":
            todo = list(range(len(entries)))
            skipped = 0
        else:
            done = [s for s in range(n_shards) if _shard_done(out_dir, s)]
            skipped = len(done)
            dset = set(done)
            todo = [i for i in range(len(entries)) if i // shard_size not in dset]
        rows = [{"i": i, "key": entries[i][0], "path": entries[i][1], "open": entries[i][2],
                 "shard": i // shard_size} for i in todo]
        size = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        written, secs = 0, 0.0
        if rows:
            if source == "bytes":
                # small blocks: each read task holds a few files' bytes at a time
                blocks = max(1, min(len(rows), max(4 * size, len(rows) // 16)))
            else:
                blocks = max(1, min(len(rows), 4 * size))
            ds = ray.data.from_items(rows, override_num_blocks=blocks)
            if source == "bytes":
                # on this node (the label Ray's own local:// reads use); num_cpus=0: runs
                # beside the actors that hold the CPUs, and is never fused into them
                # (different resources), so the files are read here; at most 4 at once
                here = {"ray.io/node-id": ray.get_runtime_context().get_node_id()}
                ds = ds.map_batches(read_bytes, batch_size=batch_size, batch_format="pyarrow",
                                    num_cpus=0, concurrency=min(4, size), label_selector=here)
            fk = {"n_mels": int(n_mels), "mode": mode}
            if plan_json is not None:  # a custom featurizer without a plan keeps its own signature
                fk.update(plan_json=plan_json, cols=cols)
            ds = ds.map_batches(featurizer, fn_constructor_kwargs=fk,
                                batch_size=batch_size, batch_format="pyarrow",
                                compute=ray.data.ActorPoolStrategy(size=size), num_cpus=1)
            if format == "parquet":
                written, secs = _write_parquet(ds, out_dir, len(entries))
            else:
                written, secs = _write_shards(ds, out_dir, todo, shard_size)
        if format == "parquet":
            failed = sum(1 for _ in open(os.path.join(out_dir, "errors.jsonl"), "rb"))
        else:
            failed = _assemble(out_dir, n_shards)
        return BatchResult(len(entries), written, failed, skipped, secs, 3 if failed else 0)
    finally:
        if started:
            ray.shutdown()
        os.close(lock)


def _rows(ds):
    for t in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        cols = {c: t.column(c).to_pylist() for c in ("i", "ok", "members", "line")}
        yield from zip(cols["i"], cols["ok"], cols["members"], cols["line"])


def _seconds(line: str) -> float:
    return json.loads(line)["seconds"]


def _write_shards(ds, out_dir: str, todo, shard_size: int):
    pos, pending, w = 0, {}, None
    written, secs = 0, 0.0
    try:
        for i, ok, members, line in _rows(ds):
            if i in pending or (pos and i <= todo[pos - 1]):
                continue  # a retried batch's duplicate: each item is kept once
            pending[i] = (ok, members, line)
            while pos < len(todo) and todo[pos] in pending:
                ok, members, line = pending.pop(todo[pos])
                shard = todo[pos] // shard_size
                if w is None:
                    w = _ShardWriter(out_dir, shard)
                w.add(ok, members, line)
                if ok:
                    written += 1
                    secs += _seconds(line)
                pos += 1
                if pos == len(todo) or todo[pos] // shard_size != shard:
                    w.commit()
                    w = None
        if pos != len(todo):
            raise BatchError(f"Ray returned {pos} of the {len(todo)} items: rerun to resume")
    except OSError as e:
        raise BatchError(f"{out_dir}: cannot write: {e.strerror}") from None
    finally:
        if w is not None:
            w.abort()
    return written, secs


def _write_parquet(ds, out_dir: str, n: int):
    import pyarrow as pa

    def to_record(t):
        keep = [k for k, ok in enumerate(t.column("ok").to_pylist()) if ok]
        t = t.take(keep)
        metas = [json.loads(s) for s in _item_json(t.column("members").to_pylist())]
        return pa.table({
            "key": pa.array([m["key"] for m in metas], pa.string()),
            "path": pa.array([m["path"] for m in metas], pa.string()),
            "samples": pa.array([m["samples"] for m in metas], pa.int64()),
            "seconds": pa.array([m["seconds"] for m in metas], pa.float64()),
            "shape": pa.array([m["shape"] for m in metas], pa.list_(pa.int64())),
            "mode": pa.array([m["mode"] for m in metas], pa.string()),
            "n_mels": pa.array([m["n_mels"] for m in metas], pa.int32()),
            "npy": pa.array([_npy_of(b) for b in t.column("members").to_pylist()], pa.large_binary()),
        })

    mat = ds.materialize()
    small = sorted(mat.select_columns(["i", "ok", "line"]).take_all(), key=lambda r: r["i"])
    errors = [r["line"] for r in small if not r["ok"]]
    ok_lines = [r["line"] for r in small if r["ok"]]
    # num_cpus=0.25: this light transform schedules even while the actors hold the CPUs
    mat.map_batches(to_record, batch_format="pyarrow", num_cpus=0.25).write_parquet(os.path.join(out_dir, "parquet"))
    _atomic(out_dir, "errors.jsonl", lambda f: f.write("".join(e + "\n" for e in errors).encode()))
    return len(ok_lines), sum(_seconds(x) for x in ok_lines)


def _item_json(members_list):
    for m in members_list:
        size = int(m[124:136].rstrip(b"\0 ") or b"0", 8)
        at = 512 + (size + 511) // 512 * 512  # the second member's header
        jsize = int(m[at + 124:at + 136].rstrip(b"\0 ") or b"0", 8)
        yield m[at + 512:at + 512 + jsize].decode()


# ---------------------------------------------------------------- the command

def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m wmel.ray",
                                 description="wmel batch on a Ray cluster: a manifest of audio "
                                             "files to WebDataset shards (or Parquet)")
    ap.add_argument("manifest", help="one path per line, or .jsonl with \"path\" (and \"key\")")
    ap.add_argument("-o", "--output", required=True, help="output folder")
    ap.add_argument("--address", default=None, help="Ray cluster address (default: ray.init()'s)")
    ap.add_argument("--mode", default=None, choices=sorted(MODES), help="Whisper's: pad30 (default), full, windows")
    ap.add_argument("--n-mels", type=int, default=None,
                    help="80 (default) or 128 for Whisper; with --plan, the plan's n_mels")
    ap.add_argument("--plan", "--preset", dest="plan", default=None,
                    help="any front-end: a preset's name or a plan's JSON file (mode full), as wmel batch --preset/--plan")
    ap.add_argument("--cmvn", default=None, help="with --plan: the per-column affine from a CMVN file "
                                                 "(Kaldi statistics, FunASR's am.mvn)")
    ap.add_argument("--shard-size", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=None, help="Ray workers (default: cluster CPUs)")
    ap.add_argument("--format", default="webdataset", choices=("webdataset", "parquet"))
    ap.add_argument("--source", default="paths", choices=("paths", "bytes"),
                    help="paths: each worker reads its inputs (shared filesystem); bytes: the "
                         "inputs are read on this node and sent to the workers")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.shard_size < 1:
        ap.error("--shard-size takes a number of items >= 1")
    try:
        r = run(a.manifest, a.output, mode=a.mode, n_mels=a.n_mels, shard_size=a.shard_size,
                address=a.address, workers=a.workers, format=a.format, progress=not a.quiet,
                source=a.source, plan=a.plan, cmvn=a.cmvn)
    except (BatchError, ValueError, OSError) as e:
        print(f"wmel.ray: {e}", file=sys.stderr)
        return 1
    if not a.quiet:
        print(f"wmel.ray: {r.items} items, {r.written} written now ({r.audio_seconds / 3600:.2f} h of "
              f"audio), {r.shards_skipped} shard(s) already complete, {r.failed} failed"
              + (": see errors.jsonl" if r.failed else ""), file=sys.stderr)
    return r.exit_status


if __name__ == "__main__":
    sys.exit(main())
