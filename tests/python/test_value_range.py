"""Values past float32's range are refused, never written as infinities: a plan whose padding
value times post_scale passes 3.4e38 (refused with the plan's sentence), the energies of
log "none" times 1e30 (no static bound: the compute call's error), and a per-column scale
(CMVN's <Rescale>, col_scale) that carries the plan's bounded values past float32 (refused
with a sentence naming the column, its scale and the largest the plan allows:
wmel_plan_cols_check). Through wmel mel, wmel stream, wmel batch, wmel.features, wmel.Stream,
wmel.SlidingBuffer and wmel.batch. The command: $WMEL_CLI, else build/wmel; its checks skip
without it."""
import json
import os
import pathlib
import subprocess
import wave

import numpy as np
import pytest

import wmel

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAD = {"frontend": "kaldi", "n_frames": 200, "pad_value": 1e30, "post_scale": -1e30, "post_shift": 0}
ENERGY = {"frontend": "kaldi", "log": "none", "post_scale": 1e30}
RANGE = "values past float32's range"
COL_BOUND = r"col_scale\[3\] 1e\+30, col_shift\[3\] 0: .* float32's range .*\|col_scale\[3\]\| at most 4\.5"


def _cli():
    cli = pathlib.Path(os.environ.get("WMEL_CLI", ROOT / "build" / "wmel"))
    if not cli.exists():
        pytest.skip("the wmel command ($WMEL_CLI or build/wmel) is not built")
    return str(cli)


def _tone(n=16000):
    return (0.25 * np.sin(2 * np.pi * 440 * np.arange(n) / 16000)).astype(np.float32)


def _wav(path, x):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    return path


def _am_mvn(path, col, rescale, addshift=0.0):
    """FunASR's am.mvn for the funasr preset (560 values) with <Rescale> `rescale` and
    <AddShift> `addshift` at column `col`."""
    n = 560
    sh = " ".join(repr(addshift) if j == col else "%.6g" % (-8.0 - 0.01 * j) for j in range(n))
    sc = " ".join(repr(rescale) if j == col else "%.6g" % (0.25 + 0.001 * j) for j in range(n))
    path.write_text("<Nnet>\n<Splice> %d %d\n[ 0 ]\n<AddShift> %d %d\n<LearnRateCoef> 0 [ %s ]\n"
                    "<Rescale> %d %d\n<LearnRateCoef> 0 [ %s ]\n</Nnet>\n" % (n, n, n, n, sh, n, n, sc))
    return path


def _run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kw)


# ------------------------------------------------------------------------------- the CLI

def test_mel_refuses_and_leaves_no_output(tmp_path):
    cli, wav = _cli(), _wav(tmp_path / "tone.wav", _tone())
    for name, plan, says in (("pad", PAD, "pad_value 1e+30, post_scale -1e+30, post_shift 0: "),
                             ("energy", ENERGY, RANGE)):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(plan))
        out = tmp_path / f"{name}.npy"
        r = _run(cli, "mel", wav, "--plan", p, "-o", out)
        assert r.returncode != 0 and says in r.stderr, (name, r.returncode, r.stderr)
        assert not out.exists(), name
        assert not list(tmp_path.glob(f"{name}.npy*")), name  # no temporary file left either


def test_stream_refuses_the_finish(tmp_path):
    cli = _cli()
    p = tmp_path / "energy.json"
    p.write_text(json.dumps(ENERGY))
    pcm = (_tone() * 32767).astype("<i2").tobytes()
    r = subprocess.run([cli, "stream", "--plan", str(p), "-o", str(tmp_path / "s.npy")], input=pcm,
                       capture_output=True, timeout=300)
    assert r.returncode != 0 and b"post_scale 1e+30" in r.stderr, r.stderr
    assert not (tmp_path / "s.npy").exists()


