"""test_openai_whisper_patch.py -- what transcribe() feeds the encoder. A tiny, randomly
initialised whisper.model.Whisper (from ModelDimensions: nothing downloaded) with a hook
on its encoder transcribes a clip through model.transcribe() and through the `whisper`
command's cli(); every window the encoder receives must be, bit for bit, the window of
openai's log_mel_spectrogram (WMEL_PEER_IMPL=original) or of wmel's (=wmel; the two
differ by float rounding, so the test tells them apart). Also patch()/unpatch() are
reversible and idempotent. Needs torch and openai-whisper (skips without)."""
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
whisper = pytest.importorskip("whisper")

IMPL = os.environ.get("WMEL_PEER_IMPL", "original")
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "golden")
JFK = os.path.join(GOLDEN, "audio", "jfk.flac")


def _tiny_model():
    from whisper.model import ModelDimensions, Whisper
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2,
                           n_audio_layer=1, n_vocab=51865, n_text_ctx=448, n_text_state=64,
                           n_text_head=2, n_text_layer=1)
    torch.manual_seed(0)
    model = Whisper(dims).eval()
    seen = []
    model.encoder.register_forward_pre_hook(lambda m, args: seen.append(args[0].detach().cpu().numpy()))
    return model, seen


def _expected_mel(audio):
    """The whole-clip mel transcribe() computes, by the implementation under test."""
    if IMPL == "wmel":
        import wmel
        return wmel.log_mel_spectrogram(audio, 80, padding=480000)
    import whisper.audio as wa
    fn = wa.log_mel_spectrogram
    return fn(torch.from_numpy(audio), 80, padding=480000).numpy()


def _check_windows(seen, audio):
    assert seen, "the encoder saw nothing"
    mel = _expected_mel(audio)
    content = audio.shape[0] // 160
    for w in seen:
        assert w.shape == (1, 80, 3000) and w.dtype == np.float32
        w = w[0]
        starts = [s for s in range(content) if np.array_equal(w[:, 0], mel[:, s])]
        assert starts, "window not found in the expected mel (other features were computed)"
        s = starts[0]
        n = min(3000, content - s)
        np.testing.assert_array_equal(w[:, :n], mel[:, s:s + n])
        assert not w[:, n:].any()
    if IMPL == "wmel":  # and it is not openai's: they differ in float rounding
        orig = wmel_orig_log_mel()(torch.from_numpy(audio), 80, padding=480000).numpy()
        assert not np.array_equal(orig[:, :3000], mel[:, :3000])


def wmel_orig_log_mel():
    import wmel.whisper as ww
    return ww._orig["log_mel_spectrogram"]


def _audio():
    import whisper.audio as wa
    return wa.load_audio(JFK)


def test_transcribe_feeds_the_encoder():
    model, seen = _tiny_model()
    audio = _audio()
    model.transcribe(audio, language="en", temperature=0.0, fp16=False,
                     condition_on_previous_text=False)
    _check_windows(seen, audio)


def test_cli_feeds_the_encoder(tmp_path, monkeypatch):
    model, seen = _tiny_model()
    monkeypatch.setattr(whisper, "load_model", lambda *a, **k: model)
    monkeypatch.setattr(sys, "argv", ["whisper", JFK, "--model", "tiny", "--language", "en",
                                      "--temperature", "0", "--fp16", "False", "--device", "cpu",
                                      "--output_dir", str(tmp_path), "--output_format", "txt",
                                      "--temperature_increment_on_fallback", "None"])
    if IMPL == "wmel":  # python -m wmel.whisper ...: openai's command, patched first
        import wmel.whisper
        wmel.whisper.main(sys.argv[1:])
    else:
        sys.modules["whisper.transcribe"].cli()
    assert (tmp_path / "jfk.txt").exists()
    _check_windows(seen, _audio())


@pytest.mark.skipif(IMPL != "wmel", reason="patch()/unpatch() are wmel's")
def test_patch_unpatch_reversible_idempotent():
    import wmel.whisper as ww
    tr = sys.modules["whisper.transcribe"]
    assert ww.is_patched() and tr.log_mel_spectrogram is ww.log_mel_spectrogram
    assert whisper.log_mel_spectrogram is ww.log_mel_spectrogram
    assert whisper.audio.pad_or_trim is ww.pad_or_trim
    ww.unpatch()
    ww.unpatch()
    assert not ww.is_patched()
    assert tr.log_mel_spectrogram.__module__ == "whisper.audio"
    assert whisper.load_audio.__module__ == "whisper.audio"
    ww.patch()
    ww.patch()
    assert tr.log_mel_spectrogram is ww.log_mel_spectrogram
    assert ww._orig["log_mel_spectrogram"].__module__ == "whisper.audio"
