"""The toolkit readers' refusals (no torch, lhotse or ESPnet needed): a value that is not a
finite number, or of the wrong type, is a ValueError naming the field; ESPnet GlobalMVN
statistics that give a scale or shift that is not finite, or of the wrong shape, are refused
naming the statistics; a stats_file that is not statistics is refused with a sentence; and
wmel.lhotse.Fbank with an odd frame shift raises, as lhotse does, for a clip too short for
its padding instead of returning no frame."""
import numpy as np
import pytest

wmel = pytest.importorskip("wmel")
import wmel.espnet as we  # noqa: E402
import wmel.lhotse as wl  # noqa: E402


@pytest.mark.parametrize("sr", [float("inf"), float("nan"), 1e400])
def test_lhotse_sampling_rate_not_finite(sr):
    with pytest.raises(ValueError, match="config sampling_rate"):
        wl.plan({"sampling_rate": sr})


def test_lhotse_window_type_not_a_name():
    with pytest.raises(ValueError, match=r"config window_type \['povey'\]"):
        wl.plan({"window_type": ["povey"]})


@pytest.mark.parametrize("fs", ["inf", "nan", "1e400k", "nank"])
def test_espnet_fs_not_finite(fs):
    with pytest.raises(ValueError, match="frontend_conf fs"):
        we.plan({"frontend": "default", "frontend_conf": {"fs": fs}})


@pytest.mark.parametrize("key, v", [("fmin", "abc"), ("fmin", [1]), ("fmax", float("nan")), ("fmax", float("inf"))])
def test_espnet_band_not_a_number(key, v):
    with pytest.raises(ValueError, match=f"frontend_conf {key}"):
        we.plan({"frontend": "default", "frontend_conf": {key: v}})


def _mvn(stats, **conf):
    cfg = {"frontend": "default", "normalize": "global_mvn"}
    if conf:
        cfg["normalize_conf"] = conf
    return we.plan(cfg, stats=stats)


def test_espnet_statistics_not_finite(tmp_path):
    z, o = np.zeros(80), np.ones(80)
    with pytest.raises(ValueError, match=r"GlobalMVN statistics \(the stats= mapping\): column 0: .*not finite"):
        _mvn(dict(count=np.array(np.nan), sum=z, sum_square=o))
    s = z.copy()
    s[7] = np.nan
    path = tmp_path / "feats_stats.npz"
    np.savez(path, count=np.array(10.0), sum=s, sum_square=o)
    with pytest.raises(ValueError, match=r"feats_stats.npz'?: column 7: .*not finite.*1 of the 80 columns"):
        _mvn(str(path))
    with pytest.raises(ValueError, match=r"zero variance with eps 0"):
        _mvn(dict(count=np.array(10.0), sum=z, sum_square=z), eps=0)
    with pytest.raises(ValueError, match=r"sum of shape \(80, 1\)"):
        _mvn(dict(count=np.array(10.0), sum=z[:, None], sum_square=o[:, None]))
    p, sc, sh = _mvn(dict(count=np.array(10.0), sum=z, sum_square=10 * o))  # finite: taken
    assert np.all(np.isfinite(sc)) and np.all(np.isfinite(sh)) and sc.shape == (80,)


def test_espnet_stats_file_not_statistics(tmp_path):
    text = tmp_path / "hostname"
    text.write_text("a-machine\n")
    empty = tmp_path / "empty.npy"
    empty.write_bytes(b"")
    for f in (text, empty):
        with pytest.raises(ValueError, match="not GlobalMVN statistics"):
            _mvn(str(f))
    with pytest.raises(ValueError, match="a folder"):
        _mvn(str(tmp_path))
    for v in (5, [1]):
        with pytest.raises(ValueError, match="normalize_conf stats_file"):
            we.plan({"frontend": "default", "normalize": "global_mvn", "normalize_conf": {"stats_file": v}})
    np.save(tmp_path / "obj.npy", np.array([{"count": 1}], dtype=object))  # a pickle: never loaded
    with pytest.raises(ValueError, match="never done"):
        _mvn(str(tmp_path / "obj.npy"))


def test_lhotse_fbank_odd_shift_short_clip():
    """frame_shift 0.0100625 at 16 kHz: 161-sample hop, 400-sample frames, 119 flipped samples
    before the clip. A clip of 81..140 samples has one frame by lhotse's count, and too few
    samples for it once the flipped ends (each at most the clip) are added: lhotse raises;
    80 samples give no frame; 141 give the frame."""
    x = np.random.default_rng(3).uniform(-0.5, 0.5, 400).astype(np.float32)
    fb = wl.Fbank(wl.FbankConfig(frame_shift=0.0100625))
    assert fb.extract(x[:80], 16000).shape == (0, 80)
    for n in (81, 100, 119, 140):
        with pytest.raises(ValueError, match=f"samples: {n} samples give 1 frame"):
            fb.extract(x[:n], 16000)
    for n in (141, 200, 400):
        got = fb.extract(x[:n], 16000)
        assert got.shape == ((n + 80) // 161, 80) and np.all(np.isfinite(got))
