"""test_last_run.py -- wmel.last_run() and copy=: where the stages of the calling thread's most
recent features() / features_batch() call ran (the frames, the finish), which copies of the
caller's data between its device and the host the call made, and why; copy="never" raises
where a call would copy. The CPU rows run everywhere; the Vulkan rows where the build has the
backend and the loader lists a device (lavapipe); the torch CUDA rows where torch sees a GPU."""
import threading

import numpy as np
import pytest

import wmel
from conftest import vulkan_skip_reason


def _clip(n=16000, seed=3):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000.0
    return (0.3 * np.sin(2 * np.pi * 330.0 * t) + 0.02 * rng.standard_normal(n)).astype(np.float32)


_SKIP_VK = vulkan_skip_reason()
needs_vulkan = pytest.mark.skipif(_SKIP_VK is not None, reason=_SKIP_VK or "")


def test_cpu_call():
    x = _clip()
    y = wmel.features(x, plan="kaldi", backend="cpu")
    r = wmel.last_run()
    assert r["call"] == "features" and r["input"] == "host"
    assert r["backend"] == "cpu" and r["kernel"].startswith("cpu-")
    assert r["frames"] == "cpu" and r["finish"] == "cpu"
    assert r["copies"] == [] and r["why"] == {}
    # copy="never" takes host data: nothing to copy, the same bytes
    assert np.array_equal(wmel.features(x, plan="kaldi", backend="cpu", copy="never"), y)


def test_batch_call():
    clips = [_clip(8000), _clip(12000, 4)]
    out = wmel.features_batch(clips, plan="nemo", backend="cpu", copy="never")
    assert len(out) == 2
    r = wmel.last_run()
    assert r["call"] == "features_batch" and r["input"] == "host" and r["frames"] == "cpu"
    assert r["copies"] == []


def test_copy_argument():
    with pytest.raises(ValueError, match="copy must be 'auto' or 'never'"):
        wmel.features(_clip(), plan="kaldi", copy="sometimes")
    with pytest.raises(ValueError, match="copy must be"):
        wmel.features_batch([_clip()], plan="kaldi", copy=False)


def test_per_thread_and_a_copy():
    wmel.features(_clip(), plan="kaldi", backend="cpu")
    r = wmel.last_run()
    r["copies"].append("changed")  # a copy: the record itself stays
    assert wmel.last_run()["copies"] == []
    seen = []
    t = threading.Thread(target=lambda: seen.append(wmel.last_run()))
    t.start()
    t.join()
    assert seen == [None]


@needs_vulkan
def test_vulkan_stages():
    x = _clip()
    wmel.features(x, plan="kaldi", backend="vulkan")
    r = wmel.last_run()
    assert r["backend"] == "vulkan" and r["frames"] == "vulkan" and r["finish"] == "vulkan"
    assert r["why"] == {} and r["copies"] == []
    # a dithered plan: the device draws the noise (float64 on lavapipe)
    wmel.features(x, plan="kaldi", backend="vulkan", dither=1.0)
    r = wmel.last_run()
    assert r["frames"] == "vulkan" and r["finish"] == "vulkan" and r["why"] == {}, r
    # the windowed energy: its frames (and so its finish) on the host, and why; the kernel's
    # name alone would not tell it
    wmel.features(x, plan="kaldi", backend="vulkan", use_energy=True, raw_energy=False)
    r = wmel.last_run()
    assert r["backend"] == "vulkan" and r["frames"] == "cpu" and r["finish"] == "cpu"
    assert "windowed" in r["why"]["frames"] and r["why"]["finish"] == "with the frames"
    wmel.features_batch([x, x[:9000]], plan="whisper", backend="vulkan")
    r = wmel.last_run()
    assert r["call"] == "features_batch" and r["frames"] == "vulkan"


def _cuda():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


_TORCH = _cuda()
needs_cuda = pytest.mark.skipif(_TORCH is None, reason="torch with a CUDA device is not available")


@needs_cuda
def test_cuda_tensor_copies():
    torch = _TORCH
    x = torch.from_numpy(_clip()).cuda()
    # the CPU backend: through the host, said, and refused with copy="never"
    y = wmel.features(x, plan="nemo", backend="cpu")
    assert y.device == x.device
    r = wmel.last_run()
    assert r["input"] == str(x.device) and len(r["copies"]) == 2 and "backend is cpu" in r["why"]["copies"]
    with pytest.raises(ValueError, match="copy='never'"):
        wmel.features(x, plan="nemo", backend="cpu", copy="never")
    with pytest.raises(ValueError, match="copy='never'"):
        wmel.features_batch([x], plan="nemo", backend="cpu", copy="never")
    # the CUDA backend's device path: no copy
    y = wmel.features(x, plan="nemo", backend="cuda", copy="never")
    r = wmel.last_run()
    assert r["input"] == str(x.device) and r["copies"] == [] and r["frames"] == "cuda" and y.device == x.device
