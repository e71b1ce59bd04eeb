"""test_torchaudio_clients.py -- client code's torchaudio calls with wmel swapped in by import:
WeSpeaker's and 3D-Speaker's fbank (CMN after), pyannote's fbank under torch.vmap over a
(batch, 1, samples) tensor, transformers' ASTFeatureExtractor with its module's ta_kaldi pointed
at wmel.torchaudio.compliance.kaldi, and a MelSpectrogram + AmplitudeToDB front-end; each
against the same code with torchaudio (skipped without torch and torchaudio).

Bounds: torchaudio computes in float32, wmel in float64 rounded once: log mel energies agree
within 1e-3 at the int16 scale the speaker-embedding clients use (measured below 3e-5), 4e-3
for AST's [-1, 1] samples (over its normaliser's scale).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ta = pytest.importorskip("torchaudio")
import torchaudio.compliance.kaldi as ta_kaldi  # noqa: E402

import wmel.kaldi  # noqa: E402
import wmel.torchaudio  # noqa: E402


def _speech_like(n, seed=0, batch=None):
    r = np.random.default_rng(seed)
    t = np.arange(n) / 16000.0
    shape = (n,) if batch is None else (batch, n)
    x = 0.2 * np.sin(2 * math.pi * 180 * t * (1 + 0.1 * np.sin(2 * math.pi * 3 * t)))
    x = x + 0.02 * r.standard_normal(shape)
    return torch.from_numpy(x.astype(np.float32))


# WeSpeaker (wespeaker/processor.py compute_fbank, and its infer scripts): int16 scale, a
# hamming window, CMN over the frames.
def wespeaker_fbank(kaldi, wav, num_mel_bins=80, frame_length=25, frame_shift=10, dither=0.0):
    wav = wav.unsqueeze(0) * (1 << 15)
    feat = kaldi.fbank(wav, num_mel_bins=num_mel_bins, frame_length=frame_length,
                       frame_shift=frame_shift, dither=dither, sample_frequency=16000,
                       window_type="hamming", use_energy=False)
    return feat - torch.mean(feat, dim=0)


# 3D-Speaker (speakerlab/process/processor.py FBank): samples as they come, torchaudio's
# defaults (povey window), optional mean normalisation.
def speakerlab_fbank(kaldi, wav, n_mels=80, mean_nor=True, dither=0):
    if len(wav.shape) == 1:
        wav = wav.unsqueeze(0)
    feat = kaldi.fbank(wav, num_mel_bins=n_mels, sample_frequency=16000, dither=dither)
    return feat - feat.mean(0, keepdim=True) if mean_nor else feat


# pyannote (models/embedding/wespeaker BaseWeSpeakerResNet.compute_fbank): a partial of fbank
# under torch.vmap over (batch, 1, samples), then the mean over frames taken out.
def pyannote_fbank(kaldi, waveforms):
    fbank = partial(kaldi.fbank, num_mel_bins=80, frame_length=25, frame_shift=10, dither=0.0,
                    sample_frequency=16000, window_type="hamming", use_energy=False)
    waveforms = waveforms * (1 << 15)
    features = torch.vmap(fbank)(waveforms)
    return features - torch.mean(features, dim=1, keepdim=True)


@pytest.mark.parametrize("n", [16000, 16000 * 3 + 517, 401])
def test_wespeaker(n):
    x = _speech_like(n, seed=n)
    a, b = wespeaker_fbank(wmel.kaldi, x), wespeaker_fbank(ta_kaldi, x)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert float((a - b).abs().max()) <= 1e-3


@pytest.mark.parametrize("shape", [(16000 * 2,), (1, 12345)])
def test_speakerlab(shape):
    x = _speech_like(shape[-1], seed=1)
    x = x if len(shape) == 1 else x.unsqueeze(0)
    for mean_nor in (True, False):
        a = speakerlab_fbank(wmel.kaldi, x, mean_nor=mean_nor)
        b = speakerlab_fbank(ta_kaldi, x, mean_nor=mean_nor)
        assert a.shape == b.shape
        assert float((a - b).abs().max()) <= 1e-3


def test_pyannote_vmap():
    w = _speech_like(16000 * 2 + 31, seed=2, batch=5).unsqueeze(1)     # (batch, 1, samples)
    with torch.inference_mode():
        a = pyannote_fbank(wmel.kaldi, w)
    b = pyannote_fbank(ta_kaldi, w)
    assert a.shape == b.shape == (5, 198, 80)
    assert float((a - b).abs().max()) <= 1e-3


def test_ast_feature_extractor(monkeypatch):
    transformers = pytest.importorskip("transformers")
    from transformers.models.audio_spectrogram_transformer import (
        feature_extraction_audio_spectrogram_transformer as ast_fe)
    if not hasattr(ast_fe, "ta_kaldi"):
        pytest.skip("transformers without its torchaudio path")
    fe = transformers.ASTFeatureExtractor()
    clips = [_speech_like(n, seed=n).numpy() for n in (16000 * 3, 16000 * 11 + 7, 1200)]
    want = fe(clips, sampling_rate=16000, return_tensors="np")["input_values"]
    monkeypatch.setattr(ast_fe, "ta_kaldi", wmel.torchaudio.compliance.kaldi)
    got = fe(clips, sampling_rate=16000, return_tensors="np")["input_values"]
    assert got.shape == want.shape == (3, 1024, 128)
    # (fbank - mean) / (2 std): the log-mel differences over 2 x 4.57. AST feeds samples in
    # [-1, 1], so its quiet bins are small numbers that torchaudio's float32 power spectrum
    # carries with relative errors near 1e-3 (measured 1.9e-3 log units here): bound 4e-3
    assert np.abs(got - want).max() <= 4e-3 / (2 * fe.std)


def test_mel_db_frontend():
    """A MelSpectrogram + AmplitudeToDB front-end with the module swapped by import."""
    def frontend(T, x):
        mel = T.MelSpectrogram(sample_rate=16000, n_fft=512, win_length=400, hop_length=160,
                               n_mels=80, f_min=20.0, f_max=7600.0,
                               window_fn=torch.hamming_window, wkwargs={"periodic": False})
        return T.AmplitudeToDB(top_db=80.0)(mel(x) + 1e-6)
    x = _speech_like(16000 * 4, seed=3, batch=3)
    a, b = frontend(wmel.torchaudio.transforms, x), frontend(ta.transforms, x)
    assert a.shape == b.shape
    assert float((a - b).abs().max()) <= 1e-3
