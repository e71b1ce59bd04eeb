"""wmel.diagnose(): what a port of a speech front-end got wrong (`wmel diagnose`'s engine,
diagnose/diagnose.c, through wmel._diagnose: one code for both doors; docs/porting.md)."""
from __future__ import annotations

import json
import os
import stat
import tempfile

import numpy as np

from . import _diagnose
from ._common import load_audio


def _clip(audio):
    """A clip: a path (an audio file decoded as openai's load_audio; a .npy of samples:
    float32/64 or int16 as x / 32768, 1-D or (1, n); raw float32 .f32 at the plan's rate) or
    samples."""
    if isinstance(audio, (str, os.PathLike)):
        path = os.fspath(audio)
        if path.endswith(".npy"):
            a = np.load(path)
            if a.ndim == 2 and 1 in a.shape:
                a = a.reshape(-1)
            if a.ndim != 1:
                raise ValueError(f"diagnose: {path}: samples of shape {a.shape}: one clip's (1-D or (1, n)) are needed")
            if a.dtype == np.int16:
                a = a.astype(np.float32) / 32768
            audio = a
        elif path.endswith((".f32", ".raw")):
            audio = np.fromfile(path, dtype="<f4")
        else:
            audio = load_audio(path)
    if hasattr(audio, "detach"):
        audio = audio.detach().cpu().float().numpy()
    return np.ascontiguousarray(np.asarray(audio, dtype=np.float32).reshape(-1))


def _features(features):
    if isinstance(features, (str, os.PathLike)):
        features = np.load(os.fspath(features))
    if hasattr(features, "detach"):  # a torch tensor (bfloat16 and float16 widen exactly)
        features = features.detach().cpu().float().numpy()
    f = np.asarray(features)
    if f.dtype.kind != "f" and f.dtype.name != "bfloat16":
        raise TypeError(f"diagnose: features must be floating point, got {f.dtype}")
    return np.ascontiguousarray(f, dtype=np.float32)


def _lead_axes(f):
    """Features with more than three axes whose leading ones are all 1 ((1, 1, T, F): PANNs'
    torchlibrosa, a batch and a channel axis) as (1, T, F), and the count of leading axes of 1
    they had (0 when not reshaped): a layout, not values."""
    if f.ndim > 3 and all(d == 1 for d in f.shape[:-2]):
        return f.reshape((1,) + f.shape[-2:]), f.ndim - 2
    return f, 0


def _note_lead(r: dict, shape, lead: int) -> None:
    """r's answer for a port whose features carry lead (> 1) leading axes of 1: named as a
    layout difference and a note (the plan states one, batch_axis; the others are a reshape)."""
    if lead < 2:
        return
    text = f"({', '.join(str(d) for d in shape)})"
    r["differences"].append({"field": "layout", "preset": "(T, F) or (F, T)", "found": f"{text}: {lead} leading axes of 1",
                             "residual_without": None})
    note = (f"the port's features {text} carry {lead} leading axes of 1 (a batch and a channel axis): a layout; the "
            f"plan's output states one (batch_axis), features.reshape({text}) gives the port's shape")
    r["notes"] = "; ".join([n for n in [r.get("notes", "")] if n] + [note])


def _emit(path, plan: dict, force: bool) -> None:
    """The plan's JSON at path, atomically; a file wmel diagnose did not write (its "notes")
    is replaced only with force."""
    path = os.fspath(path)
    text = json.dumps(dict(plan, notes="wmel diagnose: the plan that reproduces the port"), indent=2) + "\n"
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        # a FIFO or a device: written in place, nothing replaced, never read (a pipe waits for a writer)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    if st is not None and not force:
        try:
            with open(path, encoding="utf-8") as fh:
                old = json.load(fh)
            ours = isinstance(old, dict) and str(old.get("notes", "")).startswith("wmel diagnose")
        except (OSError, ValueError):
            ours = False
        if not ours:
            raise FileExistsError(f"diagnose: {path} exists and is not a plan wmel diagnose wrote: force=True replaces it")
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp.", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _empty_pair(pack: str, expected, out: str) -> bool:
    """The pack's expected output and the port's both without a value: a case with no frames
    (an input shorter than a frame) answered alike, nothing to diagnose."""
    if not isinstance(expected, str) or ".." in expected or expected.startswith("/"):
        return False
    try:
        return np.load(os.path.join(pack, expected), mmap_mode="r").size == 0 and \
            np.load(out, mmap_mode="r").size == 0
    except (OSError, ValueError):
        return False


