#!/usr/bin/env python3
"""mixed_precision.py -- would a cheaper transform hold the 2e-5 bar? Benchmark-side study
(numpy + scipy, never run by the tests): wmel's 16 x 25 prime-factor transform written
with scipy.fft, each stage in float64 or float32, on the golden audio (../shared/golden),
the normalised log-mel compared with float64 throughout (the conformance measure).

    mixed_precision.py [GOLDEN_DIR]

Prints per file and variant the max |diff|, then the share of frames that a
"float32 transform, float64 only where its error would reach the output" scheme would
recompute: a frame needs float64 when one of its live mel values (above the clip's
max - 8 floor) sits within the float32 transform's error of it, the error bound taken
from the data (the smallest mel / frame-energy ratio above which every live value's
relative float32 error stays under a quarter of the bar).
"""
import sys
import wave

import numpy as np
import scipy.fft as sf

GOLDEN = sys.argv[1] if len(sys.argv) > 1 else "../shared/golden"
FILES = ["speech_en", "exact_30s", "pink_noise", "sweep", "clipped", "speech_long"]
BAR = 2e-5

bank = np.load(f"{GOLDEN}/mel_filters.npz")
FILT = {80: bank["mel_80"].astype(np.float64), 128: bank["mel_128"].astype(np.float64)}
N = np.arange(400)
WIN = 0.5 - 0.5 * np.cos(2 * np.pi * N / 400)
A_IDX = (25 * np.arange(16)[:, None] + 16 * np.arange(25)[None, :]) % 400  # x at [n1, n2]
K = np.arange(201)
K1, K2 = K % 16, K % 25  # X[k] at row k mod 16, column k mod 25 (no twiddles)


def load(name, pad30):
    w = wave.open(f"{GOLDEN}/audio/{name}.wav")
    x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768.0
    if pad30:
        x = np.pad(x[:480000], (0, max(0, 480000 - len(x))))
    return x


def frames(x):
    xp = np.pad(x.astype(np.float64), 200, mode="reflect")
    idx = np.arange(len(x) // 160)[:, None] * 160 + N[None, :]
    return xp[idx]


def power(fr, s1, s2, win32=False):
    xw = (fr.astype(np.float32) * WIN.astype(np.float32)).astype(np.float64) if win32 else fr * WIN
    a = xw[:, A_IDX]
    y = sf.fft(a.astype(np.float32), axis=1).astype(np.complex128) if s1 == 32 else sf.fft(a, axis=1)
    z = sf.fft(y.astype(np.complex64), axis=2).astype(np.complex128) if s2 == 32 else sf.fft(y, axis=2)
    x = z[:, K1, K2]
    return (x.real ** 2 + x.imag ** 2).astype(np.float32).astype(np.float64)


def log_mel(p, m):
    mel = (FILT[m] @ p.T).astype(np.float32)
    v = np.log10(np.maximum(mel, 1e-10))
    v = np.maximum(v, v.max() - 8.0)
    return (v + 4.0) / 4.0


VARIANTS = [("window product in float32", 64, 64, True),
            ("16-point stage float32", 32, 64, False),
            ("25-point stage float32", 64, 32, False),
            ("float32 throughout", 32, 32, False)]


def main():
    worst = {v[0]: 0.0 for v in VARIANTS}
    qs, rs, per = [], [], []
    for name in FILES:
        for pad30 in (True, False):
            fr = frames(load(name, pad30))
            p64 = power(fr, 64, 64)
            for m in (80, 128):
                ref = log_mel(p64, m)
                for label, s1, s2, w32 in VARIANTS:
                    d = float(np.max(np.abs(log_mel(power(fr, s1, s2, w32), m) - ref)))
                    worst[label] = max(worst[label], d)
                    print(f"{name:12s} {'30s' if pad30 else 'raw'} mel{m:<3d} {label:28s} {d:.2e}")
                if pad30:
                    continue
                m64 = FILT[m] @ p64.T
                m32 = FILT[m] @ power(fr, 32, 32).T
                e = p64.sum(axis=1)[None, :]
                live = m64 >= max(m64.max() * 1e-8, 1e-10)
                rel = np.abs(m32 - m64) / np.maximum(m64, 1e-30)
                q = m64 / np.maximum(e, 1e-30)
                qs.append(q[live])
                rs.append(rel[live])
                per.append((name, m, q, live))
    print("worst over the files (bar %.0e):" % BAR)
    for label, d in worst.items():
        print(f"  {label:28s} {d:.2e}  {'holds' if d <= BAR else 'FAILS'}")
    q, r = np.concatenate(qs), np.concatenate(rs)
    order = np.argsort(q)[::-1]
    ok = np.maximum.accumulate(r[order]) < BAR * 4 * np.log(10) / 4  # a quarter of the bar
    qstar = q[order][ok][-1]
    tot = flag = 0
    for name, m, qq, live in per:
        need = ((qq < qstar) & live).any(axis=0)
        tot += need.size
        flag += int(need.sum())
        print(f"  {name:12s} mel{m:<3d} {need.mean() * 100:5.1f}% of frames need float64")
    print(f"selective float64: mel/energy threshold {qstar:.2e}; {flag / tot * 100:.1f}% of all frames")


if __name__ == "__main__":
    main()
