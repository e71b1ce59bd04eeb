#!/usr/bin/env python3
"""ports_libs.py -- wmel.diagnose(port, preset) on ports written the way users of TensorFlow,
JAX, spafe and librosa write them, each answer replayed on three clips the fit never saw.

Each port is a callable (float32 samples at 16 kHz -> features) built on one library's own
functions, as a user porting the claimed front-end writes it:

  tf        tf.signal.stft(x, 400, 160, fft_length=512) (periodic Hann), |X|, the mel bank of
            tf.signal.linear_to_mel_weight_matrix(80, 257, 16000, 80, 7600), ln(m + 1e-6),
            claimed as the plan its author believes it is (the same settings, an HTK bank)
  jax       jax.scipy.signal.stft(x, nperseg=400, noverlap=240) (its defaults: periodic Hann,
            boundary='zeros', padded=True, scaled by 1 / sum(window)), |Z|^2, Whisper's
            bank (librosa.filters.mel(16000, 400, 80), which Whisper's mel_filters.npz holds),
            log10, max - 8, (x + 4) / 4, claimed whisper
  librosa   librosa.feature.melspectrogram(y=x, sr=16000, n_fft=400, hop_length=160,
            n_mels=80) (its defaults: center=True, pad_mode='constant', power 2, Slaney), then
            Whisper's log10, max - 8, (x + 4) / 4, claimed whisper
  spafe     spafe.features.mfcc.mel_spectrogram(x, 16000, nfilts=80, nfft=512,
            window=SlidingWindow(0.025, 0.01, "hamming")) (pre-emphasis 0.97 by default),
            ln(m + 1e-6), claimed kaldi

A library that is not installed is skipped with the reason. The answer's plan (none where
diagnose refuses) is computed with wmel.features on data/speech_en.wav, a synthetic
speech-like clip (a 120..220 Hz glottal pulse train through three moving formants, with
breath noise) and a chirp (100 Hz .. 7.5 kHz over 3 s) over a noise floor 70 dB below it;
the error is max |port - plan| / max(1, |port|) over the cells. A port whose search stops at
the default work bound without an answer is diagnosed again with four times the bound; the
record gives both answers.

Writes the dated record (bench/results/<date>-ports-libs.md by default, -o to change it) and
prints it. Not part of CI: python bench/ports_libs.py [-o FILE]
"""
import argparse
import datetime
import os
import pathlib
import platform
import time
import traceback

import numpy as np

import wmel

ROOT = pathlib.Path(__file__).resolve().parents[1]
SR = 16000


# ---- the held-out clips

