"""test_presets.py -- the built-in presets (presets/*.json) through wmel.presets(),
wmel.plan_from() and wmel.features(audio, plan=NAME | path | dict): every preset listed with its
models and original; the three forms of a plan and the explicit options give the same bits; each
preset of the field held to a float64 numpy oracle (tests/python/test_plan_caps.py's, written from
the originals' code) within 2e-5 x max(1, |oracle|), and to the original itself where it is
installed and runs without torch (transformers 5.23's numpy paths: Speech2Text, Whisper-128,
SpeechT5's audio_target; the
five families' presets are wmel_frontend_preset's plans bit for bit (tests/api/test_plan_json.c),
held to their originals by test_frontends_oracle.py). The originals that need torch (AST, LASR,
Phi-4-multimodal, Voxtral realtime, Cohere, Nemotron streaming) skip without it. Where an
original's float32 is off the oracle, wmel may differ from it by that error (measured on the same
clip) plus wmel's bound, and no more (_hold). `python tests/python/test_presets.py` prints every
error.
"""
import importlib.util
import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
wmel = pytest.importorskip("wmel")
import test_plan_caps as C  # noqa: E402  (the oracles)

TOL = 2e-5
_ERRS = {}  # the largest error measured per (preset, reference)


def _have(mod):
    return importlib.util.find_spec(mod) is not None


def _note(key, e):
    _ERRS[key] = max(_ERRS.get(key, 0.0), e)
    return e


def _err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))) if a.size else 0.0


# each preset and the explicit options it stands for
EXPLICIT = {
    "whisper": dict(frontend="whisper"),
    "whisper-128": dict(frontend="whisper", n_mels=128),
    "nemo": dict(frontend="nemo"),
    "nemo-legacy": dict(frontend="nemo", legacy=True),
    "kaldi": dict(frontend="kaldi"),
    "seamless": dict(frontend="seamless"),
    "nemotron-streaming": dict(frontend="nemo", normalize="none"),
    "cohere-asr": dict(frontend="nemo", n_mels=128),
    "wespeaker": dict(frontend="kaldi", window="hamming", normalize="mean"),
    "lhotse-fbank": dict(frontend="kaldi", scale=1, high_freq=-400, framing="kaldi_center"),
    "sherpa-onnx": dict(frontend="kaldi", scale=1, high_freq=-400, framing="kaldi_center"),
    "speech2text": dict(frontend="kaldi", normalize="mean_var", norm_ddof=0, norm_eps=0.0,
                        log_guard=1.192092955078125e-07),
    "ast": dict(frontend="kaldi", n_mels=128, window="hann", scale=1, empty_filters=True,
                log_guard=1.192092955078125e-07, n_frames=1024, post_scale=1 / (2 * 4.5689974),
                post_shift=4.2677393 / (2 * 4.5689974)),
    "lasr": dict(frontend="kaldi", n_mels=128, window="hann", scale=1, low_freq=125, high_freq=7500,
                 mel_scale="tf", empty_filters=True, log_guard=1e-5, remove_dc=False, preemph=0.0),
    "phi4-mm": dict(frontend="kaldi", window="hamming", low_freq=0, high_freq=7690, mel_scale="tf",
                    log_guard=1.0, remove_dc=False),
    "voxtral-realtime": dict(frontend="whisper", n_mels=128, norm_max=1.5),
    "speecht5": dict(frontend="nemo", normalize="none", window="hann_periodic", low_freq=80, high_freq=7600,
                     power=1, log_guard=1e-10, remove_dc=False, preemph=0.0, frame_length=1024, hop=256,
                     n_fft=1024, framing="center_reflect", log="log10_clamp", valid="all",
                     layout="frames_mels"),
    "gemma3n": dict(frontend="kaldi", n_mels=128, window="hann_periodic", scale=1, low_freq=125, high_freq=7600,
                    mel_scale="htk", power=1, log_guard=1e-5, remove_dc=False, frame_length=512, n_fft=1024,
                    pad_multiple=128, frame_span=513),
    "gemma4": dict(frontend="kaldi", n_mels=128, window="hann_periodic", scale=1, low_freq=0, high_freq=8000,
                   mel_scale="htk", power=1, log_guard=1e-3, remove_dc=False, preemph=0.0, frame_length=320,
                   log="ln_add", valid="end", pad_left=160, pad_multiple=128, frame_span=321),
    "univnet": dict(frontend="nemo", normalize="none", n_mels=100, window="hann_periodic", low_freq=0,
                    high_freq=12000, power=1, mag_guard="add:1e-09", log_guard=1e-5, preemph=0.0,
                    sample_rate=24000, frame_length=1024, hop=256, n_fft=1024, framing="snip", log="ln_clamp",
                    valid="all", layout="frames_mels", pad_left=384, pad_right=384, pad_mode="reflect"),
    "inkling": dict(frontend="nemo", normalize="none", window="hann_periodic", power=1, mag_guard="max:1e-10",
                    log_guard=1e-10, preemph=0.0, frame_length=1600, hop=800, n_fft=1600, framing="snip",
                    log="log10_clamp", valid="ceil", layout="frames_mels", pad_left=800, pad_multiple=800),
    "nemotron-streaming-chunk": dict(frontend="nemo", normalize="none", framing="snip", valid="all",
                                     frame_span=512, window_offset=56),
    "voxtral-realtime-chunk": dict(frontend="whisper", n_mels=128, norm_max=1.5, framing="snip", valid="all",
                                   frame_span=560),
    "lhotse-mfcc": dict(frontend="kaldi", n_mels=23, scale=1, high_freq=-400, framing="kaldi_center", n_ceps=13,
                        cepstral_lifter=22),
}
# the toolkits' front-ends (SpeechBrain, ESPnet): their oracles are toolkit_oracle() below
EXPLICIT.update({
    "speechbrain-fbank": dict(frontend="nemo", normalize="whole", window="hamming_periodic", high_freq=8000,
                              mel_scale="htk", mel_norm="none", log_guard=1e-10, norm_range=8, post_scale=40,
                              post_shift=-40, preemph=0.0, n_fft=400, framing="center_zero", log="log10_clamp",
                              valid="all", layout="frames_mels", symmetric_bank=True),
    "espnet-fbank": dict(frontend="nemo", normalize="none", window="hann_periodic", high_freq=8000,
                         log_guard=1e-10, preemph=0.0, frame_length=512, hop=128, n_fft=512,
                         framing="center_reflect", log="ln_clamp", valid="all", layout="frames_mels"),
})


