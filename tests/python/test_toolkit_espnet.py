"""test_toolkit_espnet.py -- ESPnet 202511's DefaultFrontend (+ GlobalMVN) against wmel: the
preset espnet-fbank and wmel.espnet.plan(config, stats) on speech
(../shared/golden/audio/jfk.flac), full-scale noise and a chirp. The original's own float32
error against the float64 oracle (test_presets.toolkit_oracle, and the oracle's GlobalMVN in
double) is measured and printed; wmel is within 2e-5 x max(1, |oracle|) of the oracle, and
within the original's error plus that bound of the original.
`python tests/python/test_toolkit_espnet.py` prints every error."""
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("espnet2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
wmel = pytest.importorskip("wmel")
import originals as O  # noqa: E402
import test_presets as P  # noqa: E402  (the oracles)
import wmel.espnet as wesp  # noqa: E402
from espnet2.asr.frontend.default import DefaultFrontend  # noqa: E402
from espnet2.layers.global_mvn import GlobalMVN  # noqa: E402

_ERRS = {}


def _clips():
    return O.clips(6, wmel.load_audio)


def _hold(key, got, orig, ref):
    O.hold(_ERRS, key, got, orig, ref)


def _frontend(x, fe):
    fe.eval()
    with torch.no_grad():
        y, _ = fe(torch.from_numpy(x)[None], torch.tensor([x.size]))
    return y


def test_preset_against_default_frontend():
    fe = DefaultFrontend()
    for clip, x in _clips():
        _hold(("espnet-fbank", clip), wmel.features(x, plan="espnet-fbank"), _frontend(x, fe).numpy()[0],
              P.toolkit_oracle("espnet-fbank", x))


def _stats_file(tmp_path):
    """A feats_stats.npz as ESPnet's collect_stats writes it, from the oracle's features."""
    rng = np.random.default_rng(3)
    f = np.concatenate([P.toolkit_oracle("espnet-fbank", x) for _, x in _clips()]
                       + [rng.normal(-5, 3, (50, 80))])
    path = tmp_path / "feats_stats.npz"
    np.savez(path, count=np.array(f.shape[0]), sum=f.sum(0), sum_square=(f * f).sum(0))
    return path


@pytest.mark.parametrize("means,vars_", [(True, True), (True, False), (False, True)])
def test_global_mvn_from_config(tmp_path, means, vars_):
    stats = _stats_file(tmp_path)
    cfg = {"frontend": "default", "frontend_conf": {"n_fft": 512, "hop_length": 128, "fs": "16k"},
           "normalize": "global_mvn",
           "normalize_conf": {"stats_file": str(stats), "norm_means": means, "norm_vars": vars_},
           "encoder": "conformer", "specaug": "specaug"}  # the model's other keys are not the front-end's
    plan, sc, sh = wesp.plan(cfg)
    fe, mvn = DefaultFrontend(), GlobalMVN(str(stats), norm_means=means, norm_vars=vars_)
    d = np.load(stats)
    mean = d["sum"] / d["count"]
    std = np.sqrt(np.maximum(d["sum_square"] / d["count"] - mean * mean, 1e-20))
    for clip, x in _clips():
        with torch.no_grad():
            orig = mvn(_frontend(x, fe))[0].numpy()[0]
        ref = P.toolkit_oracle("espnet-fbank", x)
        ref = ((ref - mean) if means else ref) / (std if vars_ else 1.0)
        got = wmel.features(x, plan=plan, col_scale=sc, col_shift=sh)
        _hold((f"global_mvn means={means} vars={vars_}", clip), got, orig, ref)


def test_config_refusals(tmp_path):
    base = {"frontend": "default", "frontend_conf": {}}
    p, sc, sh = wesp.plan(base)
    assert sc is None and sh is None and wmel.plan_from(p) == wmel.plan_from("espnet-fbank")
    for conf, needle in (({"n_ffts": 512}, "n_ffts: not an argument of DefaultFrontend"),
                         ({"normalized": True}, "normalized True"),
                         ({"window": "kaiser"}, "window 'kaiser'"),
                         ({"apply_stft": False}, "apply_stft False"),
                         ({"frontend_conf": {"use_wpe": True}}, "WPE")):
        with pytest.raises(ValueError, match=needle):
            wesp.plan({"frontend": "default", "frontend_conf": conf})
    with pytest.raises(ValueError, match="frontend 's3prl'"):
        wesp.plan({"frontend": "s3prl"})
    with pytest.raises(ValueError, match="normalize 'utterance_mvn'"):
        wesp.plan({"frontend": "default", "normalize": "utterance_mvn"})
    with pytest.raises(ValueError, match="normalize_conf stat_file: not an argument of GlobalMVN"):
        wesp.plan({"frontend": "default", "normalize": "global_mvn", "normalize_conf": {"stat_file": "x"}})
    with pytest.raises(ValueError, match="not found"):
        wesp.plan({"frontend": "default", "normalize": "global_mvn", "normalize_conf": {"stats_file": "nope.npz"}})
    # a config.yaml path: read with PyYAML where it is installed, else a clear sentence
    y = tmp_path / "config.yaml"
    y.write_text("frontend: default\nfrontend_conf:\n  n_fft: 512\n  hop_length: 128\n")
    try:
        import yaml  # noqa: F401
        assert wesp.plan(y)[0] == p
    except ImportError:
        with pytest.raises(ValueError, match="needs PyYAML"):
            wesp.plan(y)


if __name__ == "__main__":
    import pathlib
    import tempfile
    test_preset_against_default_frontend()
    with tempfile.TemporaryDirectory() as d:
        for m, v in ((True, True), (True, False), (False, True)):
            test_global_mvn_from_config(pathlib.Path(d), m, v)
        test_config_refusals(pathlib.Path(d))
    O.print_errs(_ERRS, 50)