def speech_like(seconds=2.5, seed=7):
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = 120 + 100 * (0.5 + 0.5 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    pulses = np.sign(np.sin(phase)) * (np.abs(np.sin(phase)) ** 8)
    x = pulses + 0.05 * rng.standard_normal(n)
    y = np.zeros(n)
    for fc, bw, rate in ((600, 90, 1.1), (1500, 120, 0.8), (2600, 160, 0.5)):
        fcs = fc * (1 + 0.25 * np.sin(2 * np.pi * rate * t))
        r = np.exp(-np.pi * bw / SR)
        a1, a2 = -2 * r * np.cos(2 * np.pi * fcs / SR), r * r
        s = np.zeros(n)
        for i in range(2, n):  # a time-varying two-pole resonator
            s[i] = x[i] - a1[i] * s[i - 1] - a2 * s[i - 2]
        y += s
    y *= 0.3 / np.max(np.abs(y))
    return y.astype(np.float32)


def chirp_floor(seconds=3.0, seed=11):
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f1 = 7500.0
    x = 0.5 * np.sin(2 * np.pi * (100 * t + (f1 - 100) / (2 * seconds) * t * t))
    x += 0.5 * 10 ** (-70 / 20) * rng.standard_normal(n)
    return x.astype(np.float32)


# ---- the ports, each (name, library, version, claimed, port, truth)

def port_tf():
    import tensorflow as tf

    def make(dtype):
        w = tf.signal.linear_to_mel_weight_matrix(80, 257, SR, 80.0, 7600.0, dtype=dtype)

        def port(x):
            s = tf.signal.stft(tf.constant(x, dtype=dtype), frame_length=400, frame_step=160, fft_length=512)
            m = tf.tensordot(tf.abs(s), w, 1)
            return tf.math.log(m + 1e-6).numpy()
        return port
    port = make(tf.float32)
    port.float64 = make(tf.float64)  # the same port in float64: the held-out errors without float32's rounding
    claimed = {"frontend": "kaldi", "window": "hann_periodic", "scale": 1, "remove_dc": False, "preemph": 0,
               "dither": 0, "low_freq": 80, "high_freq": 7600, "mel_scale": "htk", "n_fft": 512, "power": 1,
               "log": "ln_add", "log_guard": 1e-6}
    truth = ("tensorflow/python/ops/signal/spectral_ops.py stft: frames of 400 every 160 with no "
             "padding (pad_end=False: 1 + (n - 400) // 160), window_fn hann_window(periodic=True), "
             "rfft of 512; mel_ops.py linear_to_mel_weight_matrix: HTK mel 1127 ln(1 + f / 700), "
             "triangles in mel over the bins' mel values, the DC bin zeroed, no area norm; |X| "
             "(magnitude), ln(m + 1e-6). The claimed plan differs in the bank only (mel_scale tf).")
    return "tf", "tensorflow", tf.__version__, ("plan", claimed), port, truth


def port_jax():
    import jax
    import jax.numpy as jnp
    import jax.scipy.signal as jss
    import librosa

    filt = jnp.asarray(librosa.filters.mel(sr=SR, n_fft=400, n_mels=80), jnp.float32)

    def port(x):
        _, _, z = jss.stft(jnp.asarray(x), fs=SR, nperseg=400, noverlap=240)
        mel = filt @ (jnp.abs(z) ** 2)
        lg = jnp.log10(jnp.maximum(mel, 1e-10))
        lg = jnp.maximum(lg, lg.max() - 8.0)
        return np.asarray((lg + 4.0) / 4.0)
    truth = ("jax/_src/scipy/signal.py _spectral_helper (scipy's): boundary='zeros' pads "
             "nperseg // 2 = 200 zeros each side, padded=True appends nadd = (-(len - 400) % 160) "
             "% 400 zeros, so 1 + ceil(n / 160) frames, every one kept (Whisper drops its last); "
             "periodic Hann; scaling='spectrum' multiplies by 1 / sum(window) (a gain: the log "
             "moves by a constant); float32.")
    return "jax", "jax", jax.__version__, ("preset", "whisper"), port, truth


def port_librosa():
    import librosa

    def port(x):
        m = librosa.feature.melspectrogram(y=x, sr=SR, n_fft=400, hop_length=160, n_mels=80)
        lg = np.log10(np.maximum(m, 1e-10))
        lg = np.maximum(lg, lg.max() - 8.0)
        return ((lg + 4.0) / 4.0).astype(np.float32)
    truth = ("librosa/core/spectrum.py stft: center=True, pad_mode='constant' (zeros, n_fft // 2 "
             "= 200 each side), 1 + n // 160 frames, every one kept (Whisper drops its last); "
             "get_window('hann', fftbins=True): periodic; feature/spectral.py melspectrogram: "
             "power 2, filters.mel(htk=False, norm='slaney') = Whisper's bank.")
    return "librosa", "librosa", librosa.__version__, ("preset", "whisper"), port, truth


def port_spafe():
    import importlib.metadata

    from spafe.features.mfcc import mel_spectrogram
    from spafe.utils.preprocessing import SlidingWindow

    def port(x):
        m, _ = mel_spectrogram(np.asarray(x, np.float64), fs=SR, nfilts=80, nfft=512,
                               window=SlidingWindow(0.025, 0.01, "hamming"))
        return np.log(m + 1e-6).astype(np.float32)
    truth = ("spafe/features/mfcc.py mel_spectrogram: pre_emphasis of the signal (0.97, first "
             "sample kept), stride_trick frames of 400 every 160 with no padding, np.hamming "
             "(symmetric), |FFT 512|^2 / 512, fbanks/mel_fbanks.py: HTK mel (Oshaghnessy), "
             "triangles in Hz peak 1, no norm; then the port's ln(m + 1e-6). Against Kaldi: no "
             "dither, DC removal or x 32768, signal (not frame) pre-emphasis, Hamming not "
             "Povey, Hz triangles not mel ones, a guard added not clamped.")
    return "spafe", "spafe", importlib.metadata.version("spafe"), ("preset", "kaldi"), port, truth


PORTS = [port_tf, port_jax, port_librosa, port_spafe]


def rel_err(port_out, plan_out):
    a = np.asarray(port_out, np.float64)
    b = np.asarray(plan_out, np.float64)
    if a.shape != b.shape:
        return f"shape {b.shape} vs the port's {a.shape}"
    return f"{np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a))):.2g}"


def answer_text(r):
    diffs = ", ".join(f"`{d['field']}: {d['found']}`" for d in r["differences"]) or "none"
    if r["matches"]:
        return "matches"
    if r["explained"] and r["reproduces"]:
        return f"differs: {diffs}"
    why = r["not_expressible"] or "not explained"
    return f"refused ({why}); listed: {diffs}"


class Timed:
    """The port, its calls timed apart from the diagnosis (wall and this process's CPU: a
    library such as JAX compiles for each new length and computes on several threads)."""

    def __init__(self, port):
        self.port, self.wall, self.cpu, self.calls = port, 0.0, 0.0, 0
        if hasattr(port, "float64"):
            self.float64 = port.float64

    def __call__(self, x):
        w, c = time.perf_counter(), time.process_time()
        try:
            return self.port(x)
        finally:
            self.wall += time.perf_counter() - w
            self.cpu += time.process_time() - c
            self.calls += 1


def diagnose_timed(port, **kw):
    """wmel.diagnose(port) and its times: (answer, wall s, the diagnosis's CPU s, the port's wall s, calls)"""
    t = Timed(port)
    w, c = time.perf_counter(), time.process_time()
    r = wmel.diagnose(t, **kw)
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    return r, wall, cpu - t.cpu, t.wall, t.calls


def run_one(make, clips):
    name, lib, ver, (kind, claimed), port, truth = make()
    r, dt, dcpu, pwall, calls = diagnose_timed(port, **{kind: claimed})
    first = None
    if r["work_bound"] and not (r["explained"] and r["reproduces"]):  # the default bound cut it: 4x
        first = f"{answer_text(r)} at the default work bound ({r['max_candidates']} candidates)"
        r, dt, dcpu, pwall, calls = diagnose_timed(port, **{kind: claimed}, max_candidates=4 * r["max_candidates"])
    errs = []
    for _, x in clips:
        if r["plan"] is None:
            errs.append("no plan")
            continue
        try:
            errs.append(rel_err(port(x), wmel.features(x, plan=r["plan"])))
        except Exception as e:  # a plan that cannot compute the clip
            errs.append(f"error: {e}")
    errs64 = []
    if r["plan"] is not None and hasattr(port, "float64"):
        errs64 = [rel_err(port.float64(x), wmel.features(x, plan=r["plan"])) for _, x in clips]
    return {"first": first, "bound": r["max_candidates"], "errs64": errs64, "name": name, "lib": f"{lib} {ver}", "claimed": claimed if kind == "preset" else "a plan (below)",
            "claimed_plan": None if kind == "preset" else claimed, "truth": truth, "answer": answer_text(r),
            "plan": r["plan"], "notes": r["notes"], "errs": errs, "seconds": dt, "diag_cpu": dcpu,
            "port_wall": pwall, "port_calls": calls,
            "clips": probe_counts(r), "refused": not (r["explained"] and r["reproduces"])}


def probe_counts(r):
    """The probes' statuses counted: "14 reproduced", "1 reproduced, 13 differs"."""
    seen = {}
    for c in r.get("clips", []):
        seen[c.get("status", "?")] = seen.get(c.get("status", "?"), 0) + 1
    return ", ".join(f"{k} {v}" for k, v in seen.items()) or "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", default=None, help="the record (default bench/results/<date>-ports-libs.md)")
    ap.add_argument("--ports", nargs="+", default=None, metavar="NAME",
                    help="only these ports (tf, jax, librosa, spafe); default all")
    args = ap.parse_args()
    date = datetime.date.today().isoformat()
    out = pathlib.Path(args.out) if args.out else ROOT / "bench" / "results" / f"{date}-ports-libs.md"
    clips = [("speech_en.wav", wmel.load_audio(str(ROOT / "data" / "speech_en.wav"))),
             ("speech-like", speech_like()), ("chirp, -70 dB floor", chirp_floor())]
    rows, skipped = [], []
    for make in PORTS:
        if args.ports and make.__name__[5:] not in args.ports:
            continue
        try:
            rows.append(run_one(make, clips))
        except ImportError as e:
            skipped.append(f"{make.__name__[5:]}: not installed ({e})")
        except Exception:
            skipped.append(f"{make.__name__[5:]}: failed: {traceback.format_exc(limit=2).strip()}")
    lines = [f"# Ports written with TensorFlow, JAX, spafe and librosa, diagnosed ({date})", "",
             f"bench/ports_libs.py: wmel.diagnose(port, claimed) on the probes, the answer's plan replayed with "
             f"wmel.features on three clips the fit never saw; error: max |port - plan| / max(1, |port|). "
             f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}.", "",
             "Time: the call's wall seconds; of them the diagnosis's CPU seconds (this process's, less the port's "
             "calls) and the port's own calls (wall, with their count: a library that compiles for each new "
             "length spends most of the call there).", "",
             "| port | library | claimed | answer | probes (status count) | held out: speech_en, speech-like, chirp | time | diagnosis CPU | the port's calls |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        bound = f" (max_candidates {r['bound']}: see below)" if r["first"] else ""
        lines.append(f"| {r['name']} | {r['lib']} | {r['claimed']} | {r['answer']}{bound} | {r['clips']} | "
                     f"{', '.join(r['errs'])}{' (nearest plan)' if r['refused'] and r['plan'] else ''} | {r['seconds']:.1f} s | "
                     f"{r['diag_cpu']:.1f} s | {r['port_wall']:.1f} s ({r['port_calls']}) |")
    lines.append("")
    for r in rows:
        lines += [f"## {r['name']}", "", f"Truth (the library's source): {r['truth']}", ""]
        if r["first"]:
            lines += [f"First answer: {r['first']}; the answer above is with max_candidates={r['bound']}.", ""]
        if r["claimed_plan"]:
            lines += [f"Claimed plan: `{r['claimed_plan']}`", ""]
        label = "The nearest plan (refused: not emitted; the held-out errors are its)" if r["refused"] else "Plan emitted"
        lines += [f"{label}: `{r['plan']}`" if r["plan"] else "Plan emitted: none", "",
                  f"Notes: {r['notes'] or '(none)'}", ""]
        if r["errs64"]:
            lines += [f"The same port in float64 (the library's float64 path) against that plan, held out: "
                      f"{', '.join(r['errs64'])} (the float32 port's errors above are its own rounding).", ""]
    if skipped:
        lines += ["Skipped:", ""] + [f"- {s}" for s in skipped] + [""]
    text = "\n".join(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    print(f"written: {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
