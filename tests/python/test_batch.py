"""test_batch.py -- wmel.batch(): the `wmel batch` job from Python. The same files as the
command byte for byte, read back with the `webdataset` package and with HF datasets'
"webdataset" loader, every item equal to wmel's own single-clip functions."""
import filecmp
import io
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

# HF datasets reads local shards with its packaged "webdataset" builder: no hub access
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import wmel
from batch_corpus import ROOT, have_ffmpeg, make_corpus

pytestmark = pytest.mark.skipif(not have_ffmpeg(), reason="needs ffmpeg and an FFmpeg build of wmel")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"), n=12)


@pytest.fixture(scope="module")
def pad30(corpus, tmp_path_factory):
    d, manifest, good, bad = corpus
    out = tmp_path_factory.mktemp("out") / "pad30"
    r = wmel.batch(manifest, out, shard_size=5, jobs=2)
    return out, r


def tree_equal(a, b):
    """Every file (hidden ones too) of two folders, byte for byte."""
    fa = sorted(p.relative_to(a) for p in pathlib.Path(a).rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b) for p in pathlib.Path(b).rglob("*") if p.is_file())
    assert fa == fb
    for p in fa:
        assert filecmp.cmp(a / p, b / p, shallow=False), f"{p} differs"
    return len(fa)


def expected(path, mode, n_mels=80):
    audio = wmel.load_audio(str(path))
    if mode == "pad30":
        return wmel.log_mel_spectrogram(wmel.pad_or_trim(audio), n_mels=n_mels)
    if mode == "full":
        return wmel.log_mel_spectrogram(audio, n_mels=n_mels)
    return np.stack([w for w, _ in wmel.windows(audio, n_mels=n_mels)])


