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
difference comes from (log stage vs normalisation, against the float64 oracle).
Exit status: 0 within --tol, 1 above it, 2 on usage errors (and sources that cannot be
computed here). The report (-o) is drawn by the wmel command (`wmel compare` on the
aligned arrays): on PATH, or named by $WMEL_CLI.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

import wmel  # the package's API: the implementation named "wmel"

from . import _feref, _wmel
from ._npref import _hz_to_mel, _mel_to_hz, slaney_mel_filters

SR, N_FFT, HOP = 16000, 400, 160
IMPLS = ("wmel", "oracle", "openai", "hf", "faster-whisper", "librosa", "kaldi-native-fbank",
         "torchaudio", "nemo")
FRONTENDS = ("whisper", "nemo", "nemo-legacy", "kaldi", "seamless")
INT16_LN = 2.0 * math.log(32768.0)       # ln offset of a power computed on int16-range samples
LN10 = math.log(10.0)
INT16_LOG10 = 2.0 * math.log10(32768.0)  # log10 offset of a power computed on int16-range samples


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


def _normalise(log: np.ndarray) -> np.ndarray:
    return (np.maximum(log, log.max() - 8.0) + 4.0) / 4.0


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


def _geometry(frontend: str, n_mels: int):
    """(centre frequency of each mel row in Hz, seconds from t * 10 ms to frame t's centre)."""
    base = _fe_base(frontend)
    if base in ("kaldi", "seamless"):
        lo, hi = _feref.kaldi_mel_scale(20.0), _feref.kaldi_mel_scale(8000.0)
        m = lo + (hi - lo) * np.arange(1, n_mels + 1) / (n_mels + 1)
        return 700.0 * (np.exp(m / 1127.0) - 1.0), 200.0 / SR
    if base == "nemo":
        return _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(8000.0)), n_mels + 2))[1:-1], 0.0
    return mel_centres(n_mels), 0.0


def _orient_fe(s: Source, n_mels: int, frontend: str, notes: list, name: str) -> np.ndarray:
    """(n_mels, n_frames) from the front-end's own layout, each step said."""
    a = s.array
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
        notes.append(f"{name}: dropped a leading batch axis of 1")
    if a.ndim != 2:
        raise UsageError(f"{name} {s.spec}: shape {s.array.shape} is not 2-D features")
    base = _fe_base(frontend)
    if base == "seamless" and a.shape[1] == 2 * n_mels and a.shape[0] != n_mels:
        a = a.reshape(-1, n_mels).T
        notes.append(f"{name}: unstacked (rows, 2 n_mels) -> (n_mels, 2 rows): row r holds frames 2r and 2r + 1")
    elif a.shape[0] != n_mels and a.shape[1] == n_mels:
        a = a.T
        notes.append(f"{name}: transposed (n_frames, n_mels) -> (n_mels, n_frames) to compare")
    if a.shape[0] != n_mels:
        raise UsageError(f"{name} {s.spec}: shape {s.array.shape} has no axis of {n_mels} mels (--n-mels)")
    return a