def test_presets_listed():
    ps = wmel.presets()
    names = [p["name"] for p in ps]
    assert names == sorted(names) and set(EXPLICIT) <= set(names), names
    for p in ps:
        assert p["models"] and p["original"] and p["matched"] and p["frontend"], p["name"]
        plan = wmel.plan_from(p["name"])
        assert wmel.plan_from(json.loads(wmel.plan_to_json(plan))) == plan, p["name"]


def test_plan_forms_and_explicit_options(tmp_path):
    x = C._clips()[0][1]
    for name, opts in EXPLICIT.items():
        want = wmel.features(x, **opts)
        p = next(q for q in wmel.presets() if q["name"] == name)
        f = tmp_path / f"{name}.json"
        f.write_text(json.dumps(p))
        for form in (name, f, str(f), p, {k: v for k, v in p.items() if k not in ("models", "notes")}):
            got = wmel.features(x, plan=form)
            assert got.dtype == np.float32 and np.array_equal(got, want), (name, form)
        assert wmel.frontend_plan(plan=name) == wmel.frontend_plan(**opts), name
    # options given with a plan change it
    assert np.array_equal(wmel.features(x, plan="kaldi", window="hamming", normalize="mean"),
                          wmel.features(x, plan="wespeaker"))


def test_plan_refusals(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"frontend": "kaldi",\n "windw": "hamming"}')
    with pytest.raises(ValueError, match=r"bad\.json: line 2: key \"windw\": not an option"):
        wmel.features(np.zeros(16000, np.float32), plan=bad)
    with pytest.raises(ValueError, match=r"line 1: window hamm: the kaldi front-end takes"):
        wmel.plan_from({"frontend": "kaldi", "window": "hamm"})
    with pytest.raises(ValueError, match="not a built-in preset"):
        wmel.plan_from("no-such-preset")
    with pytest.raises(ValueError, match="frontend and plan both"):
        wmel.features(np.zeros(16000, np.float32), "kaldi", plan="kaldi")
    with pytest.raises(ValueError, match="not a plan's JSON object"):
        wmel.plan_from({"frontend": "kaldi", "scale": float("nan")})
    with pytest.raises(TypeError):
        wmel.plan_from(3)
    plan = wmel.frontend_plan("whisper")
    plan["norm"] = 1  # WMEL_NORM_NONE: the whisper front-end takes no normalize option
    with pytest.raises(ValueError, match="field norm:"):
        wmel.plan_to_json(plan)


def test_live_objects_take_a_plan():
    """Stream and SlidingBuffer with plan=: the frames (before the normalisation) the explicit
    options' Stream gives, and the features wmel.features(plan=) gives."""
    x = C._clips()[0][1]
    for name in ("wespeaker", "speecht5"):
        opts = {k: v for k, v in EXPLICIT[name].items() if k not in ("frontend", "normalize")}
        a, b = wmel.Stream(plan=name), wmel.Stream(EXPLICIT[name]["frontend"], **opts)
        ax = 0 if a._frames_first else 1
        ga = np.concatenate([a.push(x[:7000]), a.push(x[7000:]), a.finish()], axis=ax)
        gb = np.concatenate([b.push(x[:7000]), b.push(x[7000:]), b.finish()], axis=ax)
        assert ga.size and np.array_equal(ga, gb), name
    for name in ("wespeaker", "speecht5", "voxtral-realtime"):
        buf = wmel.SlidingBuffer(plan=name)
        buf.push(x[:9000])
        buf.trim(1600)
        buf.push(x[9000:20000])
        assert np.array_equal(buf.features(), wmel.features(x[1600:20000], plan=name)), name
    # plans whose normalisation has variants: the Stream's frames are those before it
    for name, base, opts in (("voxtral-realtime", "whisper", dict(n_mels=128)), ("speech2text", "kaldi", {}),
                             ("wespeaker", "kaldi", dict(window="hamming"))):
        a, b = wmel.Stream(plan=name), wmel.Stream(base, **opts)
        ax = 0 if a._frames_first else 1
        ga = np.concatenate([a.push(x[:7000]), a.push(x[7000:]), a.finish()], axis=ax)
        gb = np.concatenate([b.push(x[:7000]), b.push(x[7000:]), b.finish()], axis=ax)
        assert ga.size and np.array_equal(ga, gb), name
    with pytest.raises(ValueError, match="frontend and plan both"):
        wmel.Stream("kaldi", plan="kaldi")
    with pytest.raises(ValueError, match=r"plan .ast.: n_frames 1024: the finish \(n_frames, pad_value, post_scale, post_shift\) does not apply to a stream"):
        wmel.Stream(plan="ast")


