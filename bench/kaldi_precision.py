#!/usr/bin/env python3
"""kaldi_precision.py -- would a float32 transform with a float64 fallback hold the Kaldi
front-end to its 2e-5 x max(1, |ref|) bar? Benchmark-side study (numpy + scipy, never run by
the tests): the Kaldi preset's frames (x 32768, snip edges, DC removal, pre-emphasis 0.97,
Povey window, n_fft 512, 80 bins) prepared in float64, transformed once in float64 and once
in float32 (scipy.fft on float32 input computes in float32), the log mel energies compared.

    kaldi_precision.py [GOLDEN_DIR]     (needs the wmel package for its float64 oracle)

Prints per golden file:
  measured   the share of frames whose float32 log mel is more than half the bar off the
             float64 one in some bin (what an oracle-checked scheme would recompute)
  bounded    the share a scheme that knows no oracle would recompute: a frame goes to float64
             when the float32 error bound 32 ns (ns = FLT_EPSILON * 512 * frame energy *
             sum of the bin's weights / bin energy: the bound kaldi-native-fbank and
             torchaudio are held to in tests/python/test_frontends_oracle.py) could reach half
             the bar in some bin
"""
import os
import sys

import numpy as np
import scipy.fft as sf

from wmel import _feref as R

GOLDEN = sys.argv[1] if len(sys.argv) > 1 else "../shared/golden"
EPS32 = float(np.finfo(np.float32).eps)


def load(path):
    import wmel
    return np.asarray(wmel.load_audio(path), np.float32)


def main():
    d = os.path.join(GOLDEN, "audio")
    bank = R.kaldi_mel_filters(80, 20.0, 0.0)
    tot = meas = bnd = 0
    print(f"{'file':30s} {'frames':>7s} {'measured':>9s} {'bounded':>8s} {'max err / bar':>14s}")
    for name in sorted(os.listdir(d)):
        x = load(os.path.join(d, name))[: 60 * 16000]
        if len(x) < 400:
            continue
        nf, frames_of = R._kaldi_frames(np.asarray(x, np.float64) * 32768.0, True)
        f, _ = R._kaldi_process(frames_of(0, nf), 0.97, True)
        w = f * R.kaldi_window("povey")
        m64 = np.maximum((np.abs(np.fft.rfft(w, 512)) ** 2) @ bank.T, EPS32)
        x32 = sf.rfft(w.astype(np.float32), 512)
        p32 = x32.real.astype(np.float64) ** 2 + x32.imag.astype(np.float64) ** 2
        m32 = np.maximum(p32 @ bank.T, EPS32)
        bar = 2e-5 * np.maximum(1.0, np.abs(np.log(m64)))
        err = np.abs(np.log(m32) - np.log(m64))
        ns = EPS32 * 512 * (w ** 2).sum(axis=1)[:, None] * bank.sum(axis=1)[None, :] / m64
        a = (err > 0.5 * bar).any(axis=1)
        b = (32 * ns > 0.5 * bar).any(axis=1)
        tot += nf
        meas += int(a.sum())
        bnd += int(b.sum())
        print(f"{name:30s} {nf:7d} {a.mean():9.1%} {b.mean():8.1%} {(err / bar).max():14.2f}")
    print(f"{'all':30s} {tot:7d} {meas / tot:9.1%} {bnd / tot:8.1%}")


if __name__ == "__main__":
    main()
