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
