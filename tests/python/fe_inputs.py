"""fe_inputs.py -- the inputs the front-end tests share: the goldens as float32 samples (16 kHz
16-bit WAVs read with the standard library, the other files from their recorded 16 kHz s16
decodes, so no decoder is needed) and seeded synthetic clips (edge lengths, silence, full-scale
noise, clipped audio)."""
import os
import pathlib
import wave

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = pathlib.Path(os.environ.get("WMEL_GOLDEN", ROOT.parent / "shared" / "golden"))

# the edge lengths of the front-ends: 0 (an error), a lone sample, one frame's worth around 400,
# around 512 (n_fft) and the hop and NeMo's 320 (two valid frames)
EDGE_LENGTHS = (1, 2, 159, 160, 161, 255, 256, 257, 319, 320, 321, 399, 400, 401, 511, 512, 513,
                559, 560, 561, 719, 720, 721, 1600, 16000)


def golden_names():
    """Stems of the golden clips that load without a decoder."""
    names = []
    for p in sorted((GOLDEN / "audio").glob("*")):
        stem = p.name.replace(".", "_")
        if (GOLDEN / "ref" / f"{stem}.load_audio_s16.npy").exists():
            names.append(p.name)
        elif p.suffix == ".wav":
            try:
                with wave.open(str(p)) as w:
                    if w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2:
                        names.append(p.name)
            except wave.Error:
                pass
    return names


def golden_audio(name, max_seconds=None):
    """float32 samples in [-1, 1) of a golden clip (16 kHz mono), optionally cut to max_seconds."""
    p = GOLDEN / "audio" / name
    s16 = GOLDEN / "ref" / f"{name.replace('.', '_')}.load_audio_s16.npy"
    if s16.exists():
        x = np.load(s16).astype(np.int16)
    else:
        with wave.open(str(p)) as w:
            x = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    x = x.astype(np.float32) / np.float32(32768.0)
    if max_seconds is not None:
        x = x[: int(max_seconds * 16000)]
    return np.ascontiguousarray(x)


def synthetic(kind, n, seed=0):
    """Seeded float32 test clips of n samples: noise (speech-level white noise), full (full-scale
    uniform noise), clipped (a loud tone mix clipped at +-1), silence, tone (a 440 Hz tone)."""
    rng = np.random.default_rng(seed)
    if kind == "noise":
        x = rng.standard_normal(n) * 0.05
    elif kind == "full":
        x = rng.uniform(-1.0, 1.0, n)
    elif kind == "clipped":
        t = np.arange(n) / 16000.0
        x = np.clip(3.0 * np.sin(2 * np.pi * 220 * t) + 0.5 * rng.standard_normal(n), -1.0, 1.0)
    elif kind == "silence":
        x = np.zeros(n)
    elif kind == "tone":
        x = 0.5 * np.sin(2 * np.pi * 440 * np.arange(n) / 16000.0)
    else:
        raise ValueError(kind)
    return x.astype(np.float32)
