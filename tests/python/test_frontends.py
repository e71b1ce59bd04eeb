"""test_frontends.py -- wmel.features for the nemo, kaldi and seamless front-ends against the
float64 numpy oracle (wmel._feref): every front-end and option set, edge lengths (0, 1, 399, 400,
401, 511, 512, 513, ...), silence, full-scale noise, clipped audio, the goldens, one and two
threads, the cpu and ref backends, and every CPU instruction-set level (WMEL_MAX_ISA).

Threshold (the front-ends' contract): |wmel - oracle| <= 2e-5 * max(1, |oracle|). For the
per-feature-normalised outputs (nemo per_feature, seamless mean_var) the difference is taken in
log units, multiplied by the row's denominator (std + 1e-5, sqrt(var + 1e-7)): in near-constant
rows the normalisation divides float32 rounding of the log-mel by epsilon.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import wmel
from wmel import _feref as R

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fe_inputs as FI  # noqa: E402

TOL = 2e-5

CONFIGS = [
    ("nemo", {}),
    ("nemo", {"n_mels": 128}),
    ("nemo", {"normalize": "none"}),
    ("nemo", {"legacy": True}),
    ("nemo", {"pad_to": 16}),
    ("kaldi", {}),
    ("kaldi", {"n_mels": 23, "use_energy": True}),
    ("kaldi", {"window": "hamming", "scale": 1.0}),
    ("kaldi", {"window": "hann", "low_freq": 100.0, "high_freq": -400.0}),
    ("kaldi", {"window": "rect", "n_mels": 40, "high_freq": 7000.0}),
    ("kaldi", {"n_mels": 126}),          # the most triangles 512 points resolve from 20 Hz
    ("kaldi", {"use_energy": True, "energy_floor": 1.0}),
    ("seamless", {}),
    ("seamless", {"normalize": "none"}),
]
KINDS = ("noise", "full", "clipped", "silence", "tone")


def _ids(c):
    fe, kw = c
    return fe + "".join(f"-{k}={v}" for k, v in kw.items())


def rel_err(frontend, x, threads=0, backend="auto", **kw):
    """max |wmel - oracle| / max(1, |oracle|), in log units for the normalised outputs."""
    a = wmel.features(x, frontend, threads=threads, backend=backend, **kw)
    assert a.dtype == np.float32
    assert np.all(np.isfinite(a))
    normalised = frontend in ("nemo", "seamless") and kw.get("normalize", "x") != "none"
    o = R.features(x, frontend, return_denominator=normalised, **kw)
    if normalised:
        o, den = o
        den = den[:, None] if frontend == "nemo" else den[None, :]
    else:
        den = 1.0
    assert a.shape == o.shape, (a.shape, o.shape)
    if not o.size:
        return 0.0
    return float((np.abs(a - o) * den / np.maximum(1.0, np.abs(o))).max())


def _short_ok(frontend, kw, n):
    """NeMo's legacy reflect padding needs more than 256 samples (torch's reflect pad refuses
    fewer; wmel raises ValueError, see test_legacy_nemo_short_input_is_an_error)."""
    return not (frontend == "nemo" and kw.get("legacy") and n <= 256)


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_edge_lengths_and_signals(config):
    frontend, kw = config
    worst = (0.0, "")
    for n in FI.EDGE_LENGTHS:
        if not _short_ok(frontend, kw, n):
            continue
        for k, kind in enumerate(KINDS):
            e = rel_err(frontend, FI.synthetic(kind, n, seed=1000 * k + n), **kw)
            worst = max(worst, (e, f"{n} {kind}"))
    assert worst[0] <= TOL, worst


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_goldens(config):
    frontend, kw = config
    assert len(FI.golden_names()) >= 10, f"golden audio not found under {FI.GOLDEN} (set WMEL_GOLDEN)"
    for name in FI.golden_names():
        x = FI.golden_audio(name, None if not kw else 30)   # whole clips for the presets
        if not _short_ok(frontend, kw, len(x)):
            continue
        e = rel_err(frontend, x, **kw)
        assert e <= TOL, (name, e)


@pytest.mark.parametrize("frontend", ["nemo", "kaldi", "seamless"])
@pytest.mark.parametrize("threads,backend", [(1, "cpu"), (2, "cpu"), (0, "ref")])
def test_threads_and_backends(frontend, threads, backend):
    rng = np.random.default_rng(7)
    long = backend != "ref"              # the float64 reference is slow on long clips
    for n in (401, 16000 * 7 + 123) + ((16000 * 61,) if long else ()):
        x = (rng.standard_normal(n) * 0.1).astype(np.float32)
        e = rel_err(frontend, x, threads=threads, backend=backend)
        assert e <= TOL, (n, e)
    x = FI.golden_audio("speech_long.wav", None if long else 10)
    assert rel_err(frontend, x, threads=threads, backend=backend) <= TOL


def test_threads_give_identical_results():
    x = FI.golden_audio("speech_long.wav")
    for frontend in ("nemo", "kaldi", "seamless"):
        a = wmel.features(x, frontend, threads=1)
        b = wmel.features(x, frontend, threads=2)
        assert np.array_equal(a, b), frontend


_ISA_SCRIPT = r"""
import sys, numpy as np, wmel
sys.path.insert(0, sys.argv[1])
import fe_inputs as FI, test_frontends as T
worst = 0.0
for frontend, kw in T.CONFIGS:
    for n in (400, 401, 512, 513, 16000 * 3 + 17):
        for kind in ("noise", "clipped", "silence"):
            worst = max(worst, T.rel_err(frontend, FI.synthetic(kind, n, seed=n), **kw))
    worst = max(worst, T.rel_err(frontend, FI.golden_audio("jfk.flac"), **kw))