def _pack(pack: str, outputs: str):
    """A pack (`wmel vectors`) as the clips, as `wmel diagnose --audio PACK --features
    OUTPUTS` takes it: each case of PACK/manifest.json with an expected output and not a
    stream's, whose OUTPUTS/<case>.npy the port wrote, the speech case first (a case whose
    expected output and the port's both hold no value left out: no frames). Returns the
    inputs' paths, the outputs' paths and the manifest's plan (its scalar fields, the
    claimed front-end when none is named; None where the manifest has none)."""
    man = os.path.join(pack, "manifest.json")
    if not os.path.isfile(man):
        raise ValueError(f"diagnose: {pack}: not a pack of wmel vectors (no manifest.json)")
    if os.path.getsize(man) > 16 << 20:
        raise ValueError(f"diagnose: {man}: more than a pack's manifest (16 MiB at most)")
    with open(man, encoding="utf-8") as fh:
        try:
            m = json.load(fh)
        except ValueError as e:
            raise ValueError(f"diagnose: {man}: not JSON ({e})") from None
    cases = m.get("cases") if isinstance(m, dict) else None
    if not isinstance(cases, list):
        raise ValueError(f"diagnose: {man}: no cases")
    plan = m.get("plan")
    plan = {k: v for k, v in plan.items() if isinstance(v, (str, int, float, bool))} if isinstance(plan, dict) else None
    ins, outs = [], []
    for first in (True, False):
        for c in cases:
            if not isinstance(c, dict):
                continue
            name, inp, kind = c.get("name"), c.get("input"), c.get("kind")
            if not isinstance(name, str) or not isinstance(inp, str) or "expected" not in c or kind == "stream":
                continue
            if "/" in name or "\\" in name or name.startswith(".") or ".." in inp or inp.startswith("/"):
                continue  # plain names inside the pack only
            if (name == "speech") != first:
                continue
            out = os.path.join(outputs, name + ".npy")
            if os.path.isfile(out) and not _empty_pair(pack, c["expected"], out):
                ins.append(os.path.join(pack, inp))
                outs.append(out)
    if not ins:
        raise ValueError(f"diagnose: {pack}: no case's output (OUTPUTS/<case>.npy) in {outputs}")
    return ins, outs, plan


def probes(preset: str | None = "whisper", *, plan=None, hf_config=None) -> list:
    """The designed probe clips (`wmel probes`' set, the same samples its WAV files hold) for
    the claimed front-end: [{"stem", "what", "samples": float32 array at the plan's rate}, ...],
    each chosen to make one convention identifiable (edge padding, the frame-count rule, the
    bank, DC removal, the window, the log's guard, the input's scale, dither)."""
    if plan is not None or hf_config is not None:
        preset = None
    kind, text = _claimed(preset, plan, hf_config)
    return [{"stem": stem, "what": what, "samples": np.frombuffer(b, dtype=np.float32).copy()}
            for stem, what, b in _diagnose.probes(kind, text)]


def _claimed(preset, plan, hf_config):
    """The claimed front-end as (kind, text) for wmel._diagnose: 0 a preset's name, 1 a plan's
    JSON, 2 a transformers configuration's JSON."""
    if sum(x is not None for x in (preset, plan, hf_config)) != 1:
        raise ValueError("diagnose: name one claimed front-end: preset=, plan= or hf_config=")
    if preset is not None:
        return 0, str(preset)
    if hf_config is not None:
        path = os.fspath(hf_config)
        if os.path.isdir(path):
            path = os.path.join(path, "preprocessor_config.json")
        with open(path, encoding="utf-8") as fh:
            return 2, fh.read()
    if isinstance(plan, dict):
        return 1, json.dumps(plan)
    text = os.fspath(plan)
    if not text.lstrip().startswith("{"):
        with open(text, encoding="utf-8") as fh:
            text = fh.read()
    return 1, text


