"""test_presets_music.py -- the clvp, clap and pop2piano presets (transformers 5.23's
ClvpFeatureExtractor, ClapFeatureExtractor, Pop2PianoFeatureExtractor): each held to a float64
numpy oracle written from the originals' code (centre-reflect frames, periodic Hann, |X|^2,
transformers' mel_filter_bank, the log) within 2e-5 x max(1, |oracle|) at the edge lengths
(0, 1, n_fft / 2, n_fft / 2 + 1, one hop more), on silence, full-scale noise and a clipped
chirp, on the CPU kernels (each ISA level) and the float64 reference; to the original itself (its numpy path)
and to wmel.hf's drop-in where transformers is installed (CLAP's module needs torch); and the
HF mapping of each class. `python tests/python/test_presets_music.py` prints every error.
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
wmel = pytest.importorskip("wmel")
import test_plan_caps as C  # noqa: E402  (htk_bank, the frames, the windows)
from test_presets import _err, _have  # noqa: E402  (the relative error, a module's presence)
from wmel._npref import slaney_mel_filters  # noqa: E402

TOL = 2e-5
_ERRS = {}
NAMES = ["clvp", "clap", "pop2piano"]
# name: (sample rate, n_fft, hop, n_mels, lo, hi, bank norm, log)
GEOM = {"clvp": (22050, 1024, 256, 80, 0.0, 8000.0, "slaney", "ln:1e-5"),
        "clap": (48000, 1024, 480, 64, 0.0, 14000.0, None, "db"),
        "pop2piano": (22050, 4096, 1024, 512, 10.0, 11025.0, None, "ln:1e-6")}


def _note(key, e):
    _ERRS[key] = max(_ERRS.get(key, 0.0), e)
    return e


def _bank(name, slaney=False):
    sr, n_fft, _, n_mels, lo, hi, norm, _ = GEOM[name]
    if slaney:  # CLAP's rand_trunc bank
        return slaney_mel_filters(sr, n_fft, n_mels, lo, hi).T
    return C.htk_bank(n_mels, n_fft, sr, lo, hi, norm)


def oracle(name, x, slaney=False):
    """float64, as the original computes it ([frames][mels]; CLVP's [mels][frames])."""
    sr, n_fft, hop, n_mels, lo, hi, norm, log = GEOM[name]
    fr = C._frames_center(np.asarray(x, np.float64), n_fft, hop, "reflect")
    s = np.fft.rfft(fr * C._win("hann_p", n_fft), axis=1)
    m = np.maximum((s.real ** 2 + s.imag ** 2) @ _bank(name, slaney), 1e-10)
    if log == "db":
        return 10.0 * np.log10(m)
    out = np.log(np.maximum(m, float(log.split(":")[1])))
    return out.T if name == "clvp" else out


def clips(name):
    """(name, float32 samples) at the edges of the preset's centre framing."""
    n_fft, hop = GEOM[name][1], GEOM[name][2]
    rng = np.random.default_rng(11)
    t = np.arange(3 * n_fft + 5 * hop) / GEOM[name][0]
    chirp = (0.4 * np.sin(2 * np.pi * (300 + 3000 * t) * t)).astype(np.float32)
    out = [("chirp", chirp), ("noise", rng.uniform(-1, 1, chirp.size).astype(np.float32)),
           ("silence", np.zeros(chirp.size, np.float32)), ("clipped", np.clip(4 * chirp, -1, 1))]
    for n in (n_fft // 2 + 1, n_fft // 2 + 2, n_fft // 2 + hop, n_fft // 2 + hop + 1, n_fft, n_fft + 1):
        out.append((f"len{n}", chirp[:n].copy()))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_listed_and_plan(name):
    p = {q["name"]: q for q in wmel.presets()}[name]
    assert p["models"] and p["original"] and "caller" in p["matched"], p
    plan = wmel.plan_from(name)
    sr, n_fft, hop, n_mels = GEOM[name][:4]
    assert (plan["sample_rate"], plan["n_fft"], plan["frame_length"], plan["hop"], plan["n_mels"]) == \
        (sr, n_fft, n_fft, hop, n_mels)


@pytest.mark.parametrize("backend", ["cpu", "ref"])
@pytest.mark.parametrize("name", NAMES)
def test_oracle(name, backend):
    for clip, x in clips(name):
        got = wmel.features(x, plan=name, backend=backend)
        e = _note((name, "float64 oracle"), _err(got, oracle(name, x)))
        assert e <= TOL, (name, backend, clip, e)


@pytest.mark.parametrize("isa", [1, 2, 3])              # WMEL_ISA_C, AVX2, AVX512 (capped by the CPU)
@pytest.mark.parametrize("name", NAMES)
def test_oracle_isa(name, isa):
    from wmel import _wmel
    ctx = _wmel.Ctx(plan=wmel.plan_from(name), backend=_wmel.BACKEND_CPU, n_threads=2, max_isa=isa)
    for clip, x in clips(name):
        rows, cols = ctx.features_shape(x.size)
        got = np.empty((rows, cols), np.float32)
        ctx.features(np.ascontiguousarray(x), got)
        e = _note((name, "float64 oracle"), _err(got, oracle(name, x)))
        assert e <= TOL, (name, isa, clip, e)


@pytest.mark.parametrize("name", NAMES)
def test_too_short_refused(name):
    """numpy's reflect pads a clip of n_fft / 2 samples or fewer by repeated reflection; wmel
    refuses it with WMEL_ERR_TOO_SHORT's sentence (never a crash), as it refuses an empty one."""
    n_fft = GEOM[name][1]
    for n in (0, 1, n_fft // 2):
        with pytest.raises(ValueError):
            wmel.features(np.zeros(n, np.float32), plan=name)


def test_clvp_mel_norms_and_clap_slaney():
    x = clips("clvp")[0][1]
    norms = np.random.default_rng(3).uniform(0.5, 2.0, 80)
    got = wmel.features(x, plan="clvp", col_scale=1.0 / norms)
    e = _note(("clvp", "float64 oracle (mel_norms)"), _err(got, oracle("clvp", x) / norms[:, None]))
    assert e <= TOL, e
    x = clips("clap")[1][1]
    got = wmel.features(x, plan="clap", mel_scale="slaney", mel_norm="slaney")
    e = _note(("clap", "float64 oracle (rand_trunc bank)"), _err(got, oracle("clap", x, slaney=True)))
    assert e <= TOL, e


# ---- the HF mapping ---------------------------------------------------------------------------

def test_hf_mapping():
    from wmel import hf
    assert hf.plan_from_config({"feature_extractor_type": "ClvpFeatureExtractor"}) == wmel.plan_from("clvp")
    assert hf.plan_from_config({"feature_extractor_type": "ClapFeatureExtractor"}) == wmel.plan_from("clap")
    assert hf.plan_from_config({"feature_extractor_type": "Pop2PianoFeatureExtractor"}) == \
        wmel.plan_from("pop2piano")
    p = hf.plan_from_config({"feature_extractor_type": "ClapFeatureExtractor", "truncation": "rand_trunc",
                             "fft_window_size": 2048, "feature_size": 128})
    assert (p["mel_scale"], p["mel_norm"], p["n_fft"], p["frame_length"], p["n_mels"]) == (0, 1, 2048, 2048, 128)
    p = hf.plan_from_config({"feature_extractor_type": "Pop2PianoFeatureExtractor", "sampling_rate": 16000,
                             "window_size": 2048})
    assert (p["high_freq"], p["n_fft"], p["frame_length"]) == (8000.0, 2048, 2048)
    p = hf.plan_from_config({"feature_extractor_type": "ClvpFeatureExtractor", "n_fft": 512, "mel_norms": None})
    assert (p["n_fft"], p["frame_length"]) == (512, 512)
    with pytest.raises(ValueError, match="mel_norms"):
        hf.plan_from_config({"feature_extractor_type": "ClvpFeatureExtractor", "mel_norms": [1.0] * 80})
    with pytest.raises(ValueError, match="truncation"):
        hf.plan_from_config({"feature_extractor_type": "ClapFeatureExtractor", "truncation": "crop"})
    with pytest.raises(ValueError, match="window_size"):
        hf.plan_from_config({"feature_extractor_type": "Pop2PianoFeatureExtractor", "window_size": 1.5})


# ---- the originals (transformers 5.23) -------------------------------------------------------

needs_tf = pytest.mark.skipif(not _have("transformers"), reason="transformers is not installed")
needs_torch = pytest.mark.skipif(not (_have("transformers") and _have("torch")),
                                 reason="this original needs torch")


def _cls(mod, name):
    import importlib
    try:
        return getattr(importlib.import_module(f"transformers.models.{mod}.feature_extraction_{mod}"), name)
    except (ImportError, NameError):  # torch-only modules raise NameError without torch
        pytest.skip(f"{name} does not import here")


def _ours(sub, name):
    """The drop-in computes with libwmel for this instance (its plan is not refused)."""
    from wmel import _hf_config as H
    assert H._instance_plan(sub, name) is not None, name
    return sub


def _hold(name, clip, got, orig, want, what="original"):
    """wmel against an original whose float32 steps (complex64 spectrum, float32 output) are
    themselves off the float64 oracle: the difference may be that error plus wmel's bound."""
    e_orig = _note((name, "float64 oracle: the original"), _err(orig, want))
    e = _note((name, what), _err(got, orig))
    assert e <= 1.01 * e_orig + 2 * TOL, (name, clip, e, e_orig)


@needs_tf
def test_clvp_original():
    from wmel import hf
    cls = _cls("clvp", "ClvpFeatureExtractor")
    norms = list(np.random.default_rng(5).uniform(0.5, 2.0, 80))
    fe = cls(mel_norms=norms)
    sub = _ours(getattr(hf, "ClvpFeatureExtractor")(mel_norms=norms), "ClvpFeatureExtractor")
    for clip, x in clips("clvp") + [("7s", np.resize(clips("clvp")[0][1], 7 * 22050))]:
        o = fe(x, sampling_rate=22050, return_tensors="np")["input_features"][0]
        xp = np.zeros(6 * 22050, np.float32)                    # __call__'s padding / cut to 6 s
        xp[:min(x.size, xp.size)] = x[:xp.size]
        want = oracle("clvp", xp) / np.asarray(norms)[:, None]
        _hold("clvp", clip, wmel.features(xp, plan="clvp", col_scale=1.0 / np.asarray(norms)), o, want)
        d = sub(x, sampling_rate=22050, return_tensors="np")["input_features"][0]
        _hold("clvp", clip, d, o, want, "original (wmel.hf drop-in)")


@needs_torch
def test_clap_original():
    from wmel import hf
    cls = _cls("clap", "ClapFeatureExtractor")
    for trunc in ("fusion", "rand_trunc"):
        for padding in ("repeatpad", "repeat", "pad"):
            fe = cls(truncation=trunc, padding=padding)
            sub = _ours(getattr(hf, "ClapFeatureExtractor")(truncation=trunc, padding=padding),
                       "ClapFeatureExtractor")
            for clip, x in clips("clap")[:5]:
                o = fe(x, sampling_rate=48000, return_tensors="np")["input_features"][0]
                xp = np.asarray(x, np.float64)                  # __call__'s padding to 10 s
                if padding == "repeat":
                    xp = np.tile(xp, 480000 // xp.size + 1)[:480000]
                elif padding == "repeatpad":
                    xp = np.tile(xp, 480000 // xp.size)
                xp = np.pad(xp, (0, 480000 - xp.size))
                slaney = trunc == "rand_trunc"
                want = oracle("clap", xp, slaney)
                opts = dict(mel_scale="slaney", mel_norm="slaney") if slaney else {}
                got = wmel.features(xp.astype(np.float32), plan="clap", **opts)
                assert o.shape == ((4,) if trunc == "fusion" else (1,)) + want.shape, o.shape
                for k in range(o.shape[0]):
                    _hold("clap", clip, got, o[k], want)
                d = sub(x, sampling_rate=48000, return_tensors="np")["input_features"][0]
                for k in range(d.shape[0]):
                    _hold("clap", clip, d[k], o[k], want, "original (wmel.hf drop-in)")


@needs_torch
def test_pop2piano_original():
    """The log-Mel of padded segments (mel_spectrogram, then __call__'s ln(max(m, 1e-6))); the
    beat tracking (essentia) is the caller's, so the segments are given here."""
    from wmel import hf
    cls = _cls("pop2piano", "Pop2PianoFeatureExtractor")
    fe = cls()
    sub = _ours(getattr(hf, "Pop2PianoFeatureExtractor")(), "Pop2PianoFeatureExtractor")
    segs = np.stack([x for clip, x in clips("pop2piano")[:4]])
    o = np.log(np.clip(fe.mel_spectrogram(segs), 1e-6, None)).transpose(0, 2, 1)
    d = np.log(np.clip(sub.mel_spectrogram(segs), 1e-6, None)).transpose(0, 2, 1)
    for k in range(segs.shape[0]):
        want = oracle("pop2piano", segs[k])
        _hold("pop2piano", k, wmel.features(segs[k], plan="pop2piano"), o[k], want)
        _hold("pop2piano", k, d[k], o[k], want, "original (wmel.hf drop-in)")


if __name__ == "__main__":
    for n in NAMES:
        test_listed_and_plan(n)
        for b in ("cpu", "ref"):
            test_oracle(n, b)
    test_clvp_mel_norms_and_clap_slaney()
    for t in (test_clvp_original, test_clap_original, test_pop2piano_original):
        try:
            t()
        except BaseException as e:  # noqa: BLE001 -- a skip without the original
            print(t.__name__, type(e).__name__, e)
    for k, v in sorted(_ERRS.items()):
        print(f"{k[0]:10s} {k[1]:40s} {v:.3g}")
