"""wmel.diagnose(port, preset) on real libraries' ports of conventions no plan expresses: the
answer names the convention (wmel._refusals). Each test is skipped where its library is not
installed; tests/python/test_diagnose_refusals.py holds the same conventions recreated in numpy."""
import os
import sys

import numpy as np
import pytest

wmel = pytest.importorskip("wmel")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import refused_for  # noqa: E402




def test_torchaudio_sliding_window_cmn():
    # torchaudio's Kaldi fbank, then sliding_window_cmn (cmn_window 600, min_cmn_window 100, center False)
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    import torchaudio.compliance.kaldi as kaldi

    def port(x):
        with torch.no_grad():
            f = kaldi.fbank(torch.from_numpy(x)[None] * 32768, num_mel_bins=80, dither=0.0)
            return ta.functional.sliding_window_cmn(f).numpy()
    refused_for(port, "kaldi", ["causal sliding mean", "min_cmn_window 100"])


def test_transformers_qwen3_asr_minimum_length():
    # Qwen3ASRFeatureExtractor pads a clip shorter than min_length (8000) with zeros; each clip as
    # it is otherwise (padding "longest", no padding of the mel axis)
    pytest.importorskip("torch")
    tr = pytest.importorskip("transformers")
    fe = getattr(tr, "Qwen3ASRFeatureExtractor", None)
    if fe is None:
        pytest.skip("this transformers has no Qwen3ASRFeatureExtractor")
    fe = fe()

    def port(x):
        return fe(x, sampling_rate=16000, padding="longest", n_window=0, return_tensors="np")["input_features"][0]
    refused_for(port, "whisper-128", ["shorter than 8000 samples", "zeros"])


def test_speechbrain_fbank_context_window():
    # SpeechBrain's Fbank(context=True): 80 mels x 11 frames, each mel's 11 frames together
    torch = pytest.importorskip("torch")
    pytest.importorskip("speechbrain")
    from speechbrain.lobes.features import Fbank
    sb = Fbank(n_mels=80, context=True, left_frames=5, right_frames=5)

    def port(x):
        with torch.no_grad():
            return sb(torch.from_numpy(x)[None]).numpy()[0]
    refused_for(port, "speechbrain-fbank", ["880 values a frame", "11 frames of context", "value-major", "of 80 values"])


@pytest.mark.parametrize("order, fc", [(4, 80.0), (2, 60.0)])
def test_scipy_butter_highpass_before_whisper(order, fc):
    # scipy.signal.butter(..., "highpass", output="sos") and sosfilt on the samples, then Whisper's log-mel
    sig = pytest.importorskip("scipy.signal")
    sos = sig.butter(order, fc, "highpass", fs=16000, output="sos")
    port = lambda x: wmel.features(sig.sosfilt(sos, x).astype(np.float32), plan="whisper")  # noqa: E731
    refused_for(port, "whisper", ["filters the samples before its front-end", "1 kHz as the plan's"])


def test_torchaudio_resample_to_8k_then_kaldi_fbank():
    # torchaudio.functional.resample 16 kHz -> 8 kHz, then torchaudio's Kaldi fbank at 8 kHz
    torch = pytest.importorskip("torch")
    ta = pytest.importorskip("torchaudio")
    import torchaudio.compliance.kaldi as kaldi

    def port(x):
        with torch.no_grad():
            y = ta.functional.resample(torch.from_numpy(x)[None], 16000, 8000)
            return kaldi.fbank(y * 32768, num_mel_bins=40, sample_frequency=8000, dither=0.0).numpy()
    refused_for(port, {"frontend": "kaldi", "n_mels": 40}, ["nothing of the band above 3600", "resamples the clip"])


def test_librosa_pcen():
    # librosa's mel power spectrogram through librosa.pcen (its default time_constant 0.4 s), scaled as its docs say
    librosa = pytest.importorskip("librosa")

    def port(x):
        S = librosa.feature.melspectrogram(y=x, sr=16000, n_fft=512, hop_length=160, n_mels=64)
        return librosa.pcen(S * (2 ** 31), sr=16000, hop_length=160).astype(np.float32)
    refused_for(port, "whisper", ["follow the clip's level over time", "PCEN"])