print(worst)
"""


@pytest.mark.parametrize("isa", ["c", "avx2", "avx512"])
def test_every_isa_level(isa):
    """WMEL_MAX_ISA lowers the kernel level at context creation (a level the CPU lacks falls
    back to the best it has, so each run is still a valid check)."""
    env = dict(os.environ, WMEL_MAX_ISA=isa)
    r = subprocess.run([sys.executable, "-c", _ISA_SCRIPT, os.path.dirname(os.path.abspath(__file__))],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert float(r.stdout.strip().splitlines()[-1]) <= TOL, (isa, r.stdout)


def test_empty_input_is_an_error():
    for frontend in ("nemo", "kaldi", "seamless"):
        with pytest.raises(ValueError):
            wmel.features(np.zeros(0, np.float32), frontend)


def test_legacy_nemo_short_input_is_an_error():
    """torch's reflect padding refuses clips of 256 samples or fewer, and so does wmel."""
    for n in (1, 160, 256):
        with pytest.raises(ValueError, match="too short"):
            wmel.features(FI.synthetic("noise", n), "nemo", legacy=True)
    assert wmel.features(FI.synthetic("noise", 257), "nemo", legacy=True).shape == (80, 2)


def test_kaldi_empty_triangle_is_refused():
    """128 bins from 20 Hz leave a triangle between two FFT bins: refused with ValueError, as
    kaldi-native-fbank refuses it (torchaudio gives that bin ln(FLT_EPSILON)); the message
    names the field and the most bins the range holds."""
    with pytest.raises(ValueError, match=r"n_mels 128: .*at most 126 bins"):
        wmel.features(FI.synthetic("noise", 1000), "kaldi", 128)
    with pytest.raises(ValueError, match=r"low_freq 9000"):
        wmel.features(FI.synthetic("noise", 1000), "kaldi", low_freq=9000.0)
    assert wmel.features(FI.synthetic("noise", 1000), "kaldi", 128, low_freq=100.0).shape == (4, 128)


