"""test_torch.py -- torch.ops.wmel.log_mel (custom op: CPU kernel, CUDA kernel, fake)
and the torch paths of the drop-ins. Skipped where torch is not installed; the CUDA
cases are skipped where there is no CUDA device."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import wmel  # noqa: E402
from conftest import audio_of, ref  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(scope="module")
def op():
    return wmel.register_torch_op()


@pytest.mark.parametrize("device", DEVICES)
def test_golden_on_device(golden, op, device):
    a = torch.from_numpy(audio_of("speech_en_wav")).to(device)
    m = wmel.log_mel_spectrogram(a)
    assert isinstance(m, torch.Tensor) and m.device.type == device and m.dtype == torch.float32
    assert (m.cpu().double() - torch.from_numpy(ref("speech_en_wav.mel80"))).abs().max() <= 1e-4
    m128 = torch.ops.wmel.log_mel(wmel.pad_or_trim(a), 128, 0)
    assert (m128.cpu().double() - torch.from_numpy(ref("speech_en_wav.mel128_30s"))).abs().max() <= 1e-4


@pytest.mark.parametrize("device", DEVICES)
def test_batch_int16_and_padding(op, device):
    x = (torch.randn(2, 16000, generator=torch.Generator().manual_seed(0)) * 0.1).to(device)
    b = torch.ops.wmel.log_mel(x, 80, 160)
    assert b.shape == (2, 80, 101)
    np.testing.assert_allclose(b.cpu().numpy(), wmel.log_mel_spectrogram(x.cpu().numpy(), padding=160),
                               atol=2e-5)
    s16 = (x[0].cpu() * 32767).to(torch.int16)
    np.testing.assert_allclose(torch.ops.wmel.log_mel(s16.to(device), 80, 0).cpu().numpy(),
                               wmel.log_mel_spectrogram(s16.numpy()), atol=2e-5)


def test_opcheck(op):
    x = torch.randn(4000) * 0.1
    for args in [(x, 80, 0), (x, 128, 160), (torch.randn(3, 2000) * 0.1, 80, 480000)]:
        torch.library.opcheck(torch.ops.wmel.log_mel.default, args)
    if torch.cuda.is_available():
        torch.library.opcheck(torch.ops.wmel.log_mel.default, (x.cuda(), 80, 0))


def test_fake_and_compile(op):
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode():
        f = torch.ops.wmel.log_mel(torch.empty(2, 48000), 128, 480000)
        assert f.shape == (2, 128, 3300)
    fn = torch.compile(lambda a: torch.ops.wmel.log_mel(a, 80, 0) * 2.0, fullgraph=True)
    x = torch.randn(8000) * 0.1
    torch.testing.assert_close(fn(x), 2.0 * torch.ops.wmel.log_mel(x, 80, 0))


def test_errors(op):
    with pytest.raises(ValueError, match="NaN"):
        torch.ops.wmel.log_mel(torch.full((4000,), float("nan")), 80, 0)
    with pytest.raises(TypeError):
        torch.ops.wmel.log_mel(torch.zeros(4000, dtype=torch.int32), 80, 0)
    with pytest.raises(ValueError):
        torch.ops.wmel.log_mel(torch.zeros(2, 2, 4000), 80, 0)
    with pytest.raises(ValueError, match="too short"):
        torch.ops.wmel.log_mel(torch.zeros(100), 80, 0)


def test_dropins_with_torch(golden, op):
    a = audio_of("speech_en_wav")
    import wmel.whisper as ww
    t = ww.log_mel_spectrogram(a)
    assert isinstance(t, torch.Tensor) and t.shape == (80, len(a) // 160)
    out = wmel.WhisperFeatureExtractor()(a, return_tensors="pt")
    assert isinstance(out["input_features"], torch.Tensor) and out.input_features.shape == (1, 80, 3000)
    f = wmel.FeatureExtractor()(torch.from_numpy(a))
    assert isinstance(f, torch.Tensor) and f.shape == (80, len(a) // 160 + 1)
    # numpy in, device given: a tensor on that device (openai's semantics)
    d = wmel.log_mel_spectrogram(a, device="cpu")
    assert isinstance(d, torch.Tensor)
    p = wmel.pad_or_trim(torch.from_numpy(a))
    assert p.shape == (480000,) and (p[len(a):] == 0).all()


# ---- torch.ops.wmel.features and wmel.Features (a plan's features as a registered op) ----------

FEATURE_PRESETS = ["whisper", "nemo", "kaldi", "seamless", "funasr", "lhotse-mfcc"]


@pytest.mark.parametrize("preset", FEATURE_PRESETS)
def test_features_module_bytes(preset):
    x = torch.randn(16000 * 2 + 77, generator=torch.Generator().manual_seed(3)) * 0.1
    m = wmel.Features(plan=preset, threads=1)
    y = m(x)
    ref = wmel.features(x.numpy(), plan=preset, threads=1)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32 and tuple(y.shape) == ref.shape
    assert np.array_equal(y.numpy(), ref)  # the same bytes as wmel.features
    b = torch.stack([x, 0.5 * x])
    yb = m(b)
    assert yb.shape[0] == 2 and np.array_equal(yb[1].numpy(), wmel.features((0.5 * x).numpy(), plan=preset, threads=1))
    s16 = (x * 32767).to(torch.int16)
    assert np.array_equal(m(s16).numpy(), wmel.features(s16.numpy(), plan=preset, threads=1))


def test_features_op_opcheck_fake_compile():
    m = wmel.Features(plan="nemo", threads=1)
    x = torch.randn(8000) * 0.1
    for args in [(x, m.spec), (torch.randn(3, 4000) * 0.1, m.spec)]:
        torch.library.opcheck(torch.ops.wmel.features.default, args)
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode():
        f = torch.ops.wmel.features(torch.empty(2, 48000), m.spec)
        assert tuple(f.shape) == (2,) + wmel.features(np.zeros(48000, np.float32) + 0.01, plan="nemo").shape
    model = torch.nn.Sequential(m, torch.nn.Flatten(0, -1))
    fn = torch.compile(lambda a: model(a) * 2.0, fullgraph=True)  # no graph break: the op is traced
    torch.testing.assert_close(fn(x), 2.0 * m(x).flatten())


def test_features_module_options_and_errors():
    cols = np.linspace(0.5, 1.5, 80)
    m = wmel.Features("kaldi", col_scale=cols, threads=1)
    x = torch.randn(16000) * 0.1
    assert np.array_equal(m(x).numpy(), wmel.features(x.numpy(), "kaldi", col_scale=cols, threads=1))
    assert "columns=yes" in repr(m)
    with pytest.raises(ValueError, match="backend"):
        wmel.Features(plan="nemo", backend="tpu")
    with pytest.raises(ValueError, match="copy"):
        wmel.Features(plan="nemo", copy="sometimes")
    with pytest.raises(ValueError):
        wmel.Features(plan="nemo", window="triangle")  # the library's sentence, at construction
    with pytest.raises(ValueError, match="spec"):
        torch.ops.wmel.features(x, "{not json")
    with pytest.raises(ValueError, match="spec must hold"):
        torch.ops.wmel.features(x, '{"plan": {}}')
    with pytest.raises(ValueError, match="1-D"):
        m(torch.zeros(2, 2, 4000))
    with pytest.raises(ValueError, match="NaN"):
        m(torch.full((4000,), float("nan")))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
@pytest.mark.parametrize("preset", ["whisper", "nemo", "kaldi"])
def test_features_module_cuda(preset):
    x = torch.randn(2, 16000 * 3, generator=torch.Generator().manual_seed(5)) * 0.1
    m = wmel.Features(plan=preset, backend="cuda")
    y = m(x.cuda())
    run = wmel.last_run()
    assert run["input"].startswith("cuda") and run["copies"] == [], run
    assert y.device.type == "cuda"
    assert np.array_equal(y.cpu().numpy(), m(x).numpy())  # the device's bytes are the host's
    fn = torch.compile(m, fullgraph=True)
    assert torch.equal(fn(x.cuda()), y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
@pytest.mark.parametrize("preset", ["whisper", "nemo", "kaldi"])
def test_features_batch_cuda_mixed_lengths(preset):
    g = torch.Generator().manual_seed(9)
    lens = [1600 + 977 * i for i in range(40)]
    clips = [torch.randn(n, generator=g) * 0.1 for n in lens]
    host = wmel.features_batch([c.numpy() for c in clips], plan=preset, backend="cuda")
    dev = wmel.features_batch([c.cuda() for c in clips], plan=preset, backend="cuda", copy="never")
    run = wmel.last_run()
    assert run["input"].startswith("cuda") and run["copies"] == [], run
    assert len(dev) == len(clips) and all(d.device.type == "cuda" for d in dev)
    for i, (h, d) in enumerate(zip(host, dev)):
        assert np.array_equal(d.cpu().numpy(), h), f"clip {i}"  # one call, each clip the host's bytes
    s16 = [(c * 32767).to(torch.int16) for c in clips[:5]]
    ds = wmel.features_batch([c.cuda() for c in s16], plan=preset, backend="cuda", copy="never")
    hs = wmel.features_batch([c.numpy() for c in s16], plan=preset, backend="cuda")
    assert all(np.array_equal(d.cpu().numpy(), h) for d, h in zip(ds, hs))
    with pytest.raises(ValueError, match="clip 3"):
        wmel.features_batch([c.cuda() for c in clips[:3]] + [torch.zeros(0).cuda()], plan=preset, backend="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
def test_features_cuda_graph_capture():
    m = wmel.Features(plan="nemo", backend="cuda")
    x = (torch.randn(2, 32000, generator=torch.Generator().manual_seed(2)) * 0.1).cuda()
    static = x.clone()
    m(static)  # warm-up outside the capture (the context, the allocator)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        y = m(static)
    new = (torch.randn(2, 32000, generator=torch.Generator().manual_seed(4)) * 0.1).cuda()
    static.copy_(new)
    graph.replay()
    torch.cuda.synchronize()
    assert torch.equal(y, m(new))  # the replay computes the new samples, bit for bit


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
@pytest.mark.parametrize("preset", ["whisper", "kaldi"])
def test_features_cuda_checks_samples(preset):
    # check=True (the default): the device path scans the samples first, a NaN or Inf raises
    # ValueError as the host path does (a batch names the clip); check=False: no scan, no raise
    x = torch.randn(16000, generator=torch.Generator().manual_seed(3)) * 0.1
    with pytest.raises(ValueError):
        wmel.features(torch.full((4000,), float("nan")), plan=preset, backend="cuda")  # the host's
    bad = x.clone()
    bad[1234] = float("nan")
    with pytest.raises(ValueError, match="clip 0"):
        wmel.features(bad.cuda(), plan=preset, backend="cuda", copy="never")
    assert wmel.last_run()["copies"] == []
    bad[1234] = float("-inf")
    with pytest.raises(ValueError):
        wmel.features(bad.cuda(), plan=preset, backend="cuda", copy="never")
    y = wmel.features(bad.cuda(), plan=preset, backend="cuda", copy="never", check=False)
    assert y.device.type == "cuda"  # enqueued unchecked: unspecified values, no exception
    good = wmel.features(x.cuda(), plan=preset, backend="cuda", copy="never")
    assert np.array_equal(good.cpu().numpy(), wmel.features(x.numpy(), plan=preset, backend="cuda"))
    with pytest.raises(TypeError):
        wmel.features(x.cuda(), plan=preset, backend="cuda", check="yes")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
def test_features_batch_cuda_checks_samples():
    g = torch.Generator().manual_seed(11)
    clips = [torch.randn(400, generator=g) * 0.1 for _ in range(1024)]
    clips[517][77] = float("nan")
    with pytest.raises(ValueError, match="clip 517"):
        wmel.features_batch([c.numpy() for c in clips], plan="kaldi", backend="cuda")  # the host's
    dev = [c.cuda() for c in clips]
    with pytest.raises(ValueError, match="clip 517"):
        wmel.features_batch(dev, plan="kaldi", backend="cuda", copy="never")
    assert wmel.last_run()["copies"] == []
    outs = wmel.features_batch(dev, plan="kaldi", backend="cuda", copy="never", check=False)
    assert len(outs) == 1024 and all(o.device.type == "cuda" for o in outs)
    clips[517][77] = 0.0
    host = wmel.features_batch([c.numpy() for c in clips], plan="kaldi", backend="cuda")
    got = wmel.features_batch([c.cuda() for c in clips], plan="kaldi", backend="cuda", copy="never")
    assert all(np.array_equal(o.cpu().numpy(), h) for o, h in zip(got, host))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
def test_features_cuda_check_refused_under_capture():
    # the scan waits for the device: refused inside a CUDA graph capture; check=False captures
    x = (torch.randn(32000, generator=torch.Generator().manual_seed(6)) * 0.1).cuda()
    wmel.features(x, plan="nemo", backend="cuda", check=False)  # warm-up outside the capture
    wmel.features(x, plan="nemo", backend="cuda")
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with pytest.raises(ValueError, match="device_check"):
        with torch.cuda.graph(graph):
            wmel.features(x, plan="nemo", backend="cuda")
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        y = wmel.features(x, plan="nemo", backend="cuda", check=False)
    graph.replay()
    torch.cuda.synchronize()
    assert torch.equal(y, wmel.features(x, plan="nemo", backend="cuda"))