def test_voxtral_realtime_on_the_whisper_kernel():
    """A Whisper geometry with a fixed max runs the Whisper kernel: its features are the Stream's
    raw frames (the frame driver's, bit for bit those of the offline call) clamped in float32 at
    float32(1.5) - 8, then (x + 4) / 4, exactly; SlidingBuffer gives the same."""
    for clip, x in C._clips():
        if x.size <= 200:
            continue
        s = wmel.Stream(plan="voxtral-realtime")
        ax = 0 if s._frames_first else 1
        raw = np.concatenate([s.push(x[:3001]), s.push(x[3001:]), s.finish()], axis=ax)
        got = wmel.features(x, plan="voxtral-realtime")
        assert raw.shape == got.shape, (clip, raw.shape, got.shape)
        lo = np.float32(1.5) - np.float32(8.0)
        want = (np.maximum(raw, lo) + np.float32(4.0)) * np.float32(0.25)
        assert want.dtype == np.float32 and np.array_equal(got, want), clip
        buf = wmel.SlidingBuffer(plan="voxtral-realtime")
        buf.push(x)
        assert np.array_equal(buf.features(), got), clip


def test_voxtral_realtime_chunk_on_the_whisper_kernel():
    """The snip framing of Whisper's geometry (voxtral-realtime-chunk: frame t reads x[160 t, 160 t + 400))
    runs the Whisper kernel: its frames are bit for bit the centred plan's frames of the same samples
    (frame t + 1 of x[40:], frame 2 of 120 zeros then x for t = 0); the Stream's raw frames clamped at
    the fixed max and the SlidingBuffer give the same; a non-finite sample past the last frame is refused."""
    lo = np.float32(1.5) - np.float32(8.0)
    for clip, x in C._clips():
        if x.size < 1200:
            continue
        got = wmel.features(x, plan="voxtral-realtime-chunk")
        t = 1 + (x.size - 560) // 160
        a = wmel.features(x[40:], plan="voxtral-realtime")
        b = wmel.features(np.concatenate([np.zeros(120, np.float32), x[:1200]]), plan="voxtral-realtime")
        assert np.array_equal(got, np.concatenate([b[:, 2:3], a[:, 2:t + 1]], axis=1)), clip
        s = wmel.Stream(plan="voxtral-realtime-chunk")
        raw = np.concatenate([s.push(x[:3001]), s.push(x[3001:]), s.finish()], axis=0 if s._frames_first else 1)
        assert np.array_equal((np.maximum(raw, lo) + np.float32(4.0)) * np.float32(0.25), got), clip
        buf = wmel.SlidingBuffer(plan="voxtral-realtime-chunk")
        buf.push(x)
        assert np.array_equal(buf.features(), got), clip
    x = np.ones(5000, np.float32)
    x[-3] = np.inf  # read by no frame (the last reads up to 4880)
    with pytest.raises(ValueError, match="NaN or infinite"):
        wmel.features(x, plan="voxtral-realtime-chunk")


# ---- the presets against float64 oracles --------------------------------------------------

def _tf_kaldi_like(x, window, lo, hi, n_mels, guard, scale, remove_dc, preemph):
    """Frames 400/160 (snip), x scale, optional DC removal, Kaldi-style per-frame pre-emphasis,
    a symmetric window, rfft 512, |X|^2, TF's bank (mel-space triangles), ln(max(m, guard))."""
    f = C._frames_snip(x.astype(np.float64) * scale, 400, 160)
    if remove_dc:
        f = f - f.mean(axis=1, keepdims=True)
    if preemph:
        f = np.concatenate([f[:, :1] * (1 - preemph), f[:, 1:] - preemph * f[:, :-1]], axis=1)
    s = np.fft.rfft(f * C._win(window, 400), n=512, axis=1)
    return np.log(np.maximum((s.real ** 2 + s.imag ** 2) @ C.tf_bank(n_mels, 257, 16000, lo, hi), guard))


def _nemo_norm(lm, n):
    nv = n // 160
    out = np.zeros_like(lm)
    v = lm[:, :nv]
    if nv > 1:
        out[:, :nv] = (v - v.mean(axis=1, keepdims=True)) / (v.std(axis=1, ddof=1, keepdims=True) + 1e-5)
    return out


def _oracle(name, x):
    from wmel._npref import slaney_mel_filters
    if name in ("whisper-128", "voxtral-realtime"):
        raw = C._raw_whisper_logmel(x, slaney_mel_filters(16000, 400, 128))
        top = 1.5 if name == "voxtral-realtime" else raw.max()
        return (np.maximum(raw, top - 8.0) + 4.0) / 4.0
    if name == "nemotron-streaming":
        return C.nemo_logmel(x, 80)
    if name == "cohere-asr":
        return _nemo_norm(C.nemo_logmel(x, 128), x.size)
    if name == "wespeaker":
        f = C.kaldi_fbank(x, 80, window="hamming")
        return f - f.mean(axis=0) if f.size else f
    if name in ("lhotse-fbank", "sherpa-onnx"):  # Kaldi snip_edges=false, samples in [-1, 1], 20 .. 7600 Hz
        return C.kaldi_fbank(x, 80, scale=1.0, snip_edges=False, hi=7600.0)
    if name == "ast":
        f = C.kaldi_fbank(x, 128, window="hann", scale=1.0)
        want = np.zeros((1024, 128))
        want[:min(1024, f.shape[0])] = f[:1024]
        return (want + 4.2677393) / (2 * 4.5689974)
    if name == "lasr":
        return _tf_kaldi_like(x, "hann", 125.0, 7500.0, 128, 1e-5, 1.0, False, 0.0)
    if name == "phi4-mm":
        return _tf_kaldi_like(x, "hamming", 0.0, 7690.0, 80, 1.0, 32768.0, False, 0.97)
    if name == "speecht5":
        fr = C._frames_center(x.astype(np.float64), 1024, 256, "reflect")
        s = np.fft.rfft(fr * C._win("hann_p", 1024), axis=1)
        fb = slaney_mel_filters(16000, 1024, 80, 80.0, 7600.0)
        return np.log10(np.maximum(np.sqrt(s.real ** 2 + s.imag ** 2) @ fb.T, 1e-10))
    raise KeyError(name)