def test_batch_lists_the_item(tmp_path):
    cli, wav = _cli(), _wav(tmp_path / "tone.wav", _tone())
    (tmp_path / "m.txt").write_text("tone.wav\n")
    p = tmp_path / "energy.json"
    p.write_text(json.dumps(ENERGY))
    r = _run(cli, "batch", tmp_path / "m.txt", "-o", tmp_path / "out", "--plan", p, "-q")
    assert r.returncode == 3, r.stderr
    errs = [json.loads(l) for l in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert len(errs) == 1 and errs[0]["key"] == "tone" and RANGE in errs[0]["error"], errs
    import tarfile
    assert tarfile.open(tmp_path / "out" / "shard-000000.tar").getnames() == []
    p2 = tmp_path / "pad.json"
    p2.write_text(json.dumps(PAD))
    r = _run(cli, "batch", tmp_path / "m.txt", "-o", tmp_path / "out2", "--plan", p2, "-q")
    assert r.returncode not in (0, 3) and "pad_value 1e+30" in r.stderr, r.stderr


def test_cmvn_scale_named_by_column(tmp_path):
    """An am.mvn <Rescale> that carries the plan's values past float32: the column, its scale
    and the bound, from mel and batch; the same file without the plan's affine is inside."""
    cli, wav = _cli(), _wav(tmp_path / "tone.wav", _tone())
    mvn = _am_mvn(tmp_path / "am.mvn", 3, 1e30)
    r = _run(cli, "mel", wav, "--preset", "funasr", "--post-scale", "1e8", "--cmvn", mvn, "-o", tmp_path / "o.npy")
    assert r.returncode == 1, r.stderr
    assert "--cmvn" in r.stderr and "with --preset funasr" in r.stderr, r.stderr
    import re
    assert re.search(COL_BOUND, r.stderr), r.stderr
    assert not (tmp_path / "o.npy").exists()
    (tmp_path / "m.txt").write_text("tone.wav\n")
    r = _run(cli, "batch", tmp_path / "m.txt", "-o", tmp_path / "out", "--preset", "funasr", "--post-scale", "1e8",
             "--cmvn", mvn, "-q")
    assert r.returncode == 1 and re.search(COL_BOUND, r.stderr), r.stderr
    assert not (tmp_path / "out").exists()
    # |ln| <= 745 times 1e30 stays inside float32 without the plan's affine
    r = _run(cli, "mel", wav, "--preset", "funasr", "--cmvn", mvn, "-o", tmp_path / "ok.npy")
    assert r.returncode == 0, r.stderr
    assert np.isfinite(np.load(tmp_path / "ok.npy")).all()
    # a shift past 1e30 (AddShift x Rescale): named too
    big = _am_mvn(tmp_path / "big.mvn", 3, 1e30, -8.0)
    r = _run(cli, "mel", wav, "--preset", "funasr", "--cmvn", big, "-o", tmp_path / "o2.npy")
    assert r.returncode == 1 and "col_shift[3] -8e+30" in r.stderr and "at most 1e30" in r.stderr, r.stderr


# ---------------------------------------------------------------------------- Python

def test_features_refuses():
    x = _tone()
    with pytest.raises(ValueError, match=r"pad_value 1e\+30, post_scale -1e\+30"):
        wmel.features(x, "kaldi", n_frames=200, pad_value=1e30, post_scale=-1e30, post_shift=0)
    with pytest.raises(ValueError, match=RANGE):
        wmel.features(x, "kaldi", log="none", post_scale=1e30)
    with pytest.raises(ValueError, match=RANGE):
        wmel.features(x, "kaldi", log="none", col_scale=[1e30] * 80)
    cs = [1.0] * 80
    cs[3] = 1e30
    with pytest.raises(ValueError, match=COL_BOUND):
        wmel.features(x, "kaldi", post_scale=1e8, col_scale=cs)
    y = wmel.features(x, "kaldi", col_scale=cs)  # |ln| x 1e30: inside
    assert np.isfinite(y).all()


def test_stream_refuses():
    """A stream takes no finish (post_scale is refused by name); its per-column scale carries
    the energies of log "none" past float32 in push()."""
    x = _tone(32000)
    with pytest.raises(ValueError, match="post_scale"):
        wmel.Stream("kaldi", log="none", post_scale=1e30)
    s = wmel.Stream("kaldi", log="none", col_scale=[1e30] * 80)
    with pytest.raises(ValueError, match=RANGE):
        s.push(x)


def test_sliding_buffer_refuses():
    x = _tone(32000)
    for kw in ({"log": "none", "post_scale": 1e30}, {"log": "none", "col_scale": [1e30] * 80}):
        b = wmel.SlidingBuffer("kaldi", **kw)
        b.push(x)
        with pytest.raises(ValueError, match=RANGE):
            b.features()
    with pytest.raises(ValueError, match=r"pad_value 1e\+30"):
        wmel.SlidingBuffer("kaldi", n_frames=200, pad_value=1e30, post_scale=-1e30, post_shift=0)


def test_batch_python(tmp_path):
    """wmel.batch: the per-column scale refused before any work, with the column and the
    bound; an item past float32's range on the way out listed in errors.jsonl."""
    _wav(tmp_path / "tone.wav", _tone())
    (tmp_path / "m.txt").write_text("tone.wav\n")
    cs = [1.0] * 80
    cs[3] = 1e30
    with pytest.raises(ValueError, match=COL_BOUND):
        wmel.batch(str(tmp_path / "m.txt"), str(tmp_path / "out"), plan={"frontend": "kaldi", "post_scale": 1e8},
                   col_scale=cs)
    assert not (tmp_path / "out").exists()
    r = wmel.batch(str(tmp_path / "m.txt"), str(tmp_path / "out2"), plan=ENERGY)
    assert r.exit_status == 3
    errs = [json.loads(l) for l in (tmp_path / "out2" / "errors.jsonl").read_text().splitlines()]
    assert len(errs) == 1 and RANGE in errs[0]["error"], errs
