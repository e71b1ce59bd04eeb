"""test_toolkit_mfcc.py -- Kaldi's MFCC (the plan's n_ceps) against the originals that compute
it: torchaudio.compliance.kaldi.mfcc (snip_edges, samples x 32768 as the kaldi preset),
kaldi-native-fbank's OnlineMfcc with knf.MfccOptions' defaults (13 cepstra of 23 bins, lifter 22,
the log energy in c0; dither 0), and lhotse's Mfcc() (lhotse 1.33 MfccConfig's defaults: the
lhotse-mfcc preset), on speech (jfk.flac), noise and a chirp.

Each original and wmel are held to the float64 oracle (test_plan_caps.ceps_oracle of
wmel._feref.kaldi's log mels): wmel within 2e-5 x max(1, |oracle|), and within the original's own
float32 error against the oracle plus 2e-5 of the original. Each needs only what it imports
(kaldi-native-fbank installs without torch) and skips without it. `python
tests/python/test_toolkit_mfcc.py` prints every error.
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fe_inputs as FI  # noqa: E402

wmel = pytest.importorskip("wmel")
import test_plan_caps as C  # noqa: E402  (ceps_oracle)
from wmel import _feref  # noqa: E402

TOL = 2e-5
_ERRS = {}


def _err(a, b, scale=None):
    """max |a - b| / max(1, |scale|) (scale: b)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    s = b if scale is None else np.asarray(scale, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(s)))) if a.size else 0.0


def _signals():
    """(name, float32 samples in [-1, 1]): speech, full-scale noise, a chirp."""
    out = []
    if "jfk.flac" in FI.golden_names():
        out.append(("jfk", FI.golden_audio("jfk.flac")))
    rng = np.random.default_rng(5)
    t = np.arange(32000) / 16000.0
    out.append(("noise", rng.uniform(-1, 1, 24011).astype(np.float32)))
    out.append(("chirp", (0.5 * np.sin(2 * np.pi * (100 + 3000 * t) * t)).astype(np.float32)))
    return out


def _hold(what, got, orig, want):
    """wmel (got) and the original (orig) against the oracle (want); wmel within 2e-5 of it and
    within the original's error of the original plus 2e-5 (each relative to max(1, |oracle|))."""
    e_w, e_o, e_wo = _err(got, want), _err(orig, want), _err(got, orig, want)
    for k, v in (("wmel vs float64", e_w), ("original vs float64", e_o), ("wmel vs original", e_wo)):
        _ERRS[(what, k)] = max(_ERRS.get((what, k), 0.0), v)
    print(f"  {what}: wmel vs float64 {e_w:.3g}, original vs float64 {e_o:.3g}, wmel vs original {e_wo:.3g}")
    assert e_w <= TOL, (what, e_w)
    assert e_wo <= e_o + TOL, (what, e_wo, e_o)


def test_torchaudio_compliance_mfcc():
    torch = pytest.importorskip("torch")
    ta_kaldi = pytest.importorskip("torchaudio.compliance.kaldi")
    for name, x in _signals():
        orig = ta_kaldi.mfcc(torch.from_numpy(x * np.float32(32768.0))[None], dither=0.0).numpy()
        got = wmel.features(x, "kaldi", n_mels=23, n_ceps=13, cepstral_lifter=22)
        want = C.ceps_oracle(_feref.kaldi(x, 23), 13, 22.0)
        _hold(f"torchaudio.compliance.kaldi.mfcc {name}", got, orig, want)


