"""test_ray.py -- wmel.ray on a real local Ray cluster: a head node and a second node on
this machine (`ray start`, 127.0.0.1 only, their own temp folder, small object stores),
~50 generated inputs including broken ones. The output folder must equal `wmel batch`'s
(wmel.batch(), the same C job) file for file, byte for byte, whether the workers read the
inputs (source="paths") or receive their bytes read on the driver's node (source="bytes",
with workers that may not open a file); with a Ray worker killed
part-way the job still ends with every item exactly once; Parquet holds the same items.
The cluster is stopped in a `finally`: every process it started (found by an
environment tag they all inherit) is gone at the end, or the test fails."""
import io
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import numpy as np
import pytest

import wmel
from batch_corpus import have_ffmpeg, make_corpus
from test_batch import tree_equal

ray = pytest.importorskip("ray")
import wmel.ray  # noqa: E402
pytestmark = pytest.mark.skipif(not have_ffmpeg(), reason="needs ffmpeg and an FFmpeg build of wmel")

TAG = "WMEL_RAY_TEST_TAG"
BIN = pathlib.Path(sys.executable).parent


def tagged(tag):
    """PIDs of the processes carrying our environment tag (the cluster's, not others')."""
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        try:
            with open(f"/proc/{p}/environ", "rb") as f:
                if f"{TAG}={tag}".encode() in f.read().split(b"\0"):
                    pids.append(int(p))
        except OSError:
            pass
    return pids


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    tag = uuid.uuid4().hex
    tmp = tempfile.mkdtemp(prefix="wr", dir="/tmp")  # short: Ray's sockets live here
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", **{TAG: tag})
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    port = free_port()
    common = ["--block", "--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats",
              "--object-store-memory=150000000", f"--temp-dir={tmp}"]
    procs = []
    try:
        log = open(os.path.join(tmp, "head.log"), "wb")
        procs.append(subprocess.Popen([str(BIN / "ray"), "start", "--head", f"--port={port}",
                                       "--include-dashboard=false", *common],
                                      env=env, stdout=log, stderr=log, start_new_session=True))
        address = f"127.0.0.1:{port}"
        deadline = time.time() + 90
        while time.time() < deadline and b"Ray runtime started" not in open(os.path.join(tmp, "head.log"), "rb").read():
            assert procs[0].poll() is None, open(os.path.join(tmp, "head.log")).read()[-2000:]
            time.sleep(0.5)
        wlog = open(os.path.join(tmp, "worker.log"), "wb")
        procs.append(subprocess.Popen([str(BIN / "ray"), "start", f"--address={address}", *common],
                                      env=env, stdout=wlog, stderr=wlog, start_new_session=True))
        while time.time() < deadline and b"Ray runtime started" not in open(os.path.join(tmp, "worker.log"), "rb").read():
            assert procs[1].poll() is None, open(os.path.join(tmp, "worker.log")).read()[-2000:]
            time.sleep(0.5)
        # both nodes registered
        while time.time() < deadline:
            out = subprocess.run([str(BIN / "ray"), "status", f"--address={address}"], env=env,
                                 capture_output=True, text=True).stdout
            if out.count("node_") >= 2 or "2.0 CPU" in out or "0.0/2.0 CPU" in out:
                break
            time.sleep(1)
        else:
            pytest.fail("the Ray cluster did not come up in 90 s")
        # a job that hangs (e.g. no CPU for a task) fails the test instead: the cluster
        # goes away after 4 minutes, whatever runs on it
        watchdog = threading.Timer(240, lambda: [os.killpg(p.pid, signal.SIGKILL) for p in procs])
        watchdog.daemon = True
        watchdog.start()
        yield address
        watchdog.cancel()
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        end = time.time() + 15
        while time.time() < end and tagged(tag):
            time.sleep(0.5)
        for pid in tagged(tag):  # what SIGTERM left: only processes we started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in procs:
            p.wait(timeout=30)
        end = time.time() + 15
        while time.time() < end and tagged(tag):
            time.sleep(0.5)
        left = tagged(tag)
        subprocess.run(["rm", "-rf", tmp])
        assert not left, f"Ray processes left behind: {left}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"), n=47)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    d, manifest, good, bad = corpus
    out = tmp_path_factory.mktemp("ref") / "batch"
    r = wmel.batch(manifest, out, shard_size=8, jobs=2)
    assert r.exit_status == 3 and r.written == len(good) and r.failed == len(bad)
    return out


