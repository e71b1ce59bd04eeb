"""test_toolkit_speechbrain.py -- SpeechBrain 1.1.2's Fbank against wmel: the preset
speechbrain-fbank, wmel.speechbrain.plan(hparams) for other recipes' settings and the drop-in
wmel.speechbrain.Fbank, on speech (../shared/golden/audio/jfk.flac), full-scale noise and a
chirp with a silent stretch (the top_db clamp). Each original's own float32 error against the
float64 oracle (test_presets.toolkit_oracle) is measured and printed; wmel is within 2e-5 x
max(1, |oracle|) of the oracle, and within the original's error plus that bound of the
original. `python tests/python/test_toolkit_speechbrain.py` prints every error."""
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("speechbrain")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
wmel = pytest.importorskip("wmel")
import originals as O  # noqa: E402
import test_presets as P  # noqa: E402  (the oracles)
import wmel.speechbrain as wsb  # noqa: E402
from speechbrain.lobes.features import Fbank  # noqa: E402
from speechbrain.processing.features import InputNormalization  # noqa: E402

_ERRS = {}


def _clips():
    out = O.clips(5, wmel.load_audio)
    out[-1][1][9000:15000] = 0.0  # the chirp below max - 80 dB there: the clamp holds it
    return out


def _hold(key, got, orig, ref):
    O.hold(_ERRS, key, got, orig, ref)


def test_preset_against_fbank():
    sb = Fbank(n_mels=80)
    for clip, x in _clips():
        orig = sb(torch.from_numpy(x)[None]).numpy()[0]
        _hold(("speechbrain-fbank", clip), wmel.features(x, plan="speechbrain-fbank"), orig,
              P.toolkit_oracle("speechbrain-fbank", x))


def _sentence(ref, std_norm, eps=1e-10):
    """InputNormalization(norm_type="sentence") in float64 on [frames][mels]: x - mean, / max(std
    over n, eps) with std_norm."""
    d = ref - ref.mean(axis=0, keepdims=True)
    return d / np.maximum(np.sqrt((d * d).mean(axis=0, keepdims=True)), eps) if std_norm else d


@pytest.mark.parametrize("std_norm", [False, True])
def test_sentence_input_normalization(std_norm):
    """Fbank then InputNormalization(norm_type="sentence") (ECAPA-TDNN's std_norm False, and True)
    as one plan (then_norm), and through the drop-in Fbank(normalize=...)."""
    sb, norm = Fbank(n_mels=80), InputNormalization(norm_type="sentence", std_norm=std_norm)
    p = wsb.plan(dict(n_mels=80), normalize=dict(norm_type="sentence", std_norm=std_norm))
    assert p["then_norm"] == ("mean_var" if std_norm else "mean")
    assert wsb.plan(dict(n_mels=80), normalize=norm) == p
    for clip, x in _clips():
        orig = norm(sb(torch.from_numpy(x)[None]), torch.ones(1)).numpy()[0]
        ref = _sentence(P.toolkit_oracle("speechbrain-fbank", x), std_norm)
        _hold((f"sentence std_norm={std_norm}", clip), wmel.features(x, plan=p), orig, ref)
        got = wsb.Fbank(n_mels=80, normalize=dict(norm_type="sentence", std_norm=std_norm))(torch.from_numpy(x))
        assert np.array_equal(got.numpy()[0], wmel.features(x, plan=p))


def test_global_input_normalization_and_refusals():
    """norm_type "global" at inference: the stored statistics as the per-column affine; "batch"
    refused by name."""
    rng = np.random.default_rng(3)
    mean, std = rng.uniform(-60, 0, 80), rng.uniform(0.5, 20, 80)
    norm = InputNormalization(norm_type="global", std_norm=True)
    norm.glob_mean, norm.glob_std, norm.count = torch.tensor(mean, dtype=torch.float32), \
        torch.tensor(std, dtype=torch.float32), 1
    norm.eval()
    sc, sh = wsb.global_cols(norm.glob_mean, norm.glob_std)
    for clip, x in _clips():
        orig = norm(Fbank(n_mels=80)(torch.from_numpy(x)[None])).numpy()[0]
        m32, s32 = norm.glob_mean.double().numpy(), norm.glob_std.double().numpy()
        ref = (P.toolkit_oracle("speechbrain-fbank", x) - m32) / np.maximum(s32, 1e-10)
        _hold(("global", clip), wmel.features(x, plan=wsb.plan(dict(n_mels=80)), col_scale=sc, col_shift=sh), orig, ref)
    with pytest.raises(NotImplementedError, match="norm_type 'batch'"):
        wsb.plan(dict(n_mels=80), normalize=dict(norm_type="batch"))
    with pytest.raises(ValueError, match="global_cols"):
        wsb.plan(dict(n_mels=80), normalize=dict(norm_type="global"))
    with pytest.raises(ValueError, match="not an argument of speechbrain's InputNormalization"):
        wsb.plan(dict(n_mels=80), normalize=dict(norm="sentence"))


HPARAMS = [dict(n_mels=40), dict(n_mels=80, n_fft=512), dict(n_mels=64, f_min=20, f_max=7600, top_db=60.0),
           dict(n_mels=80, win_length=32, hop_length=12, n_fft=512), dict(n_mels=40, sample_rate=8000, n_fft=256)]


