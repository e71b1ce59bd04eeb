#!/usr/bin/env python3
"""toolkits_bench.py -- the toolkits' presets against their originals, side by side in one run:
medians of whole-utterance calls on one thread, 30 s of the bench signal.

  lhotse-fbank       wmel.lhotse.Fbank().extract vs lhotse.Fbank().extract (torch)
  lhotse-mfcc        wmel.features(plan="lhotse-mfcc") vs lhotse.Mfcc().extract (torch)
  sherpa-onnx        wmel.features(plan="sherpa-onnx") vs kaldi_native_fbank.OnlineFbank with
                     sherpa-onnx's options (C++; accept the whole clip, then read every frame)
  speechbrain-fbank  wmel.speechbrain.Fbank(n_mels=80) vs speechbrain's Fbank(n_mels=80) (torch)
  espnet-fbank       wmel.features(plan="espnet-fbank") vs espnet2's DefaultFrontend() (torch)

Every original is skipped, with the reason, where it is not installed (`make test-toolkits`'s
venv has them all). torch runs with torch.set_num_threads(1); wmel.features with threads=1 (the drop-ins with their default: process CPU time is the comparable figure). Prints the
CPU model, /proc/loadavg before and after, the versions and a Markdown table of the medians of
process CPU time and wall time, and the ratio original / wmel.

    python bench/toolkits_bench.py [--seconds 30] [--budget 2]
"""
import argparse
import importlib.util
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frontends_bench import cpu_model, signal  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from originals import knf_sherpa  # noqa: E402  (kaldi-native-fbank as sherpa-onnx configures it)


def have(mod):
    return importlib.util.find_spec(mod) is not None


def timed(fn, budget):
    fn()  # warm-up
    walls, cpus = [], []
    t_end = time.perf_counter() + budget
    while len(walls) < 3 or (time.perf_counter() < t_end and len(walls) < 50):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(cpus), statistics.median(walls)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--budget", type=float, default=2.0)
    a = ap.parse_args()
    import wmel
    import wmel.espnet  # noqa: F401
    import wmel.lhotse  # noqa: F401
    import wmel.speechbrain  # noqa: F401
    x = signal(int(a.seconds * 16000))
    rows = []
    print(f"cpu: {cpu_model()}; loadavg before: {open('/proc/loadavg').read().strip()}")
    torch = None
    if have("torch"):
        import torch
        torch.set_num_threads(1)
        print(f"torch {torch.__version__}")

    def wm(plan):
        return lambda: wmel.features(x, plan=plan, threads=1)

    pairs = []
    if have("lhotse") and torch is not None:
        import lhotse
        lf, lm = lhotse.Fbank(), lhotse.Mfcc()
        print(f"lhotse {lhotse.__version__}")
        wf = wmel.lhotse.Fbank()
        pairs.append(("lhotse-fbank", lambda: wf.extract(x, 16000), lambda: lf.extract(x, 16000)))
        if "lhotse-mfcc" in [p["name"] for p in wmel.presets()]:
            pairs.append(("lhotse-mfcc", wm("lhotse-mfcc"), lambda: lm.extract(x, 16000)))
    else:
        print("lhotse: not installed (or no torch): skipped")
    if have("kaldi_native_fbank"):
        pairs.append(("sherpa-onnx", wm("sherpa-onnx"), lambda: knf_sherpa(x)))
    else:
        print("kaldi_native_fbank: not installed: skipped")
    if have("speechbrain") and torch is not None:
        from speechbrain.lobes.features import Fbank
        sb = Fbank(n_mels=80)
        wsb = wmel.speechbrain.Fbank(n_mels=80)
        xt = torch.from_numpy(x)[None]
        pairs.append(("speechbrain-fbank", lambda: wsb(xt), lambda: sb(xt)))
    else:
        print("speechbrain: not installed (or no torch): skipped")
    if have("espnet2") and torch is not None:
        from espnet2.asr.frontend.default import DefaultFrontend
        fe = DefaultFrontend().eval()
        xt = torch.from_numpy(x)[None]
        lens = torch.tensor([len(x)])

        def esp():
            with torch.no_grad():
                return fe(xt, lens)
        pairs.append(("espnet-fbank", wm("espnet-fbank"), esp))
    else:
        print("espnet2: not installed (or no torch): skipped")
    for name, w, o in pairs:
        wc, ww = timed(w, a.budget)
        oc, ow = timed(o, a.budget)
        rows.append((name, wc, ww, oc, ow))
    print(f"loadavg after: {open('/proc/loadavg').read().strip()}")
    print(f"\n{a.seconds:g} s of audio, one thread, medians (ms): CPU time (wall)\n")
    print("| preset | wmel | original | original / wmel (CPU) |")
    print("|---|---|---|---|")
    for name, wc, ww, oc, ow in rows:
        print(f"| {name} | {wc * 1e3:.2f} ({ww * 1e3:.2f}) | {oc * 1e3:.2f} ({ow * 1e3:.2f}) | {oc / wc:.1f}x |")


if __name__ == "__main__":
    main()
