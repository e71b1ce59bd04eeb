"""wmel.diagnose(port, preset) on ports of conventions no plan expresses, recreated in numpy:
the answer names the convention (r["not_expressible"], wmel._refusals) and what to do, and
the recognisers name nothing on a port a plan expresses."""
import os
import sys

import numpy as np
import pytest

import wmel
from wmel import _refusals

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diagnose_ports import refused_for  # noqa: E402

SR = 16000




def sliding_cmn(f, win=600, minw=100):
    """Kaldi's apply-cmvn-sliding (center false) as a loop over frames: each frame less the mean
    of frames t - win .. t, the window at least the first minw frames"""
    out = np.empty_like(f)
    for t in range(len(f)):
        s, e = t - win, t + 1
        if s < 0:
            e, s = e - s, 0
        if e > t:
            e = max(t + 1, minw)
        if e > len(f):
            s, e = max(0, s - (e - len(f))), len(f)
        out[t] = f[t] - f[s:e].mean(0)
    return out


def test_causal_sliding_mean_refused_with_the_reason():
    # wespeaker's and Kaldi's fbank then apply-cmvn-sliding (cmn_window 600, min_cmn_window 100):
    # the probes of up to 100 frames are the clip's mean, the 4 s one is not
    def port(x):
        return sliding_cmn(wmel.features(x, plan="kaldi").astype(np.float64)).astype(np.float32)
    r = refused_for(port, "kaldi", ["causal sliding mean", "min_cmn_window 100", "normalize none"])
    assert [c["stem"] for c in r["clips"] if c["status"] == "differs"] == ["long"], r["clips"]


def test_sliding_mean_of_a_shorter_window_named_with_it():
    def port(x):
        f = wmel.features(x, plan={"frontend": "kaldi", "n_mels": 40}).astype(np.float64)
        return sliding_cmn(f, win=300, minw=50).astype(np.float32)
    refused_for(port, {"frontend": "kaldi", "n_mels": 40}, ["causal sliding mean", "min_cmn_window 50", "at most 300"])


def test_minimum_length_by_zeros_refused_with_the_reason():
    # transformers' Qwen3ASRFeatureExtractor (min_length 8000): a clip shorter than 0.5 s padded
    # with zeros to 8000 samples before the log-mel
    def port(x):
        return wmel.features(np.pad(x, (0, max(0, 8000 - x.size))), plan="whisper-128")
    refused_for(port, "whisper-128", ["shorter than 8000 samples (0.5 s)", "zeros", "between 8000 and 8159"])


def test_minimum_length_of_one_second_refused_with_the_reason():
    # three probes shorter than 16000 samples (601, 8000, 9600)
    def port(x):
        return wmel.features(np.pad(x, (0, max(0, SR - x.size))), plan="kaldi")
    r = refused_for(port, "kaldi", ["shorter than 16000 samples (1 s)"])
    assert {c["stem"] for c in r["clips"] if c["status"] == "differs"} == {"short", "full_scale", "lsb_silence"}


def context(f, n=5, order="value"):
    """SpeechBrain's ContextWindow(left_frames=n, right_frames=n): zeros past the edges, each
    column's 2n + 1 frames together (value-major), or each frame's values together"""
    p = np.pad(f, ((n, n), (0, 0)))
    blocks = np.stack([p[k:k + len(f)] for k in range(2 * n + 1)], axis=1)  # (frames, context, values)
    return (blocks.transpose(0, 2, 1) if order == "value" else blocks).reshape(len(f), -1)


@pytest.mark.parametrize("order, word", [("value", "value-major"), ("frame", "frame-major")])
def test_context_window_order_named(order, word):
    # SpeechBrain's Fbank(context=True): 40 mels x 11 frames, the columns value-major
    plan = {"frontend": "kaldi", "n_mels": 40}
    r = refused_for(lambda x: context(wmel.features(x, plan=plan), order=order), plan,
                    ["440 values a frame", "11 frames of context", word, "of 40 values"])
    assert "delta" not in r["not_expressible"]


