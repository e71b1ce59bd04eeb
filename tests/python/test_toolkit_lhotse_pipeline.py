"""test_toolkit_lhotse_pipeline.py -- wmel.lhotse.Fbank and Mfcc inside lhotse 1.33's pipelines:
registered FeatureExtractors (to_dict / from_dict / to_yaml, a stored manifest that loads back),
CutSet.compute_and_store_features and its batched variant, cut.compute_features,
OnTheFlyFeatures in K2SpeechRecognitionDataset, and extract_batch through the library's batch
entry equal to extract on each clip. Stored features are held to lhotse's Fbank() within the
original's own float32 error (against the float64 reference, wmel._feref.kaldi) + 2e-5, on speech
(jfk.flac), noise and a chirp. Skips where lhotse or torch is not installed."""
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
lhotse = pytest.importorskip("lhotse")
sf = pytest.importorskip("soundfile")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
wmel = pytest.importorskip("wmel")
import originals as O  # noqa: E402
import wmel.lhotse as wl  # noqa: E402
from wmel import _feref  # noqa: E402
from lhotse import CutSet, Recording, SupervisionSegment  # noqa: E402
from lhotse.features.base import FeatureExtractor, get_extractor_type  # noqa: E402
from lhotse.features.io import NumpyFilesWriter  # noqa: E402

_ERRS = {}


def _ref(x):
    return _feref.kaldi(x, 80, scale=1.0, high_freq=-400.0, snip_edges=False)


def _cuts(tmp_path, clips):
    """A CutSet of float32 WAV recordings (lossless) of the clips, one supervision each."""
    recs = []
    for name, x in clips:
        path = tmp_path / f"{name}.wav"
        sf.write(path, x, 16000, subtype="FLOAT")
        recs.append(Recording.from_file(path, recording_id=name))
    sups = [SupervisionSegment(id=r.id, recording_id=r.id, start=0.0, duration=r.duration, text="a b")
            for r in recs]
    return CutSet.from_manifests(recordings=lhotse.RecordingSet.from_recordings(recs),
                                 supervisions=lhotse.SupervisionSet.from_segments(sups))


def test_registered_and_serialised(tmp_path):
    fb, mf = wl.Fbank(), wl.Mfcc()
    assert isinstance(fb, FeatureExtractor) and isinstance(mf, FeatureExtractor)
    assert get_extractor_type("wmel-fbank") is wl.Fbank and get_extractor_type("wmel-mfcc") is wl.Mfcc
    assert get_extractor_type("kaldi-fbank") is lhotse.Fbank  # lhotse's own stays registered
    assert fb.frame_shift == lhotse.Fbank().frame_shift and fb.feature_dim(16000) == 80
    assert mf.feature_dim(16000) == 13
    d = fb.to_dict()
    assert d["feature_type"] == "wmel-fbank" and d == {**lhotse.Fbank().to_dict(), "feature_type": "wmel-fbank"}
    back = FeatureExtractor.from_dict(dict(d))
    assert type(back) is wl.Fbank and back.config == fb.config
    cfg = lhotse.FbankConfig(num_filters=40, frame_shift=0.02)
    fb.__class__(cfg).to_yaml(tmp_path / "fe.yaml")
    back = FeatureExtractor.from_yaml(tmp_path / "fe.yaml")
    assert type(back) is wl.Fbank and back.config == cfg and back.feature_dim(16000) == 40
    back = FeatureExtractor.from_dict(wl.Mfcc(lhotse.MfccConfig(num_ceps=20)).to_dict())
    assert type(back) is wl.Mfcc and back.feature_dim(16000) == 20
    x = np.random.default_rng(0).uniform(-1, 1, 8000).astype(np.float32)
    assert fb.compute_energy(fb.extract(x, 16000)) == pytest.approx(
        lhotse.Fbank.compute_energy(fb.extract(x, 16000)))
    # the config is checked as wmel.lhotse.plan checks it
    with pytest.raises(ValueError, match="dither"):
        wl.Fbank(lhotse.FbankConfig(dither=0.1))
    with pytest.raises(ValueError, match="CPU"):
        fb.to("cuda")


def _store(cuts, extractor, path, batch):
    if batch:
        return cuts.compute_and_store_features_batch(extractor, storage_path=path, num_workers=0,
                                                     storage_type=NumpyFilesWriter)
    return cuts.compute_and_store_features(extractor, storage_path=path, num_jobs=1,
                                           storage_type=NumpyFilesWriter)


@pytest.mark.parametrize("batch", [False, True])
def test_compute_and_store_features(tmp_path, batch):
    """Stored with wmel's extractor, read back through lhotse from the saved manifest: lhotse's
    Fbank() within its own error + 2e-5."""
    clips = O.clips(7, wmel.load_audio)
    cuts = _cuts(tmp_path, clips)
    ours = _store(cuts, wl.Fbank(), tmp_path / "wmel", batch)
    theirs = _store(cuts, lhotse.Fbank(), tmp_path / "lhotse", False)  # lhotse's batch zero-pads its rows
    ours.to_file(tmp_path / "cuts.jsonl.gz")
    loaded = CutSet.from_file(tmp_path / "cuts.jsonl.gz")
    for (name, x), c, t in zip(clips, loaded, theirs):
        assert c.features.type == "wmel-fbank" and c.num_features == 80
        got, orig = c.load_features(), t.load_features()
        assert got.shape == orig.shape == (c.num_frames, 80)
        O.hold(_ERRS, (f"compute_and_store_features batch={batch}", name), got, orig, _ref(x))


