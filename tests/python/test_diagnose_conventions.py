"""Conventions of ports that a plan states: openai-whisper's pad_or_trim (the clip cut or
padded to 480000 samples first: the plan's n_samples), the output's layout and a leading
batch axis of 1 (layout, batch_axis: "differs only in layout", exit 1 with a plan, not a
failure), and a refusal that lists only what was verified (scipy.signal.stft's padded=True
count, which no plan of the whisper family gives: no dither guessed for it). The ports are
numpy, as the libraries compute them."""
import json

import numpy as np
import pytest

import wmel
from conftest import GOLDEN, audio_of
from test_diagnose import hann, run, whisper_np


@pytest.fixture(scope="module")
def speech():
    return audio_of("speech_en_wav")


@pytest.fixture(scope="module")
def clip42(speech):
    """42 s: speech_en six times, every other one reversed (no two 30 s windows alike)."""
    parts = [speech if i % 2 == 0 else speech[::-1] for i in range(6)]
    return np.concatenate(parts).astype(np.float32)[:42 * 16000]


def pad_or_trim(a, n=480000):
    """openai-whisper's whisper.audio.pad_or_trim on a 1-D array."""
    return a[:n] if len(a) >= n else np.pad(a, (0, n - len(a)))


def test_n_samples_is_the_clip_cut_or_padded(speech, clip42):
    """A plan's n_samples gives the features of the clip cut to it or padded with zeros,
    bit for bit, on the whole-clip and the many-clip entry points, Whisper's and Kaldi's."""
    for preset in ("whisper", "kaldi", "nemo"):
        for a in (speech, clip42, speech[:3000]):
            want = wmel.features(pad_or_trim(a), plan=preset)
            got = wmel.features(a, plan=preset, n_samples=480000)
            assert got.shape == want.shape and np.array_equal(got, want), (preset, len(a))
        many = wmel.features_batch([speech, clip42], plan=preset, n_samples=480000)
        assert np.array_equal(many[1], wmel.features(pad_or_trim(clip42), plan=preset)), preset
    assert wmel.frontend_plan(plan="whisper", n_samples=480000)["n_samples"] == 480000


def test_n_samples_checked():
    with pytest.raises(Exception, match="n_samples"):
        wmel.features(np.zeros(16000, np.float32), plan="kaldi", n_samples=-1)
    with pytest.raises(Exception, match="n_samples"):
        wmel.features(np.zeros(16000, np.float32), plan="kaldi", n_samples=(1 << 26) + 1)


def test_whisper_pad_or_trim_is_named(clip42):
    """log_mel_spectrogram(pad_or_trim(audio)) on a 42 s clip: 3000 frames of the first 30 s
    (its max - 8 over them): the plan's n_samples 480000, which reproduces the port; the
    features cut to 3000 frames are not it."""
    r = run("whisper: pad_or_trim on 42 s", clip42, whisper_np(pad_or_trim(clip42)), "whisper", ["n_samples"],
            {"n_samples": 480000})
    assert r["reproduces"] and r["plan"]["n_samples"] == 480000, json.dumps(r, indent=1)
    assert "pad_or_trim" in r["notes"], r["notes"]
    # the features of the whole clip cut to 3000 frames: a fixed frame count, not the clip's length
    r = run("whisper: 42 s, features cut", clip42, whisper_np(clip42)[:, :3000], "whisper", ["n_frames"],
            {"n_frames": 3000})


def test_whisper_padded_clip_with_another_difference_is_a_plan():
    """The clip padded to 30 s before torch.stft's reflect padding is the plan's n_samples:
    with another difference the answer is a plan (exit 1), no longer 'not expressible'."""
    a = audio_of("jfk_flac")
    x = whisper_np(a, pad_to=480000, htk=True)
    r = run("whisper: HTK bank, padded to 30 s", a, x, "whisper", ["mel_scale"])
    assert r["reproduces"] and r["plan"]["n_samples"] == 480000, json.dumps(r, indent=1)


@pytest.mark.parametrize("form, fields", [("T", ["layout"]), ("batch", ["batch_axis"]),
                                          ("batchT", ["batch_axis", "layout"])])
