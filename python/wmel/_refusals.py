"""Why no plan expresses a port (wmel.diagnose(port, ...) where the joint fit reproduces not
every probe): the known conventions that no plan field computes, each tested on the port's
own features (and, for two of them, on a clip or two more through the port) and named only
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
            for blocks in (g.reshape(t, k, b), g.reshape(t, b, k).transpose(0, 2, 1)):  # (frames, context, values)
                if all(_close(blocks[inner, j + 1][:-1], blocks[inner, j][1:], 1e-5) for j in range(k - 1)):
                    break
            else:
                continue
            what = _deltas_in(blocks[:, k // 2])
            return (f"{w} values a frame: {k} frames of context ({k // 2} each side, the frames around each "
                    f"frame stacked) of {b} values" + (f": {what}" if what else "") +
                    "; no plan stacks frames centred on each frame" + (" with delta-deltas" if what else ""))
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
    return top_db_floor(port, max(a.size for a in audios))