def test_result_and_files(corpus, pad30):
    d, manifest, good, bad = corpus
    out, r = pad30
    n = len(good) + len(bad)
    assert r == (n, len(good), len(bad), 0, pytest.approx(r.audio_seconds), 3)
    assert sorted(p.name for p in out.glob("shard-*.tar")) == [f"shard-{i:06d}.tar" for i in range((n + 4) // 5)]
    index = [json.loads(x) for x in (out / "index.jsonl").read_text().splitlines()]
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert [e["key"] for e in index] == good
    assert sorted(e["key"] for e in errors) == sorted(bad)
    assert {e["key"]: e["error"] for e in errors}["missing"] == "missing.flac: cannot open: No such file or directory"
    # a rerun finds every shard complete and reports the whole job
    r2 = wmel.batch(manifest, out, shard_size=5)
    assert (r2.written, r2.failed, r2.shards_skipped, r2.exit_status) == (0, len(bad), (n + 4) // 5, 3)


def test_same_bytes_as_the_command(corpus, pad30, tmp_path):
    cli = pathlib.Path(os.environ.get("WMEL_CLI", ROOT / "build" / "wmel"))
    if not cli.exists():
        pytest.skip(f"no wmel command at {cli} (make build)")
    d, manifest, good, bad = corpus
    out, _ = pad30
    rc = subprocess.run([str(cli), "batch", str(manifest), "-o", str(tmp_path / "cli"),
                         "--shard-size", "5", "--jobs", "1", "-q"]).returncode
    assert rc == 3
    assert tree_equal(out, tmp_path / "cli") > 5


def test_webdataset_readback(corpus, pad30):
    wds = pytest.importorskip("webdataset")
    d, manifest, good, bad = corpus
    out, _ = pad30
    shards = sorted(str(p) for p in out.glob("shard-*.tar"))
    seen = []
    for sample in wds.WebDataset(shards, shardshuffle=False):
        meta = json.loads(sample["json"])
        feats = np.load(io.BytesIO(sample["npy"]))
        assert sample["__key__"] == meta["key"]
        assert feats.dtype == np.float32 and feats.shape == (80, 3000) == tuple(meta["shape"])
        np.testing.assert_array_equal(feats, expected(d / meta["path"], "pad30"))
        seen.append(meta["key"])
    assert seen == good


def test_hf_datasets_readback(corpus, pad30, tmp_path):
    datasets = pytest.importorskip("datasets")
    d, manifest, good, bad = corpus
    out, _ = pad30
    shards = sorted(str(p) for p in out.glob("shard-*.tar"))
    ds = datasets.load_dataset("webdataset", data_files={"train": shards}, split="train",
                               cache_dir=str(tmp_path / "hf"))
    assert ds.num_rows == len(good)
    keys = []
    for row in ds:
        meta = row["json"]
        feats = np.asarray(row["npy"], dtype=np.float32)
        assert row["__key__"] == meta["key"]
        np.testing.assert_array_equal(feats, expected(d / meta["path"], "pad30"))
        keys.append(meta["key"])
    assert keys == good


@pytest.mark.parametrize("mode", ["full", "windows"])
def test_modes_128(corpus, tmp_path, mode):
    d, manifest, good, bad = corpus
    r = wmel.batch(manifest, tmp_path / mode, mode=mode, n_mels=128, shard_size=100, jobs=2)
    assert r.exit_status == 3 and r.written == len(good)
    import tarfile
    with tarfile.open(tmp_path / mode / "shard-000000.tar") as t:
        names = t.getnames()
        assert names == [f"{k}.{e}" for k in good for e in ("npy", "json")]
        for k in ("a", "sub/tone", "noise"):
            meta = json.loads(t.extractfile(f"{k}.json").read())
            feats = np.load(io.BytesIO(t.extractfile(f"{k}.npy").read()))
            assert meta["mode"] == mode and meta["n_mels"] == 128
            assert list(feats.shape) == meta["shape"]
            np.testing.assert_array_equal(feats, expected(d / meta["path"], mode, 128))


def _items(out):
    """{key: (features, its .json)} of a job's shards."""
    import tarfile
    got = {}
    for shard in sorted(pathlib.Path(out).glob("shard-*.tar")):
        with tarfile.open(shard) as t:
            for m in t.getmembers():
                if m.name.endswith(".npy"):
                    got[m.name[:-4]] = (np.load(io.BytesIO(t.extractfile(m).read())),
                                        json.loads(t.extractfile(m.name[:-4] + ".json").read()))
    return got


def test_plan_jobs(corpus, tmp_path):
    """plan=: each input's wmel.features(path, plan=...) in the plan's layout, with the
    per-column affine when given, job.json recording both; the same files as `wmel batch
    --preset NAME [--cmvn FILE]`; a rerun with other values refused."""
    d, manifest, good, bad = corpus
    sc, sh = np.linspace(0.5, 1.5, 80), np.linspace(-1.0, 1.0, 80)
    r = wmel.batch(manifest, tmp_path / "fr", plan="firered", col_scale=sc, col_shift=sh, shard_size=5, jobs=2)
    assert r.exit_status == 3 and r.written == len(good)
    got = _items(tmp_path / "fr")
    assert sorted(got) == sorted(good)
    for k in ("a", "noise"):
        feats, meta = got[k]
        want = wmel.features(wmel.load_audio(str(d / meta["path"])), plan="firered", col_scale=sc, col_shift=sh)
        assert list(feats.shape) == meta["shape"]
        np.testing.assert_array_equal(feats, want)
    job = json.loads((tmp_path / "fr" / "job.json").read_text())
    assert job["frontend"] == "kaldi" and job["mode"] == "full" and job["cols"].startswith("fnv1a64:")
    with pytest.raises(wmel.BatchError, match="cols"):
        wmel.batch(manifest, tmp_path / "fr", plan="firered", shard_size=5)
    n = wmel.batch(manifest, tmp_path / "nemo", plan="nemo", n_mels=128, shard_size=100)
    assert n.written == len(good)
    a, meta = _items(tmp_path / "nemo")["a"]
    np.testing.assert_array_equal(a, wmel.features(wmel.load_audio(str(d / meta["path"])), "nemo", 128))
    with pytest.raises(ValueError, match="mode 'full'"):
        wmel.batch(manifest, tmp_path / "x", plan="nemo", mode="pad30")
    with pytest.raises(ValueError, match="plan's job"):
        wmel.batch(manifest, tmp_path / "x", col_scale=sc)
    assert not (tmp_path / "x").exists()
    cli = pathlib.Path(os.environ.get("WMEL_CLI", ROOT / "build" / "wmel"))
    if cli.exists():  # the command's job, byte for byte (the CMVN as a Kaldi text file)
        mean, var = -sh / sc, 1.0 / (sc * sc)
        cnt = 1000.0
        rows = [list(mean * cnt) + [cnt], list((var + mean * mean) * cnt) + [0.0]]
        (tmp_path / "cmvn.ark").write_text(" [\n" + "\n".join("  " + " ".join(repr(float(v)) for v in r)
                                                               for r in rows) + " ]\n")
        py = wmel.batch(manifest, tmp_path / "py", plan="firered", cmvn=tmp_path / "cmvn.ark", shard_size=5, jobs=1)
        rc = subprocess.run([str(cli), "batch", str(manifest), "-o", str(tmp_path / "cli"), "--preset", "firered",
                             "--cmvn", str(tmp_path / "cmvn.ark"), "--shard-size", "5", "--jobs", "1", "-q"]).returncode
        assert rc == py.exit_status == 3
        assert tree_equal(tmp_path / "py", tmp_path / "cli") > 5


def test_list_of_paths_and_errors(corpus, tmp_path, monkeypatch):
    d, manifest, good, bad = corpus
    monkeypatch.chdir(d)
    r = wmel.batch(["a.flac", "sub/e.wav"], tmp_path / "l")
    assert r.exit_status == 0 and r.written == 2
    assert [json.loads(x)["key"] for x in (tmp_path / "l" / "index.jsonl").read_text().splitlines()] == ["a", "sub/e"]
    with pytest.raises(wmel.BatchError, match="another manifest"):
        wmel.batch(["a.flac"], tmp_path / "l")
    with pytest.raises(wmel.BatchError, match="mode"):
        wmel.batch(["a.flac", "sub/e.wav"], tmp_path / "l", mode="full")
    with pytest.raises(ValueError, match="same key"):
        wmel.batch(["a.flac", "a.mp3"], tmp_path / "dup")
    assert not (tmp_path / "dup").exists()
    with pytest.raises(ValueError, match="mode"):
        wmel.batch(["a.flac"], tmp_path / "x", mode="bogus")


def test_no_adoption_of_unrecorded_files(corpus, pad30, tmp_path):
    """wmel.batch and wmel.ray's preparation refuse a non-empty folder without job.json
    and files that its job.json does not account for; the messages name them."""
    import shutil

    from wmel import ray as wray
    d, manifest, good, bad = corpus
    out, _ = pad30
    o = tmp_path / "o"
    shutil.copytree(out, o)
    (o / "job.json").unlink()
    with pytest.raises(wmel.BatchError, match="holds no job.json .*shard-000000.tar"):
        wmel.batch(manifest, o, mode="full", n_mels=128, shard_size=5)
    assert not (o / "job.json").exists()
    entries, job_json = wmel._batch.plan(str(manifest), shard_size=5)
    with pytest.raises(wmel.BatchError, match="holds no job.json"):
        wray._prepare(str(o), job_json, 3)
    shutil.rmtree(o)
    shutil.copytree(out, o)
    shutil.copyfile(o / "shard-000000.tar", o / "shard-000009.tar")
    with pytest.raises(wmel.BatchError, match="does not account for: shard-000009.tar"):
        wmel.batch(manifest, o, shard_size=5)
    with pytest.raises(wmel.BatchError, match="does not account for: shard-000009.tar"):
        wray._prepare(str(o), job_json, 3)
    (o / "shard-000009.tar").unlink()
    os.close(wray._prepare(str(o), job_json, 3))  # accounted for: taken
    assert wmel.batch(manifest, o, shard_size=5).shards_skipped == 3
