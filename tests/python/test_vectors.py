"""wmel.vectors() and wmel.vectors_check(): the packs of `wmel vectors` made and graded in
the process (wmel._vectors, the command's own code): a quick pack passes its own expected
outputs, a plan given as a dict makes the preset's pack, a perturbed output fails with its
case named (and the first diverging stage where the port wrote stages), a missing case
fails unless allowed (a stage written is graded all the same), a manifest of a wrong form
is not graded, and what cannot be made or graded raises."""
import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import wmel

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("packs") / "kaldi"
    m = wmel.vectors(out, "kaldi", quick=True)
    return out, m


def test_manifest(pack):
    out, m = pack
    assert m["format"] == "wmel-conformance-pack 1" and m["quick"] is True
    assert m["plan"]["frontend"] == "kaldi"
    names = [c["name"] for c in m["cases"]]
    assert "speech" in names and "chirp" in names
    assert (out / "expected" / "speech.npy").is_file() and (out / "inputs" / "speech.f32").is_file()
    assert not [p for p in out.parent.iterdir() if p.name.startswith("kaldi.")]  # no temporary left


def test_self_check(pack):
    out, m = pack
    r = wmel.vectors_check(out, out / "expected")
    assert r["ok"] is True and r["failed"] == 0 and r["missing"] == 0
    assert r["passed"] + r["refused"] == len(m["cases"])
    assert {c["status"] for c in r["cases"]} <= {"pass", "refused"}


def test_perturbed_output_fails(pack, tmp_path):
    out, _ = pack
    port = tmp_path / "port"
    shutil.copytree(out / "expected", port)
    x = np.load(port / "chirp.npy")
    np.save(port / "chirp.npy", (x * np.float32(1.001)).astype(np.float32))
    r = wmel.vectors_check(out, port)
    assert r["ok"] is False and r["failed"] == 1
    bad = [c for c in r["cases"] if c["status"] == "fail"]
    assert [c["case"] for c in bad] == ["chirp"] and bad[0]["worst_ratio"] > 1
    # a stage written wrong too: named as the first that diverges
    mel = np.load(port / "chirp.mel.npy")
    np.save(port / "chirp.mel.npy", mel * 1.001)
    r = wmel.vectors_check(out, port)
    chirp = next(c for c in r["cases"] if c["case"] == "chirp")
    assert chirp["status"] == "fail" and chirp["first_diverging_stage"] == "mel", chirp


def test_missing_case(pack, tmp_path):
    out, _ = pack
    port = tmp_path / "port"
    shutil.copytree(out / "expected", port)
    os.unlink(port / "dc.npy")
    os.unlink(port / "dc.f32")
    r = wmel.vectors_check(out, port)
    assert r["ok"] is False and r["missing"] == 1
    assert wmel.vectors_check(out, port, allow_missing=True)["ok"] is True


def test_written_stage_graded_when_output_missing(pack, tmp_path):
    """A stage the port wrote is graded whether its output was written or not: one far off
    fails its case, allow_missing or not; a case is missing only when nothing fails."""
    out, _ = pack
    port = tmp_path / "port"
    port.mkdir()
    p = np.load(out / "expected" / "chirp.power.npy")
    np.save(port / "chirp.power.npy", p * 2 + 1)
    r = wmel.vectors_check(out, port, allow_missing=True)
    chirp = next(c for c in r["cases"] if c["case"] == "chirp")
    assert chirp["status"] == "fail" and chirp["first_diverging_stage"] == "power", chirp
    assert r["ok"] is False and r["failed"] == 1
    np.save(port / "chirp.power.npy", p)
    r = wmel.vectors_check(out, port, allow_missing=True)
    assert r["ok"] is True and r["failed"] == 0
    assert next(c for c in r["cases"] if c["case"] == "chirp")["status"] == "missing"


