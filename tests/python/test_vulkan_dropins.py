"""test_vulkan_dropins.py -- the hf drop-ins' device argument on the Vulkan backend:
WhisperFeatureExtractor and ParakeetFeatureExtractor with device="vulkan" (and "vulkan:0")
give the bytes of wmel.features(..., backend="vulkan") and are within the bar of their CPU
output, 2e-5 x max(1, |cpu|) (docs/vulkan.md); malformed and unavailable devices raise.
Skips where the build has no Vulkan backend or the loader lists no device (lavapipe,
Debian's mesa-vulkan-drivers, is one). Short clips: lavapipe runs the shaders on the CPU."""
import numpy as np
import pytest

import wmel
import wmel.hf
from wmel import _common, _hf_base, _hf_frontends, _wmel
from conftest import vulkan_skip_reason

BAR = 2e-5


_SKIP = vulkan_skip_reason()
needs_vulkan = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")


def _clip(n, seed=5):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000.0
    x = 0.3 * np.sin(2 * np.pi * 440.0 * t) + 0.05 * rng.standard_normal(n)
    return x.astype(np.float32)


def _within_bar(got, cpu):
    err = np.abs(got.astype(np.float64) - cpu) / np.maximum(1.0, np.abs(cpu.astype(np.float64)))
    assert float(err.max()) <= BAR, f"error {float(err.max()):.3g} over the bar {BAR}"


@needs_vulkan
@pytest.mark.parametrize("n_mels", [80, 128])
def test_whisper_device_vulkan(n_mels):
    fe = wmel.hf.WhisperFeatureExtractor(feature_size=n_mels)
    x = _clip(8000)  # 0.5 s: 50 frames
    got = fe(x, padding="longest", device="vulkan")["input_features"]
    assert isinstance(got, np.ndarray) and got.shape == (1, n_mels, 50) and got.dtype == np.float32
    np.testing.assert_array_equal(got[0], wmel.features(x, "whisper", n_mels, backend="vulkan"))
    _within_bar(got, fe(x, padding="longest", device="cpu")["input_features"])
    np.testing.assert_array_equal(fe(x, padding="longest", device="vulkan:0")["input_features"], got)
    # a batch of two clips, padded to the longer, one max per clip
    y = _clip(5600, seed=9) * np.float32(0.1)
    b = fe([x, y], padding="longest", device="vulkan")["input_features"]
    np.testing.assert_array_equal(b[0], got[0])
    _within_bar(b, fe([x, y], padding="longest")["input_features"])
    # the drop-in's context: Vulkan's, and Vulkan ran the batch (WMEL_OP_LOG_MEL_BATCH)
    ctx = _common._ctx(n_mels, _wmel.BACKEND_VULKAN, vulkan_device=0)
    assert ctx.backend == "vulkan" and ctx.op_backend(2) == "vulkan", (ctx.backend, ctx.op_backend(2))


@needs_vulkan
def test_parakeet_device_vulkan():
    fe = wmel.hf.ParakeetFeatureExtractor()
    clips = [_clip(8000), _clip(4960, seed=11)]
    got = fe(clips, device="vulkan", return_tensors="np")
    cpu = fe(clips, device="cpu", return_tensors="np")
    feats = np.asarray(got["input_features"])
    assert feats.shape == np.asarray(cpu["input_features"]).shape
    np.testing.assert_array_equal(np.asarray(got["attention_mask"]), np.asarray(cpu["attention_mask"]))
    _within_bar(feats, np.asarray(cpu["input_features"]))
    for i, c in enumerate(clips):
        want = wmel.features(c, "nemo", 80, layout="frames_mels", backend="vulkan")
        np.testing.assert_array_equal(feats[i, : want.shape[0]], want)
    # the drop-in's context: Vulkan's, and Vulkan ran the frames (WMEL_OP_LOG_MEL)
    plan, items = _hf_frontends._options_plan("nemo", 80, layout="frames_mels")
    ctx = _hf_frontends._ctx(plan, "vulkan", 0, None, items, vulkan_device=0)
    assert ctx.backend == "vulkan" and ctx.op_backend(0) == "vulkan", (ctx.backend, ctx.op_backend(0))


@needs_vulkan
def test_device_errors():
    fe = wmel.hf.WhisperFeatureExtractor()
    x = _clip(4000)
    with pytest.raises(ValueError, match="vulkan:N"):
        fe(x, padding="longest", device="vulkan:first")
    with pytest.raises(RuntimeError, match="Vulkan"):
        fe(x, padding="longest", device="vulkan:99")
    # a configuration only transformers computes: no Vulkan path to hand it to
    with pytest.raises(ValueError, match="Whisper's standard features"):
        wmel.hf.WhisperFeatureExtractor(dither=1.0)(x, padding="longest", device="vulkan")


def test_built_without_vulkan(monkeypatch):
    monkeypatch.setattr(_hf_base, "_vulkan_built", lambda: False)
    with pytest.raises(RuntimeError, match="built without the Vulkan backend"):
        wmel.hf.WhisperFeatureExtractor()(_clip(4000), padding="longest", device="vulkan")
    with pytest.raises(RuntimeError, match="built without the Vulkan backend"):
        wmel.hf.ParakeetFeatureExtractor()([_clip(4000)], device="vulkan:0")
    assert _hf_base.vulkan_device("cpu") is None and _hf_base.vulkan_device(None) is None


@needs_vulkan
@pytest.mark.parametrize("preset", ["voxtral-realtime", "voxtral-realtime-chunk"])
def test_voxtral_past_the_cpu_kernels_bound(preset):
    # a plan of Whisper's geometry the device computes with the general algorithm: samples
    # past 1e15 take the CPU's Whisper kernels, which refuse them (the CPU backend's status,
    # carried as .status) or give the CPU backend's bytes
    x = _clip(16000)
    for scale in (1e16, 1e19, 1e25):
        y = x * np.float32(scale)
        try:
            cpu = wmel.features(y, plan=preset, backend="cpu")
        except ValueError as e:
            with pytest.raises(ValueError) as ev:
                wmel.features(y, plan=preset, backend="vulkan")
            assert ev.value.status == e.status == _wmel.ERR_SAMPLE_RANGE
        else:
            np.testing.assert_array_equal(wmel.features(y, plan=preset, backend="vulkan"), cpu)
    # speech's range stays on the device, within the bar
    _within_bar(wmel.features(x, plan=preset, backend="vulkan"), wmel.features(x, plan=preset, backend="cpu"))
