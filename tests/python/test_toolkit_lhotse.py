"""The lhotse-fbank and sherpa-onnx presets and wmel.lhotse.Fbank against their originals:
lhotse 1.33's Fbank().extract, kaldi-native-fbank's OnlineFbank with sherpa-onnx's options
(FeatureExtractorConfig defaults: snip_edges false, dither 0, samples in [-1, 1], high_freq
-400) and torchaudio.compliance.kaldi.fbank(snip_edges=False), on speech (jfk.flac), noise and
a chirp. Each original computes in float32: it is measured against the float64 reference
(wmel._feref.kaldi, Kaldi's framing and reflection in numpy), and wmel is held to the
original within the original's own error plus 2e-5; wmel itself within 2e-5 of the
reference. Both errors are printed (pytest -s)."""
import numpy as np
import pytest

from conftest import GOLDEN, HAVE_GOLDEN
from originals import TOL, err as _err, knf_sherpa

torch = pytest.importorskip("torch")
wmel = pytest.importorskip("wmel")
from wmel import _feref  # noqa: E402


def _clips():
    rng = np.random.default_rng(11)
    t = np.arange(48000) / 16000.0
    out = [("noise", rng.uniform(-1, 1, 16000).astype(np.float32)),
           ("chirp", (0.5 * np.sin(2 * np.pi * (50 + 2500 * t) * t)).astype(np.float32)),
           ("noise 1000", (0.1 * rng.standard_normal(1000)).astype(np.float32)),
           ("noise 401", (0.1 * rng.standard_normal(401)).astype(np.float32))]
    if HAVE_GOLDEN and wmel.have_ffmpeg():
        out.append(("jfk", np.asarray(wmel.load_audio(GOLDEN / "audio" / "jfk.flac"), np.float32)))
    return out


def _ref(x):
    return _feref.kaldi(x, 80, scale=1.0, high_freq=-400.0, snip_edges=False)


def _hold(what, clip, got, orig, ref):
    e_orig, e_ref, e = _err(orig, ref), _err(got, ref), _err(got, orig)
    print(f"{what:42s} {clip:10s} original vs float64 ref {e_orig:.3g}, wmel vs ref {e_ref:.3g}, "
          f"wmel vs original {e:.3g}")
    assert e_ref <= TOL, (what, clip, e_ref)
    assert e <= e_orig + TOL, (what, clip, e, e_orig)


def test_lhotse_fbank():
    pytest.importorskip("lhotse")
    from lhotse.features.kaldi.extractors import Fbank
    import wmel.lhotse as wl
    orig, drop = Fbank(), wl.Fbank()
    assert drop.frame_shift == orig.frame_shift and drop.feature_dim(16000) == orig.feature_dim(16000)
    assert wmel.plan_from(wl.plan(orig.config.to_dict())) == wmel.plan_from("lhotse-fbank")
    for clip, x in _clips():
        o = orig.extract(x, 16000)
        ref = _ref(x)
        _hold("lhotse Fbank: preset lhotse-fbank", clip, wmel.features(x, plan="lhotse-fbank"), o, ref)
        _hold("lhotse Fbank: wmel.lhotse.Fbank", clip, drop.extract(x, 16000), o, ref)
        got_t = drop.extract(torch.from_numpy(x), 16000)
        assert isinstance(got_t, torch.Tensor) and got_t.dtype == torch.float32


def test_lhotse_other_configs():
    """A config whose padding is not Kaldi's (an odd shift), the energy column, snip_edges."""
    pytest.importorskip("lhotse")
    from lhotse.features.kaldi.extractors import Fbank, FbankConfig
    import wmel.lhotse as wl
    x = np.random.default_rng(2).uniform(-0.5, 0.5, 9001).astype(np.float32)
    for cfg in (FbankConfig(frame_shift=161 / 16000), FbankConfig(use_energy=True, energy_floor=1.0),
                FbankConfig(snip_edges=True, num_filters=40), FbankConfig(window_type="hamming", use_fft_mag=True)):
        o = Fbank(cfg).extract(x, 16000)
        got = wl.Fbank(cfg).extract(x, 16000)
        e = _err(got, o)
        print(f"lhotse {cfg}: wmel vs lhotse {e:.3g}")
        assert got.shape == o.shape and e <= 1e-4, (cfg, e)


def test_sherpa_onnx_kaldi_native_fbank():
    pytest.importorskip("kaldi_native_fbank")
    for clip, x in _clips():
        o = knf_sherpa(x)
        _hold("kaldi-native-fbank: preset sherpa-onnx", clip, wmel.features(x, plan="sherpa-onnx"), o, _ref(x))


def test_torchaudio_kaldi_fbank_snip_edges_false():
    ta_kaldi = pytest.importorskip("torchaudio.compliance.kaldi")
    for clip, x in _clips():
        o = ta_kaldi.fbank(torch.from_numpy(x)[None], snip_edges=False, num_mel_bins=80, low_freq=20.0,
                           high_freq=-400.0, dither=0.0, sample_frequency=16000.0).numpy()
        _hold("torchaudio fbank(snip_edges=False)", clip, wmel.features(x, plan="sherpa-onnx"), o, _ref(x))