def test_lhotse_mfcc_oracle():
    """lhotse-mfcc: Kaldi's fbank on samples in [-1, 1] with snip_edges=false (wmel._feref.kaldi),
    23 filters 20 .. 7600 Hz, then the cepstra (test_plan_caps.ceps_oracle: 13, lifter 22, no
    energy), within 2e-5 x max(1, |oracle|) on every clip and the short lengths."""
    from wmel import _feref
    clips = list(C._clips()) + [(f"n{n}", C._clips()[1][1][:n].copy()) for n in (1, 2, 79, 80, 81, 119, 120, 399)]
    for clip, x in clips:
        got = wmel.features(x, plan="lhotse-mfcc")
        f = _feref.kaldi(x, 23, scale=1.0, high_freq=-400.0, snip_edges=False)
        e = _note(("lhotse-mfcc", "float64 oracle"), _err(got, C.ceps_oracle(f, 13, 22.0)))
        assert got.shape[1] == 13 and e <= TOL, (clip, e)


# ---- the explicit framing's presets (wmel.h's framing paragraph) ----------------------------

def frames_explicit(x, fl, hop, span, woff=0, left=0, right=0, mult=0, mode="zero"):
    """Frames of fl samples at t hop + woff of the padded signal: zeros to a multiple of mult,
    then left / right samples of np.pad's mode; 1 + (N - span) / hop of them."""
    x = np.asarray(x, np.float64)
    if mult > 1:
        x = np.pad(x, (0, -x.size % mult))
    xp = np.pad(x, (left, right), mode="reflect" if mode == "reflect" else "constant")
    n = 0 if xp.size < span else 1 + (xp.size - span) // hop
    idx = woff + np.arange(fl)[None, :] + hop * np.arange(n)[:, None]
    return xp[idx] if n else np.zeros((0, fl))


def _framed_oracle(name, x):
    from wmel._npref import slaney_mel_filters
    if name == "gemma3n":  # unfold of 513, HTK pre-emphasis on the first 512, 1024-point |X|
        f = frames_explicit(x, 513, 160, 513, mult=128)
        f = np.concatenate([f[:, :1] * 0.03, f[:, 1:-1] - 0.97 * f[:, :-2]], axis=1) * C._win("hann_p", 512)
        return np.log(np.maximum(np.abs(np.fft.rfft(f, n=1024, axis=1)) @ C.htk_bank(128, 1024, 16000, 125.0, 7600.0),
                                 1e-5))
    if name == "gemma4":  # 160 zeros on the left, unfold of 321, frames ending on padding zeroed
        f = frames_explicit(x, 321, 160, 321, left=160, mult=128)
        lm = np.log(np.abs(np.fft.rfft(f[:, :-1] * C._win("hann_p", 320), n=512, axis=1))
                    @ C.htk_bank(128, 512, 16000, 0.0, 8000.0) + 1e-3)
        lm[np.arange(lm.shape[0]) * 160 + 320 >= 160 + x.size] = 0.0
        return lm
    if name == "univnet":  # reflect 384 each side, center=False, sqrt(p + 1e-9)
        s = np.fft.rfft(frames_explicit(x, 1024, 256, 1024, left=384, right=384, mode="reflect")
                        * C._win("hann_p", 1024), axis=1)
        m = np.sqrt(s.real ** 2 + s.imag ** 2 + 1e-9) @ slaney_mel_filters(24000, 1024, 100, 0.0, 12000.0).T
        return np.log(np.maximum(m, 1e-5))
    if name == "inkling":  # causal: 800 zeros on the left, the right to a multiple of 800
        s = np.fft.rfft(frames_explicit(x, 1600, 800, 1600, left=800, mult=800) * C._win("hann_p", 1600), axis=1)
        m = np.sqrt(np.maximum(s.real ** 2 + s.imag ** 2, 1e-10)) @ slaney_mel_filters(16000, 1600, 80).T
        lm = np.log10(np.maximum(m, 1e-10))
        lm[-(-x.size // 800):] = 0.0
        return lm
    if name == "nemotron-streaming-chunk":  # the chunk's pre-emphasis, center=False, 400 in 512
        x = np.asarray(x, np.float64)
        y = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
        s = np.fft.rfft(frames_explicit(y, 400, 160, 512, woff=56) * C._win("hann", 400), n=512, axis=1)
        return np.log((s.real ** 2 + s.imag ** 2) @ slaney_mel_filters(16000, 512, 80).T + 2.0 ** -24).T
    if name == "voxtral-realtime-chunk":  # center=False, the last frame dropped, the fixed max 1.5
        s = np.fft.rfft(frames_explicit(x, 400, 160, 400) * C._win("hann_p", 400), axis=1)
        p = (s.real ** 2 + s.imag ** 2)[:-1]
        raw = np.log10(np.maximum(p @ slaney_mel_filters(16000, 400, 128).T, 1e-10)).T
        return (np.maximum(raw, 1.5 - 8.0) + 4.0) / 4.0
    raise KeyError(name)


FRAMED = ["gemma3n", "gemma4", "univnet", "inkling", "nemotron-streaming-chunk", "voxtral-realtime-chunk"]
_SPAN = {"gemma3n": 513, "gemma4": 161, "univnet": 1024, "inkling": 1, "nemotron-streaming-chunk": 512,
         "voxtral-realtime-chunk": 560}


def _framed_clips(name):
    """The usual clips and the framing's edges: 0 and 1 sample, a frame's span and one either
    side, the reflection's reach, random lengths."""
    out = list(C._clips())
    sp = _SPAN[name]
    rng = np.random.default_rng(11)
    noise = rng.uniform(-1, 1, 40000).astype(np.float32)
    for n in sorted({0, 1, sp - 1, sp, sp + 1, 384, 385, 799, 800, 801, 1599, 1601}
                    | set(int(v) for v in rng.integers(2, 30000, 4))):
        if n >= 0:
            out.append((f"n{n}", noise[:n].copy()))
    return out


def _wmel_or_none(name, x):
    """wmel's features, or None where wmel refuses the length (0 samples; UnivNet's reflection
    of 384 samples or fewer), checked to be the documented refusal."""
    if x.size == 0 or (name == "univnet" and x.size <= 384):
        with pytest.raises(ValueError):
            wmel.features(x, plan=name)
        return None
    return wmel.features(x, plan=name)


@pytest.mark.parametrize("name", FRAMED)
def test_framed_preset_oracle(name):
    for clip, x in _framed_clips(name):
        got = _wmel_or_none(name, x)
        if got is None:
            continue
        e = _note((name, "float64 oracle"), _err(got, _framed_oracle(name, x)))
        assert e <= TOL, (name, clip, e)


def _original(name):
    import transformers as T
    if name == "gemma3n":
        fe = T.Gemma3nAudioFeatureExtractor()
        return lambda x: fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0]
    if name == "gemma4":  # a batch of one: 5.23's single 1-D input path fails in its squeeze
        fe = T.Gemma4AudioFeatureExtractor()
        return lambda x: fe([x], sampling_rate=16000, return_tensors="np")["input_features"][0]
    if name == "univnet":
        fe = T.UnivNetFeatureExtractor()
        return lambda x: fe(x, sampling_rate=24000, return_tensors="np", return_noise=False)["input_features"][0]
    if name == "inkling":
        fe = T.InklingFeatureExtractor()
        return lambda x: fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0]
    if name == "nemotron-streaming-chunk":
        fe = T.NemotronAsrStreamingFeatureExtractor()
        return lambda x: fe(x, sampling_rate=16000, center=False, return_tensors="np")["input_features"][0].T
    if name == "voxtral-realtime-chunk":
        fe = T.VoxtralRealtimeFeatureExtractor()
        return lambda x: fe(x, sampling_rate=16000, center=False, return_tensors="np")["input_features"][0]
    raise KeyError(name)