def align_fe(a: Source, b: Source, n_mels: int, frontend: str):
    """(A, B, notes): both (n_mels, n_frames) in the front-end's units (natural log; normalised
    for nemo and seamless)."""
    notes = [f"{s}: {n}" for s, src in (("A", a), ("B", b)) for n in src.notes]
    A = _orient_fe(a, n_mels, frontend, notes, "A")
    B = _orient_fe(b, n_mels, frontend, notes, "B")
    na, nb = A.shape[1], B.shape[1]
    if na != nb:
        lo, hi = min(na, nb), max(na, nb)
        longer = "A" if na > nb else "B"
        tail = (A if na > nb else B)[:, lo:]
        if not np.any(tail):
            notes.append(f"{longer} has {hi - lo} more frame(s), all zeros (padding: NeMo's pad_to, Seamless' "
                         f"zero frame for an odd count): dropped")
        elif hi - lo == 1:
            notes.append(f"{longer} has one frame more ({hi} vs {lo}): dropped")
        else:
            raise UsageError(f"cannot reconcile the shapes: A {tuple(a.array.shape)} and "
                             f"B {tuple(b.array.shape)} ({na} vs {nb} frames)")
        A, B = A[:, :lo], B[:, :lo]
    base = _fe_base(frontend)
    if base == "kaldi":  # raw natural-log fbank: log10 instead of ln, int16-range or not
        iqr = lambda x: float(np.subtract(*np.percentile(x, [75, 25])))  # noqa: E731 (the floor spares it)
        ra, rb = iqr(A), iqr(B)
        for nm, r1, r2 in (("A", ra, rb), ("B", rb, ra)):
            if r2 > 0 and abs(r1 / r2 - 1.0 / LN10) < 0.05 / LN10:
                if nm == "A":
                    A = A * LN10
                else:
                    B = B * LN10
                notes.append(f"{nm}: log10 -> natural log (multiplied by ln 10)")
        d = float(np.median(A - B))
        if abs(abs(d) - INT16_LN) < 0.1:
            if d > 0:
                B = B + INT16_LN
            else:
                A = A + INT16_LN
            notes.append(f"{'B' if d > 0 else 'A'}: samples in [-1, 1) instead of Kaldi's int16 range (x 32768): "
                         f"ln values {INT16_LN:.4f} lower; added")
    else:  # normalised features: a side that is a raw log gets the normalisation here
        for nm in ("A", "B"):
            x = A if nm == "A" else B
            rows = np.abs(x.mean(axis=1))
            if float(np.median(rows)) > 0.5:
                if base == "nemo":
                    valid = x.shape[1] - (1 if frontend == "nemo" and not np.any(x[:, -1]) else 0)
                    x = _per_feature(x, valid)
                    notes.append(f"{nm}: a raw log (rows not centred): per_feature normalisation applied here")
                else:
                    mean = x.mean(axis=1, keepdims=True)
                    var = ((x - mean) ** 2).sum(axis=1, keepdims=True) / max(x.shape[1] - 1, 1)
                    x = (x - mean) / np.sqrt(var + 1e-7)
                    notes.append(f"{nm}: a raw log (rows not centred): mean/var normalisation applied here")
                if nm == "A":
                    A = x
                else:
                    B = x
    if not notes:
        notes.append(f"none needed: both in the {frontend} front-end's own layout and units")
    return A, B, notes


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


# ---------------------------------------------------------------------------- alignment

def _orient(s: Source, n_mels: int, notes: list, name: str) -> np.ndarray:
    a = s.array
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
        notes.append(f"{name}: dropped a leading batch axis of 1")
    if a.ndim != 2:
        raise UsageError(f"{name} {s.spec}: shape {s.array.shape} is not (n_mels, n_frames)")
    if a.shape[0] != n_mels and a.shape[1] == n_mels:
        a = a.T
        notes.append(f"{name}: transposed (n_frames, n_mels) -> (n_mels, n_frames)")
    if a.shape[0] != n_mels:
        raise UsageError(f"{name} {s.spec}: shape {s.array.shape} has no axis of {n_mels} mels "
                         f"(--n-mels)")
    return a


def _range(x):
    return float(x.max() - x.min())


