#!/usr/bin/env python3
"""presets.py -- every built-in preset (presets/*.json) against its original implementation, in
one run: wmel.features(x, plan=NAME) and the original on the same signal, one thread, 30 s and
600 s; wmel's two threads against one at 600 s; a 3-hour WAV through `wmel mel --preset NAME`
with its wall time and peak resident memory (GNU time's %M; the long-input path: bounded memory).

Originals (each skipped, with the reason printed, where not installed or where it fails):
  whisper, whisper-128   transformers WhisperFeatureExtractor: its numpy path
                         (_np_extract_fbank_features) and its torch path (_torch_extract_fbank_features)
  voxtral-realtime       transformers VoxtralRealtimeFeatureExtractor._torch_extract_fbank_features
  nemo                   transformers ParakeetFeatureExtractor (torch)
  nemo-legacy            NeMo's preprocessor before mid-2025 (nemo_toolkit[asr]; not installed here)
  nemotron-streaming     transformers NemotronAsrStreamingFeatureExtractor (torch)
  cohere-asr             transformers CohereAsrFeatureExtractor (torch)
  kaldi                  kaldi-native-fbank (C++), torchaudio.compliance.kaldi.fbank
  wespeaker              torchaudio.compliance.kaldi.fbank (hamming) and the mean subtracted, as
                         wespeaker's compute_fbank + apply_cmvn(norm_var=False)
  speech2text, ast       transformers Speech2Text/ASTFeatureExtractor: the torchaudio path and the
                         numpy path (the module's is_speech_available answered False, at creation too)
  lasr, phi4-mm          transformers Lasr/Phi4MultimodalFeatureExtractor._torch_extract_fbank_features
  seamless               transformers SeamlessM4TFeatureExtractor (numpy)
  speecht5               transformers SpeechT5FeatureExtractor(audio_target=...) (numpy)
  gemma3n, gemma4,       transformers Gemma3nAudio / Gemma4Audio / UnivNet (numpy; truncation off, so
  univnet                both sides compute every frame), Inkling (torch)
  inkling
  *-chunk                the Nemotron / Voxtral realtime extractors' center=False call (torch)
  fun-asr-nano, granite-speech, granite-speech5, xcodec2, neucodec
                         transformers' extractors (torchaudio's kaldi.fbank / MelSpectrogram); the
                         codecs' padding is timed on wmel's side too
  funasr                 funasr_onnx WavFrontend (kaldi-native-fbank, LFR 7/6, am.mvn)
  firered                kaldi-native-fbank and the cmvn.ark statistics applied in numpy (FireRedASR's
                         ASRFeatExtractor); funasr and firered read a CMVN file the bench writes, wmel too
Each clip is the stated seconds at the preset's own sample rate (UnivNet: 24 kHz).
  clvp, clap, pop2piano  transformers Clvp/ClapFeatureExtractor._np_extract_fbank_features (numpy; CLAP
                         with its fusion bank), Pop2PianoFeatureExtractor.mel_spectrogram and its log
ast's original computes every frame and cuts to 1024; wmel's plan computes the 1024 it keeps.

Timing: medians of whole calls after one untimed call (wmel: at least 5 calls, then for up to
--budget seconds; an original: at least 2, one when a call takes more than 10 s), wall and
process CPU time (on a busy host waiting for a core inflates wall time, not CPU time: the table
judges the targets by both); torch at torch.set_num_threads(1), numpy's BLAS at one thread
(OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS = 1 unless set). Ratio = original / wmel (wall). Prints the
CPU model, /proc/loadavg before and after, the versions, a Markdown table and which targets
(>= 10x at 30 s, >= 20x at 600 s, two threads >= 1.8x one at 600 s) each row meets. The two-thread
row is wmel's own scaling: one and two threads alternating on the preset's input (for the codecs
the padded clip, made once: their padding is the caller's numpy, on one thread).

    python bench/presets.py [--wmel build/wmel] [--presets a b ..] [--seconds 30 600]
                            [--long-presets whisper kaldi nemo speecht5] [--long-hours 3] [--no-long]
wmel must be importable (PYTHONPATH or an installed wheel); the originals come from the same
Python. `make bench-presets` runs it (BENCH_PRESETS_PY names the Python).
"""
import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import wave

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # one thread, numpy's BLAS too
    os.environ.setdefault(_v, "1")
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frontends_bench import cpu_model, have, loadavg, signal  # noqa: E402


