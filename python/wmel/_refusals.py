"""Why no plan expresses a port (wmel.diagnose(port, ...) where the joint fit reproduces not
every probe): the known conventions that no plan field computes, each tested on the port's
own features (and, for some, on a clip or two more through the port: a clip of tones for a
filter or a lower rate) and named only
where the test holds (docs/porting.md, "What diagnose refuses").

Each recogniser returns a sentence, or "" where its convention does not explain the port."""
from __future__ import annotations

import numpy as np


def _frames(f, shape=None):
    """the port's features as 2-D (frames, values) by the plan's output shape where it has
    one (transposed to it), else the axes longer than 1 as they come"""
    f = np.asarray(f, np.float64)
    f = f.reshape([d for d in f.shape if d != 1] or [1])
    if f.ndim != 2:
        return None
    return f


def _orientations(f):
    return [f, f.T] if f.shape[0] != f.shape[1] else [f]


def random_port(port, x, f0) -> str:
    """a port whose features of one clip differ between two calls (dither drawn at random)"""
    try:
        f1 = port(x.copy())
        if hasattr(f1, "detach"):
            f1 = f1.detach().cpu().float().numpy()
        f1 = np.asarray(f1, np.float32).astype(np.float64)  # (as the fit read the first call's)
    except Exception:  # noqa: BLE001 (the port's own error: no test)
        return ""
    f0 = np.asarray(f0, np.float64)
    if f1.shape != f0.shape:
        return ""
    d = np.abs(f1 - f0) / np.maximum(1, np.abs(f0))  # (past a threaded float32 sum's rounding)
    d = d[np.isfinite(d)]
    if d.size == 0 or not d.max() > 1e-4:
        return ""
    d = np.abs(f1 - f0)[np.isfinite(f1 - f0)]
    return (f"the port's features of one clip differ between two calls (by up to {d.max():.3g}): it draws "
            f"random values each call (dither); no plan reproduces a random port: make it deterministic "
            f"(dither 0) and diagnose it again")


def _delta(c, n=2):
    """the regression deltas over 2n + 1 frames, the edges repeated (Kaldi's, SpeechBrain's Deltas)"""
    p = np.pad(c, ((n, n), (0, 0)), mode="edge")
    t = len(c)
    return sum(k * (p[n + k:n + k + t] - p[n - k:n - k + t]) for k in range(1, n + 1)) / (2 * sum(k * k for k in range(1, n + 1)))


def _close(a, b, rel=1e-3):
    return a.shape == b.shape and a.size > 0 and np.all(np.abs(a - b) <= rel * np.maximum(1, np.abs(b)))