@pytest.mark.parametrize("h", HPARAMS, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_plan_from_hparams(h):
    sb = Fbank(**{k: v for k, v in h.items() if k != "top_db"})
    if "top_db" in h:  # a Filterbank argument: a recipe sets it on the Filterbank
        sb.compute_fbanks.top_db = h["top_db"]
    sr = h.get("sample_rate", 16000)
    win, hop = int(round(sr / 1000 * h.get("win_length", 25))), int(round(sr / 1000 * h.get("hop_length", 10)))
    for clip, x in _clips():
        if sr != 16000:
            x = x[::2].copy()
        orig = sb(torch.from_numpy(x)[None]).numpy()[0]
        ref = P.toolkit_oracle("speechbrain-fbank", x, n_mels=h["n_mels"], sr=sr, n_fft=h.get("n_fft", 400), win=win,
                               hop=hop, f_min=h.get("f_min", 0.0), f_max=h.get("f_max"), top_db=h.get("top_db", 80.0))
        _hold(("plan " + str(h), clip), wmel.features(x, plan=wsb.plan(h)), orig, ref)


def test_dropin_module():
    x = _clips()[-1][1]
    batch = torch.from_numpy(np.stack([x, x[::-1].copy()]))
    for h in ({}, dict(n_mels=80), dict(n_mels=64, f_max=7000, hop_length=20)):
        a, b = Fbank(**h), wsb.Fbank(**h)
        assert isinstance(b, torch.nn.Module)
        want, got = a(batch), b(batch)
        assert got.shape == want.shape and got.dtype == want.dtype == torch.float32, (got.shape, want.shape)
        assert not got.requires_grad
        assert O.err(got.numpy(), want.numpy()) <= 1e-3, h  # float32 original: measured above
    with pytest.raises(NotImplementedError, match="deltas"):
        wsb.Fbank(deltas=True)
    with pytest.raises(NotImplementedError, match="context"):
        wsb.Fbank(context=True)
    with pytest.raises(NotImplementedError, match="requires_grad"):
        wsb.Fbank(requires_grad=True)
    with pytest.raises(NotImplementedError, match="filter_shape 'gaussian'"):
        wsb.Fbank(filter_shape="gaussian")
    with pytest.raises(NotImplementedError, match="param_rand_factor"):
        wsb.Fbank(param_rand_factor=0.1)
    with pytest.raises(TypeError, match="top_db"):
        wsb.Fbank(top_db=60.0)  # a Filterbank argument, not Fbank's
    with pytest.raises(ValueError, match="sample_rate 11025: an even rate"):
        wsb.plan(dict(sample_rate=11025))
    with pytest.raises(ValueError, match="not an argument of speechbrain's Fbank"):
        wsb.plan(dict(n_mel=80))


_HYPERPARAMS = """\
compute_features: !new:speechbrain.lobes.features.Fbank
    n_mels: 80
mean_var_norm: !new:speechbrain.processing.features.InputNormalization
    norm_type: sentence
    std_norm: False
embedding_model: !new:speechbrain.lobes.models.ECAPA_TDNN.ECAPA_TDNN
    input_size: 80
    channels: [32, 32, 32, 32, 96]
    attention_channels: 16
    se_channels: 16
    lin_neurons: 16
modules:
    compute_features: !ref <compute_features>
    mean_var_norm: !ref <mean_var_norm>
    embedding_model: !ref <embedding_model>
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables: {}
"""


def test_pretrained_interface(tmp_path):
    """SpeechBrain's pretrained interface (EncoderClassifier, an ECAPA-TDNN recipe's hyperparams.yaml
    with random weights): the features module switched by `classifier.mods.compute_features =
    wmel.speechbrain.Fbank(n_mels=80)` and by the hparams override at load time. The features that
    reach mean_var_norm are wmel's, byte for byte; the embeddings are within 1e-3 x max(1, |e|) of
    those from SpeechBrain's Fbank (the features' float32 differences through the network)."""
    from speechbrain.inference.classifiers import EncoderClassifier
    (tmp_path / "hyperparams.yaml").write_text(_HYPERPARAMS)

    def load(**kw):
        torch.manual_seed(0)
        return EncoderClassifier.from_hparams(source=str(tmp_path), savedir=str(tmp_path / "save"), **kw).eval()

    names, xs = zip(*_clips())
    wavs = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(x) for x in xs], batch_first=True)
    rel = torch.tensor([x.size / wavs.shape[1] for x in xs])
    seen = []

    def run(c):
        seen.clear()
        h = c.mods.mean_var_norm.register_forward_hook(lambda m, i, o: seen.append(i[0].clone()))
        with torch.no_grad():
            e = c.encode_batch(wavs, rel)
        h.remove()
        return e, seen[0]

    c = load()
    want, _ = run(c)
    c.mods.compute_features = wsb.Fbank(n_mels=80)
    got, feats = run(c)
    assert torch.equal(feats, wsb.Fbank(n_mels=80)(wavs))
    assert got.shape == want.shape and O.err(got.numpy(), want.numpy()) <= 1e-3
    # a mapping override merges into the recipe's !new:speechbrain... node (its class stays): the
    # module is a new key, and compute_features a reference to it
    over = load(overrides="wmel_fbank: !new:wmel.speechbrain.Fbank\n    n_mels: 80\n"
                          "compute_features: !ref <wmel_fbank>\n", overrides_must_match=False)
    assert isinstance(over.mods.compute_features, wsb.Fbank)
    got2, feats2 = run(over)
    assert torch.equal(feats2, feats) and O.err(got2.numpy(), want.numpy()) <= 1e-3


if __name__ == "__main__":
    test_preset_against_fbank()
    for h in HPARAMS:
        test_plan_from_hparams(h)
    test_dropin_module()
    for s in (False, True):
        test_sentence_input_normalization(s)
    test_global_input_normalization_and_refusals()
    O.print_errs(_ERRS, 70)