def med(fn, budget_s, min_reps, max_reps):
    """(wall ms, CPU ms, calls): medians after one untimed call."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > 10.0:
        min_reps = max_reps = 1
    ts, cs = [], []
    start = time.perf_counter()
    while len(ts) < max_reps and (len(ts) < min_reps or time.perf_counter() - start < budget_s):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return 1000.0 * statistics.median(ts), 1000.0 * statistics.median(cs), len(ts)


def med_pair(fa, fb, budget_s, min_reps, max_reps):
    """(wall ms of fa, of fb, pairs, fa's fastest / fb's fastest): fa and fb alternating (so both
    see the same machine), medians after one untimed call of each; the fastest calls are the
    ones a neighbour on the host disturbed least."""
    fa(), fb()
    ta, tb = [], []
    start = time.perf_counter()
    while len(ta) < max_reps and (len(ta) < min_reps or time.perf_counter() - start < 2 * budget_s):
        for fn, ts in ((fa, ta), (fb, tb)):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return 1000.0 * statistics.median(ta), 1000.0 * statistics.median(tb), len(ta), min(ta) / min(tb)


@contextlib.contextmanager
def patched(module, name, value):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def originals(name, x):
    """[(label, callable or skip reason)] for one preset and clip."""
    torch = None
    if have("torch"):
        import torch
        torch.set_num_threads(1)
    tf = have("transformers")
    out = []
    if name in ("whisper", "whisper-128"):
        if not tf:
            return [("transformers WhisperFeatureExtractor", "transformers not installed")]
        from transformers import WhisperFeatureExtractor
        fe = WhisperFeatureExtractor(feature_size=128 if name == "whisper-128" else 80)
        out.append(("transformers Whisper (numpy)", lambda: fe._np_extract_fbank_features(x[None], "cpu")))
        if torch is not None:
            out.append(("transformers Whisper (torch)", lambda: fe._torch_extract_fbank_features(x[None], "cpu")))
        return out
    if name == "voxtral-realtime":
        if not (tf and torch is not None):
            return [("transformers VoxtralRealtime", "needs transformers and torch")]
        from transformers import VoxtralRealtimeFeatureExtractor
        fe = VoxtralRealtimeFeatureExtractor()
        tx = torch.from_numpy(x)
        return [("transformers VoxtralRealtime (torch)", lambda: fe._torch_extract_fbank_features(tx, "cpu"))]
    if name in ("nemo", "nemotron-streaming", "cohere-asr"):
        cls = {"nemo": "ParakeetFeatureExtractor", "nemotron-streaming": "NemotronAsrStreamingFeatureExtractor",
               "cohere-asr": "CohereAsrFeatureExtractor"}[name]
        if not (tf and torch is not None):
            return [(f"transformers {cls}", "needs transformers and torch")]
        import transformers
        fe = getattr(transformers, cls)()
        return [(f"transformers {cls[:-16]} (torch)", lambda: fe(x, sampling_rate=16000, return_tensors="np"))]
    if name == "nemo-legacy":
        return [("NeMo preprocessor (before mid-2025)", "nemo_toolkit[asr] not installed" if not have("nemo")
                 else "NeMo's legacy preprocessor is not wired into this bench")]
    if name in ("kaldi", "wespeaker"):
        if name == "kaldi":
            if have("kaldi_native_fbank"):
                import kaldi_native_fbank as knf

                def knf_run():
                    o = knf.FbankOptions()
                    o.frame_opts.dither = 0.0
                    o.mel_opts.num_bins = 80
                    f = knf.OnlineFbank(o)
                    f.accept_waveform(16000, x * 32768.0)
                    f.input_finished()
                    return [f.get_frame(i) for i in range(f.num_frames_ready)]
                out.append(("kaldi-native-fbank", knf_run))
            else:
                out.append(("kaldi-native-fbank", "not installed"))
        if torch is not None and have("torchaudio"):
            from torchaudio.compliance import kaldi as ta
            tx = torch.from_numpy(x * np.float32(32768))[None, :]
            if name == "kaldi":
                out.append(("torchaudio kaldi.fbank",
                            lambda: ta.fbank(tx, num_mel_bins=80, dither=0.0, energy_floor=0.0)))
            else:
                def wesp():
                    f = ta.fbank(tx, num_mel_bins=80, frame_length=25, frame_shift=10, dither=0.0,
                                 energy_floor=0.0, sample_frequency=16000, window_type="hamming")
                    return f - f.mean(dim=0)
                out.append(("torchaudio kaldi.fbank (hamming) + CMN", wesp))
        else:
            out.append(("torchaudio kaldi.fbank", "torch/torchaudio not installed"))
        return out
    if name in ("speech2text", "ast"):
        if not tf:
            return [(f"transformers {name}", "transformers not installed")]
        if name == "speech2text":
            from transformers import Speech2TextFeatureExtractor as cls
            import transformers.models.speech_to_text.feature_extraction_speech_to_text as mod
        else:
            if torch is None:
                return [("transformers ASTFeatureExtractor", "needs torch (transformers 5.23)")]
            from transformers import ASTFeatureExtractor as cls
            import transformers.models.audio_spectrogram_transformer.feature_extraction_audio_spectrogram_transformer as mod
        fe = cls()
        label = "Speech2Text" if name == "speech2text" else "AST"
        if torch is not None and have("torchaudio"):
            out.append((f"transformers {label} (torchaudio)", lambda: fe(x, sampling_rate=16000, return_tensors="np")))
        with patched(mod, "is_speech_available", lambda: False):
            fe_np = cls()  # builds its numpy window and bank

        def np_path():
            with patched(mod, "is_speech_available", lambda: False):
                return fe_np(x, sampling_rate=16000, return_tensors="np")
        out.append((f"transformers {label} (numpy)", np_path))
        return out
    if name in ("lasr", "phi4-mm"):
        if not (tf and torch is not None):
            return [(f"transformers {name}", "needs transformers and torch")]
        if name == "lasr":
            from transformers import LasrFeatureExtractor
            fe = LasrFeatureExtractor()
            tx = torch.from_numpy(x[None].astype(np.float64))
            return [("transformers Lasr (torch)", lambda: fe._torch_extract_fbank_features(tx))]
        from transformers import Phi4MultimodalFeatureExtractor
        fe = Phi4MultimodalFeatureExtractor()
        tx, tl = torch.from_numpy(x[None]), torch.tensor([x.size])
        return [("transformers Phi4Multimodal (torch)", lambda: fe._torch_extract_fbank_features(tx, tl))]
    if name == "seamless":
        if not tf:
            return [("transformers SeamlessM4T", "transformers not installed")]
        from transformers import SeamlessM4TFeatureExtractor
        fe = SeamlessM4TFeatureExtractor()
        return [("transformers SeamlessM4T (numpy)", lambda: fe(x, sampling_rate=16000))]
    if name == "speecht5":
        if not tf:
            return [("transformers SpeechT5", "transformers not installed")]
        from transformers import SpeechT5FeatureExtractor
        fe = SpeechT5FeatureExtractor()
        return [("transformers SpeechT5 audio_target (numpy)",
                 lambda: fe(audio_target=x, sampling_rate=16000, return_tensors="np"))]
    if name in ("gemma3n", "gemma4", "univnet", "inkling", "nemotron-streaming-chunk", "voxtral-realtime-chunk",
                "fun-asr-nano", "granite-speech", "granite-speech5", "xcodec2", "neucodec"):
        return [hf_original(name, x, torch)]
    if name == "funasr":
        return [funasr_original(x)]
    if name == "firered":
        return [firered_original(x)]
    if name in ("clvp", "clap", "pop2piano"):
        mod, cls = {"clvp": ("clvp", "ClvpFeatureExtractor"), "clap": ("clap", "ClapFeatureExtractor"),
                    "pop2piano": ("pop2piano", "Pop2PianoFeatureExtractor")}[name]
        if not tf:
            return [(f"transformers {cls}", "transformers not installed")]
        import importlib
        try:
            fe = getattr(importlib.import_module(f"transformers.models.{mod}.feature_extraction_{mod}"), cls)()
        except (ImportError, NameError) as e:  # CLAP's and Pop2Piano's modules need torch
            return [(f"transformers {cls}", f"does not import: {type(e).__name__}")]
        if name == "clvp":
            return [("transformers Clvp _np_extract_fbank_features (numpy)", lambda: fe._np_extract_fbank_features(x))]
        if name == "clap":
            x64 = x.astype(np.float64)
            return [("transformers Clap _np_extract_fbank_features (numpy)",
                     lambda: fe._np_extract_fbank_features(x64, fe.mel_filters))]
        return [("transformers Pop2Piano mel_spectrogram + log (numpy)",
                 lambda: np.log(np.clip(fe.mel_spectrogram(x[None]), 1e-6, None)))]
    return [("original", "no original known to this bench")]


HF_CLASSES = {  # preset -> (transformers module, class, label, needs torch)
    "gemma3n": ("gemma3n", "Gemma3nAudioFeatureExtractor", "transformers Gemma3nAudio (numpy)", False),
    "gemma4": ("gemma4", "Gemma4AudioFeatureExtractor", "transformers Gemma4Audio (numpy)", False),
    "univnet": ("univnet", "UnivNetFeatureExtractor", "transformers UnivNet (numpy)", False),
    "inkling": ("inkling", "InklingFeatureExtractor", "transformers Inkling (torch)", True),
    "nemotron-streaming-chunk": ("nemotron_asr_streaming", "NemotronAsrStreamingFeatureExtractor",
                                 "transformers NemotronAsrStreaming center=False (torch)", True),
    "voxtral-realtime-chunk": ("voxtral_realtime", "VoxtralRealtimeFeatureExtractor",
                               "transformers VoxtralRealtime center=False (torch)", True),
    "fun-asr-nano": ("fun_asr_nano", "FunAsrNanoFeatureExtractor", "transformers FunAsrNano (torchaudio)", True),
    "granite-speech": ("granite_speech", "GraniteSpeechFeatureExtractor", "transformers GraniteSpeech (torchaudio)",
                       True),
    "granite-speech5": ("granite_speech5", "GraniteSpeech5FeatureExtractor",
                        "transformers GraniteSpeech5 (torchaudio)", True),
    "xcodec2": ("xcodec2", "Xcodec2FeatureExtractor", "transformers Xcodec2 (torchaudio)", True),
    "neucodec": ("neucodec", "NeuCodecFeatureExtractor", "transformers NeuCodec (torchaudio)", True),
}


def hf_original(name, x, torch):
    """(label, callable or reason): the transformers extractor's whole call on one clip, with
    truncation off where the class truncates by default (Gemma 3n / 4 at 30 s, UnivNet at 10 s),
    so both sides compute the same frames."""
    import importlib
    module, cls, label, needs_torch = HF_CLASSES[name]
    if not have("transformers"):
        return (label, "transformers not installed")
    if needs_torch and torch is None:
        return (label, "needs torch")
    try:
        fe = getattr(importlib.import_module(f"transformers.models.{module}"), cls)()
    except Exception as e:  # a torch-only module without torch, or a class this transformers lacks
        return (label, f"not importable: {type(e).__name__}")
    sr = fe.sampling_rate
    if name in ("gemma3n", "gemma4"):
        return (label, lambda: fe([x], sampling_rate=sr, truncation=False, return_tensors="np"))
    if name == "univnet":
        return (label, lambda: fe(x, sampling_rate=sr, truncation=False, return_noise=False, return_tensors="np"))
    if name.endswith("-chunk"):
        return (label, lambda: fe(x, sampling_rate=sr, center=False, return_tensors="np"))
    if name == "granite-speech":
        tx = torch.from_numpy(x.copy())
        return (label, lambda: fe(tx))
    return (label, lambda: fe(x, sampling_rate=sr, return_tensors="np"))


def funasr_frontend():
    """funasr_onnx's utils/frontend.py alone (the package's __init__ needs onnxruntime), or None."""
    import importlib.util
    spec = importlib.util.find_spec("funasr_onnx")
    if spec is None or not spec.submodule_search_locations or not have("kaldi_native_fbank"):
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "utils", "frontend.py")
    ms = importlib.util.spec_from_file_location("_funasr_frontend", path)
    mod = importlib.util.module_from_spec(ms)
    ms.loader.exec_module(mod)
    return mod


def cmvn_files(d):
    """An am.mvn (FunASR: 560 shifts and scales) and a cmvn.ark (Kaldi text statistics, 80
    dimensions) the bench writes, so both sides apply the same normalisation."""
    rng = np.random.default_rng(5)
    shift, scale = -rng.uniform(5, 15, 560), rng.uniform(0.1, 0.5, 560)
    am = os.path.join(d, "am.mvn")
    with open(am, "w") as f:
        f.write("<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n<LearnRateCoef> 0 [ ")
        f.write(" ".join(repr(float(v)) for v in shift) + " ]\n<Rescale> 560 560\n<LearnRateCoef> 0 [ ")
        f.write(" ".join(repr(float(v)) for v in scale) + " ]\n</Nnet>\n")
    n = 1000.0
    mean, var = rng.uniform(5, 15, 80), rng.uniform(1, 4, 80)
    stats = np.zeros((2, 81))
    stats[0, :80], stats[0, 80] = mean * n, n
    stats[1, :80] = (var + mean * mean) * n
    ark = os.path.join(d, "cmvn.ark")
    with open(ark, "w") as f:
        f.write(" [\n  " + " ".join(repr(float(v)) for v in stats[0]) + "\n  "
                + " ".join(repr(float(v)) for v in stats[1][:80]) + " 0 ]\n")
    return am, ark, stats


CMVN = {}  # preset -> keyword arguments of wmel.features (the cmvn files), set in main()


def funasr_original(x):
    label = "funasr_onnx WavFrontend (kaldi-native-fbank)"
    mod = funasr_frontend()
    if mod is None:
        return (label, "funasr_onnx or kaldi_native_fbank not installed")
    fe = mod.WavFrontend(cmvn_file=CMVN["funasr"]["cmvn"], lfr_m=7, lfr_n=6, dither=0.0)
    xd = x.astype(np.float64)

    def run():
        feat, _ = fe.fbank(xd)
        return fe.lfr_cmvn(feat)
    return (label, run)


def firered_original(x):
    """FireRedASR's ASRFeatExtractor: kaldi-native-fbank (80 bins, dither 0, int16 scale) and the
    cmvn.ark's mean and inverse std applied in numpy."""
    label = "kaldi-native-fbank + cmvn.ark (FireRedASR)"
    if not have("kaldi_native_fbank"):
        return (label, "kaldi_native_fbank not installed")
    import kaldi_native_fbank as knf
    stats = CMVN["_firered_stats"]
    count = stats[0, 80]
    mean = stats[0, :80] / count
    istd = 1.0 / np.sqrt(np.maximum(stats[1, :80] / count - mean * mean, 1e-20))

    def run():
        o = knf.FbankOptions()
        o.frame_opts.dither = 0.0
        o.mel_opts.num_bins = 80
        f = knf.OnlineFbank(o)
        f.accept_waveform(16000, (x * 32768.0).tolist())
        f.input_finished()
        feat = np.array([f.get_frame(i) for i in range(f.num_frames_ready)])
        return (feat - mean) * istd
    return (label, run)


