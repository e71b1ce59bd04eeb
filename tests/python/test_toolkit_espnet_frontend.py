"""test_toolkit_espnet_frontend.py -- wmel.espnet.Frontend in place of ESPnet 202511's
DefaultFrontend: an AbsFrontend built from a built frontend (Frontend.replacing) or from a config
and stats (Frontend.from_config), on a padded batch of mixed lengths (speech, noise, a chirp and a
short clip, zeros after each length, as ESPnet's collate gives them). Features and lengths are
DefaultFrontend's, the padded frames 0; each row within the original's own float32 error (against
the float64 oracle test_presets.toolkit_oracle on the samples that row's frames read) + 2e-5, and
with GlobalMVN (the model's normalize module after it, or folded into the pass). A tiny
ESPnetASRModel's encode() runs on wmel's features after `model.frontend = ...`.
Skips where torch or espnet2 is not installed."""
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
from espnet2.asr.frontend.abs_frontend import AbsFrontend  # noqa: E402
from espnet2.asr.frontend.default import DefaultFrontend  # noqa: E402
from espnet2.layers.global_mvn import GlobalMVN  # noqa: E402

_ERRS = {}


def _batch():
    """(names, clips, padded (B, T) float32 tensor, lengths int64 tensor)."""
    clips = O.clips(12, wmel.load_audio)
    rng = np.random.default_rng(5)
    clips.append(("short", (0.2 * rng.standard_normal(3001)).astype(np.float32)))
    names = [n for n, _ in clips]
    xs = [torch.from_numpy(np.ascontiguousarray(x)) for _, x in clips]
    return names, [x for _, x in clips], torch.nn.utils.rnn.pad_sequence(xs, batch_first=True), \
        torch.tensor([x.numel() for x in xs])


