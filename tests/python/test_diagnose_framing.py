"""wmel.diagnose(port, preset) on ports whose frames are a rule of explicit zero padding the
claimed plan's centring does not give: torch.stft(center=False) less its last frame (a
frame_span of frame_length + hop), scipy's ShortTimeFFT slices from p_min to p_max (zeros
before the clip), and ports that give no frames (an empty array) for a probe shorter than
their frame: left out of the fit when the plan gives none either, the answer not reproduced
where the plan computes frames. The ports are numpy in float64."""
import numpy as np

import wmel

SR = 16000
BANK = np.asarray(wmel.mel_filters(80), np.float64)
HANN = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)


def fields(r):
    return {d["field"]: str(d["found"]) for d in r["differences"]}


def whisper_finish(frames):
    """|rfft|^2 of Hann-windowed frames [count, 400], Whisper's bank, log10 clamp, max - 8, (x + 4) / 4"""
    if not len(frames):
        raise ValueError("no frames")
    s = np.abs(np.fft.rfft(frames * HANN, axis=-1)) ** 2
    lg = np.log10(np.maximum(BANK @ s.T, 1e-10))
    lg = np.maximum(lg, lg.max() - 8.0)
    return ((lg + 4.0) / 4.0).astype(np.float32)


def frames_from(x, start, count):
    """count frames of 400 every 160 from sample start (negative: zeros before), zeros past the end"""
    x = np.asarray(x, np.float64)
    lo = min(start, 0)
    buf = np.zeros(max(start + max(count - 1, 0) * 160 + 400, x.size) - lo)
    buf[-lo:-lo + x.size] = x
    return buf[(start - lo) + np.arange(400)[None, :] + 160 * np.arange(count)[:, None]]


def clips():
    """clips the fit never saw, of lengths whose counts the rules near the port's disagree on:
    a chirp over a -70 dB floor"""
    rng = np.random.default_rng(11)
    out = []
    for n in (24000, 24001, 24039, 24041, 24121, 24159, 2521):
        t = np.arange(n) / SR
        x = 0.5 * np.sin(2 * np.pi * (100 * t + 2000 * t * t)) + 0.5 * 10 ** (-70 / 20) * rng.standard_normal(n)
        out.append(x.astype(np.float32))
    return out


def reproduces(r, port, tol=1e-3):
    for x in clips():
        got, want = wmel.features(x, plan=r["plan"]), port(x)
        assert got.shape == want.shape, (x.size, got.shape, want.shape)
        err = float(np.max(np.abs(got - want) / np.maximum(1, np.abs(want))))
        assert err <= tol, (x.size, err)
    return True


def test_torch_stft_center_false_less_its_last_frame():
    # torch.stft(x, 400, 160, window=hann_window(400), center=False)[..., :-1] in a Whisper port:
    # frames from sample 0, (n - 400) // 160 of them: no count fixed, the rule frame_span 560
    def port(x):
        if x.size < 400:
            raise RuntimeError("stft: the input is shorter than n_fft")
        return whisper_finish(frames_from(x, 0, (x.size - 400) // 160))
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])
    f = fields(r)
    assert f.get("framing") == "snip" and f.get("frame_span") == "560" and "n_frames" not in f, r["differences"]
    assert "pad_right" not in f and "n_frames" not in r["plan"], r["plan"]
    assert reproduces(r, port)


def test_scipy_short_time_fft_slices_from_p_min():
    # scipy.signal.ShortTimeFFT(hann(400, sym=False), hop=160, fs=16000).stft(x): slice p centred
    # on sample 160 p, from p_min = -1 (the first whose window weighs a sample of the clip) to
    # p_max(n) (the first whose window weighs none: the periodic Hann's first sample is 0)
    def port(x):
        n = x.size
        p_min = (200 - 400) // 160 + 1
        p_max = max(n // 160 + 1, -(-(n - 1 + 200) // 160))
        return whisper_finish(frames_from(x, 160 * p_min - 200, p_max - p_min))
    r = wmel.diagnose(port, "whisper")
    assert r["explained"] and r["reproduces"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])
    f = fields(r)
    assert f.get("framing") == "snip" and f.get("pad_left") == "360" and f.get("pad_right") == "398", r["differences"]
    assert "n_frames" not in r["plan"], r["plan"]
    assert reproduces(r, port)


def short_probe(**claimed):
    return min(p["samples"].size for p in wmel.probes(**claimed))


def test_no_frames_for_a_probe_shorter_than_the_frame_left_out():
    # a port that counts only frames whose 1000 samples lie in the clip (frame_span 1000) gives
    # no frames (an empty array) for the short probe; the plan gives none either, so the probe
    # is left out of the fit
    plan = {"frontend": "kaldi", "frame_span": 1000}
    n_short = short_probe(plan=plan)
    assert n_short < 1000 and wmel.features(np.zeros(n_short, np.float32), plan=plan).shape == (0, 80)
    port = lambda x: wmel.features(x, plan=plan)  # noqa: E731
    r = wmel.diagnose(port, plan=plan)
    assert r["matches"] and r["reproduces"], (r["notes"], [c for c in r["clips"] if c["status"] == "differs"])
    out = r["left_out"]
    assert out and all(o["port"].startswith("no frames") and o["plan"].startswith("no frames") for o in out), out
    assert "gave no frames" in r["notes"], r["notes"]


def test_no_frames_where_the_plan_computes_some_not_reproduced():
    # a port that gives an empty array for short clips the claimed plan computes: refused, no exception
    n_short = short_probe(preset="kaldi")

    def port(x):
        if x.size <= n_short:
            return np.zeros((0, 80), np.float32)
        return wmel.features(x, plan="kaldi")
    r = wmel.diagnose(port, "kaldi")
    assert not r["reproduces"] and not r["explained"] and not r["matches"]
    assert r["left_out"] and r["left_out"][0]["plan"] == "", r["left_out"]
    assert any(c["status"] == "differs" and "no frames" in c["why"] for c in r["clips"]), r["clips"]