def codec_pad(name, x):
    """The codecs' padding, the caller's part: the clip, one zero, zeros to a multiple of 320
    (xcodec2: and 160 zeros on each side)."""
    left = 0 if name == "neucodec" else 160
    y = np.zeros(left + x.size + 1 + (-(x.size + 1) % 320) + left, np.float32)
    y[left:left + x.size] = x
    return y


def wmel_call(wmel, name, x, threads, padded=False):
    """wmel's side of a row: the preset on the same clip, with the caller's part the original does
    itself (the codecs' padding; padded: x is already the padded clip) and the same CMVN file."""
    kw = {k: v for k, v in CMVN.get(name, {}).items() if not k.startswith("_")}
    if name in ("xcodec2", "neucodec") and not padded:
        return lambda: wmel.features(codec_pad(name, x), plan=name, threads=threads)
    return lambda: wmel.features(x, plan=name, threads=threads, **kw)


def write_wav(path, seconds):
    """16-bit mono 16 kHz: the bench signal's 600 s repeated."""
    chunk = signal(min(int(seconds * 16000), 600 * 16000))
    pcm = np.clip(np.round(chunk * 32767.0), -32768, 32767).astype("<i2").tobytes()
    left = int(seconds * 16000)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        while left > 0:
            k = min(left, chunk.size)
            w.writeframes(pcm[:2 * k])
            left -= k


