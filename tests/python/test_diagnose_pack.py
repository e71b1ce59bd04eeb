"""wmel.diagnose() given a pack (`wmel vectors`) and the folder of a port's outputs, as `wmel
diagnose --audio PACK --features OUTPUTS`: the cases the port answered are the clips, the
pack's plan the claimed front-end unless one is named; the pack's own expected outputs
match on every clip, a port with another window is explained by that field and reproduced
on every clip, and a folder that is not a pack, or no outputs, is a ValueError naming it."""
import json
import os

import numpy as np
import pytest

import wmel


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    p = tmp_path_factory.mktemp("pk") / "kaldi-pack"
    wmel.vectors(p, "kaldi", quick=True)
    return p


def _cases(pack):
    with open(pack / "manifest.json", encoding="utf-8") as fh:
        m = json.load(fh)
    return [c for c in m["cases"] if "expected" in c and c.get("kind") != "stream"]


def test_pack_expected_matches(pack):
    r = wmel.diagnose(pack, pack / "expected")
    assert r["matches"], r["differences"]
    assert len(r["clips"]) >= 5
    assert all(c["status"] == "matches" for c in r["clips"]), r["clips"]


def test_pack_port_with_hann(pack, tmp_path):
    outs = tmp_path / "outputs"
    outs.mkdir()
    written = 0
    for c in _cases(pack):
        x = np.load(pack / c["input"]) if c["input"].endswith(".npy") else None
        exp = np.load(pack / "expected" / (c["name"] + ".npy"))
        if x is None or x.size < 400 or not np.all(np.isfinite(x)):
            continue
        y = wmel.features(x.astype(np.float32), "kaldi", window="hann", backend="cpu")
        if y.shape != exp.shape:
            continue
        np.save(outs / (c["name"] + ".npy"), y)
        written += 1
    assert written >= 5
    r = wmel.diagnose(pack, outs)
    assert not r["matches"]
    assert [d["field"] for d in r["differences"]] == ["window"], r["differences"]
    assert r["reproduces"] and r["plan"]["window"] == "hann"
    assert len(r["clips"]) == written
    assert all(c["status"] == "reproduced" for c in r["clips"]), r["clips"]
    # a named front-end wins over the pack's plan
    r2 = wmel.diagnose(pack, outs, preset="kaldi")
    assert [d["field"] for d in r2["differences"]] == ["window"]


def test_pack_errors(pack, tmp_path):
    with pytest.raises(ValueError, match="not a pack"):
        wmel.diagnose(tmp_path, tmp_path)
    empty = tmp_path / "none"
    empty.mkdir()
    with pytest.raises(ValueError, match="no case's output"):
        wmel.diagnose(pack, empty)
    with pytest.raises(ValueError, match="folder of the port's outputs"):
        wmel.diagnose(pack, np.zeros((3, 80), np.float32))