def test_ray_equals_wmel_batch(cluster, corpus, reference, tmp_path):
    d, manifest, good, bad = corpus
    t0 = time.time()
    r = wmel.ray.run(manifest, tmp_path / "ray", shard_size=8, address=cluster, workers=2)
    print(f"Ray job: {len(good) + len(bad)} inputs in {time.time() - t0:.1f} s")
    assert (r.items, r.written, r.failed, r.exit_status) == (len(good) + len(bad), len(good), len(bad), 3)
    assert tree_equal(reference, tmp_path / "ray") > 10
    # the command: a rerun finds every shard complete (exit 3: the job has failures);
    # another shard size in the same folder is refused (exit 1)
    cmd = [sys.executable, "-m", "wmel.ray", str(manifest), "-o", str(tmp_path / "ray"),
           "--address", cluster, "--shard-size", "8"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 3, p.stderr[-2000:]
    assert "7 shard(s) already complete, 3 failed" in p.stderr
    p = subprocess.run(cmd[:-1] + ["9", "-q"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "holds another job" in p.stderr
    assert tree_equal(reference, tmp_path / "ray") > 10


def test_unreadable_inputs_read_like_wmel_batch(tmp_path):
    """No cluster: a folder, a missing file and an empty file in the manifest give the
    errors.jsonl lines of wmel batch, through read_bytes + Featurizer (source="bytes") and
    through Featurizer alone (source="paths")."""
    import pyarrow as pa
    (tmp_path / "sub").mkdir()
    (tmp_path / "empty.wav").write_bytes(b"")
    names = ["sub", "gone.flac", "empty.wav"]
    (tmp_path / "list.txt").write_text("".join(n + "\n" for n in names))
    r = wmel.batch(tmp_path / "list.txt", tmp_path / "out", jobs=1)
    assert r.failed == 3
    want = (tmp_path / "out" / "errors.jsonl").read_text().splitlines()
    assert "sub: cannot open: is a directory" in want[0]
    rows = pa.table({"i": list(range(3)), "key": ["sub", "gone", "empty"], "path": names,
                     "open": [str(tmp_path / n) for n in names], "shard": [0] * 3})
    f = wmel.ray.Featurizer()
    for t in (f(rows), f(wmel.ray.read_bytes(rows))):
        assert t.column("ok").to_pylist() == [False] * 3
        assert t.column("line").to_pylist() == want


class NoFiles(wmel.ray.Featurizer):
    """A worker that may not read any file: with source="bytes" the inputs reach it as
    bytes (read on the driver's node), so this must never run. Its process may not read
    a file for read_bytes either (that would mean Ray fused the read into the workers)."""

    def __init__(self, **kw):
        super().__init__(**kw)

        def refuse(path, open_path):
            raise AssertionError(f"the Ray worker process of a Featurizer read {open_path}")
        wmel.ray._read_file = refuse

    def read_file(self, path, open_path):
        raise AssertionError(f"a Ray worker opened {open_path} with source='bytes'")


def test_ray_bytes_source_equals_wmel_batch(cluster, corpus, reference, tmp_path):
    """source="bytes": the same folder as wmel batch, the missing input in errors.jsonl
    with the same message, no worker opening a file; then the command with --source
    bytes resumes it after two shards are removed."""
    import ray.cloudpickle
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    d, manifest, good, bad = corpus
    t0 = time.time()
    r = wmel.ray.run(manifest, tmp_path / "ray", shard_size=8, address=cluster, workers=2,
                     source="bytes", featurizer=NoFiles)
    print(f"Ray job, source=bytes: {len(good) + len(bad)} inputs in {time.time() - t0:.1f} s")
    assert (r.items, r.written, r.failed, r.exit_status) == (len(good) + len(bad), len(good), len(bad), 3)
    assert tree_equal(reference, tmp_path / "ray") > 10
    errors = (tmp_path / "ray" / "errors.jsonl").read_text()
    assert "missing.flac: cannot open: No such file or directory" in errors
    for s in (1, 4):
        (tmp_path / "ray" / f"shard-{s:06d}.tar").unlink()
        (tmp_path / "ray" / ".parts" / f"{s:06d}.index.jsonl").unlink()
    (tmp_path / "ray" / "index.jsonl").unlink()
    cmd = [sys.executable, "-m", "wmel.ray", str(manifest), "-o", str(tmp_path / "ray"),
           "--address", cluster, "--shard-size", "8", "--workers", "2", "--source", "bytes"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 3, p.stderr[-2000:]
    assert "5 shard(s) already complete, 3 failed" in p.stderr, p.stderr[-2000:]
    assert tree_equal(reference, tmp_path / "ray") > 10
    with pytest.raises(ValueError, match="source must be"):
        wmel.ray.run(manifest, tmp_path / "other", source="files")


class KilledOnce(wmel.ray.Featurizer):
    """Kills its Ray worker process (os._exit) on its third batch, once per job (a marker
    file next to the corpus says it happened)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.calls = 0

    marker_path = "/nonexistent/marker"

    def __call__(self, batch):
        self.calls += 1
        m = pathlib.Path(self.marker_path)
        if self.calls == 3 and not m.exists():
            m.write_text(f"killed in its 3rd batch, at {batch.column('key').to_pylist()[0]}\n")
            os._exit(1)
        return super().__call__(batch)


def test_ray_worker_killed_every_item_once(cluster, corpus, reference, tmp_path):
    import ray.cloudpickle
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    d, manifest, good, bad = corpus
    marker = tmp_path / "killed"
    cls = type("KilledOnceHere", (KilledOnce,), {"marker_path": str(marker)})
    r = wmel.ray.run(manifest, tmp_path / "ray", shard_size=8, address=cluster, workers=2,
                     featurizer=cls)
    assert marker.exists(), "the fault was not injected"
    print(f"fault test: a Ray worker {marker.read_text().strip()}; job finished")
    assert (r.written, r.failed, r.exit_status) == (len(good), len(bad), 3)
    index = [json.loads(x)["key"] for x in (tmp_path / "ray" / "index.jsonl").read_text().splitlines()]
    assert index == good  # every item once, in manifest order
    assert tree_equal(reference, tmp_path / "ray") > 10


def test_ray_parquet(cluster, corpus, reference, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    d, manifest, good, bad = corpus
    r = wmel.ray.run(manifest, tmp_path / "pq", shard_size=8, address=cluster, workers=2,
                     format="parquet")
    assert (r.written, r.failed, r.exit_status) == (len(good), len(bad), 3)
    t = pq.read_table(tmp_path / "pq" / "parquet")
    rows = {k: (p, n) for k, p, n in zip(t.column("key").to_pylist(), t.column("path").to_pylist(),
                                         t.column("npy").to_pylist())}
    assert sorted(rows) == sorted(good)
    assert (tmp_path / "pq" / "errors.jsonl").read_bytes() == (reference / "errors.jsonl").read_bytes()
    import tarfile
    with tarfile.open(reference / "shard-000000.tar") as tf:
        for name in tf.getnames():
            if name.endswith(".npy"):
                assert rows[name[:-4]][1] == tf.extractfile(name).read()
    feats = np.load(io.BytesIO(rows["a"][1]))
    np.testing.assert_array_equal(feats, wmel.log_mel_spectrogram(wmel.pad_or_trim(wmel.load_audio(str(d / "a.flac")))))


def _am_mvn(path, n=560):
    sh = " ".join("%.6g" % (-8.0 - 0.01 * j) for j in range(n))
    sc = " ".join("%.6g" % (0.25 + 0.001 * j) for j in range(n))
    path.write_text(f"<Nnet>\n<Splice> {n} {n}\n[ 0 ]\n<AddShift> {n} {n}\n<LearnRateCoef> 0 [ {sh} ]\n"
                    f"<Rescale> {n} {n}\n<LearnRateCoef> 0 [ {sc} ]\n</Nnet>\n")
    return path


def test_ray_plan_equals_wmel_batch(cluster, corpus, tmp_path):
    """plan= (FunASR's LFR rows with an am.mvn's per-column affine over them): the job and the
    files of wmel.batch(plan=...), byte for byte; the command's --plan/--cmvn resumes it, and
    without --cmvn (another job) is refused."""
    d, manifest, good, bad = corpus
    mvn = str(_am_mvn(tmp_path / "am.mvn"))
    ref = tmp_path / "ref"
    r0 = wmel.batch(manifest, ref, shard_size=8, jobs=2, plan="funasr", cmvn=mvn)
    assert (r0.written, r0.failed, r0.exit_status) == (len(good), len(bad), 3)
    r = wmel.ray.run(manifest, tmp_path / "ray", shard_size=8, address=cluster, workers=2, plan="funasr", cmvn=mvn)
    assert (r.items, r.written, r.failed, r.exit_status) == (len(good) + len(bad), len(good), len(bad), 3)
    assert tree_equal(ref, tmp_path / "ray") > 10
    job = json.loads((tmp_path / "ray" / "job.json").read_text())
    assert job["mode"] == "full" and job["frontend"] == "kaldi" and job["cols"].startswith("fnv1a64:")
    with __import__("tarfile").open(ref / "shard-000000.tar") as tf:
        feats = np.load(io.BytesIO(tf.extractfile("a.npy").read()))
    want = wmel.features(str(d / "a.flac"), plan="funasr", cmvn=mvn)
    np.testing.assert_array_equal(feats, want)
    assert feats.shape[1] == 560
    cmd = [sys.executable, "-m", "wmel.ray", str(manifest), "-o", str(tmp_path / "ray"), "--address", cluster,
           "--shard-size", "8", "--plan", "funasr", "--cmvn", mvn]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 3 and "7 shard(s) already complete, 3 failed" in p.stderr, p.stderr[-2000:]
    p = subprocess.run(cmd[:-2] + ["-q"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "holds another job" in p.stderr, p.stderr[-2000:]
    assert tree_equal(ref, tmp_path / "ray") > 10
    with pytest.raises(ValueError, match="a plan's job is mode 'full'"):
        wmel.ray.run(manifest, tmp_path / "x", mode="pad30", plan="kaldi")
    with pytest.raises(ValueError, match="apply to a plan's job"):
        wmel.ray.run(manifest, tmp_path / "x", cmvn=mvn)
    assert not (tmp_path / "x").exists()
