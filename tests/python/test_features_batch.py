"""wmel.features_batch: many clips of any lengths in one call, each clip's array equal,
byte for byte, to features() of it alone (CPU, and Vulkan where a device is listed); a
clip the plan refuses raises with its index."""
import numpy as np
import pytest

import wmel


def _clips(k, lo, hi, seed=7):
    rng = np.random.default_rng(seed)
    return [(0.3 * rng.standard_normal(int(n))).astype(np.float32) for n in rng.integers(lo, hi, size=k)]


@pytest.mark.parametrize("plan", ["kaldi", "nemo", "lhotse-mfcc", "seamless", "whisper"])
@pytest.mark.parametrize("threads", [1, 2])
def test_batch_equals_singles(plan, threads):
    clips = _clips(200, 1000, 12000)
    got = wmel.features_batch(clips, plan=plan, backend="cpu", threads=threads)
    assert len(got) == len(clips)
    for c, g in zip(clips, got):
        one = wmel.features(c, plan=plan, backend="cpu", threads=threads)
        assert g.dtype == np.float32 and g.shape == one.shape
        assert g.tobytes() == one.tobytes()


def test_batch_vulkan():
    try:
        wmel.features(np.zeros(4000, np.float32), plan="kaldi", backend="vulkan")
    except (RuntimeError, ValueError) as e:
        pytest.skip(f"no Vulkan device: {e}")
    clips = _clips(40, 500, 20000, seed=3)
    got = wmel.features_batch(clips, plan="kaldi", backend="vulkan")
    for c, g in zip(clips, got):
        assert g.tobytes() == wmel.features(c, plan="kaldi", backend="vulkan").tobytes()


def test_batch_errors():
    clips = _clips(5, 2000, 4000)
    assert wmel.features_batch([], plan="kaldi") == []
    bad = list(clips)
    bad[3] = np.zeros(0, np.float32)
    with pytest.raises(ValueError, match="clip 3"):
        wmel.features_batch(bad, plan="kaldi", backend="cpu")
    bad = list(clips)
    bad[2] = bad[2].copy()
    bad[2][100] = np.nan
    with pytest.raises(ValueError, match="clip 2"):
        wmel.features_batch(bad, plan="kaldi", backend="cpu")
    with pytest.raises(ValueError, match="clip 1"):
        wmel.features_batch([clips[0], np.zeros((2, 400), np.float32)], plan="kaldi", backend="cpu")
    with pytest.raises(TypeError):
        wmel.features_batch("a.wav", plan="kaldi")
    # int16 and float64 clips are converted as features() converts them
    s16 = (clips[0] * 8000).astype(np.int16)
    g = wmel.features_batch([s16, clips[1].astype(np.float64)], plan="kaldi", backend="cpu")
    assert g[0].tobytes() == wmel.features(s16, plan="kaldi", backend="cpu").tobytes()
    assert g[1].tobytes() == wmel.features(clips[1].astype(np.float64), plan="kaldi", backend="cpu").tobytes()