# the toolkits' presets whose features stream (speechbrain-fbank's clamp at the clip's max is a
# whole-clip finish: its stream is refused)
TOOLKIT_STREAMED = ["lhotse-fbank", "sherpa-onnx", "lhotse-mfcc", "espnet-fbank"]


@pytest.mark.parametrize("name", FRAMED + TOOLKIT_STREAMED)
def test_framed_preset_live(name):
    """The stream's frames are the offline call's first frames (the valid ones; END's and CEIL's
    zeroed frames are not streamed), and the sliding buffer gives the offline call on what it
    holds, bit for bit: the left pad, the multiple's zeros and the reflection at both ends."""
    x = C._clips()[0][1]
    raw = wmel.frontend_plan(plan=name)  # the stream's frames are those before the normalisation
    raw.update(norm=C._wmel.NORM_NONE, norm_flags=0, norm_max=0.0, norm_range=0.0)
    want = C._run(raw, x)
    st = wmel.Stream(plan=name)
    ax = 0 if st._frames_first else 1
    parts = [st.push(x[:5000]), st.push(x[5000:5001]), st.push(x[5001:]), st.finish()]
    got = np.concatenate(parts, axis=ax)
    k = got.shape[ax]
    assert k >= want.shape[ax] - 1 and np.array_equal(got, want[:k] if ax == 0 else want[:, :k]), name
    buf = wmel.SlidingBuffer(plan=name)
    buf.push(x[:9000])
    buf.trim(1600)
    buf.push(x[9000:20001])
    assert np.array_equal(buf.features(), wmel.features(x[1600:20001], plan=name)), name


def _nemo_exact_pad_oracle(x, legacy):
    """NeMo FilterbankFeatures.forward with exact_pad=True, in float64, written from its source
    (nemo/collections/asr/parts/preprocessing/features.py): pad (n_fft - hop) // 2 = 176 on both
    sides ("constant"; "reflect" before mid-2025), then the pre-emphasis of the padded signal
    (x[0] kept), then (since mid-2025) timemask = arange(padded length) < seq_len_time: the
    values from padded index n on are 0; torch.stft(center=False) with the 400-sample symmetric
    Hann centred in 512, |X|^2, the Slaney bank, ln(m + 2^-24); seq_len = floor((n + 352 - 512)
    / 160) (+ 1 before mid-2025), per-feature statistics over those frames, the rest 0."""
    from wmel._npref import slaney_mel_filters
    n, pad = x.size, 176
    y = np.pad(x.astype(np.float64), pad, mode="reflect" if legacy else "constant")
    y = np.concatenate([y[:1], y[1:] - 0.97 * y[:-1]])
    if not legacy:
        y[n:] = 0.0
    nf = 1 + (y.size - 512) // 160
    win = np.zeros(512)
    win[56:456] = np.hanning(400)
    s = np.fft.rfft(y[np.arange(nf)[:, None] * 160 + np.arange(512)] * win, axis=1)
    lm = np.log((s.real ** 2 + s.imag ** 2) @ slaney_mel_filters(16000, 512, 80).T + 2.0 ** -24).T
    seq = (n + 2 * pad - 512) // 160 + (1 if legacy else 0)
    want = np.zeros_like(lm)
    if seq > 1:
        v = lm[:, :seq]
        want[:, :seq] = (v - v.mean(axis=1, keepdims=True)) / (v.std(axis=1, ddof=1, keepdims=True) + 1e-5)
    return lm, seq, want