def test_manifest_form_checked(pack, tmp_path):
    """A manifest whose names leave the pack, or whose numbers are out of range, is not graded."""
    out, _ = pack
    m = json.loads((out / "manifest.json").read_text())
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    c = next(c for c in m["cases"] if not c.get("refused"))
    for key, value, text in (("expected", "../secret.npy", "plain relative name"), ("tol", -1, "out of range"),
                             ("rule", "bogus", "rel1")):
        saved = c[key]
        c[key] = value
        (bad / "manifest.json").write_text(json.dumps(m))
        with pytest.raises(wmel.VectorsError, match=text):
            wmel.vectors_check(bad, out / "expected")
        c[key] = saved


def test_plan_dict_and_text(pack, tmp_path):
    out, _ = pack
    a = (out / "expected" / "speech.npy").read_bytes()
    plan = wmel.frontend_plan("kaldi")
    for i, p in enumerate((plan, wmel.plan_to_json(plan), {"frontend": "kaldi"})):
        m = wmel.vectors(tmp_path / str(i), plan=p, quick=True)
        assert m["plan"]["frontend"] == "kaldi"
        assert (tmp_path / str(i) / "expected" / "speech.npy").read_bytes() == a
    (tmp_path / "k.json").write_text(wmel.plan_to_json(plan))
    wmel.vectors(tmp_path / "f", plan=tmp_path / "k.json", quick=True)
    assert (tmp_path / "f" / "expected" / "speech.npy").read_bytes() == a


def test_same_pack_as_the_command(pack, tmp_path):
    exe = ROOT / "build" / "wmel"
    if not exe.exists():
        pytest.skip("build/wmel not built")
    out, _ = pack
    subprocess.run([str(exe), "vectors", "--preset", "kaldi", "--quick", "-q", "-o", str(tmp_path / "c"),
                    "--speech", str(ROOT / "data" / "speech_en.wav")], check=True)
    for f in ("expected/speech.npy", "expected/chirp.log.npy", "inputs/speech.f32"):
        assert (tmp_path / "c" / f).read_bytes() == (out / f).read_bytes(), f
    mc, mp = (json.loads((d / "manifest.json").read_text()) for d in (tmp_path / "c", out))
    mc.pop("wmel_version"), mp.pop("wmel_version")  # the builds' optional parts may differ
    assert mc == mp


def test_errors(pack, tmp_path):
    out, _ = pack
    with pytest.raises(ValueError):
        wmel.vectors(tmp_path / "x")  # no front-end
    with pytest.raises(ValueError, match="nope"):
        wmel.vectors(tmp_path / "x", "nope")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(wmel.VectorsError, match="not empty"):
        wmel.vectors(mine, "kaldi", quick=True)
    with pytest.raises(wmel.VectorsError, match="not a pack"):
        wmel.vectors(mine, "kaldi", quick=True, force=True)
    assert (mine / "notes.txt").read_text() == "keep" and sorted(os.listdir(tmp_path)) == ["mine"]
    with pytest.raises(wmel.VectorsError, match="manifest.json"):
        wmel.vectors_check(mine, out / "expected")


def test_ctrl_c_leaves_nothing(tmp_path):
    """Ctrl-C mid-pack: KeyboardInterrupt once the folder being built is removed."""
    import signal
    import sys
    import time
    # the child sets SIGINT's disposition itself (a background job starts with it ignored)
    code = ("import signal, sys, wmel\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "try:\n    wmel.vectors(sys.argv[1], 'whisper')\nexcept KeyboardInterrupt:\n"
            "    sys.exit(42)\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "pk")], stderr=subprocess.PIPE)
    t0 = time.time()
    while not list(tmp_path.glob("pk.tmp-*/expected/speech.npy")) and time.time() - t0 < 20 and p.poll() is None:
        time.sleep(0.02)
    assert list(tmp_path.glob("pk.tmp-*")), "no temporary folder seen"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 42, err
    assert list(tmp_path.iterdir()) == []