def test_layout_only(speech, form, fields):
    """Features that differ from the preset's only in layout (transposed) or by a leading
    batch axis of 1 are reproduced by a plan stating it, said to differ only in layout, and
    wmel.features of that plan has the port's shape."""
    w = wmel.features(speech, plan="whisper")
    x = {"T": w.T, "batch": w[None], "batchT": w.T[None]}[form]
    r = wmel.diagnose(speech, np.ascontiguousarray(x), preset="whisper")
    assert r["explained"] and not r["matches"] and r["reproduces"], json.dumps(r, indent=1)
    assert sorted(d["field"] for d in r["differences"]) == fields, json.dumps(r, indent=1)
    assert r["notes"].startswith("differs only in layout:"), r["notes"]
    y = wmel.features(speech, plan=r["plan"])
    assert y.shape == x.shape and np.allclose(y, x, rtol=0, atol=1e-6)


def scipy_whisper(a):
    """A Whisper port through scipy.signal.stft(a, window='hann', nperseg=400, noverlap=240,
    boundary='zeros', padded=True) in numpy: 200 zeros each side, then zeros at the end up to
    a whole hop past the last frame, 1 + ceil(n / 160) frames, scaled by 1 / sum(window)."""
    w = hann(400, True)
    x = np.pad(np.asarray(a, np.float64), 200)
    x = np.pad(x, (0, (-(len(x) - 400)) % 160))
    frames = np.lib.stride_tricks.sliding_window_view(x, 400)[::160]
    p = np.abs(np.fft.rfft(frames * w, axis=-1) / w.sum()) ** 2
    filt = np.load(GOLDEN / "mel_filters.npz")["mel_80"].astype(np.float64)
    lg = np.log10(np.maximum(filt @ p.T, 1e-10))
    lg = np.maximum(lg, lg.max() - 8)
    return ((lg + 4) / 4).astype(np.float32)


def test_refusal_lists_only_what_was_verified(speech):
    """scipy's padded count under Whisper's preset: refused or reproduced, the differences
    listed never include a dither (the port has none), nor does a note speak of one."""
    r = wmel.diagnose(speech, scipy_whisper(speech), preset="whisper")
    assert "dither" not in [d["field"] for d in r["differences"]], json.dumps(r, indent=1)
    assert "dither ~" not in r["notes"], r["notes"]
    if not r["explained"]:
        assert r["plan"] is None


def test_scipy_padded_count_is_a_rule(speech):
    """scipy.signal.stft's boundary='zeros', padded=True under a centred zero-padded plan
    (SpeechBrain's Fbank): zeros after the clip up to a whole hop, 1 + ceil(n / hop) frames:
    the plan's pad_multiple of the hop (with explicit zero padding of n_fft / 2 each side),
    which holds on a clip of another length."""
    def port(a):
        return wmel.features(np.pad(a, (0, (-len(a)) % 160)), plan="speechbrain-fbank")
    r = wmel.diagnose(speech, port(speech), preset="speechbrain-fbank")
    assert r["explained"] and r["reproduces"], json.dumps(r, indent=1)
    assert [(d["field"], d["found"]) for d in r["differences"]] == [("pad_multiple", 160)], json.dumps(r, indent=1)
    assert "scipy.signal.stft's padded=True" in r["notes"], r["notes"]
    p = r["plan"]
    assert (p["framing"], p["pad_left"], p["pad_right"], p["pad_multiple"]) == ("snip", 200, 200, 160), p
    t = np.arange(16000 * 2 + 37) / 16000
    chirp = (0.3 * np.sin(2 * np.pi * (100 * t + 1500 * t * t))).astype(np.float32)
    assert np.allclose(wmel.features(chirp, plan=p), port(chirp), rtol=0, atol=1e-4)


def test_power_divided_by_n_is_one_over_sqrt_n(speech):
    """A power divided by n_fft (spafe's |FFT|^2 / 512) is an input scale of 1 / sqrt(512):
    the fitted scale is named as that number exactly, not its nearest short decimal."""
    port = wmel.features(speech, plan="kaldi", scale=1 / np.sqrt(512))
    r = wmel.diagnose(speech, port, preset="kaldi")
    assert r["explained"] and r["reproduces"], json.dumps(r, indent=1)
    assert [d["field"] for d in r["differences"]] == ["scale"], json.dumps(r, indent=1)
    assert abs(r["differences"][0]["found"] * np.sqrt(512) - 1) < 1e-12, json.dumps(r, indent=1)
