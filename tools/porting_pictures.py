#!/usr/bin/env python3
"""porting_pictures.py -- docs/porting-hann.png and docs/porting-htk.png: two ports' common
mistakes as `wmel compare` draws them. Each port is openai-whisper's log_mel_spectrogram in
numpy with one mistake, on data/speech_en.wav: a symmetric Hann window (np.hanning(400);
80 mels) and the HTK mel scale (128 mels, whisper-128's plan); `wmel compare` holds it
against the float64 oracle and writes its page; headless Chromium photographs the page;
Pillow drops the text box (the page's summary, printed on stdout too), scales it and
stores it with 128 colours, under 150 KB.

    python3 tools/porting_pictures.py --wmel build/wmel   # needs numpy, wmel, Pillow, chromium
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image

import wmel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def hz_to_mel(f, htk):
    f = np.asarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0),
                    f / (200.0 / 3))


def mel_to_hz(m, htk):
    m = np.asarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    return np.where(m >= 15.0, 1000.0 * np.exp(np.log(6.4) / 27.0 * (m - 15.0)), m * 200.0 / 3)


def bank(n_mels, htk):
    """librosa.filters.mel(sr=16000, n_fft=400): Slaney or HTK scale, Slaney norm."""
    freqs = np.linspace(0, 8000, 201)
    hz = mel_to_hz(np.linspace(hz_to_mel(0.0, htk), hz_to_mel(8000.0, htk), n_mels + 2), htk)
    fd, ramps = np.diff(hz), hz[:, None] - freqs[None, :]
    w = np.maximum(0, np.minimum(-ramps[:-2] / fd[:-1, None], ramps[2:] / fd[1:, None]))
    return w * (2.0 / (hz[2:] - hz[:-2]))[:, None]


def whisper(x, n_mels, periodic, htk):
    """openai-whisper's log_mel_spectrogram (padding 0) with the window and scale given."""
    xp = np.pad(x, 200, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(xp, 400)[::160]
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / (400 if periodic else 399))
    power = (np.abs(np.fft.rfft(frames * w, axis=-1)) ** 2)[:-1]
    log = np.log10(np.maximum(bank(n_mels, htk) @ power.T, 1e-10))
    return ((np.maximum(log, log.max() - 8.0) + 4.0) / 4.0).astype(np.float32)


def photograph(html, png, chromium, max_bytes=150_000):
    full = png + ".full.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1100,1700", f"--screenshot={full}", html],
                   check=True, capture_output=True)
    im = Image.open(full).convert("RGB")
    os.unlink(full)
    px = im.load()
    w, h = im.size
    bottom = h - 1  # the white below the last panel
    while bottom > 0 and all(px[x, bottom] == (255, 255, 255) for x in range(0, w, 2)):
        bottom -= 1
    box = px[26, 100]  # the summary's grey box: its rows left out
    rows = [y for y in range(min(h, bottom + 16)) if px[26, y] != box]
    out = Image.new("RGB", (w, len(rows)))
    for i, y in enumerate(rows):
        out.paste(im.crop((0, y, w, y + 1)), (0, i))
    for scale in (0.7, 0.66, 0.62, 0.58):
        s = out.resize((int(w * scale), int(len(rows) * scale)), Image.LANCZOS)
        s = s.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE, kmeans=2)
        s.save(png, optimize=True)
        if os.path.getsize(png) < max_bytes:
            break
    print(f"{png}: {s.size[0]}x{s.size[1]}, {os.path.getsize(png)} bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wmel", default=os.path.join(ROOT, "build", "wmel"))
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    audio = os.path.join(ROOT, "data", "speech_en.wav")
    x = wmel.load_audio(audio).astype(np.float64)
    cases = [("porting-hann", whisper(x, 80, False, False), "whisper",
              "openai-whisper (periodic Hann)", "a port: np.hanning(400), symmetric"),
             ("porting-htk", whisper(x, 128, True, True), "whisper-128",
              "whisper-128: Slaney mel scale", "a port: HTK mel scale")]
    with tempfile.TemporaryDirectory() as d:
        for name, port, preset, la, lb in cases:
            npy, html = os.path.join(d, name + ".npy"), os.path.join(d, name + ".html")
            np.save(npy, port)
            p = subprocess.run([a.wmel, "compare", "oracle:" + audio, npy, "--preset", preset, "--label-a", la,
                                "--label-b", lb, "-o", html, "-q"], capture_output=True, text=True)
            print(p.stdout, end="")
            if p.returncode != 1:  # the port differs: exit 1
                raise SystemExit(f"wmel compare: exit {p.returncode}: {p.stderr}")
            photograph(html, os.path.join(a.out, name + ".png"), a.chromium)


if __name__ == "__main__":
    main()