def align(a: Source, b: Source, n_mels: int):
    """(A, B, notes): both (n_mels, n_frames), normalised log10 features."""
    notes = [f"{s}: {n}" for s, src in (("A", a), ("B", b)) for n in src.notes]
    A = _orient(a, n_mels, notes, "A")
    B = _orient(b, n_mels, notes, "B")
    # frames
    na, nb = A.shape[1], B.shape[1]
    if na != nb:
        lo, hi = min(na, nb), max(na, nb)
        longer = "A" if na > nb else "B"
        if hi == lo + 3000:
            notes.append(f"{longer} has 3000 more frames: openai's transcribe appends 30 s of zeros "
                         f"(padding=480000) before the STFT; compared on the first {lo} frames (the "
                         f"normalisation max and the last frames can differ)")
        elif hi == 3000 and lo < 3000:
            notes.append(f"{longer} has 3000 frames: the audio padded to 30 s before the STFT "
                         f"(HF's WhisperFeatureExtractor, pad_or_trim); compared on the first {lo} "
                         f"frames (near the end of the audio its frames see zeros where the other "
                         f"sees the reflected signal)")
        elif hi - lo == 1:
            notes.append(f"{longer} has one frame more ({hi} vs {lo}): an extra last frame (the "
                         f"last STFT frame that openai drops, or 160 appended zeros); dropped")
        else:
            raise UsageError(f"cannot reconcile the shapes: A {tuple(a.array.shape)} and "
                             f"B {tuple(b.array.shape)} ({na} vs {nb} frames)")
        A, B = A[:, :lo], B[:, :lo]
    # raw vs normalised: normalised features span at most 2 ((M - (M - 8)) / 4). A raw side
    # is brought to the other's convention by the scale (log10 or natural log) and offset
    # (none, or int16-range input: 2 log10(32768) higher) that fit the other side best,
    # then normalised with its own max; two raw sides are compared raw.
    raw = {"A": a.kind == "log10" or _range(A) > 2.0 + 1e-6,
           "B": b.kind == "log10" or _range(B) > 2.0 + 1e-6}
    for name in ("A", "B"):
        other = "B" if name == "A" else "A"
        x = A if name == "A" else B
        y = B if name == "A" else A
        if raw[name] and not raw[other]:
            fits = []
            for scale, sname in ((1.0, ""), (1.0 / LN10, "natural log -> log10 (divided by ln 10)")):
                for off, oname in ((0.0, ""), (INT16_LOG10, f"int16-range input (samples x 32768): "
                                                             f"log10 values {INT16_LOG10:.4f} higher; subtracted")):
                    z = _normalise(x * scale - off)
                    fits.append((float(np.median(np.abs(z - y))), z, sname, oname))
            fit = min(fits, key=lambda f: f[0])
            x = fit[1]
            for said in fit[2:]:
                if said:
                    notes.append(f"{name}: {said}")
            notes.append(f"{name}: raw log10 -> normalised with its own max ((max(x, M - 8) + 4) / 4)")
        elif raw[name] and raw[other] and name == "A":
            ra, rb = _range(A), _range(B)
            for nm, r1, r2 in (("A", ra, rb), ("B", rb, ra)):
                if abs(r1 / r2 - LN10) < 0.05 * LN10:
                    if nm == "A":
                        A = A / LN10
                    else:
                        B = B / LN10
                    notes.append(f"{nm}: natural log -> log10 (divided by ln 10)")
            d = float(np.median(A - B))
            if abs(abs(d) - INT16_LOG10) < 0.05:
                if d > 0:
                    A = A - INT16_LOG10
                else:
                    B = B - INT16_LOG10
                notes.append(f"{'A' if d > 0 else 'B'}: int16-range input (samples x 32768): log10 values "
                             f"{INT16_LOG10:.4f} higher; subtracted")
            notes.append("both raw log10: compared raw")
            continue
        if name == "A":
            A = x
        else:
            B = x
    # int16-range input in normalised features: a constant shift of 2 log10(32768) / 4
    if not (raw["A"] and raw["B"]):
        d = float(np.median(A - B))
        k = INT16_LOG10 / 4
        if abs(abs(d) - k) < 0.01:
            if d > 0:
                A = A - k
            else:
                B = B - k
            notes.append(f"{'A' if d > 0 else 'B'}: int16-range input (samples x 32768): features "
                         f"{k:.4f} higher; subtracted")
    if not notes:
        notes.append("none needed: both (n_mels, n_frames) normalised log10 features")
    return A, B, notes


# ---------------------------------------------------------------------------- statistics

