"""wmel.diagnose(port, preset) with a port as a callable: the designed probes (wmel.probes(),
`wmel probes`' set) run through the port in memory and one plan fitted on all of them. A port
made with wmel itself under another plan (zero padding, every frame kept) is found in full,
where one quiet-edged clip alone misses the padding; the answer holds on a held-out clip; the
probes are the same samples as the WAV files of `wmel probes`; the old signature still works."""
import os
import pathlib
import subprocess
import wave

import pytest

np = pytest.importorskip("numpy")
wmel = pytest.importorskip("wmel")

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEECH = ROOT / "data" / "speech_en.wav"
PORT = {"frontend": "whisper", "framing": "center_zero", "valid": "all"}


def port(x):
    return wmel.features(x, plan=PORT)


def test_probes_are_short_and_fixed():
    a, b = wmel.probes("whisper"), wmel.probes(preset="whisper")
    assert [p["stem"] for p in a] == [p["stem"] for p in b] and len(a) >= 13
    assert all(np.array_equal(p["samples"], q["samples"]) for p, q in zip(a, b))
    total = sum(p["samples"].size for p in a) / 16000
    assert 5 < total <= 60, total
    # 16-bit values: what a WAV holds exactly
    for p in a:
        assert np.array_equal(np.round(p["samples"] * 32768) / 32768, p["samples"]), p["stem"]
    stems = {p["stem"]: p["samples"].size % 160 for p in a}
    assert stems["edges"] == 0 and stems["len_plus1"] == 1 and stems["len_minus1"] == 159


def test_port_callable_found_on_every_probe():
    r = wmel.diagnose(port, "whisper")
    assert not r["matches"] and r["explained"] and r["reproduces"], r
    fields = {d["field"]: d["found"] for d in r["differences"]}
    assert fields.get("framing") == "center_zero" and fields.get("valid") == "all", r["differences"]
    assert "n_frames" not in fields  # a rule, not one clip's count
    assert len(r["clips"]) == len(wmel.probes()) and all(c["status"] == "reproduced" for c in r["clips"]), r["clips"]
    assert r["clips"][0]["stem"] == "edges"
    # the answer holds on a clip it never saw
    x = wmel.load_audio(str(SPEECH))
    got = wmel.features(x, plan=r["plan"])
    want = port(x)
    assert got.shape == want.shape and float(np.max(np.abs(got - want))) <= 1e-4


def test_one_quiet_clip_misses_what_the_probes_find():
    x = wmel.load_audio(str(SPEECH))
    one = wmel.diagnose(x, port(x), "whisper")
    assert one["reproduces"] and "framing" not in {d["field"] for d in one["differences"]}, one["differences"]
    edges = wmel.probes("whisper")[0]["samples"]
    assert float(np.max(np.abs(wmel.features(edges, plan=one["plan"]) - port(edges)))) > 1e-2


def test_port_own_plan_matches_and_emits(tmp_path):
    r = wmel.diagnose(port, plan=PORT)
    assert r["matches"] and all(c["status"] == "matches" for c in r["clips"])
    out = tmp_path / "plan.json"
    r = wmel.diagnose(port, "whisper", emit_plan=out)
    assert out.exists() and r["reproduces"]


def test_a_port_that_fails_is_named():
    def broken(x):
        if x.size < 1000:
            raise RuntimeError("too short")
        return port(x)
    r = wmel.diagnose(broken, "whisper")  # the probe left out, named, and the plan computes it: not reproduced
    assert not r["reproduces"] and "'short'" in r["notes"] and "too short" in r["notes"], r["notes"]

    def dead(x):
        raise RuntimeError("no features at all")
    with pytest.raises(ValueError, match="every probe"):
        wmel.diagnose(dead, "whisper")
    with pytest.raises(ValueError, match="callable"):
        wmel.diagnose(port, np.zeros((80, 3), np.float32), "whisper")


def test_old_signature_still_works():
    x = wmel.load_audio(str(SPEECH))
    r = wmel.diagnose(x, wmel.features(x, plan={"frontend": "whisper"}), "whisper")
    assert r["matches"]


def test_same_samples_as_wmel_probes_files(tmp_path):
    cli = os.environ.get("WMEL_CLI") or str(ROOT / "build" / "wmel")
    if not os.path.exists(cli):
        pytest.skip("no wmel command built (set WMEL_CLI)")
    subprocess.run([cli, "probes", str(tmp_path / "p"), "-q"], check=True)
    for p in wmel.probes("whisper"):
        with wave.open(str(tmp_path / "p" / (p["stem"] + ".wav"))) as w:
            v = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        assert np.array_equal(v, p["samples"]), p["stem"]
