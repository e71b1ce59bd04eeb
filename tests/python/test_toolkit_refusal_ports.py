"""wmel.diagnose(port, preset) on real libraries' ports of conventions no plan expresses: the
answer names the convention (wmel._refusals). Each test is skipped where its library is not
installed; tests/python/test_diagnose_refusals.py holds the same conventions recreated in numpy."""
import numpy as np
import pytest

wmel = pytest.importorskip("wmel")


def refused_for(port, claimed, words):
    r = wmel.diagnose(port, claimed) if isinstance(claimed, str) else wmel.diagnose(port, plan=claimed)
    assert not r["reproduces"] and not r["explained"], r["differences"]
    why = r["not_expressible"]
    assert all(w in why for w in words), why
    return r


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