def highpass(x, fc, rate=SR):
    """a second-order Butterworth high-pass at fc Hz (the bilinear transform; scipy.signal's
    butter(2, fc, "highpass") with lfilter), run sample by sample"""
    k = np.tan(np.pi * fc / rate)
    n = 1 / (1 + np.sqrt(2) * k + k * k)
    b0, a1, a2 = n, 2 * (k * k - 1) * n, (1 - np.sqrt(2) * k + k * k) * n
    y = np.empty(x.size)
    x1 = x2 = y1 = y2 = 0.0
    for i, v in enumerate(x.astype(np.float64).tolist()):
        y[i] = b0 * (v - 2 * x1 + x2) - a1 * y1 - a2 * y2
        x2, x1, y2, y1 = x1, v, y1, y[i]
    return y.astype(np.float32)


@pytest.mark.parametrize("claimed", ["whisper", "kaldi"])
def test_highpass_before_the_front_end_refused_with_the_reason(claimed):
    # a 100 Hz high-pass on the samples first (a rumble filter): the lowest mel rows weaker
    r = refused_for(lambda x: wmel.features(highpass(x, 100.0), plan=claimed), claimed,
                    ["filters the samples before its front-end", "20 Hz comes out about", "1 kHz as the plan's"])
    db50 = float(r["not_expressible"].split("50 Hz about ")[1].split(" dB")[0])
    assert 9 <= db50 <= 15, r["not_expressible"]  # (the filter's 12.3 dB at 50 Hz)


def halve_rate(x, taps=63):
    """16 kHz -> 8 kHz: a Hann-windowed sinc low-pass at 0.99 of the new Nyquist, every other sample"""
    n = np.arange(taps) - taps // 2
    h = 0.5 * 0.99 * np.sinc(0.5 * 0.99 * n) * np.hanning(taps)
    return np.convolve(x.astype(np.float64), h, mode="same")[::2].astype(np.float32)


@pytest.mark.parametrize("claimed, at8k", [
    ({"frontend": "kaldi", "n_mels": 40},
     {"frontend": "kaldi", "n_mels": 40, "sample_rate": 8000, "frame_length": 200, "hop": 80, "n_fft": 256}),
    ({"frontend": "whisper"}, {"frontend": "whisper", "sample_rate": 8000, "frame_length": 200, "hop": 80, "n_fft": 200})])
def test_resampled_to_8k_refused_with_the_reason(claimed, at8k):
    # the clip resampled to 8 kHz, then the front-end at 8 kHz (same 10 ms hop, 25 ms frames)
    refused_for(lambda x: wmel.features(halve_rate(x), plan=at8k), claimed,
                ["nothing of the band above 3600-4400 Hz", "resamples the clip to a lower rate"])


def pcen(S, hop=160, gain=0.98, bias=2.0, power=0.5, time_constant=0.4, eps=1e-6):
    """librosa.pcen of S (frames, mels): each mel's energy over the power gain of its IIR
    smoother (started at the first frame's value), plus bias, to the power, less bias's"""
    t = time_constant * SR / hop
    b = (np.sqrt(1 + 4 * t * t) - 1) / (2 * t * t)
    m, out = S[0].copy(), np.empty_like(S)
    for i, e in enumerate(S):
        m = (1 - b) * m + b * e
        out[i] = (e * np.exp(-gain * (np.log(eps) + np.log1p(m / eps))) + bias) ** power - bias ** power
    return out


def test_pcen_refused_with_the_reason():
    # librosa.pcen of the mel energies in place of their log
    def port(x):
        S = wmel.features(x, plan={"frontend": "kaldi", "n_mels": 40, "log": "none", "scale": 1.0})
        return pcen(S.astype(np.float64)).astype(np.float32)
    refused_for(port, {"frontend": "kaldi", "n_mels": 40}, ["follow the clip's level over time", "PCEN"])