def _claimed_rate(kind: int, text: str) -> dict:
    """{"sample_rate": the claimed plan's rate} (16000 where the claim does not say it; a
    transformers configuration's sampling_rate)"""
    from ._features import _preset_plan, plan_from
    try:
        if kind == 2:
            return {"sample_rate": int(json.loads(text).get("sampling_rate", 16000))}
        p = _preset_plan(text) if kind == 0 else plan_from(json.loads(text))
        return {"sample_rate": int(p.get("sample_rate", 16000))}
    except (ValueError, TypeError, KeyError):
        return {"sample_rate": 16000}


def _plan_refuses(plan: dict, x) -> str:
    """Why the plan computes no features of the samples x ("" when it does): its error, or
    "no frames" where it gives an array without a value (a clip shorter than its frame)."""
    from ._features import features
    try:
        f = features(x, plan=plan)
    except (ValueError, RuntimeError) as e:
        return str(e)
    return "no frames (an empty array)" if np.asarray(f).size == 0 else ""


def _left_out(r: dict, refused, kind, text) -> None:
    """The probes the port raised on or gave no frames for (an array without a value: a clip
    shorter than its frame), left out of the fit: r["left_out"] [{"stem", "samples", "port",
    "plan"}] and a note each; the answer found (or, with none, the claimed plan) is asked for
    the same clip: a plan that refuses it or gives no frames too agrees with the port there,
    one that computes frames does not (the answer is then not reproduced: the port refuses a
    clip the plan takes)."""
    r["left_out"] = []
    if not refused:
        return
    plan = r.get("plan")
    if plan is None:  # the claimed plan: a preset's name or a plan's JSON
        plan = text if kind == 0 else json.loads(text) if kind == 1 else None
    notes = []
    for stem, x, err in refused:
        why = _plan_refuses(plan, x) if plan is not None else "(no plan to ask)"
        r["left_out"].append({"stem": stem, "samples": int(x.size), "port": err, "plan": why})
        did = "gave " + err if err.startswith("no frames") else f"raised ({err[:120]})"
        if why:
            notes.append(f"the probe {stem!r} ({x.size} samples) left out: the port {did}, "
                         f"and the plan {'gives ' + why if why.startswith('no frames') else f'refuses it too ({why[:120]})'}")
        else:
            notes.append(f"the probe {stem!r} ({x.size} samples): the port {did} where the plan computes it")
            r["reproduces"] = False
            r["explained"] = False
            r["matches"] = False
            r["clips"].append({"stem": stem, "status": "differs", "max": None,
                               "why": f"the port {did} where the plan computes the clip"})
    r["notes"] = "; ".join([n for n in [r.get("notes", "")] if n] + notes)


def _name_refusal(port, r, audios, feats, names, level: str) -> None:
    """A port the answer does not reproduce: the known convention no plan expresses that
    explains it (wmel._refusals), named in r["not_expressible"]; the differences then keep
    the verified fields only (a map of the values in no named unit stands for none). level:
    _refusals.level_normalised's reason, found before the fit."""
    from ._features import features
    from ._refusals import recognise
    # (a reason the joint fit gave stands, unless the port divides each clip's level out: no
    # plan reproduces such a port whatever else the fit met on the way; the recognisers of a
    # more particular convention first, the level's last)
    if r.get("not_expressible"):
        why = level or r["not_expressible"]
    else:
        why = recognise(port, r, audios, feats, names, features)
    if not why:
        return
    r["not_expressible"] = why
    r["explained"] = False
    kept = [d for d in r["differences"] if d["field"] != "units"]
    if len(kept) != len(r["differences"]):
        r["notes"] = "; ".join([n for n in [r.get("notes", "")] if n] +
                               ["the map of the values fitted (units) dropped: it stands for no convention"])
    r["differences"] = kept


