#!/usr/bin/env python3
"""kaldi_online_bench.py -- wmel.kaldi's online computers against kaldi-native-fbank's, as a
streaming caller uses them: 60 s of 16 kHz noise fed in 10 ms (160-sample) or 1 s chunks, every
frame read as soon as it is ready (get_frame(i) for the new ones; OnlineNemoFbank:
get_frames(first_new, k) for the new ones), then input_finished() and the last frames.

    kaldi_online_bench.py [--seconds 60] [--repeats 7] [--kinds OnlineMfcc,...] [--cpu]

Both get the chunks as numpy float32 arrays (what callers pass); their runs alternate, so that
a change in the machine's load falls on both. Prints the median and the fastest wall time of
each computer per chunking, the ratios kaldi-native-fbank / wmel of both, the date, the CPU
model (/proc/cpuinfo) and /proc/loadavg before and after (on a shared machine the fastest runs
are the steadier figure; --cpu times the process's CPU time in place of the wall clock, the
steadier figure still when other work shares the cores: both computers run on one thread). Then the largest differences: wmel vs kaldi-native-fbank, and wmel vs the float64 oracle
of tests/python/kaldi_oracle.py (2 s of the same noise).
"""
import argparse
import datetime
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
import wmel.kaldi as K  # noqa: E402

try:
    import kaldi_native_fbank as knf
except ImportError:
    knf = None


def opts(mod, kind):
    if kind == "OnlineFbank":
        o = mod.FbankOptions()
        o.frame_opts.dither = 0.0
        o.mel_opts.num_bins = 80
    elif kind == "OnlineMfcc":
        o = mod.MfccOptions()
        o.frame_opts.dither = 0.0
    elif kind == "OnlineWhisperFbank":
        o = mod.WhisperFeatureOptions()
    elif kind == "OnlineNemoFbank":
        o = mod.NemoFbankOptions()
    else:
        o = mod.RawAudioSamplesOptions()
    return o


CLOCK = time.perf_counter


def run(mod, kind, x, chunk):
    f = getattr(mod, kind)(opts(mod, kind))
    done = 0
    t0 = CLOCK()
    for s in range(0, len(x), chunk):
        f.accept_waveform(16000, x[s:s + chunk])
        n = f.num_frames_ready
        if n > done:
            if kind == "OnlineNemoFbank":
                f.get_frames(done, n - done)
            else:
                for i in range(done, n):
                    f.get_frame(i)
            done = n
    f.input_finished()
    n = f.num_frames_ready
    if kind != "OnlineNemoFbank":
        for i in range(done, n):
            f.get_frame(i)
    return CLOCK() - t0, n


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() + f", {os.cpu_count()} CPUs"
    except OSError:
        pass
    return platform.processor() or platform.machine()


def loadavg():
    try:
        with open("/proc/loadavg") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "n/a"


def errors():
    import kaldi_oracle as O
    x = (np.random.default_rng(1).standard_normal(32000) * 3000).astype(np.float32)
    xs = x / np.float32(32768)
    rows = []

    def frames(mod, kind, o, xx):
        f = getattr(mod, kind)(o)
        f.accept_waveform(16000, xx)
        f.input_finished()
        return np.stack([f.get_frame(i) for i in range(f.num_frames_ready)]).astype(np.float64)

    o64 = {"OnlineFbank": O.fbank(x, n_mels=80), "OnlineMfcc": O.mfcc(x),
           "OnlineWhisperFbank": O.whisper_power(xs)}
    for kind, xx in (("OnlineFbank", x), ("OnlineMfcc", x), ("OnlineWhisperFbank", xs)):
        a = frames(K, kind, opts(K, kind), xx)
        o = o64[kind]
        rel = kind == "OnlineWhisperFbank"
        scale = np.abs(o).max(axis=1, keepdims=True) if rel else np.maximum(1.0, np.abs(o))
        row = [kind, float((np.abs(a - o) / scale).max())]
        if knf is not None:
            b = frames(knf, kind, opts(knf, kind), xx)
            row.append(float((np.abs(a - b) / scale).max()))
        rows.append(row)
    print("\nlargest differences on 2 s of noise (log outputs: absolute / max(1, |oracle|); "
          "Whisper's mel power: relative to the frame's largest value)")
    for r in rows:
        print(f"  {r[0]:20s} vs float64 oracle {r[1]:.2e}" +
              (f"   vs kaldi-native-fbank {r[2]:.2e}" if len(r) > 2 else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--kinds", default="OnlineFbank,OnlineMfcc,OnlineWhisperFbank,OnlineNemoFbank,"
                    "OnlineRawAudioSamples")
    ap.add_argument("--cpu", action="store_true", help="the process's CPU time, not the wall clock")
    a = ap.parse_args()
    global CLOCK
    if a.cpu:
        CLOCK = time.process_time
    x = (np.random.default_rng(0).standard_normal(int(16000 * a.seconds)) * 0.1).astype(np.float32)
    print(f"# {datetime.date.today()}, {cpu_model()}, python {platform.python_version()}, "
          f"kaldi-native-fbank {getattr(knf, '__version__', 'not installed')}")
    print(f"# {a.seconds:g} s at 16 kHz, every frame read as it comes; median of {a.repeats}; "
          f"{'CPU time' if a.cpu else 'wall time'}")
    print(f"# loadavg before: {loadavg()}")
    print(f"{'computer':22s} {'chunk':>5s} {'wmel med/min ms':>16s} {'knf med/min ms':>16s} "
          f"{'ratio med':>9s} {'ratio min':>9s} frames")
    for kind in a.kinds.split(","):
        for chunk, name in ((160, "10ms"), (16000, "1s")):
            tw, tk = [], []
            for _ in range(a.repeats):
                tw.append(run(K, kind, x, chunk))
                if knf is not None:
                    tk.append(run(knf, kind, x, chunk))
            w = [t * 1e3 for t, _ in tw]
            line = f"{kind:22s} {name:>5s} {statistics.median(w):7.1f} / {min(w):6.1f}"
            if knf is not None:
                k = [t * 1e3 for t, _ in tk]
                assert tk[0][1] == tw[0][1], (kind, tk[0][1], tw[0][1])
                line += (f" {statistics.median(k):7.1f} / {min(k):6.1f} "
                         f"{statistics.median(k) / statistics.median(w):9.2f} {min(k) / min(w):9.2f}")
            print(line + f" {tw[0][1]}", flush=True)
    print(f"# loadavg after: {loadavg()}")
    errors()


if __name__ == "__main__":
    main()