def test_edge_rules():
    """Finite everywhere: current NeMo gives zeros below 320 samples (one valid frame or none);
    Seamless gives zeros for one frame; kaldi and seamless give no rows below 400 samples."""
    for n in (1, 159, 160, 319):
        out = wmel.features(FI.synthetic("noise", n), "nemo")
        assert out.shape == (80, n // 160 + 1) and not out.any()
    assert wmel.features(FI.synthetic("noise", 320), "nemo")[:, 0].any()
    for n in (1, 399):
        assert wmel.features(FI.synthetic("noise", n), "kaldi").shape == (0, 80)
        assert wmel.features(FI.synthetic("noise", n), "seamless").shape == (0, 160)
    one = wmel.features(FI.synthetic("noise", 559), "seamless")
    assert one.shape == (1, 160) and not one.any()


def test_layouts():
    x = FI.synthetic("noise", 16000 * 2 + 100)
    n = x.shape[0]
    nf = 1 + (n - 400) // 160
    assert wmel.features(x, "nemo").shape == (80, n // 160 + 1)
    assert wmel.features(x, "nemo", pad_to=16).shape == (80, -(-(n // 160 + 1) // 16) * 16)
    assert wmel.features(x, "kaldi", 23, use_energy=True).shape == (nf, 24)
    assert wmel.features(x, "seamless").shape == ((nf + 1) // 2, 160)


def test_torch_in_torch_out():
    torch = pytest.importorskip("torch")
    x = FI.synthetic("noise", 16000)
    for frontend in ("nemo", "kaldi", "seamless"):
        t = wmel.features(torch.from_numpy(x), frontend)
        assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
        assert np.array_equal(t.numpy(), wmel.features(x, frontend))


def report():
    """Prints wmel's max error against the oracle per front-end configuration (the tests'
    inputs: edge lengths x signals, and the goldens)."""
    print(f"{'configuration':50s} {'max err / max(1,|oracle|)':>26s}")
    for frontend, kw in CONFIGS:
        worst = 0.0
        try:
            for n in FI.EDGE_LENGTHS:
                if _short_ok(frontend, kw, n):
                    for k, kind in enumerate(KINDS):
                        worst = max(worst, rel_err(frontend, FI.synthetic(kind, n, seed=1000 * k + n), **kw))
            for name in FI.golden_names():
                worst = max(worst, rel_err(frontend, FI.golden_audio(name), **kw))
        except ValueError as e:
            print(f"{_ids((frontend, kw)):50s} {'refused: ' + str(e)[:60]}")
            continue
        print(f"{_ids((frontend, kw)):50s} {worst:26.3g}")


if __name__ == "__main__":
    report()



@pytest.mark.parametrize("name", ["kaldi", "nemo", "whisper", "funasr"])
def test_named_plans_computed_once_give_the_same_bits(name):
    """A preset or front-end named without options (its plan kept between calls) gives the
    bits of the same plan passed as a dict, and of the front-end's options; a caller changing
    the plan dict it was given changes nothing later."""
    import json

    x = (np.random.default_rng(11).standard_normal(16123) * 0.1).astype(np.float32)
    by_name = wmel.features(x, plan=name, threads=1)
    plan = wmel.frontend_plan(plan=name)
    by_dict = wmel.features(x, plan=json.loads(wmel.plan_to_json(plan)), threads=1)
    assert by_name.dtype == np.float32 and by_name.size and np.array_equal(by_name, by_dict)
    if name != "funasr":                          # the front-end's name, no options
        fe = json.loads(wmel.plan_to_json(wmel.frontend_plan(name)))
        assert np.array_equal(wmel.features(x, name, threads=1), wmel.features(x, plan=fe, threads=1))
    plan["hop"] = 7
    wmel.frontend_plan(plan=name)["n_mels"] = 40
    assert np.array_equal(wmel.features(x, plan=name, threads=1), by_name)
    with pytest.raises(ValueError, match="frontend"):
        wmel.features(x, "nemo", plan=name)