def _refuse_random(r, why: str) -> bool:
    """A port whose features of the first probe differ between two calls (dither drawn anew
    each call: why, random_port's sentence) is refused whatever the fit found: what a fit on
    random values finds differs from run to run, so the answer names the randomness alone (no
    plan, no differences: nothing verified), the same on every run. A port that gives the same
    features twice is fitted as deterministic (no dither proposed). True when refused."""
    if not why:
        return False
    r.update(matches=False, explained=False, reproduces=False, plan=None, differences=[], not_expressible=why,
             notes="the fit on the port's random values left out (it would differ from run to run)")
    for c in r["clips"]:
        c.update(status="differs", why="the port draws random values each call")
    return True


def _diagnose_port(port, preset, plan, hf_config, emit_plan, force, mc, audio_extra, features_extra) -> dict:
    """wmel.diagnose(port, preset): the probes run through port (samples -> features), then
    one plan fitted on all of them at once (wmel_dg_run_joint), extra pairs first."""
    kind, text = _claimed(preset, plan, hf_config)
    audios, feats, names = [], [], []
    for k, (ak, fk) in enumerate(zip(audio_extra, features_extra)):
        audios.append(_clip(ak))
        feats.append(_lead_axes(_features(fk))[0])
        names.append(ak if isinstance(ak, (str, os.PathLike)) else f"clip {k + 1}")
    refused = []  # (stem, samples, the port's error): probes the port raises on
    lead, lead_shape = 0, ()
    for stem, _what, b in _diagnose.probes(kind, text):
        x = np.frombuffer(b, dtype=np.float32).copy()
        try:
            f = port(x)
        except Exception as e:
            refused.append((stem, x, f"{type(e).__name__}: {e}"))
            continue
        if f is None:
            raise ValueError(f"diagnose: the port returned no features for the probe {stem!r}")
        f = _features(f)
        if f.size == 0:  # no frames (a clip shorter than the port's frame): its count, not its values
            refused.append((stem, x, f"no frames (an empty array of shape {f.shape})"))
            continue
        audios.append(x)
        fx, ld = _lead_axes(f)
        if ld > lead:
            lead, lead_shape = ld, fx.shape[:1] * ld + fx.shape[1:]
        feats.append(fx)
        names.append(stem)
    if len(names) == len(audio_extra):
        stem, x, err = refused[0]
        raise ValueError(f"diagnose: the port failed on every probe or gave no frames, e.g. {stem!r} "
                         f"({x.size} samples): {err}")
    from ._refusals import level_normalised, random_port
    random = random_port(port, audios[0], feats[0])  # (two calls on one probe: the port's own noise)
    # (a port that divides each clip's level out: no plan reproduces it, the fit searches one clip)
    level = "" if random else level_normalised(port, _claimed_rate(kind, text))
    js, checks = _diagnose.run_joint([a.tobytes() for a in audios], [f.tobytes() for f in feats],
                                     [tuple(int(d) for d in f.shape) for f in feats], kind, text, mc, not random,
                                     bool(level))
    r = json.loads(js)
    status = "matches" if r["matches"] else "reproduced"
    r["clips"] = [{"stem": os.fspath(nm) if isinstance(nm, os.PathLike) else nm, "status": status if ok else "differs",
                   "max": mx, "why": "" if ok else why} for nm, (ok, mx, why) in zip(names, checks)]
    _left_out(r, refused, kind, text)
    _note_lead(r, lead_shape, lead)
    if not _refuse_random(r, random) and not r["reproduces"]:
        _name_refusal(port, r, audios, feats, names, level)
    if emit_plan is not None:
        bad = [c for c in r["clips"] if c["status"] == "differs"]
        if bad or r["plan"] is None:
            raise ValueError("diagnose: no plan to write: no one plan found reproduces every clip" +
                             (f" ({bad[0]['stem']}: {bad[0]['why']})" if bad else ""))
        _emit(emit_plan, r["plan"], force)
    return r


