"""The live transcription example of docs/streaming.md, run as written with a tiny
openai-whisper model of random weights built here (seeded; nothing is downloaded). Skips
where openai-whisper or torch is not installed. Checks that each step's model input is the
first window of wmel.windows() of the buffer's audio, bit for bit, and that the loop
commits and trims as the example says."""
import os
import re

import numpy as np
import pytest

import wmel

whisper = pytest.importorskip("whisper")
torch = pytest.importorskip("torch")

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "streaming.md")


def _example_source():
    text = open(DOC, encoding="utf-8").read()
    m = re.search(r"<!-- example: live[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert m, "docs/streaming.md: the live example block is missing"
    return m.group(1)


def _tiny_model():
    from whisper.model import ModelDimensions, Whisper
    torch.manual_seed(0)
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2,
                           n_audio_layer=1, n_vocab=51865, n_text_ctx=448, n_text_state=64,
                           n_text_head=2, n_text_layer=1)
    model = Whisper(dims).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.02)
    return model


def test_live_example_runs_on_the_sliding_buffer(monkeypatch):
    ns = {}
    exec(compile(_example_source(), "docs/streaming.md", "exec"), ns)
    live_transcribe = ns["live_transcribe"]
    model = _tiny_model()
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "golden", "audio",
                        "speech_en.wav")
    if not os.path.exists(path):
        pytest.skip("golden speech_en.wav not found")
    speech = wmel.load_audio(path)
    audio = np.concatenate([speech, speech, speech])            # ~21 s
    chunks = [audio[i:i + 16000] for i in range(0, len(audio), 16000)]

    seen = []
    real_decode = whisper.decode

    def spy(model_, mel, options):
        seen.append(mel.detach().cpu().numpy().copy())
        return real_decode(model_, mel, options)

    monkeypatch.setattr(whisper, "decode", spy)
    out = list(live_transcribe(chunks, model, max_seconds=8, sample_len=4))
    assert len(out) == len(chunks) == len(seen)
    # replay the buffer the example held at each step: its first transcribe() window
    start = 0
    commits = []
    for i, mel in enumerate(seen):
        end = min(len(audio), (i + 1) * 16000)
        held = audio[start:end]
        ref, frames = next(iter(wmel.windows(held)))
        assert np.array_equal(mel, ref), f"step {i}: model input differs from wmel.windows"
        if end - start > 8 * 16000:
            start = end - 16000                                 # committed, trimmed to 1 s
            commits.append(i)
    assert commits, "the buffer never passed max_seconds"
    for i, (done, now) in enumerate(out):
        assert isinstance(done, str) and isinstance(now, str)
        if i in commits:
            assert now == ""                                    # all of it committed
