"""wmel.lhotse without lhotse or torch: a lhotse FbankConfig (its to_dict() form) read as a
libwmel plan, the refusals with their sentences, and the drop-in Fbank against the float64
numpy reference of Kaldi's snip_edges=false fbank (wmel._feref.kaldi)."""
import numpy as np
import pytest

wmel = pytest.importorskip("wmel")
from wmel import _feref  # noqa: E402
import wmel.lhotse as wl  # noqa: E402
from originals import TOL, err as _err  # noqa: E402


def test_defaults_are_the_preset():
    assert wmel.plan_from(wl.plan()) == wmel.plan_from("lhotse-fbank")
    assert wmel.plan_from(wl.plan(wl.FbankConfig().to_dict())) == wmel.plan_from("lhotse-fbank")
    p = wmel.plan_from(wl.plan({"snip_edges": True, "num_mel_bins": 40, "window_type": "hamming",
                                "use_energy": True, "raw_energy": False, "energy_floor": 1.0}))
    assert (p["framing"], p["n_mels"], p["use_energy"], p["energy_windowed"], p["energy_floor"]) == (0, 40, 1, 1, 1.0)
    p = wmel.plan_from(wl.plan({"frame_length": 0.032, "round_to_power_of_two": False, "use_fft_mag": True}))
    assert (p["frame_length"], p["n_fft"], p["power"]) == (512, 512, 1)


def test_mfcc_config_is_the_preset():
    """An MfccConfig (the object or a dict with num_ceps) reads as Kaldi's MFCC; its defaults are the
    lhotse-mfcc preset, and wmel.lhotse.Mfcc gives the preset's features."""
    assert wmel.plan_from(wl.plan(wl.MfccConfig())) == wmel.plan_from("lhotse-mfcc")
    assert wmel.plan_from(wl.plan(wl.MfccConfig().to_dict())) == wmel.plan_from("lhotse-mfcc")
    p = wmel.plan_from(wl.plan({"num_ceps": 20, "num_filters": 40, "cepstral_lifter": 0, "use_energy": True,
                                "energy_floor": 1.0}))
    assert (p["n_ceps"], p["n_mels"], p["cepstral_lifter"], p["use_energy"]) == (20, 40, 0.0, 1)
    x = np.random.default_rng(5).uniform(-0.5, 0.5, 5000).astype(np.float32)
    m = wl.Mfcc()
    got = m.extract(x, 16000)
    assert got.shape == ((5000 + 80) // 160, 13) and m.feature_dim(16000) == 13 and m.name == "wmel-mfcc"
    assert np.array_equal(got, wmel.features(x, plan="lhotse-mfcc"))
    with pytest.raises(ValueError, match=r"n_ceps 30: outside 0..n_mels \(23\)"):
        wl.plan({"num_ceps": 30})  # more cepstra than the 23 filters
    with pytest.raises(ValueError, match="config key 'bogus': not a lhotse MfccConfig field"):
        wl.plan({"num_ceps": 13, "bogus": 1})


@pytest.mark.parametrize("cfg, words", [
    ({"bogus": 1}, "config key 'bogus'"),
    ({"dither": 0.1}, "config dither 0.1"),
    ({"window_type": "kaiser"}, "config window_type 'kaiser'"),
    ({"torchaudio_compatible_mel_scale": False}, "torchaudio_compatible_mel_scale False"),
    ({"use_energy": True}, "energy_floor 1e-10 with use_energy"),
    ({"frame_shift": 0.0100625}, "(L - H) // 2 = 119"),
    ({"sampling_rate": 10}, "config sampling_rate 10"),
    ({"num_filters": 1000}, "n_mels"),
    ({"preemph_coeff": 2.0}, "config preemph_coeff 2.0"),
])
def test_refusals(cfg, words):
    with pytest.raises(ValueError) as e:
        wl.plan(cfg)
    assert words in str(e.value), str(e.value)


def test_dropin_against_reference():
    fb = wl.Fbank()
    assert fb.name == "wmel-fbank" and fb.frame_shift == 0.01 and fb.feature_dim(16000) == 80
    rng = np.random.default_rng(5)
    worst = 0.0
    for n in list(range(1, 260, 7)) + [400, 401, 1600, 16000]:
        x = rng.uniform(-0.5, 0.5, n).astype(np.float32)
        got = fb.extract(x, 16000)
        assert got.dtype == np.float32 and got.shape == ((n + 80) // 160, 80), (n, got.shape)
        if got.size:
            worst = max(worst, _err(got, _feref.kaldi(x, 80, scale=1.0, high_freq=-400.0, snip_edges=False)))
    print(f"wmel.lhotse.Fbank vs float64 reference: {worst:.3g}")
    assert worst <= TOL
    with pytest.raises(ValueError, match="sampling_rate=8000"):
        fb.extract(np.zeros(400, np.float32), 8000)
