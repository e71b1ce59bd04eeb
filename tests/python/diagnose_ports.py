"""diagnose_ports.py -- what the tests of wmel.diagnose on recreated ports share: the fields an
answer found, and the error of its plan on a clip the fit never saw."""
import numpy as np

import wmel

SR = 16000


def fields(r):
    """the answer's differences as {field: found (as text)}"""
    return {d["field"]: str(d["found"]) for d in r["differences"]}


def held_out():
    """a clip the fit never saw: a chirp over a -70 dB noise floor"""
    rng = np.random.default_rng(11)
    t = np.arange(int(1.5 * SR)) / SR
    x = 0.5 * np.sin(2 * np.pi * (100 * t + 2000 * t * t)) + 0.5 * 10 ** (-70 / 20) * rng.standard_normal(t.size)
    return x.astype(np.float32)


def held_out_error(r, port):
    """max |port - plan| / max(1, |port|) of the answer's plan on the held-out clip (the shapes
    must agree)"""
    x = held_out()
    got, want = wmel.features(x, plan=r["plan"]), np.squeeze(np.asarray(port(x), np.float32))
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.max(np.abs(got - want) / np.maximum(1, np.abs(want))))


def refused_for(port, claimed, words):
    """the answer for port (a preset's name or a plan) refuses it, its reason naming every word"""
    r = wmel.diagnose(port, claimed) if isinstance(claimed, str) else wmel.diagnose(port, plan=claimed)
    assert not r["reproduces"] and not r["explained"], r["differences"]
    why = r["not_expressible"]
    assert all(w in why for w in words), why
    return r


def plan_port(plan, **fields_):
    """a port that is wmel's own plan (the truth stated as a plan)"""
    return lambda x: wmel.features(x, plan=plan, **fields_)  # noqa: E731


def answered(r, port, tol=1e-3):
    """the answer explains and reproduces the port, its plan within tol on the held-out clip"""
    assert r["explained"] and r["reproduces"], (r["notes"], r.get("not_expressible"), r["differences"])
    assert held_out_error(r, port) <= tol