def test_default_storage_and_cut_compute_features(tmp_path):
    """lhotse's default (lilcom) storage and cut.compute_features."""
    clips = O.clips(8, wmel.load_audio)[-2:]
    cuts = _cuts(tmp_path, clips)
    stored = cuts.compute_and_store_features(wl.Fbank(), storage_path=tmp_path / "f", num_jobs=1)
    for (name, x), c in zip(clips, stored):
        f = c.load_features()
        direct = c.compute_features(wl.Fbank())
        assert f.shape == direct.shape and np.max(np.abs(f - direct)) < 0.1  # lilcom's lossy storage
        assert np.array_equal(direct, wl.Fbank().extract(x, 16000))
        O.hold(_ERRS, ("cut.compute_features", name), direct, lhotse.Fbank().extract(x, 16000), _ref(x))


def _clips64():
    rng = np.random.default_rng(4)
    n = np.concatenate([[1, 79, 80, 120, 399, 400, 401], rng.integers(400, 48000, 57)])
    return [(0.3 * rng.standard_normal(int(k))).astype(np.float32) for k in n]


@pytest.mark.parametrize("cls", ["Fbank", "Mfcc"])
def test_extract_batch_equals_extract(monkeypatch, cls):
    """64 clips of 1 .. 48000 samples: extract_batch equals extract on each, byte for byte, with
    one call of the library's batch entry; torch in, torch out; lhotse's stacking rule."""
    import wmel._lhotse_fe as fe
    ext = getattr(wl, cls)()
    clips = _clips64()
    calls = []
    real = fe.features_batch
    monkeypatch.setattr(fe, "features_batch", lambda c, **k: calls.append(len(c)) or real(c, **k))
    got = ext.extract_batch(clips, 16000)
    assert calls == [sum(c.size >= 400 for c in clips)]
    assert isinstance(got, list) and len(got) == 64
    for g, x in zip(got, clips):
        e = ext.extract(x, 16000)
        assert g.dtype == np.float32 and g.shape == e.shape and np.array_equal(g, e)
    gt = ext.extract_batch([torch.from_numpy(c) for c in clips[10:13]], 16000)
    assert all(isinstance(t, torch.Tensor) for t in gt)
    same = np.stack([clips[20][:16000], clips[21][:16000]])
    st = ext.extract_batch(same, 16000)
    assert isinstance(st, np.ndarray) and st.shape[0] == 2
    assert np.array_equal(st[1], ext.extract(same[1], 16000))
    one = ext.extract_batch(clips[30], 16000)
    assert np.array_equal(one, ext.extract(clips[30], 16000))
    # a padded batch with lengths (compute_and_store_features_batch's collate): numpy, each clip's own
    pad = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(c) for c in clips[40:43]], batch_first=True)
    lens = torch.tensor([c.size for c in clips[40:43]])
    res = ext.extract_batch(pad, 16000, lengths=lens)
    for r, x in zip(res, clips[40:43]):
        assert isinstance(r, np.ndarray) and np.array_equal(r, ext.extract(x, 16000))


def test_on_the_fly_features(tmp_path):
    """OnTheFlyFeatures in K2SpeechRecognitionDataset: the batch tensor with wmel's extractor has
    lhotse's shapes, lengths and padding value; each row is the cut's own features, within lhotse's
    error + 2e-5 of lhotse's Fbank().extract on the cut (lhotse's own batch frames a zero-padded
    batch: a shorter clip's last frames there see the padding, compared separately)."""
    from lhotse.dataset import K2SpeechRecognitionDataset, OnTheFlyFeatures
    clips = O.clips(9, wmel.load_audio)
    cuts = _cuts(tmp_path, clips)
    ours = K2SpeechRecognitionDataset(input_strategy=OnTheFlyFeatures(wl.Fbank()), return_cuts=True)[cuts]
    theirs = K2SpeechRecognitionDataset(input_strategy=OnTheFlyFeatures(lhotse.Fbank()),
                                         return_cuts=True)[cuts]
    a, b = ours["inputs"], theirs["inputs"]
    assert a.shape == b.shape and a.dtype == b.dtype
    for k in ("sequence_idx", "start_frame", "num_frames"):
        assert torch.equal(ours["supervisions"][k], theirs["supervisions"][k]), k
    order = [c.recording_id for c in ours["supervisions"]["cut"]]
    assert order == [c.recording_id for c in theirs["supervisions"]["cut"]]
    lens = ours["supervisions"]["num_frames"]
    x_of = dict(clips)
    for i, name in enumerate(order):
        n = int(lens[i])
        assert torch.equal(a[i, n:], b[i, n:])  # the padding: lhotse's value
        x = x_of[name]
        O.hold(_ERRS, ("OnTheFlyFeatures", name), a[i, :n].numpy(), lhotse.Fbank().extract(x, 16000), _ref(x))
        # against lhotse's batch row: equal up to the frames that read the batch's zero padding
        edge = n if n == a.shape[1] else n - 2
        O.hold(_ERRS, ("OnTheFlyFeatures vs lhotse's batch", name), a[i, :edge].numpy(), b[i, :edge].numpy(),
               _ref(x)[:edge])


if __name__ == "__main__":
    import pathlib
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for i, b in enumerate((False, True)):
            p = pathlib.Path(d) / str(i)
            p.mkdir()
            test_compute_and_store_features(p, b)
        p = pathlib.Path(d) / "otf"
        p.mkdir()
        test_on_the_fly_features(p)
    O.print_errs(_ERRS, 60)