@pytest.mark.parametrize("legacy", [False, True])
def test_nemo_exact_pad(legacy):
    """nemo's exact_pad against a float64 oracle of NeMo's own order (_nemo_exact_pad_oracle):
    the padding first, the padded signal's pre-emphasis, NeMo's time mask (current) or none
    (legacy=True), n // 160 frames of which the last is 0 (legacy: every frame counted)."""
    plan = wmel.frontend_plan("nemo", legacy=legacy, exact_pad=True)
    assert (plan["framing"], plan["pad_left"], plan["pad_right"], plan["pad_mode"], plan["frame_span"],
            plan["window_offset"], plan["valid"], plan["preemph_mode"]) == \
        ((0, 176, 176, 1, 512, 56, 0, 2) if legacy else (0, 176, 176, 0, 512, 56, 5, 3))
    assert wmel.frontend_plan("nemo", exact_pad=False) == wmel.frontend_plan("nemo")
    with pytest.raises(ValueError, match="exact_pad: not an option of the kaldi front-end"):
        wmel.frontend_plan("kaldi", exact_pad=True)
    seen = 0
    for clip, x in C._clips():
        if x.size <= 176:
            continue
        lm, seq, want = _nemo_exact_pad_oracle(x, legacy)
        got = wmel.features(x, "nemo", legacy=legacy, exact_pad=True)
        assert got.shape == want.shape, (clip, got.shape, want.shape)
        sd = lm[:, :seq].std(axis=1, ddof=1, keepdims=True) + 1e-5 if seq > 1 else 1.0
        e = _note(("nemo exact_pad" + (" legacy" if legacy else ""), "float64 oracle (log units)"),
                  _err(got * sd, want * sd))
        assert e <= TOL, (clip, e)
        seen += 1
    assert seen
    # the mask and the padded signal's pre-emphasis matter: the pre-emphasis before the padding
    # without the mask (wmel's rule before) is far from the oracle on a clip's last frames
    x = next(x for _, x in C._clips() if x.size > 4000)
    old = wmel.frontend_plan("nemo", legacy=legacy, exact_pad=True)
    old["preemph_mode"] = 1
    old = json.loads(wmel.plan_to_json(old))
    lm, seq, want = _nemo_exact_pad_oracle(x, legacy)
    sd = lm[:, :seq].std(axis=1, ddof=1, keepdims=True) + 1e-5
    assert _err(wmel.features(x, plan=old) * sd, want * sd) > 100 * TOL


def test_framing_refusals():
    with pytest.raises(ValueError, match="pad_left 160: explicit framing needs framing snip"):
        wmel.frontend_plan("nemo", pad_left=160)
    with pytest.raises(ValueError, match="window_offset 200"):
        wmel.frontend_plan("kaldi", frame_span=500, window_offset=200)
    with pytest.raises(ValueError, match="pad_multiple 128 with pad_mode reflect"):
        wmel.frontend_plan("kaldi", pad_mode="reflect", pad_left=10, pad_multiple=128)
    with pytest.raises(ValueError, match="pad_mode mirror: zero or reflect"):
        wmel.frontend_plan("kaldi", pad_mode="mirror")
    with pytest.raises(ValueError, match="valid sometimes"):
        wmel.frontend_plan("kaldi", valid="sometimes")
    with pytest.raises(ValueError):  # UnivNet's reflection needs more than 384 samples
        wmel.features(np.zeros(384, np.float32), plan="univnet")


_NUMPY_ORIGINALS = ("gemma3n", "gemma4", "univnet")  # the others need torch


@pytest.mark.parametrize("name", FRAMED)
def test_framed_preset_original(name):
    """transformers 5.23's extractor on the same clips (its defaults; a length it raises on is
    skipped); float32 pipelines, so 1e-4 x max(1, |original|), or the original's own distance
    from the float64 oracle plus TOL where that is larger."""
    if not _have("transformers") or (name not in _NUMPY_ORIGINALS and not _have("torch")):
        pytest.skip("transformers (and torch for this original) is not installed")
    run = _original(name)
    done = 0
    for clip, x in _framed_clips(name):
        if x.size == 0 or (name == "univnet" and x.size <= 384):
            continue
        try:
            o = np.asarray(run(x), np.float64)
        except Exception:  # noqa: BLE001 (a length the original refuses: no frame, or its reflection)
            continue
        got = wmel.features(x, plan=name)
        if o.size == 0 and got.size == 0:
            continue
        e = _note((name, "original"), _err(got, o))
        # the torch originals round in float32 (Inkling's 1600-point transform, Voxtral's
        # log10 of near-silent bins): wmel is held to them within their own distance from the
        # float64 oracle plus TOL
        own = _note((name, "original vs oracle"), _err(o, _framed_oracle(name, x)))
        assert e <= max(1e-4, own + TOL), (name, clip, e, own)
        done += 1
    assert done >= 5, (name, done)


ORACLES = ["whisper-128", "voxtral-realtime", "nemotron-streaming", "cohere-asr", "wespeaker", "ast", "lasr",
           "phi4-mm", "speecht5", "lhotse-fbank", "sherpa-onnx"]