def long_run(wmel_cli, preset, wav, outdir):
    """(exit, wall s, peak RSS MiB, output MiB) of `wmel mel WAV --preset P -o OUT.npy -q`. The
    peak RSS is GNU time's (%M of its own child, wmel): the rusage of a child forked from this
    process would count this process's pages it shared before exec."""
    out = os.path.join(outdir, "long.npy")
    cmd = [wmel_cli, "mel", wav, "--preset", preset, "-o", out, "-q"]
    timer = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    t0 = time.perf_counter()
    if timer:
        p = subprocess.run([timer, "-f", "%M", *cmd], stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        last = (p.stderr.strip().splitlines() or ["0"])[-1]
        rss = float(last) / 1024.0 if last.isdigit() else float("nan")
    else:
        p = subprocess.run(cmd)
        wall, rss = time.perf_counter() - t0, float("nan")
    size = os.path.getsize(out) / 2 ** 20 if os.path.exists(out) else 0.0
    with contextlib.suppress(OSError):
        os.remove(out)
    return p.returncode, wall, rss, size


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wmel", default=os.path.join(here, "..", "build", "wmel"), help="the wmel command")
    ap.add_argument("--presets", nargs="+", help="default: every presets/*.json")
    ap.add_argument("--seconds", type=float, nargs="+", default=[30.0, 600.0])
    ap.add_argument("--budget", type=float, default=1.5, help="seconds of timing per row (after the minimum)")
    ap.add_argument("--long-presets", nargs="+", default=["whisper", "kaldi", "nemo", "speecht5"])
    ap.add_argument("--long-hours", type=float, default=3.0)
    ap.add_argument("--no-long", action="store_true")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    import wmel
    names = a.presets or sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(here, "..", "presets"))
                                if f.endswith(".json"))
    print(f"cpu: {cpu_model()} ({os.cpu_count()} logical cores)")
    print(f"loadavg before: {loadavg()}")
    vers = [f"wmel {wmel.version()}", f"numpy {np.__version__}"]
    for m in ("kaldi_native_fbank", "torch", "torchaudio", "transformers"):
        if have(m):
            vers.append(f"{m} {getattr(__import__(m), '__version__', '?')}")
    print("versions: " + ", ".join(vers))
    cmvn_dir = tempfile.TemporaryDirectory(prefix="wmel-presets-cmvn-")
    am, ark, stats = cmvn_files(cmvn_dir.name)
    CMVN.update(funasr={"cmvn": am}, firered={"cmvn": ark}, _firered_stats=stats)
    rows = []  # (preset, secs, label, wall, cpu, calls, ratio)
    two = {}   # preset -> (1-thread wall, 2-thread wall) at the largest length
    for secs in a.seconds:
        for name in names:
            sr = int(wmel.frontend_plan(plan=name)["sample_rate"])
            x = signal(int(secs * sr))  # secs of audio at the preset's rate
            w1 = med(wmel_call(wmel, name, x, 1), a.budget, 5, 41)
            rows.append((name, secs, "wmel (1 thread)", w1[0], w1[1], w1[2], None))
            print(f"  {name:18s} {secs:5.0f} s  {'wmel (1 thread)':44s} {w1[0]:10.2f} ms wall {w1[1]:10.2f} ms CPU"
                  f"  ({w1[2]} calls)", flush=True)
            if secs == max(a.seconds):  # wmel's own scaling: the padded clip made once
                y = codec_pad(name, x) if name in ("xcodec2", "neucodec") else x
                p1, p2, k, best = med_pair(wmel_call(wmel, name, y, 1, True),
                                           wmel_call(wmel, name, y, 2, True), a.budget, 5, 41)
                two[name] = (p1, p2, best)
                print(f"  {name:18s} {secs:5.0f} s  {'wmel 1 / 2 threads, alternating':44s} {p1:10.2f} / "
                      f"{p2:.2f} ms wall  ({k} pairs; fastest calls {best:.2f}x)", flush=True)
            for label, fn in originals(name, x):
                if isinstance(fn, str):
                    rows.append((name, secs, label, None, None, fn, None))
                    print(f"  {name:18s} {secs:5.0f} s  {label:44s} skipped: {fn}", flush=True)
                    continue
                try:
                    ms, cpu, n = med(fn, a.budget, 2, 5)
                except Exception as e:  # an original that does not run here is reported, not fatal
                    msg = f"failed: {type(e).__name__}: {str(e).splitlines()[0][:80] if str(e) else ''}"
                    rows.append((name, secs, label, None, None, msg, None))
                    print(f"  {name:18s} {secs:5.0f} s  {label:44s} {msg}", flush=True)
                    continue
                rows.append((name, secs, label, ms, cpu, n, ms / w1[0]))
                print(f"  {name:18s} {secs:5.0f} s  {label:44s} {ms:10.2f} ms wall {cpu:10.2f} ms CPU  ({n} calls)"
                      f"  wmel {ms / w1[0]:.1f}x", flush=True)
    longs = []
    if not a.no_long:
        with tempfile.TemporaryDirectory(prefix="wmel-presets-") as d:
            wav = os.path.join(d, "long.wav")
            write_wav(wav, a.long_hours * 3600.0)
            for p in a.long_presets:
                rc, wall, rss, size = long_run(a.wmel, p, wav, d)
                longs.append((p, rc, wall, rss, size))
                print(f"  long {a.long_hours:g} h  wmel mel --preset {p:12s} exit {rc}  {wall:7.2f} s wall  "
                      f"peak RSS {rss:7.1f} MiB  output {size:7.1f} MiB", flush=True)
    print(f"loadavg after: {loadavg()}")
    print()
    print("| preset | audio | original | original ms (wall / CPU) | wmel ms (wall / CPU) | wmel N x (wall / CPU) "
          "| target (wall / CPU) |")
    print("|---|---:|---|---:|---:|---:|---|")
    wm = {(r[0], r[1]): (r[3], r[4]) for r in rows if r[2] == "wmel (1 thread)"}
    for name, secs, label, ms, cpu, n, ratio in rows:
        if label.startswith("wmel"):
            continue
        w, wc = wm[(name, secs)]
        if ms is None:
            print(f"| {name} | {secs:.0f} s | {label} | {n} | {w:.2f} / {wc:.2f} | | |")
            continue
        goal = 10.0 if secs < 600 else 20.0
        verdict = " / ".join("met" if r >= goal else "not met" for r in (ratio, cpu / wc))
        print(f"| {name} | {secs:.0f} s | {label} | {ms:.1f} / {cpu:.1f} | {w:.2f} / {wc:.2f} | {ratio:.1f} / "
              f"{cpu / wc:.1f} | {verdict} (>= {goal:.0f}x) |")
    if two:
        print()
        print(f"| preset, {max(a.seconds):.0f} s | wmel 1 thread ms | 2 threads ms | speed-up | fastest calls | "
              "target (>= 1.8x; medians / fastest) |")
        print("|---|---:|---:|---:|---:|---|")
        for name, (t1, t2, best) in two.items():
            verdict = " / ".join("met" if r >= 1.8 else "not met" for r in (t1 / t2, best))
            print(f"| {name} | {t1:.2f} | {t2:.2f} | {t1 / t2:.2f}x | {best:.2f}x | {verdict} |")
    if longs:
        print()
        print(f"| wmel mel --preset, {a.long_hours:g} h WAV | exit | wall s | peak RSS MiB | output MiB |")
        print("|---|---:|---:|---:|---:|")
        for p, rc, wall, rss, size in longs:
            print(f"| {p} | {rc} | {wall:.2f} | {rss:.1f} | {size:.1f} |")
    print(json.dumps({"loadavg_after": loadavg()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