def diagnose(audio, features=None, preset: str | None = None, *, plan=None, hf_config=None, emit_plan=None,
             force: bool = False, max_candidates: int | None = None) -> dict:
    """Which of the plan's fields (and the layout, units, dtype) a port's features of a clip
    differ in from the front-end it claims, and the plan that reproduces the port.

    audio: a path (an audio file decoded as openai's load_audio, a .npy of samples: float32,
    float64 or int16, 1-D or (1, n); raw float32 .f32 at the plan's rate) or 16 kHz mono
    float samples; features: the port's array (numpy or torch, any float dtype; a batch axis
    of 1 is dropped) or a .npy path. audio and features may be lists of the same length
    (one port's features of each clip): the answer is fitted on the first and checked on
    the others. The claimed front-end: preset (a built-in preset's name), plan (a plan's JSON
    file, text or dict) or hf_config (a transformers preprocessor_config.json or its folder).

    Returns {"matches": bool, "explained": bool, "differences": [{"field", "preset",
    "found", "residual_without"}, ...] (the most error explained first), "residual_before",
    "residual_after", "tolerance", "floor", "notes", "candidates", "nonfinite", "plan" (the
    plan's JSON as a dict, or None), "reproduces" (the plan computes the port's features of
    the first clip within the bound), "plan_max", "not_expressible" (what no plan expresses,
    or ""), "clips": [{"status": "matches" | "reproduced" | "differs", "max", "why"}, ...]}:
    NaN or infinite cells of the port's are left out of the residuals and named (field
    "values"). emit_plan: a path the plan is written to (atomically; a FIFO or a device in
    place; FileExistsError for a file wmel diagnose did not write, unless force); ValueError
    when there is no plan to write (r["not_expressible"] says why) or a clip the plan does
    not reproduce.

    A pack (`wmel vectors`): audio the pack's folder and features the folder of the port's
    outputs (OUTPUTS/<case>.npy): the cases the port answered are the clips (the speech case
    first), and the pack's plan is the claimed front-end unless one is named.

    max_candidates: the search's work bound, the candidate plans it computes at most (None:
    1500; for a port as a callable, 6000 for each search on its probes): the same inputs give the same answer on any machine at any load; "work_bound" says
    whether the search stopped at it ("time_bound": at the safety's wall-clock cap instead).

    A port as a callable: diagnose(port, "whisper") (or preset=, plan=, hf_config=) runs the
    designed probes (wmel.probes(), `wmel probes`' set) through port (a float32 numpy array of
    samples at the plan's rate -> the features, any layout and float dtype) in memory and fits
    ONE plan on all of them at once; the answer reproduces every probe or says which it does
    not ("clips": each with its "stem"). A probe the port raises on, or gives no frames for
    (an array without a value: a clip shorter than its frame), is left out of the fit
    ("left_out": [{"stem", "samples", "port": its error or "no frames ...", "plan": why the
    plan found refuses the clip too, "no frames ..." where it gives none either, "" where it
    computes frames: then not reproduced}], and a note); ValueError when the port raises on
    or gives no frames for every probe. features then may be a second preset's name only
    when preset is not given.

    ValueError for a shape no layout reconciles; the search releases the GIL and checks for
    signals between candidate plans, so Ctrl-C (KeyboardInterrupt) stops a long one."""
    if max_candidates is not None and (isinstance(max_candidates, bool) or not isinstance(max_candidates, int)
                                       or max_candidates < 1):
        raise ValueError(f"diagnose: max_candidates takes a count of candidate plans, at least 1 (got {max_candidates!r})")
    mc = 0 if max_candidates is None else int(max_candidates)
    if callable(audio) and not isinstance(audio, (str, os.PathLike)) and not hasattr(audio, "__array__"):
        if isinstance(features, str) and preset is None and plan is None and hf_config is None:
            preset, features = features, None
        if features is not None:
            raise ValueError("diagnose: a port as a callable takes the claimed front-end (diagnose(port, 'whisper')), "
                             "not features: it computes them itself")
        return _diagnose_port(audio, preset, plan, hf_config, emit_plan, force, mc, [], [])
    if features is None:
        raise ValueError("diagnose: features are needed (the port's features of audio), or a port as a callable")
    if isinstance(audio, (str, os.PathLike)) and os.path.isdir(os.fspath(audio)):
        if not isinstance(features, (str, os.PathLike)) or not os.path.isdir(os.fspath(features)):
            raise ValueError("diagnose: a pack as audio takes the folder of the port's outputs "
                             "(OUTPUTS/<case>.npy) as features")
        audio, features, pack_plan = _pack(os.fspath(audio), os.fspath(features))
        if preset is None and plan is None and hf_config is None:
            if pack_plan is None:
                raise ValueError("diagnose: the pack's manifest has no plan: name the claimed front-end "
                                 "(preset=, plan= or hf_config=)")
            plan = pack_plan
    if sum(x is not None for x in (preset, plan, hf_config)) != 1:
        raise ValueError("diagnose: name one claimed front-end: preset=, plan= or hf_config=")
    many = isinstance(audio, (list, tuple))
    audios = list(audio) if many else [audio]
    feats = list(features) if isinstance(features, (list, tuple)) else [features]
    if len(audios) != len(feats) or not audios:
        raise ValueError("diagnose: audio and features come in pairs: one port's features of each clip")
    a = _clip(audios[0])
    f, lead = _lead_axes(_features(feats[0]))
    if preset is not None:
        kind, text = 0, str(preset)
    elif hf_config is not None:
        path = os.fspath(hf_config)
        if os.path.isdir(path):
            path = os.path.join(path, "preprocessor_config.json")
        with open(path, encoding="utf-8") as fh:
            kind, text = 2, fh.read()
    elif isinstance(plan, dict):
        kind, text = 1, json.dumps(plan)
    else:
        text = os.fspath(plan)
        if not text.lstrip().startswith("{"):
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        kind = 1
    r = json.loads(_diagnose.run(a.tobytes(), f.tobytes(), tuple(int(s) for s in f.shape), kind, text, mc))
    ok0 = r["matches"] or r["reproduces"]
    r["clips"] = [{"status": ("matches" if r["matches"] else "reproduced") if ok0 else "differs",
                   "max": r["residual_after"] if r["matches"] else r["plan_max"], "why": ""}]
    answer = None
    if r["matches"]:
        answer = json.dumps(r["plan"]) if r["plan"] is not None else None
    elif r["explained"] and r["plan"] is not None:
        answer = json.dumps(r["plan"])
    dtype = {"float16 rounding": 1, "bfloat16 rounding": 2}.get(r["floor"], 0)
    for ak, fk in zip(audios[1:], feats[1:]):
        if answer is None and r["matches"]:
            # a match no plan writes (Whisper's clip padded to 30 s before the reflect padding):
            # each clip diagnosed on its own, a match with no difference
            x = _lead_axes(_features(fk))[0]
            rk = json.loads(_diagnose.run(_clip(ak).tobytes(), x.tobytes(), tuple(int(s) for s in x.shape), kind,
                                          text, mc))
            same = rk["matches"] and not rk["differences"]
            r["clips"].append({"status": "matches" if same else "differs", "max": rk["residual_after"],
                               "why": "" if same else "diagnosed on its own: " + ("; ".join(
                                   d["field"] for d in rk["differences"]) or "no match")})
            continue
        if answer is None:
            r["clips"].append({"status": "differs", "max": None, "why": "no plan to check"})
            continue
        x = _lead_axes(_features(fk))[0]
        ok, mx, _, why = _diagnose.check(_clip(ak).tobytes(), x.tobytes(), tuple(int(s) for s in x.shape), answer, dtype)
        r["clips"].append({"status": ("matches" if r["matches"] else "reproduced") if ok else "differs",
                           "max": mx, "why": why})
    _note_lead(r, f.shape[:1] * lead + f.shape[1:], lead)
    if emit_plan is not None:
        if not (r["explained"] and r["plan"] is not None and r["reproduces"]):
            raise ValueError("diagnose: no plan to write: " + (r["not_expressible"] or "the port is not explained"))
        bad = [k for k, c in enumerate(r["clips"]) if c["status"] not in ("matches", "reproduced")]
        if bad:  # one plan must reproduce every pair
            k = bad[0]
            raise ValueError(f"diagnose: no plan to write: clip {k + 1} is not reproduced by the answer found on "
                             f"clip 1 ({r['clips'][k]['why']}): the clips disagree; diagnose it on its own")
        _emit(emit_plan, r["plan"], force)
    return r
