#!/usr/bin/env python3
"""torchaudio_bench.py -- wmel.torchaudio.transforms.MelSpectrogram and Spectrogram, wmel.kaldi.fbank
and spectrogram against torchaudio 2.11's, on 30 s and 600 s of 16 kHz audio, with
torch.set_num_threads(1) and (2) (wmel's plans run on as many threads as torch is set to).

    python bench/torchaudio_bench.py [--runs 7]

Each case alternates wmel's call and torchaudio's, `runs` times (after one warm-up call each);
prints milliseconds as median / fastest, torchaudio's time over wmel's, and the ratio of the
median process CPU times (steadier on a shared machine), with the CPU model and /proc/loadavg
before and after.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torchaudio

import wmel.kaldi
import wmel.torchaudio


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def timed(fn, x, cpu):
    t, c = time.perf_counter(), time.process_time()
    fn(x)
    cpu.append((time.process_time() - c) * 1e3)
    return (time.perf_counter() - t) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(f"CPU: {cpu_model()}; torch {torch.__version__}, torchaudio {torchaudio.__version__}, "
          f"wmel {wmel.version()}")
    print(f"loadavg before: {loadavg()}")
    mel_kw = dict(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80)
    fb_kw = dict(num_mel_bins=80, window_type="hamming", dither=0.0)
    cases = [
        ("MelSpectrogram(n_fft=400, hop 160, 80 mels)",
         wmel.torchaudio.transforms.MelSpectrogram(**mel_kw),
         torchaudio.transforms.MelSpectrogram(**mel_kw)),
        ("Spectrogram(n_fft=400, hop 200)",
         wmel.torchaudio.transforms.Spectrogram(n_fft=400),
         torchaudio.transforms.Spectrogram(n_fft=400)),
        ("kaldi.fbank(80 bins, hamming)",
         lambda x: wmel.kaldi.fbank(x, **fb_kw),
         lambda x: torchaudio.compliance.kaldi.fbank(x, **fb_kw)),
        ("kaldi.spectrogram(n_fft 512)",
         lambda x: wmel.kaldi.spectrogram(x, dither=0.0),
         lambda x: torchaudio.compliance.kaldi.spectrogram(x, dither=0.0)),
    ]
    r = np.random.default_rng(0)
    print(f"{'case':46s} {'secs':>4s} {'thr':>3s}  {'wmel ms med/min':>17s}  "
          f"{'torchaudio ms med/min':>21s}  ratio med, min, cpu med")
    for secs in (30, 600):
        x = torch.from_numpy((r.standard_normal((1, 16000 * secs)) * 3000).astype(np.float32))
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for name, ours, theirs in cases:
                with torch.no_grad():
                    ours(x), theirs(x)
                    tw, tt, cw, ct = [], [], [], []
                    for _ in range(args.runs):
                        tw.append(timed(ours, x, cw))
                        tt.append(timed(theirs, x, ct))
                mw, mt = statistics.median(tw), statistics.median(tt)
                rc = statistics.median(ct) / statistics.median(cw)
                print(f"{name:46s} {secs:4d} {threads:3d}  {mw:8.1f} / {min(tw):6.1f}  "
                      f"{mt:11.1f} / {min(tt):7.1f}  {mt / mw:5.2f}x, {min(tt) / min(tw):5.2f}x, "
                      f"cpu {rc:5.2f}x")
    print(f"loadavg after: {loadavg()}")


if __name__ == "__main__":
    main()