@pytest.mark.parametrize("name", ORACLES)
def test_preset_oracle(name):
    for clip, x in C._clips():
        if (name in ("whisper-128", "voxtral-realtime") and x.size <= 200) or (name == "speecht5" and x.size <= 512):
            continue
        if name == "cohere-asr" and x.size // 160 < 2:
            continue
        got, want = wmel.features(x, plan=name), _oracle(name, x)
        if name == "cohere-asr":  # normalised: in log units (times each row's std), as speech2text's
            lm = C.nemo_logmel(x, 128)[:, :x.size // 160]
            sd = lm.std(axis=1, ddof=1, keepdims=True) + 1e-5
            got, want = got * sd, want * sd
        e = _note((name, "float64 oracle" + (" (log units)" if name == "cohere-asr" else "")), _err(got, want))
        assert e <= TOL, (name, clip, e)


def test_speech2text_oracle():
    """In log units (the error times the column's std), as test_plan_caps: a near-constant
    column's small std magnifies the float32 log-mels' rounding."""
    for clip, x in C._clips():
        f = C.kaldi_fbank(x, 80)
        if not f.size:
            continue
        sd = f.std(axis=0)
        want = np.where(sd > 1e-12 * np.abs(f.mean(axis=0)), (f - f.mean(axis=0)) / np.where(sd > 0, sd, 1), 0.0)
        got = wmel.features(x, plan="speech2text")
        e = _note(("speech2text", "float64 oracle (log units)"), _err(got * sd, want * sd))
        assert e <= TOL, clip


# ---- the presets against their originals (transformers 5.23, numpy paths) --------------------

needs_tf = pytest.mark.skipif(not _have("transformers"), reason="transformers is not installed")
needs_torch = pytest.mark.skipif(not (_have("transformers") and _have("torch")),
                                 reason="this original needs torch")


def _hold(name, clip, got, orig, want, units=""):
    """wmel against an original whose float32 pipeline is itself off the float64 oracle: the
    difference may be the original's own error (measured here on the same clip) plus wmel's
    bound, and no more."""
    e_orig = _note((name, "float64 oracle: the original" + units), _err(orig, want))
    e = _note((name, "original" + units), _err(got, orig))
    assert e <= 1.01 * e_orig + 2 * TOL, (name, clip, e, e_orig)


@needs_tf
def test_speech2text_original():
    from transformers import Speech2TextFeatureExtractor
    fe = Speech2TextFeatureExtractor()
    for clip, x in C._clips():
        if x.size < 400 or not np.any(x):
            continue
        o = fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0].astype(np.float64)
        if not np.all(np.isfinite(o)):  # one frame: the original's 0 / 0
            continue
        f = C.kaldi_fbank(x, 80)
        sd = f.std(axis=0)
        want = np.where(sd > 1e-12 * np.abs(f.mean(axis=0)), (f - f.mean(axis=0)) / np.where(sd > 0, sd, 1), 0.0)
        _hold("speech2text", clip, wmel.features(x, plan="speech2text") * sd, o * sd, want * sd, " (log units)")


@needs_torch  # ASTFeatureExtractor requires torch in transformers 5.23
def test_ast_original():
    from transformers import ASTFeatureExtractor
    fe = ASTFeatureExtractor()
    for clip, x in C._clips():
        if x.size < 400:
            continue
        o = fe(x, sampling_rate=16000, return_tensors="np")["input_values"][0]
        _hold("ast", clip, wmel.features(x, plan="ast"), o, _oracle("ast", x))


@needs_tf
def test_whisper_128_original():
    from transformers import WhisperFeatureExtractor
    fe = WhisperFeatureExtractor(feature_size=128)
    for clip, x in C._clips():
        if x.size <= 200:
            continue
        xp = np.zeros(480000, np.float32)
        xp[:x.size] = x
        o = fe(xp, sampling_rate=16000, return_tensors="np")["input_features"][0]
        e = _note(("whisper-128", "original (30 s)"), _err(wmel.features(xp, plan="whisper-128"), o))
        assert e <= 1e-4, clip


@needs_tf
def test_speecht5_original():
    """SpeechT5FeatureExtractor(audio_target=...): numpy, float64 frames, complex64 spectrum."""
    from transformers import SpeechT5FeatureExtractor
    fe = SpeechT5FeatureExtractor()
    for clip, x in C._clips():
        if x.size <= 512:
            continue
        o = fe(audio_target=x, sampling_rate=16000, return_tensors="np")["input_values"][0]
        e = _note(("speecht5", "original"), _err(wmel.features(x, plan="speecht5"), o))
        assert e <= 1e-4, clip


@needs_torch
def test_lasr_original():
    import torch
    from transformers import LasrFeatureExtractor
    fe = LasrFeatureExtractor()
    for clip, x in C._clips():
        if x.size < 400:
            continue
        o = fe._torch_extract_fbank_features(torch.from_numpy(x[None].astype(np.float64)))[0].numpy()
        e = _note(("lasr", "original"), _err(wmel.features(x, plan="lasr"), o))
        assert e <= 1e-4, clip


@needs_torch
def test_phi4_original():
    import torch
    from transformers import Phi4MultimodalFeatureExtractor
    fe = Phi4MultimodalFeatureExtractor()
    for clip, x in C._clips():
        if x.size < 400:
            continue
        o = fe._torch_extract_fbank_features(torch.from_numpy(x[None]), torch.tensor([x.size]))[0].numpy()
        e = _note(("phi4-mm", "original"), _err(wmel.features(x, plan="phi4-mm"), o))
        assert e <= 1e-3, clip


@needs_torch
def test_voxtral_realtime_original():
    """The first (centred) chunk: the whole clip with padding "longest", the fixed max 1.5."""
    from transformers import VoxtralRealtimeFeatureExtractor
    fe = VoxtralRealtimeFeatureExtractor()
    for clip, x in C._clips():
        if x.size <= 200:
            continue
        o = fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0]
        _hold("voxtral-realtime", clip, wmel.features(x, plan="voxtral-realtime"), o, _oracle("voxtral-realtime", x))