def test_kaldi_native_fbank_online_mfcc():
    knf = pytest.importorskip("kaldi_native_fbank")
    from wmel import kaldi as wk
    for name, x in _signals():
        o = knf.MfccOptions()
        o.frame_opts.dither = 0.0
        m = knf.OnlineMfcc(o)
        m.accept_waveform(16000, (x * np.float32(32768.0)).tolist())
        m.input_finished()
        orig = np.array([m.get_frame(i) for i in range(m.num_frames_ready)], np.float32)
        got = wmel.features(x, "kaldi", n_mels=23, n_ceps=13, cepstral_lifter=22, use_energy=True,
                            energy_floor=0.0)
        f = _feref.kaldi(x, 23, use_energy=True)
        want = C.ceps_oracle(f[:, 1:], 13, 22.0, energy=f[:, 0])
        _hold(f"kaldi-native-fbank OnlineMfcc {name}", got, orig, want)
        # wmel.kaldi's drop-in: the same options, the same values as the plan's
        wo = wk.MfccOptions()
        wo.frame_opts.dither = 0.0
        d = wk.OnlineMfcc(wo)
        d.accept_waveform(16000, x * np.float32(32768.0))
        d.input_finished()
        drop = np.array([d.get_frame(i) for i in range(d.num_frames_ready)], np.float32)
        assert np.array_equal(drop, got), name


def test_lhotse_mfcc():
    pytest.importorskip("torch")
    ex = pytest.importorskip("lhotse.features.kaldi.extractors")
    m = ex.Mfcc()  # lhotse 1.33 MfccConfig: 13 of 23, lifter 22, no energy, snip_edges False, dither 0
    for name, x in _signals():
        orig = m.extract(x, 16000)
        got = wmel.features(x, plan="lhotse-mfcc")
        want = C.ceps_oracle(_feref.kaldi(x, 23, scale=1.0, high_freq=-400.0, snip_edges=False), 13, 22.0)
        _hold(f"lhotse Mfcc() {name}", got, orig, want)
        import wmel.lhotse as wl
        drop = wl.Mfcc()
        _hold(f"lhotse Mfcc() {name}: wmel.lhotse.Mfcc", drop.extract(x, 16000), orig, want)
        assert drop.feature_dim(16000) == m.feature_dim(16000) == 13


def test_lhotse_mfcc_configs():
    """Other MfccConfigs through wmel.lhotse.Mfcc -- another lifter, snip_edges with 40 filters and 20
    cepstra, all 23 cepstra with a Hamming window -- held like the defaults: wmel within 2e-5 of the
    float64 oracle, and within lhotse's own float32 error of it plus 2e-5. (lhotse 1.33's Mfcc with
    use_energy=True raises inside Wav2MFCC -- the energy's shape --, and with cepstral_lifter=0 in
    its constructor; the energy in c0 and no lifter are held to kaldi-native-fbank above.)"""
    pytest.importorskip("torch")
    ex = pytest.importorskip("lhotse.features.kaldi.extractors")
    import wmel.lhotse as wl
    x = np.random.default_rng(3).uniform(-0.5, 0.5, 9001).astype(np.float32)
    for cfg, nm, window, snip, nc, q in ((ex.MfccConfig(cepstral_lifter=10), 23, "povey", False, 13, 10.0),
                                         (ex.MfccConfig(snip_edges=True, num_filters=40, num_ceps=20), 40, "povey",
                                          True, 20, 22.0),
                                         (ex.MfccConfig(window_type="hamming", num_ceps=23), 23, "hamming", False,
                                          23, 22.0)):
        o = ex.Mfcc(cfg).extract(x, 16000)
        got = wl.Mfcc(cfg).extract(x, 16000)
        want = C.ceps_oracle(_feref.kaldi(x, nm, window=window, scale=1.0, high_freq=-400.0, snip_edges=snip), nc, q)
        _hold(f"lhotse Mfcc({nm} filters, {nc} ceps, lifter {q:g}, {window}, snip_edges {snip})", got, o, want)


if __name__ == "__main__":
    for fn in (test_torchaudio_compliance_mfcc, test_kaldi_native_fbank_online_mfcc, test_lhotse_mfcc,
               test_lhotse_mfcc_configs):
        try:
            fn()
        except pytest.skip.Exception as e:
            print(f"{fn.__name__}: skipped ({e})")
    for k, v in sorted(_ERRS.items()):
        print(f"{k[0]:55s} {k[1]:22s} {v:.3g}")