def context_deltas(feats) -> str:
    """frames stacked around each frame (a context window: block j + 1 of frame t is block j of
    frame t + 1) and / or deltas and delta-deltas in each block"""
    f = _frames(feats)
    if f is None:
        return ""
    for g in _orientations(f):
        t, w = g.shape
        if t < 8:
            continue
        for k in range(3, 32, 2):
            if w % k or w // k < 4 or t - 2 * k < 4:
                continue
            b = w // k
            inner = slice(k, t - k)
            same = np.all(np.abs(g[k + 1:t - k] - g[k:t - k - 1]) <= 1e-5 * np.maximum(1, np.abs(g[k:t - k - 1])), axis=1)
            if 2 * np.count_nonzero(~same) < same.size:
                continue  # (frames mostly equal to the next: zeros after a short clip stack trivially)
            orders = ((g.reshape(t, k, b), f"frame-major: each frame's {b} values together"),
                      (g.reshape(t, b, k).transpose(0, 2, 1),
                       f"value-major: the {k} frames of each value together, as SpeechBrain's ContextWindow orders them"))
            for blocks, order in orders:  # blocks: (frames, context, values)
                if all(_close(blocks[inner, j + 1][:-1], blocks[inner, j][1:], 1e-5) for j in range(k - 1)):
                    break
            else:
                continue
            what = _deltas_in(blocks[:, k // 2])
            return (f"{w} values a frame: {k} frames of context ({k // 2} each side, the frames around each "
                    f"frame stacked, {order}) of {b} values" + (f": {what}" if what else "") +
                    "; no plan stacks frames centred on each frame" + (" with delta-deltas" if what else "") +
                    f": compute the {b} values with the plan and stack the frames around each frame yourself")
        what = _deltas_in(g)
        if what and "delta-deltas" in what:
            return f"{w} values a frame: {what} (delta_win appends first-order deltas only)"
    return ""


def _deltas_in(c) -> str:
    w = c.shape[1]
    if w % 3 == 0:
        m = w // 3
        base, d1, d2 = c[:, :m], c[:, m:2 * m], c[:, 2 * m:]
        for n in (2, 1, 3):
            if _close(_delta(base, n), d1) and _close(_delta(d1, n), d2):
                return f"{m} values, their deltas and delta-deltas (over {2 * n + 1} frames)"
    return ""


def top_db_floor(port, n) -> str:
    """log mel values floored at the clip's largest less a range (torchaudio's AmplitudeToDB and
    librosa's power_to_db, top_db 80) before a DCT: frames far below the floor hold one value in
    every mel, whose cepstra are c0 alone, and that value moves with the clip's scale"""
    rng = np.random.default_rng(7)
    h = n // 2
    x = np.concatenate([0.5 * rng.standard_normal(h), 1e-5 * rng.standard_normal(n - h)]).astype(np.float32)
    try:
        y1 = _frames(port(x.copy()))
        y2 = _frames(port((0.25 * x).astype(np.float32)))
    except Exception:  # noqa: BLE001
        return ""
    if y1 is None or y2 is None or y1.shape != y2.shape:
        return ""
    for o, (g1, g2) in enumerate(zip(_orientations(y1), _orientations(y2))):
        t, w = g1.shape
        if w < 2 or t < 10:
            continue
        big = np.nanmax(np.abs(g1))
        k = np.argmax(np.abs(g1), axis=1)
        rest = np.array([np.max(np.abs(np.delete(g1[i], k[i]))) for i in range(t)])
        flat = np.flatnonzero(rest <= 1e-4 * max(1.0, big))
        loud = np.arange(t // 3)
        if flat.size < 5 or len(set(k[flat])) != 1 or np.any(rest[loud] <= 1e-4 * max(1.0, big)):
            continue
        c = int(k[flat[0]])
        dq = np.median(g2[flat, c] - g1[flat, c])
        dl = np.median(g2[loud, c] - g1[loud, c])
        if abs(dl) > 1e-3 and abs(dq - dl) <= 0.05 * abs(dl):
            return ("the port floors its log mel values at a level relative to the clip's largest (a top_db floor, "
                    "as max - 80 dB) before the DCT: frames under it hold one value in every mel (cepstrum "
                    f"{c} alone), and it moves with the clip's scale; no plan field floors the log values before "
                    "the DCT")
    return ""


def energy_c0(features, plan, audios, feats) -> str:
    """c0 alone not the answer's while every other cepstrum is reproduced (on most clips: the
    answer's scale is fitted on c0, which the guard may then mislead on the quietest), where c0
    is the log of the sum of the power spectrum (python_speech_features' appendEnergy, sonopy,
    speechpy) up to one constant"""
    if not plan or not plan.get("n_ceps"):
        return ""
    drop = ("n_ceps", "cepstral_lifter", "use_energy", "ceps_htk", "log", "log_guard", "post_scale", "post_shift",
            "n_mels", "mel_scale", "mel_norm", "snap_bins", "low_freq", "high_freq")
    spec = {k: v for k, v in plan.items() if k not in drop}
    nf = int(plan.get("n_fft", 512))
    rest_ok, c0_bad, shifts = 0, 0, []
    for a, fk in zip(audios, feats):
        f = _frames(fk)
        try:
            y = np.asarray(features(a, plan=plan), np.float64)
            p = np.asarray(features(a, plan=dict(spec, linear_bins=True, n_mels=nf // 2 + 1, log="none")), np.float64)
        except (ValueError, RuntimeError):
            return ""
        if f is None or y.shape not in (f.shape, f.T.shape) or y.shape[0] < 1:
            return ""
        if y.shape != f.shape:
            f = f.T
        if y.shape[1] != int(plan["n_ceps"]):
            y, f, p = y.T, f.T, p.T
        if y.shape[1] < 2 or p.shape[0] != f.shape[0]:
            return ""
        if not np.all(np.abs(y[:, 1:] - f[:, 1:]) <= 1e-3 * np.maximum(1, np.abs(f[:, 1:]))):
            continue
        rest_ok += 1
        e = p.sum(1)
        d = (f[:, 0] - np.log(np.where(e > 0, e, 1)))[e > 0]
        if d.size:
            shifts.append(d)
        if np.all(np.abs(y[:, 0] - f[:, 0]) <= 1e-3 * np.maximum(1, np.abs(f[:, 0]))):
            c0_bad -= 1
        c0_bad += 1
    if 2 * rest_ok < len(audios) or not c0_bad:
        return ""
    d = np.concatenate(shifts) if shifts else np.zeros(0)
    if d.size and np.max(np.abs(d - np.median(d))) <= 1e-3 * max(1.0, float(np.max(np.abs(d)))):
        return ("c0 is the log of the power spectrum's sum (python_speech_features' appendEnergy, speechpy), not a "
                "plan's energy: every other cepstrum is reproduced; no plan field puts the spectrum's sum in c0")
    return ("c0 is computed otherwise than any plan's (an energy of the port's own): every other cepstrum is "
            "reproduced; no plan field gives that c0")


def _mels_first(plan) -> bool:
    """the plan's output is (values, frames): its layout, else its front-end's (Whisper's, NeMo's)"""
    return plan.get("layout", "mels_frames" if plan.get("frontend") in ("whisper", "nemo") else "frames_mels") \
        == "mels_frames"


def _round_in(lo, hi) -> int:
    """the roundest count of samples in lo..hi (a multiple of the largest power of ten)"""
    for m in (10000, 1000, 100, 10):
        n = -(-lo // m) * m
        if n <= hi:
            return n
    return lo


def min_length(features, plan, audios, feats, bad, rate=16000) -> str:
    """clips shorter than N samples padded with zeros to N before the front-end (transformers'
    Qwen3-ASR extractor, min_length 8000): each clip the plan does not reproduce is shorter
    than the others and has more frames than the plan gives it, and the plan reproduces the
    port's features of it padded with zeros to N, N found from the frame count (the roundest
    count of samples that gives it)"""
    if not plan or not bad:
        return ""
    mf = _mels_first(plan)

    def frames(n, a):
        x = np.concatenate([a, np.zeros(n - a.size, np.float32)])
        y = np.asarray(features(x, plan=plan), np.float64)
        return y.T if mf else y
    ns = []
    try:
        for k in bad:
            a, f = audios[k], _frames(feats[k])
            p = frames(a.size, a)
            if f is None or p.ndim != 2:
                return ""
            f = f.T if f.shape[1] != p.shape[1] and f.shape[0] == p.shape[1] else f
            if f.shape[1] != p.shape[1] or f.shape[0] <= p.shape[0]:
                return ""
            lo, hi = a.size, 2 * a.size + 1  # the shortest n giving at least f's frame count
            while len(frames(hi, a)) < len(f):
                lo, hi = hi, 2 * hi
                if hi > 1 << 24:
                    return ""
            while lo + 1 < hi:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if len(frames(mid, a)) < len(f) else (lo, mid)
            top, step = hi, 1  # the longest n giving exactly that count
            while len(frames(top + step, a)) == len(f) and step < 1 << 20:
                top, step = top + step, 2 * step
            end = top + step
            while top + 1 < end:
                mid = (top + end) // 2
                top, end = (mid, end) if len(frames(mid, a)) == len(f) else (top, mid)
            ns.append((hi, top))
            if not _close(frames(_round_in(hi, top), a), f):
                return ""
    except (ValueError, RuntimeError):
        return ""
    lo, hi = max(n[0] for n in ns), min(n[1] for n in ns)
    if lo > hi or any(a.size < lo for k, a in enumerate(audios) if k not in bad):
        return ""  # (a clip the plan reproduces, shorter than N: not padded)
    n = _round_in(lo, hi)
    short = min(audios[k].size for k in bad)
    return (f"the port pads a clip shorter than {n} samples ({n / rate:g} s) with zeros to {n} before its "
            f"front-end (a minimum length: transformers' Qwen3-ASR extractor, min_length 8000): the clip of {short} "
            f"samples gives the frames of {n} (the frame count puts the length between {lo} and {hi}); no plan "
            f"field pads only the short clips (n_samples pads and cuts every clip): pad clips shorter than {n} "
            f"samples with zeros before wmel.features")


def _sliding_mean(u, win, minw, center):
    """each frame's mean of the frames around it (Kaldi's apply-cmvn-sliding, torchaudio's
    sliding_window_cmn): center False, frames t - win .. t, at least the first minw; center
    True, win frames around t; the window moved inside the clip"""
    t = len(u)
    i = np.arange(t)
    if center:
        s, e = i - win // 2, i - win // 2 + win
    else:
        s, e = i - win, i + 1
    e = np.where(s < 0, e - s, e)
    s = np.maximum(s, 0)
    if not center:
        e = np.where(e > i, np.maximum(i + 1, minw), e)
    over = np.maximum(e - t, 0)
    s, e = np.maximum(s - over, 0), e - over
    cs = np.concatenate([np.zeros((1, u.shape[1])), np.cumsum(u, 0)])
    return (cs[e] - cs[s]) / (e - s)[:, None]


def sliding_cmn(features, plan, audios, feats, bad) -> str:
    """each frame less the mean of a window of frames around or before it (Kaldi's
    apply-cmvn-sliding, torchaudio's sliding_window_cmn, cmn_window 600, min_cmn_window 100,
    center False): the clip's mean on clips of up to min_cmn_window frames (the plan found
    then normalises per utterance) and a running mean past it; tested as the plan without
    its normalisation less that running mean against the port's features of each clip the
    plan does not reproduce"""
    if not plan or not bad:
        return ""
    if plan.get("normalize") != "mean":
        return ""
    raw = dict(plan, normalize="none")
    held, longest = None, 0
    for k in bad:
        f = _frames(feats[k])
        try:
            u = np.asarray(features(audios[k], plan=raw), np.float64)
        except (ValueError, RuntimeError):
            return ""
        if f is None or u.ndim != 2 or u.shape not in (f.shape, f.T.shape):
            return ""
        if u.shape != f.shape:
            f = f.T
        if _mels_first(plan):
            u, f = u.T, f.T
        t = len(f)
        # min_cmn_window: the first frames' columns sum to 0 (they share one mean)
        cs = np.abs(np.cumsum(f, 0)).max(1) <= 1e-4 * np.maximum(1, np.cumsum(np.abs(f), 0).max(1))
        firsts = [int(n) + 1 for n in np.flatnonzero(cs[:-1]) if n >= 1][:3]
        hits = {(c, m, w) for c, m in [(False, m) for m in firsts] + [(True, 0)]
                for w in (100, 150, 200, 250, 300, 400, 500, 600, 800, 1000)
                if not (c and w >= t) and not (not c and m > w) and _close(u - _sliding_mean(u, w, m, c), f)}
        held = hits if held is None else held & hits
        if not held:
            return ""
        longest = max(longest, t)
    center, minw, win = min(held, key=lambda h: (h[0], h[2]))
    if len({h[:2] for h in held}) > 1:
        return ""
    if center:
        return (f"the port subtracts a centred sliding mean ({win} frames around each frame: Kaldi's "
                f"apply-cmvn-sliding --center, torchaudio's sliding_window_cmn(center=True)): the clip's mean "
                f"(normalize mean) on clips of up to {win} frames, another on longer ones; no plan field "
                f"computes a sliding mean: use the plan with normalize none and subtract the sliding mean "
                f"yourself, or normalize mean where every clip is at most {win} frames")
    reach = (f"at most {win} (cmn_window)" if win < longest else
             f"at most cmn_window, more than the {longest} frames of the longest probe (Kaldi's and torchaudio's 600)")
    return (f"the port subtracts a causal sliding mean (Kaldi's apply-cmvn-sliding, torchaudio's "
            f"sliding_window_cmn, wespeaker's: center False): each frame less the mean of the frames up to it, "
            f"the first {minw} at least (min_cmn_window {minw}), {reach}; it equals the clip's mean (normalize "
            f"mean) on clips of up to {minw} frames and differs on longer ones; no plan field computes a running "
            f"mean: use the plan with normalize none and subtract the sliding mean yourself")


def _top_errors(features, q, x, segs, f, mf, g):
    """the plan q's largest error in f's 3 largest values of each frame inside each segment of
    segs but the last, those segments of the samples x scaled by g (frames across a
    segment's edges left out)"""
    y = x.copy()
    for s in segs[:-1]:
        y[s] *= np.float32(g)
    v = np.asarray(features(y, plan=q), np.float64)
    v = v.T if mf else v
    if v.shape != f.shape:
        return [np.inf] * len(segs)
    hop = len(x) / len(v)
    out = []
    for s in segs:
        a, b = int(s.start / hop) + 5, int(s.stop / hop) - 5
        top = np.argsort(v[a:b], axis=1)[:, -3:]
        out.append(float(np.max(np.abs(np.take_along_axis(v[a:b] - f[a:b], top, 1)))) if b > a else np.inf)
    return out


def filtered_input(port, plan, features, rate=16000) -> str:
    """a filter on the samples before the front-end (a high-pass at 60-100 Hz: scipy.signal's
    butter and sosfilt): on one clip of three tones (20 Hz, 50 Hz, 1 kHz, a third of a second
    each) the port's largest values of each frame are the plan's of the 1 kHz tone as it is
    and of the low tones made weaker, each by a scale (the lower the weaker); tried with the
    plan found less the fields a search takes for a filter (preemph, remove_dc) and the frame
    rule (valid), then with the plan found"""
    if not plan or plan.get("n_ceps") or plan.get("linear_bins"):
        return ""
    n = rate // 3
    t = np.arange(n) / rate
    x = np.concatenate([0.25 * np.sin(2 * np.pi * fr * t) for fr in (20.0, 50.0, 1000.0)]).astype(np.float32)
    segs = [slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)]
    try:
        f = _frames(port(x.copy()))
    except Exception:  # noqa: BLE001
        return ""
    if f is None:
        return ""
    mf = _mels_first(plan)
    f = f.T if mf else f
    bound = 1e-3 * max(1.0, float(np.nanmax(np.abs(f))))
    for q in ({k: v for k, v in plan.items() if k not in ("preemph", "remove_dc", "valid", "preemph_mode")}, plan):
        try:
            one = _top_errors(features, q, x, segs, f, mf, 1.0)
            if not (one[2] <= bound and min(one[:2]) > 10 * bound):
                continue  # the 1 kHz tone not the plan's, or the low tones already are
            gs = np.geomspace(1e-3, 1.0, 25)
            es = np.array([_top_errors(features, q, x, segs, f, mf, g)[:2] for g in gs])
            best = []
            for c in range(2):  # each low tone's scale, refined between its grid's neighbours
                i = int(np.argmin(es[:, c]))
                fine = np.geomspace(gs[max(i - 1, 0)], gs[min(i + 1, len(gs) - 1)], 9)
                ef = [_top_errors(features, q, x, segs, f, mf, g)[c] for g in fine]
                best.append((float(fine[int(np.argmin(ef))]), min(ef)))
        except (ValueError, RuntimeError):
            return ""
        (g20, e20), (g50, e50) = best
        if g20 < g50 <= 0.95 and e20 <= 0.2 * one[0] and e50 <= 0.2 * one[1]:
            return (f"the port filters the samples before its front-end (a high-pass: scipy.signal's butter and "
                    f"sosfilt at 60-100 Hz): a tone of 20 Hz comes out about {-20 * np.log10(g20):.0f} dB weaker "
                    f"and one of 50 Hz about {-20 * np.log10(g50):.0f} dB weaker than the plan's, one of 1 kHz as "
                    f"the plan's; no plan field filters the samples (preemph and remove_dc are its only filters): "
                    f"apply the same filter to the samples before wmel.features, or leave it out of the port")
    return ""


_BAND = (0.3, 0.45, 0.55, 0.65, 0.8, 0.9)  # the tones, as fractions of the plan's Nyquist


def _tone_levels(f, n_seg):
    """each tone's level in dB against the first segment's (a 1 kHz tone), the second segment
    (the same tone 20 dB down) giving the features' unit, from the median over each segment's
    middle frames of each frame's largest value (positive values 10 or 100 times larger for
    20 dB, a magnitude or a power, taken as their logs); None where no unit is read"""
    per = len(f) / n_seg
    if per < 10:
        return None
    peak = [np.median(np.max(f[int(k * per) + 4:int((k + 1) * per) - 4], axis=1)) for k in range(n_seg)]
    if np.all(f > 0) and 8 <= peak[0] / peak[1] <= 120:
        peak = list(np.log(peak))
    unit = (peak[0] - peak[1]) / 20
    return None if not unit > 0 else [(p - peak[0]) / unit for p in peak[2:]]


def band_limited(port, plan, features, rate=16000) -> str:
    """the samples resampled to a lower rate (torchaudio.functional.resample 16 kHz -> 8 kHz)
    or low-passed before the front-end: on one clip of a 1 kHz tone (at two levels, 20 dB
    apart) and tones across the band (_BAND of the Nyquist), each a fifth of a second, the
    port's tones above a frequency fall 20 dB or more below the plan's (its bank over the whole
    band), the tones under it within 6 dB of the plan's"""
    if not plan or plan.get("n_ceps"):
        return ""
    rate = int(plan.get("sample_rate", rate))
    n = rate // 5
    t = np.arange(n) / rate
    tones = [1000.0] + [b * rate / 2 for b in _BAND]
    x = np.concatenate([0.25 * np.sin(2 * np.pi * 1000.0 * t)] + [a * np.sin(2 * np.pi * fr * t) for a, fr in
                       zip([0.025] + [0.25] * len(_BAND), tones)]).astype(np.float32)
    q = {k: v for k, v in plan.items() if k not in ("high_freq", "low_freq")}
    try:
        f = _frames(port(x.copy()))
        v = np.asarray(features(x, plan=q), np.float64)
    except Exception:  # noqa: BLE001 (the port's error, or the plan's)
        return ""
    if f is None or v.ndim != 2 or not np.all(np.isfinite(f)):
        return ""
    mf = _mels_first(plan)
    v = v.T if mf else v
    if mf and f.shape[1] != v.shape[1] and f.shape[0] == v.shape[1]:
        f = f.T
    lp, lq = _tone_levels(f, len(tones) + 1), _tone_levels(v, len(tones) + 1)
    if lp is None or lq is None or min(lq) < -20:
        return ""  # (the plan's bank not over the whole band)
    d = [p - q for p, q in zip(lp, lq)]
    kept = [abs(e) <= 6 for e in d]
    gone = [e <= -20 for e in d]
    c = next((i for i, g in enumerate(gone) if g), None)
    if c is None or c == 0 or not all(gone[c:]):
        return ""
    k = max(i for i in range(c) if kept[i]) if any(kept[:c]) else -1
    if k < 0 or c - k > 2 or not all(kept[:k + 1]):
        return ""  # (at most one tone between the last kept and the first gone)
    lo, hi = _BAND[k] * rate / 2, _BAND[c] * rate / 2
    return (f"the port's features hold nothing of the band above {lo:.0f}-{hi:.0f} Hz (a tone of {lo:.0f} Hz "
            f"kept, tones of {hi:.0f} Hz and up {-max(d[c:]):.0f} dB or more weaker than the plan's, whose bank "
            f"reaches {rate // 2} Hz): it resamples the clip to a lower rate ({2 * lo:.0f}-{2 * hi:.0f} Hz, as "
            f"torchaudio.functional.resample to 8 kHz before an 8 kHz front-end) or low-passes it; no plan "
            f"field resamples or filters the samples (high_freq ends the bank, not the band): resample the clip "
            f"first and diagnose the port at the new rate (a plan with that sample_rate, frame_length, hop and n_fft)")


def _step_kept(f):
    """f (frames, values) of 1 s of noise then 2 s of it 20 dB louder: the late frames' step
    from the quiet second's level over the first loud frames' (None where they do not jump
    or the step stays past a fifth of the jump)"""
    t = len(f)
    if t < 60 or f.shape[1] < 4:
        return None
    third = t / 3
    quiet = np.median(f[int(0.5 * third):int(third) - 2], axis=0)
    lvl = np.median(np.abs(f - quiet), axis=1)  # each frame's step from the quiet level
    a = int(third) + 2
    jump, late = float(np.max(lvl[a:a + int(0.2 * third)])), float(np.median(lvl[int(2.7 * third):t - 2]))
    noise = float(np.median(lvl[int(0.5 * third):int(third) - 2]))
    return late / jump if jump > 3 * max(noise, 1e-6) and late <= 0.2 * jump else None


def adaptive_gain(port, plan, rate=16000) -> str:
    """a gain that follows the level over time (PCEN: librosa.pcen, an IIR smoother of each
    channel's energy, time_constant 0.4 s, gain 0.98; an exponentially forgetting mean): on one
    clip of noise 1 s at one level, then the same noise 20 dB louder for 2 s, the port's frames
    jump at the step and fall back to within a fifth of the jump of the quiet second's, where a
    log or a clip-wide normalisation keeps the step"""
    rate = int(plan.get("sample_rate", rate)) if plan else rate
    e = np.random.default_rng(5).standard_normal(rate).astype(np.float32)
    x = np.concatenate([0.01 * e, 0.1 * e, 0.1 * e])
    try:
        f = _frames(port(x.copy()))
    except Exception:  # noqa: BLE001
        return ""
    if f is None or not np.all(np.isfinite(f)):
        return ""
    for g in _orientations(f):  # (the frames' axis: the one the step is a third along)
        late = _step_kept(g)
        if late is not None:
            break
    else:
        return ""
    pcen = np.nanmin(f) >= -1e-6 * max(1.0, float(np.nanmax(np.abs(f))))
    what = ("PCEN's per-channel energy normalisation (librosa.pcen: the energy over an IIR smoother of "
            "it, time_constant 0.4 s, then a root; its values are never negative, as the port's)" if pcen else
            "a mean or a gain that forgets the past (an online or sliding CMN)")
    return (f"the port's features follow the clip's level over time: a step of 20 dB in the noise makes them jump "
            f"and fall back within 2 s to {late:.0%} of the jump: {what}; no "
            f"plan field adapts over time: compute the mel energies with a plan (log none) and apply the "
            f"normalisation to them yourself")


def level_normalised(port, plan, rate=16000) -> str:
    """the clip's own level divided out before the features (transformers' do_normalize=True:
    the samples to zero mean and unit variance; a peak normalisation): one second of noise at
    -20 dB and the same noise at -40 dB give the same features (every plan's depend on the
    input's level unless a normalisation of the features removes it, whose per-feature means,
    or whose mean over every value, are then 0, or a reference at the clip's own maximum, whose
    top value is then 0: those are left to the other tests). wmel.diagnose asks it before the
    fit, which then searches one clip only."""
    rate = int(plan.get("sample_rate", rate)) if plan else rate
    e = np.random.default_rng(7).standard_normal(rate).astype(np.float32)
    try:
        f1, f2 = _frames(port(0.1 * e)), _frames(port(0.01 * e))
    except Exception:  # noqa: BLE001 (the port's own error: no test)
        return ""
    if f1 is None or f2 is None or f1.shape != f2.shape or not (np.all(np.isfinite(f1)) and np.all(np.isfinite(f2))):
        return ""
    if not _close(f2, f1) or float(np.max(np.abs(f1 - f1.flat[0]))) <= 1e-6:  # (a constant: no features)
        return ""
    if abs(float(f1.max())) <= 1e-6 * max(1.0, float(np.max(np.abs(f1)))):
        return ""  # (decibels relative to the clip's own maximum: ref=np.max, named elsewhere)
    if abs(float(f1.mean())) <= 1e-3 * max(1.0, float(f1.std())):
        return ""  # (one normalisation over every value: NeMo's all_features)
    for g in _orientations(f1):  # (feature normalisation: each column's mean 0 over the frames)
        if np.all(np.abs(g.mean(axis=0)) <= 1e-3 * np.maximum(1, g.std(axis=0))):
            return ""
    return ("the port's features do not change with the input's level (one second of noise at -20 dB and at -40 "
            "dB give the same features within 1e-3): it divides each clip's own level out of the waveform first "
            "(zero mean and unit variance: transformers' do_normalize=True, or a peak normalisation), which no "
            "plan field states: normalise the samples yourself before the plan, or leave them as they are in "
            "the port")


def recognise(port, r, audios, feats, names, features) -> str:
    """the first convention that explains a port the answer does not reproduce ("" for none)"""
    bad = [k for k, c in enumerate(r["clips"]) if c["status"] == "differs" and k < len(audios)]
    if not bad:
        return ""
    # a random port (random_port) is refused before this, by _diagnosis._refuse_random
    why = context_deltas(feats[bad[0]])
    if why:
        return why
    plan = r.get("plan")
    why = energy_c0(features, plan, audios, feats) if plan else ""
    if why:
        return why
    why = sliding_cmn(features, plan, audios, feats, bad)
    if why:
        return why
    why = min_length(features, plan, audios, feats, bad)
    if why:
        return why
    why = filtered_input(port, plan, features)
    if why:
        return why
    why = band_limited(port, plan, features)
    if why:
        return why
    why = adaptive_gain(port, plan)
    if why:
        return why
    why = level_normalised(port, plan)
    if why:
        return why
    return top_db_floor(port, max(a.size for a in audios))