@needs_torch
def test_cohere_original():
    """With dither 0 (the original's default 1e-5 draws seeded torch noise); transformers'
    layout is [frames][mels], the preset's NeMo's [mels][frames]; normalised, so in log units."""
    from transformers import CohereAsrFeatureExtractor
    fe = CohereAsrFeatureExtractor(dither=0.0)
    for clip, x in C._clips():
        if x.size // 160 < 2:
            continue
        o = np.asarray(fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0]).T
        lm = C.nemo_logmel(x, 128)[:, :x.size // 160]
        sd = lm.std(axis=1, ddof=1, keepdims=True) + 1e-5
        got, want = wmel.features(x, plan="cohere-asr"), _oracle("cohere-asr", x)
        _hold("cohere-asr", clip, got * sd, o * sd, want * sd, " (log units)")


@needs_torch
def test_nemotron_streaming_original():
    """The first (centred) chunk; transformers' layout is [frames][mels]."""
    from transformers import NemotronAsrStreamingFeatureExtractor
    fe = NemotronAsrStreamingFeatureExtractor()
    for clip, x in C._clips():
        if x.size < 400:
            continue
        o = np.asarray(fe(x, sampling_rate=16000, return_tensors="np")["input_features"][0]).T
        _hold("nemotron-streaming", clip, wmel.features(x, plan="nemotron-streaming"), o,
              _oracle("nemotron-streaming", x))


if __name__ == "__main__":
    import tempfile
    import pathlib
    for k, fn in sorted(globals().items()):
        if not (k.startswith("test_") and callable(fn)):
            continue
        try:
            marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
            if marks:  # one parameter: every value of its list
                for n in marks[0].args[1]:
                    fn(n)
            elif fn.__code__.co_argcount:
                fn(pathlib.Path(tempfile.mkdtemp()))
            else:
                fn()
            print(f"{k}: ok")
        except (pytest.skip.Exception, ImportError) as e:
            print(f"{k}: skipped ({str(e).strip().splitlines()[0] if str(e).strip() else 'torch'})")
    for k, v in sorted(_ERRS.items()):
        print(f"{k[0]} vs {k[1]}: largest error {v:.3g} (x max(1, |reference|))")


# ---- the toolkits' presets (SpeechBrain, ESPnet) against float64 oracles ------------------

def speechbrain_bank(n_mels, n_fft, sr, f_min, f_max):
    """SpeechBrain 1.1.2 Filterbank(filter_shape="triangular") in float64, (n_bins, n_mels):
    HTK points evenly spaced in mel, centre hz[m + 1], band hz[m + 1] - hz[m] on both sides."""
    m = np.linspace(2595 * np.log10(1 + f_min / 700), 2595 * np.log10(1 + f_max / 700), n_mels + 2)
    hz = 700 * (10 ** (m / 2595) - 1)
    c, b = hz[1:-1], hz[1:-1] - hz[:-2]
    f = np.linspace(0, sr // 2, n_fft // 2 + 1)[:, None]
    return np.maximum(0.0, np.minimum(1 + (f - c) / b, 1 - (f - c) / b))


def toolkit_oracle(name, x, n_mels=80, sr=16000, n_fft=400, win=400, hop=160, f_min=0.0, f_max=None, top_db=80.0):
    """speechbrain-fbank: Fbank's STFT (periodic Hamming centred in n_fft, zero centre padding),
    |X|^2, the bank above, 10 log10(max(m, 1e-10)) raised to the clip's max - top_db;
    espnet-fbank: DefaultFrontend's Stft (periodic Hann 512, reflect, hop 128), |X|^2, librosa's
    Slaney bank with Slaney's norm, ln(max(m, 1e-10)). [frames][mels], float64."""
    from wmel._npref import slaney_mel_filters
    x = np.asarray(x, np.float64)
    if name == "speechbrain-fbank":
        w = np.zeros(n_fft)
        w[(n_fft - win) // 2:(n_fft - win) // 2 + win] = C._win("hamming_periodic", win)
        s = np.fft.rfft(C._frames_center(x, n_fft, hop, "zero") * w, axis=1)
        db = 10 * np.log10(np.maximum((s.real ** 2 + s.imag ** 2) @ speechbrain_bank(
            n_mels, n_fft, sr, f_min, sr // 2 if f_max is None else f_max), 1e-10))
        return np.maximum(db, db.max() - top_db)
    if name == "espnet-fbank":
        s = np.fft.rfft(C._frames_center(x, 512, 128, "reflect") * C._win("hann_p", 512), axis=1)
        return np.log(np.maximum((s.real ** 2 + s.imag ** 2) @ slaney_mel_filters(16000, 512, 80, 0.0, 8000.0).T,
                                 1e-10))
    raise KeyError(name)


@pytest.mark.parametrize("name", ["speechbrain-fbank", "espnet-fbank"])
def test_toolkit_preset_oracle(name):
    for clip, x in C._clips():
        if x.size <= 256:
            continue
        got = wmel.features(x, plan=name)
        e = _note((name, "float64 oracle"), _err(got, toolkit_oracle(name, x)))
        assert e <= TOL, (name, clip, e)
    # the clamp at max - 80 dB is what holds a quiet stretch (SpeechBrain's top_db)
    if name == "speechbrain-fbank":
        x = C._clips()[0][1].copy()
        x[6000:12000] = 0.0
        got = wmel.features(x, plan=name)
        assert np.isclose(got.min(), got.max() - 80.0, rtol=0, atol=1e-3), (got.min(), got.max())
        assert _err(got, toolkit_oracle(name, x)) <= TOL