def _oracle_rows(pad, lens, n_fft=512, hop=128):
    """The float64 oracle of each row: DefaultFrontend on the padded row, its first feats_lens frames
    (those read the row's first min(T, length + n_fft // 2) samples)."""
    out = []
    for i in range(pad.shape[0]):
        n = int(lens[i])
        m = min(pad.shape[1], n + n_fft // 2)
        out.append(P.toolkit_oracle("espnet-fbank", pad[i, :m].numpy())[:n // hop + 1])
    return out


def _run(fe, pad, lens):
    with torch.no_grad():
        return fe(pad, lens)


def _stats(tmp_path):
    rng = np.random.default_rng(3)
    f = rng.normal(-6, 3, (400, 80)) + np.linspace(-2, 2, 80)
    path = tmp_path / "feats_stats.npz"
    np.savez(path, count=np.array(f.shape[0]), sum=f.sum(0), sum_square=(f * f).sum(0))
    return path


def test_replacing_on_a_padded_batch():
    names, _, pad, lens = _batch()
    orig = DefaultFrontend().eval()
    fe = wesp.Frontend.replacing(orig)
    assert isinstance(fe, AbsFrontend) and fe.output_size() == orig.output_size() == 80
    (a, alens), (b, blens) = _run(fe, pad, lens), _run(orig, pad, lens)
    assert a.dtype == b.dtype == torch.float32 and a.shape == b.shape
    assert torch.equal(alens, blens) and alens.dtype == blens.dtype
    for i, (name, ref) in enumerate(zip(names, _oracle_rows(pad, lens))):
        n = int(alens[i])
        assert torch.all(a[i, n:] == 0) and torch.all(b[i, n:] == 0)
        O.hold(_ERRS, ("DefaultFrontend, padded batch", name), a[i, :n].numpy(), b[i, :n].numpy(), ref)
    # no lengths (DefaultFrontend needs them): every row whole
    full = torch.full((2,), pad.shape[1])
    (a1, l1), (a2, l2) = _run(fe, pad[:2], None), _run(fe, pad[:2], full)
    assert torch.equal(a1, a2) and torch.equal(l1, l2) and int(l1[0]) == pad.shape[1] // 128 + 1


def test_other_settings_read_back():
    """A 400-sample window in 512, hop 160, HTK scale, fmin / fmax: read from the built frontend."""
    names, _, pad, lens = _batch()
    orig = DefaultFrontend(n_fft=512, win_length=400, hop_length=160, n_mels=64, fmin=40, fmax=7000,
                           htk=True, window="hamming").eval()
    fe = wesp.Frontend.replacing(orig)
    (a, al), (b, bl) = _run(fe, pad, lens), _run(orig, pad, lens)
    assert a.shape == b.shape and torch.equal(al, bl)
    assert float((a - b).abs().max()) < 5e-3  # the original's float32 error on the chirp's quiet bins


@pytest.mark.parametrize("fold", [False, True])
def test_global_mvn(tmp_path, fold):
    """GlobalMVN as ESPnet applies it (model.normalize after the frontend), kept as the model's module
    or folded into wmel's pass (then normalize is None); from_config gives the folded frontend too."""
    names, _, pad, lens = _batch()
    stats = _stats(tmp_path)
    orig, mvn = DefaultFrontend().eval(), GlobalMVN(str(stats)).eval()
    with torch.no_grad():
        b, bl = mvn(*orig(pad, lens))
    if fold:
        fe = wesp.Frontend.replacing(orig, normalize=mvn)
        a, al = _run(fe, pad, lens)
        cfg = {"frontend": "default", "normalize": "global_mvn", "normalize_conf": {"stats_file": str(stats)}}
        c, _ = _run(wesp.Frontend.from_config(cfg, normalize=True), pad, lens)
        assert torch.equal(a, c)
        assert not torch.equal(_run(wesp.Frontend.from_config(cfg), pad, lens)[0], a)  # the default: not folded
    else:
        with torch.no_grad():
            a, al = mvn(*wesp.Frontend.replacing(orig)(pad, lens))
    assert torch.equal(al, bl) and a.shape == b.shape
    d = np.load(stats)
    mean = d["sum"] / d["count"]
    std = np.sqrt(np.maximum(d["sum_square"] / d["count"] - mean * mean, 1e-20))
    for i, (name, ref) in enumerate(zip(names, _oracle_rows(pad, lens))):
        n = int(al[i])
        assert torch.all(a[i, n:] == 0)
        O.hold(_ERRS, (f"DefaultFrontend + GlobalMVN fold={fold}", name), a[i, :n].numpy(), b[i, :n].numpy(),
               (ref - mean) / std)


def test_model_encode_switched(tmp_path):
    """model.frontend = Frontend.replacing(model.frontend): a tiny ESPnetASRModel's encode() computes
    on wmel's features (the encoder's output within 1e-3 of the original's: the features' float32
    differences through two transformer blocks)."""
    from espnet2.asr.ctc import CTC
    from espnet2.asr.encoder.transformer_encoder import TransformerEncoder
    from espnet2.asr.espnet_model import ESPnetASRModel
    torch.manual_seed(0)
    tokens = ["<blank>", "<unk>", "a", "b", "<sos/eos>"]
    model = ESPnetASRModel(vocab_size=len(tokens), token_list=tokens, frontend=DefaultFrontend(), specaug=None,
                           normalize=GlobalMVN(str(_stats(tmp_path))), preencoder=None,
                           encoder=TransformerEncoder(80, output_size=64, attention_heads=2, linear_units=128,
                                                      num_blocks=2),
                           postencoder=None, decoder=None, ctc=CTC(len(tokens), 64), joint_network=None,
                           ctc_weight=1.0).eval()
    _, _, pad, lens = _batch()
    with torch.no_grad():
        b, bl = model.encode(pad, lens)
        model.frontend = wesp.Frontend.replacing(model.frontend)
        seen = []
        model.frontend.register_forward_hook(lambda m, i, o: seen.append(o[0].shape))
        a, al = model.encode(pad, lens)
    assert seen and torch.equal(al, bl) and a.shape == b.shape
    assert float((a - b).abs().max()) < 1e-3


def test_refusals():
    import espnet2.layers.log_mel as lm
    with pytest.raises(ValueError, match="DefaultFrontend only"):
        wesp.Frontend.replacing(torch.nn.Identity())
    orig = DefaultFrontend()
    orig.logmel = lm.LogMel(log_base=10.0)
    with pytest.raises(ValueError, match="log_base"):
        wesp.Frontend.replacing(orig)
    with pytest.raises(ValueError, match="WPE"):
        wesp.Frontend.replacing(DefaultFrontend(frontend_conf={"use_wpe": True}))
    with pytest.raises(ValueError, match="GlobalMVN only"):
        wesp.Frontend.replacing(DefaultFrontend(), normalize=torch.nn.Identity())
    with pytest.raises(ValueError, match="one channel"):
        wesp.Frontend.replacing(DefaultFrontend())(torch.zeros(1, 8000, 2), torch.tensor([8000]))
    with pytest.raises(ValueError, match="no normalize: global_mvn"):
        wesp.Frontend.from_config({"frontend": "default"}, normalize=True)


def test_needs_torch(monkeypatch):
    """Without torch, wmel.espnet imports (plan() needs numpy only) and Frontend says what it needs."""
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.delitem(sys.modules, "wmel._espnet_frontend", raising=False)
    with pytest.raises(ImportError, match="needs torch"):
        wesp.Frontend  # noqa: B018


if __name__ == "__main__":
    import pathlib
    import tempfile
    test_replacing_on_a_padded_batch()
    with tempfile.TemporaryDirectory() as d:
        for f in (False, True):
            test_global_mvn(pathlib.Path(d), f)
    O.print_errs(_ERRS, 50)