def mel_centres(n_mels: int) -> np.ndarray:
    """Centre frequency (Hz) of each Slaney mel filter."""
    return _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(8000.0)), n_mels + 2))[1:-1]


def stats(A: np.ndarray, B: np.ndarray, tol: float) -> dict:
    d = np.abs(A - B)
    m, t = np.unravel_index(int(np.argmax(d)), d.shape)
    return {"max": float(d.max()), "mean": float(d.mean()), "mel": int(m), "frame": int(t),
            "a": float(A[m, t]), "b": float(B[m, t]), "above": int((d > tol).sum()),
            "cells": int(d.size), "per_frame": d.max(axis=0), "per_mel": d.max(axis=1)}


def stage_of(a: Source, b: Source, n_mels: int, A: np.ndarray, B: np.ndarray) -> list:
    """Which stage a difference comes from, where both sides are wmel-computable: each
    side's log stage and its normalisation max against the float64 oracle."""
    if a.impl not in ("wmel", "oracle") or b.impl not in ("wmel", "oracle"):
        return []
    if a.audio is None or b.audio is None or a.audio.shape != b.audio.shape or \
            not np.array_equal(a.audio, b.audio):
        return ["stages: A and B read different audio: no stage-by-stage comparison"]
    st = oracle_stages(a.audio, n_mels)
    lines = []
    for name, s in (("A", a), ("B", b)):
        if s.impl == "oracle":
            lines.append(f"{name} is the oracle (float64 stages: frames, power, mel, log, features)")
            continue
        ctx = _wmel.Ctx(n_mels=n_mels, backend=_wmel.BACKEND_CPU, norm=1)
        raw = np.empty((n_mels, _wmel.n_frames(s.audio.shape[0], 0)), np.float32)
        ctx.log_mel(np.ascontiguousarray(s.audio), 0, raw)
        dl = np.abs(raw.astype(np.float64) - st["log"])
        mw = float(raw.max())
        df = np.abs(s.array - st["features"])
        lines.append(f"{name} ({wmel.version().split(';')[0]}): log stage max |d| {dl.max():.3g} vs the "
                     f"oracle; max M {mw:.9g} vs {st['M']:.9g} (d {abs(mw - st['M']):.3g}); "
                     f"features max |d| {df.max():.3g}")
        clamp = st["log"] <= st["M"] - 8.0
        if df.max() <= dl.max() / 4 + abs(mw - st["M"]) / 4 + 1e-7:
            where = ("the spectral stages up to log (power, mel, log: the backend exposes no "
                     "earlier stage), carried through (x + 4) / 4")
            if dl.max() < 1e-5:
                where += ": float32 rounding only"
        else:
            where = "the normalisation (max or clamp), not the log stage"
        lines.append(f"{name}: the difference comes from {where}; {int(clamp.sum())} cells sit "
                     f"at the clamp M - 8")
    return lines


def report_text(a: Source, b: Source, A, B, notes, s, tol, n_mels, stage_lines, frontend="whisper") -> str:
    hz, t0 = _geometry(frontend, n_mels)
    out = ([f"front-end: {frontend}"] if frontend != "whisper" else []) + [f"A: {a.spec}  {tuple(a.array.shape)}" + (f"  [{a.version}]" if a.version else ""),
           f"B: {b.spec}  {tuple(b.array.shape)}" + (f"  [{b.version}]" if b.version else ""),
           "aligned:"] + [f"  - {n}" for n in notes]
    out += [f"compared: ({n_mels}, {A.shape[1]}) cells",
            f"max |A-B|    {s['max']:.6g}",
            f"mean |A-B|   {s['mean']:.6g}",
            f"worst cell   frame {s['frame']} ({s['frame'] * HOP / SR + t0:.3f} s), mel {s['mel']} "
            f"({hz[s['mel']]:.0f} Hz): A {s['a']:.9g}  B {s['b']:.9g}",
            f"above tol    {100.0 * s['above'] / s['cells']:.4f} % of {s['cells']} cells "
            f"(tol {tol:g})"]
    top = np.argsort(-s["per_frame"])[:5]
    out.append("per-frame max  " + "; ".join(f"frame {t} ({t * HOP / SR + t0:.2f} s) {s['per_frame'][t]:.3g}"
                                            for t in top))
    top = np.argsort(-s["per_mel"])[:5]
    out.append("per-mel max    " + "; ".join(f"mel {m} ({hz[m]:.0f} Hz) {s['per_mel'][m]:.3g}"
                                            for m in top))
    out += [f"stage: {x}" for x in stage_lines]
    out.append(f"result: {'within' if s['max'] <= tol else 'ABOVE'} tol {tol:g}")
    return "\n".join(out)


