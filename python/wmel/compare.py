"""python -m wmel.compare A B [-o REPORT.html] [--tol T] [--frontend F] [--n-mels N]

Where two speech front-ends disagree, and by how much. A and B are feature files
(FILE.npy, FILE.npz:KEY, FILE.pt when torch is installed) or IMPL:AUDIO, IMPL one of

  wmel              libwmel (this package), float32
  oracle            the float64 reference, stage by stage in numpy (frames, power, mel,
                    log, features); equal to libwmel's C reference (wmel_ref_stages) to
                    about 1e-12
  openai            openai-whisper's log_mel_spectrogram (needs torch)
  hf                transformers' WhisperFeatureExtractor (pads the audio to 30 s)
  faster-whisper    faster_whisper.feature_extractor.FeatureExtractor
  librosa           librosa.feature.melspectrogram with Whisper's parameters, then
                    log10(max(., 1e-10)) and the normalisation
  kaldi-native-fbank  kaldi_native_fbank.OnlineWhisperFbank (mel power), then as librosa
  torchaudio        torchaudio.transforms.MelSpectrogram with Whisper's parameters, then as
                    librosa (compliance.kaldi.fbank is the kaldi front-end's, not Whisper's)
  nemo              NeMo's AudioToMelSpectrogramPreprocessor: a front-end of its own, not
                    Whisper's (refused for --frontend whisper)

each run only where installed (a clear message where not).

--frontend nemo, nemo-legacy, kaldi or seamless compares that front-end's features in its
original's layout: IMPL wmel (wmel.features), oracle (the float64 numpy oracle,
wmel._feref), kaldi-native-fbank (OnlineFbank fed x 32768; OnlineNemoFbank for nemo,
normalised here), torchaudio (compliance.kaldi.fbank, kaldi and seamless), hf
(SeamlessM4TFeatureExtractor; ParakeetFeatureExtractor for nemo, needs torch) and nemo
(AudioToMelSpectrogramPreprocessor). Where an original stops short of the front-end's
output (kaldi-native-fbank and torchaudio for seamless: the normalisation and stacking)
the rest is computed here and said. Aligned: transposed (n_frames, n_mels), unstacked
seamless rows, trailing zero frames (pad_to, the odd frame), log10 vs ln and [-1, 1) vs
int16-range samples (kaldi), a raw log normalised (nemo, seamless).

Whisper: conventions are aligned
before comparing, and each step is printed: transposed layouts, a leading batch axis,
openai's appended 30 s (transcribe's padding=480000) and HF's pad-to-30 s, a dropped or
extra last frame, raw vs normalised log, natural log vs log10, int16-range vs [-1, 1)
input. A shape that cannot be reconciled is an error naming both shapes.

Printed: max and mean |A - B|, the worst cell (frame, time, mel, centre frequency, both
values), the fraction of cells above --tol, the largest per-frame and per-mel
differences, and, where both sides are wmel-computable (wmel, oracle), which stage the
difference comes from (log stage vs normalisation, against the float64 reference).
Exit status: 0 within --tol, 1 above it, 2 on usage errors (and sources that cannot be
computed here).

This module reads the sources; the alignment, the statistics, the summary and the page
(-o) are the wmel command's own code (compare/compare.c), run in this process through
the extension wmel._compare: `wmel compare` and this module give the same text and page.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

import numpy as np

import wmel  # the package's API: the implementation named "wmel"

from . import _compare, _feref
from ._npref import slaney_mel_filters

SR, N_FFT, HOP = 16000, 400, 160
IMPLS = ("wmel", "oracle", "openai", "hf", "faster-whisper", "librosa", "kaldi-native-fbank",
         "torchaudio", "nemo")
FRONTENDS = ("whisper", "nemo", "nemo-legacy", "kaldi", "seamless")


class UsageError(Exception):
    """A source or option that cannot be used: exit status 2."""


class Source:
    def __init__(self, spec, array, kind="features", notes=None, audio=None, impl=None, version=""):
        self.spec = spec
        self.array = array
        self.kind = kind          # "features" (normalised), "log10" (raw log10), "unknown"
        self.notes = notes or []
        self.audio = audio
        self.impl = impl
        self.version = version


# ---------------------------------------------------------------------------- the oracle

def oracle_stages(audio: np.ndarray, n_mels: int) -> dict:
    """The float64 reference, stage by stage (the C library's wmel_ref_stages in numpy):
    padded and windowed frames (n_frames, 400), power (201, n_frames), mel, log and
    features (n_mels, n_frames), and M, the largest log value."""
    x = np.asarray(audio, np.float64)
    if x.ndim != 1 or x.shape[0] <= N_FFT // 2:
        raise UsageError(f"the oracle needs more than {N_FFT // 2} samples of 1-D audio")
    xp = np.pad(x, (N_FFT // 2, N_FFT // 2), mode="reflect")
    n_frames = x.shape[0] // HOP
    idx = np.arange(n_frames)[:, None] * HOP + np.arange(N_FFT)[None, :]
    padded = xp[idx]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)
    frames = padded * window
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).T
    filters = slaney_mel_filters(SR, N_FFT, n_mels)
    mel = filters @ power
    log = np.log10(np.maximum(mel, 1e-10))
    m = float(log.max())
    feats = (np.maximum(log, m - 8.0) + 4.0) / 4.0
    return {"padded": padded, "frames": frames, "power": power, "mel": mel, "log": log,
            "features": feats, "M": m, "filters": filters}


# ---------------------------------------------------------------------------- sources

def _have(mod: str) -> bool:
    try:
        return importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        return False


def _need(mod: str, pip: str, impl: str):
    if not _have(mod):
        raise UsageError(f"{impl}: not installed here (pip install {pip})")


def _load_audio(path: str) -> np.ndarray:
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such audio file")
    return np.asarray(wmel.load_audio(path), np.float32)


def _version(mod: str) -> str:
    try:
        from importlib.metadata import version
        return f"{mod} {version(mod)}"
    except Exception:  # noqa: BLE001 - a version string is decoration only
        return mod


def _impl(impl: str, path: str, n_mels: int, frontend: str) -> Source:
    spec = f"{impl}:{path}"
    if frontend != "whisper":
        return _impl_fe(impl, path, n_mels, frontend)
    if impl == "nemo":
        _need("nemo", "nemo_toolkit[asr]", "nemo")
        raise UsageError("nemo: NeMo's preprocessor is a front-end of its own (preemphasis, "
                         "per-feature normalisation), not Whisper's: nothing to compare with "
                         "--frontend whisper")
    audio = _load_audio(path)
    if impl == "wmel":
        return Source(spec, wmel.log_mel_spectrogram(audio, n_mels).astype(np.float64),
                      audio=audio, impl=impl, version=f"wmel {wmel.version()}")
    if impl == "oracle":
        st = oracle_stages(audio, n_mels)
        return Source(spec, st["features"], audio=audio, impl=impl, version="float64 numpy")
    if impl == "openai":
        _need("torch", "torch", "openai")
        _need("whisper", "openai-whisper", "openai")
        import torch
        import whisper
        out = whisper.log_mel_spectrogram(torch.from_numpy(audio), n_mels=n_mels)
        return Source(spec, out.numpy().astype(np.float64), audio=audio, impl=impl,
                      version=_version("openai-whisper") + ", " + _version("torch"))
    if impl == "hf":
        _need("transformers", "transformers", "hf")
        from transformers import WhisperFeatureExtractor
        fe = WhisperFeatureExtractor(feature_size=n_mels)
        out = fe(audio, sampling_rate=SR, return_tensors="np").input_features[0]
        return Source(spec, out.astype(np.float64), audio=audio, impl=impl,
                      version=_version("transformers"))
    if impl == "faster-whisper":
        _need("faster_whisper", "faster-whisper", "faster-whisper")
        from faster_whisper.feature_extractor import FeatureExtractor
        out = FeatureExtractor(feature_size=n_mels)(audio)
        out = out.numpy() if hasattr(out, "numpy") else np.asarray(out)
        return Source(spec, out.astype(np.float64), audio=audio, impl=impl,
                      version=_version("faster-whisper"),
                      notes=["faster-whisper appends 160 zeros (padding=160): one more frame"])
    if impl == "librosa":
        _need("librosa", "librosa", "librosa")
        import librosa
        s = librosa.feature.melspectrogram(y=audio.astype(np.float64), sr=SR, n_fft=N_FFT,
                                           hop_length=HOP, window="hann", center=True,
                                           pad_mode="reflect", power=2.0, n_mels=n_mels,
                                           fmin=0.0, fmax=8000.0, htk=False, norm="slaney")
        return Source(spec, np.log10(np.maximum(s, 1e-10)), kind="log10", audio=audio, impl=impl,
                      version=_version("librosa"),
                      notes=["librosa gives the mel power: log10(max(S, 1e-10)) taken here"])
    if impl == "kaldi-native-fbank":
        _need("kaldi_native_fbank", "kaldi-native-fbank", "kaldi-native-fbank")
        import kaldi_native_fbank as knf
        opts = knf.WhisperFeatureOptions()
        opts.dim = n_mels
        fb = knf.OnlineWhisperFbank(opts)
        fb.accept_waveform(sampling_rate=SR, waveform=audio)
        fb.input_finished()
        rows = [np.asarray(fb.get_frame(i)) for i in range(fb.num_frames_ready)]
        if not rows:
            raise UsageError(f"{spec}: kaldi-native-fbank gave no frame")
        s = np.stack(rows).astype(np.float64)  # (frames, n_mels) mel power
        return Source(spec, np.log10(np.maximum(s, 1e-10)), kind="log10", audio=audio, impl=impl,
                      version=_version("kaldi-native-fbank"),
                      notes=["kaldi-native-fbank gives the mel power: log10(max(S, 1e-10)) taken here"])
    if impl == "torchaudio":
        _need("torch", "torch", "torchaudio")
        _need("torchaudio", "torchaudio", "torchaudio")
        import torch
        import torchaudio
        t = torchaudio.transforms.MelSpectrogram(sample_rate=SR, n_fft=N_FFT, hop_length=HOP,
                                                 n_mels=n_mels, f_min=0.0, f_max=8000.0,
                                                 power=2.0, norm="slaney", mel_scale="slaney",
                                                 center=True, pad_mode="reflect")
        s = t(torch.from_numpy(audio)).numpy().astype(np.float64)
        return Source(spec, np.log10(np.maximum(s, 1e-10)), kind="log10", audio=audio, impl=impl,
                      version=_version("torchaudio"),
                      notes=["torchaudio gives the mel power: log10(max(S, 1e-10)) taken here"])
    raise UsageError(f"unknown implementation '{impl}' (one of: {', '.join(IMPLS)})")


# ---------------------------------------------------------------------------- other front-ends

def _fe_base(frontend: str) -> str:
    return "nemo" if frontend.startswith("nemo") else frontend


def _per_feature(log: np.ndarray, valid: int) -> np.ndarray:
    """NeMo's per_feature on (n_mels, n_frames): the valid frames' mean and std (n - 1) + 1e-5."""
    v = log[:, :valid]
    mean = v.mean(axis=1, keepdims=True)
    std = np.sqrt(((v - mean) ** 2).sum(axis=1, keepdims=True) / max(valid - 1, 1)) if valid > 1 else 0.0 * mean
    out = (log - mean) / (std + 1e-5)
    out[:, valid:] = 0.0
    return out


def _mean_var_stack(lm: np.ndarray) -> np.ndarray:
    """Seamless' finish on (n_frames, n_mels): per-bin (x - mean) / sqrt(var (n - 1) + 1e-7), a
    zero frame for an odd count, pairs of frames stacked: (ceil(n_frames / 2), 2 n_mels)."""
    nf, nm = lm.shape
    mean = lm.mean(axis=0)
    var = ((lm - mean) ** 2).sum(axis=0) / (nf - 1) if nf > 1 else np.zeros(nm)
    x = (lm - mean) / np.sqrt(var + 1e-7)
    if nf % 2:
        x = np.vstack([x, np.zeros((1, nm))])
    return x.reshape(-1, 2 * nm)


def _knf_fbank(audio, n_mels):
    import kaldi_native_fbank as knf
    o = knf.FbankOptions()
    o.frame_opts.dither = 0.0
    o.mel_opts.num_bins = n_mels
    f = knf.OnlineFbank(o)
    f.accept_waveform(SR, (np.asarray(audio, np.float32) * np.float32(32768.0)).tolist())
    f.input_finished()
    rows = [np.asarray(f.get_frame(i)) for i in range(f.num_frames_ready)]
    return np.asarray(rows, np.float64).reshape(len(rows), n_mels)


def _impl_fe(impl: str, path: str, n_mels: int, frontend: str) -> Source:
    """IMPL:AUDIO for the nemo, nemo-legacy, kaldi and seamless front-ends, each in its
    original's layout (nemo (n_mels, n // 160 + 1), kaldi (n_frames, n_mels), seamless
    (ceil(n_frames / 2), 2 n_mels)); any step computed here on an original's output is said."""
    spec = f"{impl}:{path}"
    base = _fe_base(frontend)
    legacy = frontend == "nemo-legacy"
    if impl in ("openai", "faster-whisper", "librosa"):
        raise UsageError(f"{impl}: a Whisper implementation: nothing to compare with --frontend {frontend}")
    if impl == "nemo" and base != "nemo":
        raise UsageError(f"nemo: NeMo's preprocessor is the nemo front-end, not {frontend}'s")
    if impl == "hf" and base == "kaldi":
        raise UsageError("hf: transformers has no Kaldi fbank extractor (SeamlessM4T's is Kaldi's fbank with a "
                         "normalisation and stacking: --frontend seamless)")
    if impl == "torchaudio" and base == "nemo":
        raise UsageError("torchaudio: no NeMo front-end in torchaudio (NeMo computes it with torch.stft): use nemo:")
    if impl == "kaldi-native-fbank" and legacy:
        raise UsageError("kaldi-native-fbank: its NeMo front-end is current NeMo's (--frontend nemo), not the legacy one")
    # the module checks first, so that a missing package is said before the audio is read
    need = {"kaldi-native-fbank": [("kaldi_native_fbank", "kaldi-native-fbank")],
            "torchaudio": [("torch", "torch"), ("torchaudio", "torchaudio")],
            "hf": [("transformers", "transformers")] + ([("torch", "torch")] if base == "nemo" else []),
            "nemo": [("torch", "torch"), ("nemo", "nemo_toolkit[asr]")]}
    for mod, pip in need.get(impl, []):
        _need(mod, pip, impl)
    if impl not in IMPLS:
        raise UsageError(f"unknown implementation '{impl}' (one of: {', '.join(IMPLS)})")
    audio = _load_audio(path)
    if impl == "wmel":
        out = wmel.features(audio, base, n_mels, legacy=legacy)
        return Source(spec, np.asarray(out, np.float64), audio=audio, impl=impl,
                      version=f"wmel {wmel.version()}")
    if impl == "oracle":
        return Source(spec, np.asarray(_feref.features(audio, base, n_mels, legacy=legacy), np.float64),
                      audio=audio, impl=impl, version="float64 numpy (wmel._feref)")
    if impl == "kaldi-native-fbank":
        import kaldi_native_fbank as knf
        v = _version("kaldi-native-fbank")
        if base == "nemo":
            o = knf.NemoFbankOptions()
            o.num_mel_bins = n_mels
            f = knf.OnlineNemoFbank(o)
            f.accept_waveform(SR, np.asarray(audio, np.float32).tolist())
            f.input_finished()
            frames, _ = f.get_frames(0, f.num_frames_ready, True)
            lg = np.asarray(frames, np.float64).reshape(-1, n_mels).T
            valid = lg.shape[1]
            full = np.zeros((n_mels, audio.shape[0] // HOP + 1))
            full[:, :valid] = lg
            return Source(spec, _per_feature(full, valid), audio=audio, impl=impl, version=v,
                          notes=[f"kaldi-native-fbank's OnlineNemoFbank gives the log-mel of the {valid} valid frames "
                                 f"(frames, n_mels): transposed, per_feature normalisation and the zero last frame "
                                 f"applied here"])
        lm = _knf_fbank(audio, n_mels)
        note = "kaldi-native-fbank's OnlineFbank (dither 0) fed the samples x 32768 (Kaldi's int16 range)"
        if base == "seamless":
            return Source(spec, _mean_var_stack(lm), audio=audio, impl=impl, version=v,
                          notes=[note + "; Seamless' per-bin normalisation and stacking applied here"])
        return Source(spec, lm, audio=audio, impl=impl, version=v, notes=[note])
    if impl == "torchaudio":
        import torch
        from torchaudio.compliance import kaldi as ta
        w = torch.from_numpy(np.asarray(audio, np.float32) * np.float32(32768.0))[None, :]
        lm = ta.fbank(w, num_mel_bins=n_mels, dither=0.0, energy_floor=0.0).numpy().astype(np.float64)
        v = _version("torchaudio") + ", " + _version("torch")
        note = "torchaudio.compliance.kaldi.fbank (dither 0, energy_floor 0) fed the samples x 32768"
        if base == "seamless":
            return Source(spec, _mean_var_stack(lm), audio=audio, impl=impl, version=v,
                          notes=[note + "; Seamless' per-bin normalisation and stacking applied here"])
        return Source(spec, lm, audio=audio, impl=impl, version=v, notes=[note])
    if impl == "hf":
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if base == "seamless":
                from transformers import SeamlessM4TFeatureExtractor
                r = SeamlessM4TFeatureExtractor(feature_size=n_mels, num_mel_bins=n_mels)(
                    np.asarray(audio, np.float32), sampling_rate=SR, return_tensors="np")
                return Source(spec, r["input_features"][0].astype(np.float64), audio=audio, impl=impl,
                              version=_version("transformers"))
            from transformers import ParakeetFeatureExtractor
            r = ParakeetFeatureExtractor(feature_size=n_mels)(np.asarray(audio, np.float32), sampling_rate=SR,
                                                              return_tensors="np")
        return Source(spec, r["input_features"][0].astype(np.float64), audio=audio, impl=impl,
                      version=_version("transformers") + ", " + _version("torch"))
    if impl == "nemo":
        import torch
        from nemo.collections.asr.modules import AudioToMelSpectrogramPreprocessor
        pre = AudioToMelSpectrogramPreprocessor(sample_rate=SR, normalize="per_feature", window_size=0.025,
                                                window_stride=0.01, window="hann", features=n_mels, n_fft=512,
                                                dither=0.0, pad_to=0, frame_splicing=1)
        pre.eval()
        with torch.no_grad():
            out, _ = pre(input_signal=torch.from_numpy(np.asarray(audio, np.float32))[None, :],
                         length=torch.tensor([audio.shape[0]]))
        return Source(spec, out[0].numpy().astype(np.float64), audio=audio, impl=impl,
                      version=_version("nemo_toolkit") + ", " + _version("torch"))
    raise UsageError(f"unknown implementation '{impl}' (one of: {', '.join(IMPLS)})")


def stage_of_fe(a: Source, b: Source, n_mels: int, frontend: str) -> list:
    """wmel against the oracle: the log stage (normalize none) and the features."""
    if a.impl not in ("wmel", "oracle") or b.impl not in ("wmel", "oracle") or a.impl == b.impl:
        return []
    if a.audio is None or b.audio is None or not np.array_equal(a.audio, b.audio):
        return ["stages: A and B read different audio: no stage-by-stage comparison"]
    base = _fe_base(frontend)
    legacy = frontend == "nemo-legacy"
    kw = {} if base == "kaldi" else {"normalize": "none"}
    w = np.asarray(wmel.features(a.audio, base, n_mels, legacy=legacy, **kw), np.float64)
    o = np.asarray(_feref.features(a.audio, base, n_mels, legacy=legacy, **kw), np.float64)
    dl = float(np.abs(w - o).max())
    return [f"wmel's log stage (normalisation off) max |d| {dl:.3g} against the oracle's: the difference "
            f"{'is float32 rounding of the output' if dl < 1e-4 else 'comes from the spectral stages'}"]


def load(spec: str, n_mels: int, frontend: str) -> Source:
    """A feature file or IMPL:AUDIO."""
    head, sep, tail = spec.partition(":")
    if sep and head in IMPLS:
        return _impl(head, tail, n_mels, frontend)
    path, key = spec, None
    if ".npz:" in spec:
        path, _, key = spec.rpartition(":")
    if not os.path.exists(path):
        raise UsageError(f"{spec}: no such file (and not IMPL:AUDIO with IMPL one of {', '.join(IMPLS)})")
    if path.endswith(".npz"):
        z = np.load(path)
        keys = list(z.keys())
        if key is None:
            if len(keys) != 1:
                raise UsageError(f"{path}: holds {keys}: name one as {path}:KEY")
            key = keys[0]
        if key not in keys:
            raise UsageError(f"{path}: no array '{key}' (it holds {keys})")
        arr = z[key]
    elif path.endswith(".pt"):
        _need("torch", "torch", ".pt files")
        import torch
        obj = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(obj, dict):
            t = [v for v in obj.values() if hasattr(v, "numpy")]
            if len(t) != 1:
                raise UsageError(f"{path}: a dict of {len(t)} tensors: save one tensor")
            obj = t[0]
        arr = obj.detach().cpu().numpy()
    else:
        try:
            arr = np.load(path, allow_pickle=False)
        except ValueError as e:
            raise UsageError(f"{path}: not a .npy array: {e}") from None
    arr = np.asarray(arr)
    if not np.issubdtype(arr.dtype, np.floating):
        raise UsageError(f"{spec}: dtype {arr.dtype}: features are floating point")
    return Source(spec, arr.astype(np.float64))


# ---------------------------------------------------------------------------- the engine

def _side(s: Source, n_mels: int) -> tuple:
    """A source as wmel._compare takes it; the audio too where the engine computes the stage
    lines from it (wmel and oracle sides of the whisper front-end)."""
    arr = np.ascontiguousarray(s.array, dtype="<f8")
    pcm = None
    if s.impl in ("wmel", "oracle") and s.audio is not None:
        pcm = np.ascontiguousarray(s.audio, dtype="<f4").tobytes()
    return (s.spec, s.impl, arr.tobytes(), tuple(int(d) for d in arr.shape), s.kind == "log10", s.version, pcm)


def compare(a: Source, b: Source, n_mels: int, tol: float, frontend: str = "whisper", out=None) -> tuple:
    """(status, summary): a and b aligned, measured and, with out, drawn as a page by the
    command's engine (compare/compare.c). Status 0 within tol, 1 above; UsageError where the
    sources cannot be compared or the page cannot be written."""
    pre = [f"{name}: {n}" for name, src in (("A", a), ("B", b)) for n in src.notes]
    stage = stage_of_fe(a, b, n_mels, frontend) if frontend != "whisper" else []
    status, text, message = _compare.run(_side(a, n_mels), _side(b, n_mels), frontend, n_mels, float(tol),
                                         None if out is None else os.fspath(out), pre, stage)
    if status == 2:
        if text:
            print(text, end="")
        raise UsageError(message)
    return status, text


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m wmel.compare",
                                description="Where two front-ends disagree, and by how much.")
    p.add_argument("a", metavar="A", help="FILE.npy, FILE.npz[:KEY], FILE.pt or IMPL:AUDIO")
    p.add_argument("b", metavar="B")
    p.add_argument("-o", "--output", help="REPORT.html: the summary and the pictures of A, B and A - B")
    p.add_argument("--tol", type=float, default=1e-4, help="largest |A - B| accepted (1e-4)")
    p.add_argument("--frontend", default="whisper",
                   help="whisper, nemo, nemo-legacy, kaldi or seamless: the front-end compared")
    p.add_argument("--n-mels", type=int, default=0,
                   help="80 or 128 for whisper (default: from a file, else 80); 1 .. 512 for the others (80)")
    p.add_argument("-q", "--quiet", action="store_true", help="print the summary only")
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    if not (args.tol >= 0):
        print("wmel.compare: --tol takes a number >= 0", file=sys.stderr)
        return 2
    try:
        if args.frontend not in FRONTENDS:
            raise UsageError(f"--frontend {args.frontend}: compare covers {', '.join(FRONTENDS)}")
        n_mels = args.n_mels
        if n_mels == 0:
            n_mels = 80
            for spec in (args.a, args.b) if args.frontend == "whisper" else ():
                head = spec.partition(":")[0]
                if head not in IMPLS and os.path.exists(spec) and spec.endswith(".npy"):
                    shp = np.load(spec, mmap_mode="r").shape
                    if 128 in shp:
                        n_mels = 128
        if args.frontend == "whisper" and n_mels not in (80, 128):
            raise UsageError("--n-mels takes 80 or 128")
        if not 1 <= n_mels <= 512:
            raise UsageError("--n-mels takes 1 .. 512")
        if args.output:
            named = {x for s in (args.a, args.b) for x in (s, s.partition(":")[2], s.rpartition(":")[0]) if x}
            if os.path.abspath(args.output) in {os.path.abspath(x) for x in named}:
                raise UsageError(f"-o {args.output}: names an input")
        a = load(args.a, n_mels, args.frontend)
        b = load(args.b, n_mels, args.frontend)
        status, text = compare(a, b, n_mels, args.tol, args.frontend, args.output)
        print(text, end="")
    except UsageError as e:
        print(f"wmel.compare: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"wmel.compare: installed but cannot be imported: {e}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError, ValueError) as e:
        print(f"wmel.compare: {e}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