def test_new_recognisers_leave_expressible_ports_alone():
    # the plans' own features, every clip taken as not reproduced: no convention named
    for plan in ({"frontend": "kaldi", "normalize": "mean"}, {"frontend": "whisper", "n_mels": 128},
                 {"frontend": "nemo"}, {"frontend": "kaldi", "log": "none"}):
        clips = [p["samples"] for p in wmel.probes(plan=plan)]
        feats = [wmel.features(x, plan=plan) for x in clips]
        bad = list(range(len(clips)))
        assert _refusals.sliding_cmn(wmel.features, plan, clips, feats, bad) == ""
        assert _refusals.min_length(wmel.features, plan, clips, feats, bad) == ""
        assert _refusals.context_deltas(feats[0]) == ""
        port = lambda x, plan=plan: wmel.features(x, plan=plan)  # noqa: E731
        assert _refusals.filtered_input(port, plan, wmel.features) == ""
        assert _refusals.band_limited(port, plan, wmel.features) == ""
        assert _refusals.adaptive_gain(port, plan) == ""
        assert _refusals.level_normalised(port, plan) == "", plan  # (nemo's, kaldi's mean: per feature)


def test_waveform_standardised_refused_with_the_reason():
    # transformers' WhisperFeatureExtractor(do_normalize=True): each clip's samples to zero mean
    # and unit variance before Whisper's log-Mel, a gain of the clip's own
    def port(x):
        x = np.asarray(x, np.float64)
        return wmel.features(((x - x.mean()) / np.sqrt(x.var() + 1e-7)).astype(np.float32), plan="whisper")
    r = wmel.diagnose(port, "whisper")
    assert not r["reproduces"] and not r["explained"], r["notes"]
    assert "input's level" in r["not_expressible"] and "do_normalize" in r["not_expressible"], r["not_expressible"]
    # (known before the fit: the first clip searched for the report, no other)
    assert "the other clips not searched" in r["notes"] and "search on clip 1)" in r["notes"], r["notes"]


def test_one_normalisation_over_every_value_is_searched_in_full():
    # NeMo's normalize "all_features" (one mean and one deviation over every value) without
    # dither or a guard that tells the levels apart: the features do not move with the input's
    # level, yet a plan states them; the level's test leaves the search whole
    plan = {"frontend": "nemo", "normalize": "all_features", "log_guard": 1e-30, "dither": 0}
    port = lambda x: wmel.features(x, plan=plan)  # noqa: E731
    e = np.random.default_rng(7).standard_normal(SR).astype(np.float32)
    assert np.max(np.abs(port(0.1 * e) - port(0.01 * e))) < 1e-3  # (the level divided out)
    assert _refusals.level_normalised(port, plan) == ""
    r = wmel.diagnose(port, "nemo")
    assert r["reproduces"], (r["notes"], r["not_expressible"])
    assert {d["field"]: d["found"] for d in r["differences"]}.get("normalize") == "all_features", r["differences"]


def test_decibels_of_the_clips_max_not_taken_for_a_level_normalisation():
    # librosa.power_to_db(S, ref=np.max): also the same at any level, its top value 0
    def port(x):
        S = wmel.features(x, plan={"frontend": "nemo", "normalize": "none", "log": "none"}).astype(np.float64)
        return (10 * np.log10(np.maximum(S, 1e-10) / S.max())).astype(np.float32)
    assert _refusals.level_normalised(port, {"frontend": "nemo"}) == ""


def test_level_test_at_the_claimed_rate():
    # the level's test before the fit runs at the claim's rate: a preset's, a plan's, a
    # transformers configuration's sampling_rate; 16000 where the claim says none
    import json

    from wmel._diagnosis import _claimed_rate
    assert _claimed_rate(0, "clap") == {"sample_rate": 48000}
    assert _claimed_rate(1, json.dumps({"frontend": "whisper"})) == {"sample_rate": 16000}
    assert _claimed_rate(1, json.dumps({"frontend": "nemo", "sample_rate": 22050})) == {"sample_rate": 22050}
    assert _claimed_rate(2, json.dumps({"feature_extractor_type": "ClapFeatureExtractor",
                                        "sampling_rate": 48000})) == {"sample_rate": 48000}
    assert _claimed_rate(2, "{not json") == {"sample_rate": 16000}