def _cli():
    c = os.environ.get("WMEL_CLI") or shutil.which("wmel")
    return c


def write_report(path, a, b, A, B, notes, tol, n_mels, stage_lines, frontend="whisper") -> None:
    """The page, drawn by the wmel command from the aligned arrays."""
    cli = _cli()
    if not cli:
        raise UsageError("-o: the report is drawn by the wmel command: put it on PATH or set "
                         "WMEL_CLI=/path/to/wmel")
    with tempfile.TemporaryDirectory() as d:
        pa, pb = os.path.join(d, "A.npy"), os.path.join(d, "B.npy")
        np.save(pa, A.astype(np.float32))
        np.save(pb, B.astype(np.float32))
        cmd = [cli, "compare", pa, pb, "-o", path, "--tol", repr(tol), "--n-mels", str(n_mels), "--axes", frontend,
               "--label-a", a.spec + (f" [{a.version}]" if a.version else ""),
               "--label-b", b.spec + (f" [{b.version}]" if b.version else ""), "-q"]
        for n in notes + [f"stage: {x}" for x in stage_lines]:
            cmd += ["--note", n]
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            raise RuntimeError(f"wmel compare (report): {r.stderr.strip()}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m wmel.compare",
                                description="Where two front-ends disagree, and by how much.")
    p.add_argument("a", metavar="A", help="FILE.npy, FILE.npz[:KEY], FILE.pt or IMPL:AUDIO")
    p.add_argument("b", metavar="B")
    p.add_argument("-o", "--output", help="REPORT.html (drawn by the wmel command)")
    p.add_argument("--tol", type=float, default=1e-4, help="largest |A - B| accepted (1e-4)")
    p.add_argument("--frontend", default="whisper",
                   help="whisper, nemo, nemo-legacy, kaldi or seamless: the front-end compared")
    p.add_argument("--n-mels", type=int, default=0,
                   help="80 or 128 for whisper (default: from a file, else 80); 1 .. 256 for the others (80)")
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
        if not 1 <= n_mels <= 256:
            raise UsageError("--n-mels takes 1 .. 256")
        a = load(args.a, n_mels, args.frontend)
        b = load(args.b, n_mels, args.frontend)
        if args.frontend == "whisper":
            A, B, notes = align(a, b, n_mels)
            stage_lines = stage_of(a, b, n_mels, A, B)
        else:
            A, B, notes = align_fe(a, b, n_mels, args.frontend)
            stage_lines = stage_of_fe(a, b, n_mels, args.frontend)
        s = stats(A, B, args.tol)
        print(report_text(a, b, A, B, notes, s, args.tol, n_mels, stage_lines, args.frontend))
        if args.output:
            if args.frontend != "whisper":
                stage_lines = stage_lines + [f"front-end {args.frontend}: (n_mels, n_frames) as compared"]
            write_report(args.output, a, b, A, B, notes, args.tol, n_mels, stage_lines, args.frontend)
    except UsageError as e:
        print(f"wmel.compare: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"wmel.compare: installed but cannot be imported: {e}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError, ValueError) as e:
        print(f"wmel.compare: {e}", file=sys.stderr)
        return 2
    return 0 if s["max"] <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
