#!/usr/bin/env python3
"""cuda_batch_bench.py -- many clips of mixed lengths already on a CUDA device, per preset:
wmel.features_batch of the CUDA tensors (wmel_cuda_features_device_batch: one call, rounds that
share launches), the same clips one wmel.features call at a time on the device, the host path
(the clips copied to the host, wmel's CPU backend on every core, the features copied back), and
torch's own GPU pipeline (torch.stft, power, the mel matmul, the log: per clip, and once on the
batch padded to the longest clip, which is how a torch user batches). Wall time of each way
from the call to torch.cuda.synchronize(), median of --reps, all in one run; the features'
largest difference from wmel's CPU backend is printed beside each wmel way.
The torch columns compute a generic log-Mel of the preset's geometry (n_fft, hop, window
length, n_mels), not the preset's exact convention: they are the cost of the GPU work a torch
pipeline does, the peer in time only.

Usage: python3 bench/cuda_batch_bench.py [--clips 512] [--min-s 1] [--max-s 10] [--reps 5]
       [--presets whisper,nemo,kaldi] [--record DIR]
--record DIR writes the table as DIR/<date>-cuda-batch-<gpu>.md.
"""
import argparse
import datetime
import os
import statistics
import sys
import time

import numpy as np

from frontends_bench import cpu_model, loadavg as load  # the machine's lines, as the other benches print them


def wall_ms(torch, fn, reps):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def torch_way(torch, plan, device):
    """A generic log-Mel of the plan's geometry in torch: per clip, and on a padded batch."""
    n_fft, hop, win = plan["n_fft"], plan["hop"], plan["frame_length"]
    window = torch.hann_window(win, device=device)
    bank = torch.rand(plan["n_mels"], n_fft // 2 + 1, device=device) * 0.01

    def one(x):
        s = torch.stft(x, n_fft, hop, win, window, center=True, return_complex=True)
        return torch.log10(torch.clamp(bank @ s.abs() ** 2, min=1e-10))

    return one


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=512)
    ap.add_argument("--min-s", type=float, default=1.0)
    ap.add_argument("--max-s", type=float, default=10.0)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--presets", default="whisper,nemo,kaldi")
    ap.add_argument("--record", default="")
    a = ap.parse_args()
    import torch
    import wmel

    if not torch.cuda.is_available():
        print("cuda_batch_bench: torch sees no CUDA device: nothing to time")
        return 0
    dev = torch.device("cuda", 0)
    name = torch.cuda.get_device_name(0)
    rng = np.random.default_rng(7)
    lens = rng.integers(int(a.min_s * 16000), int(a.max_s * 16000) + 1, a.clips)
    host = [(rng.standard_normal(n) * 0.1).astype(np.float32) for n in lens]
    clips = [torch.from_numpy(h).to(dev) for h in host]
    total_s = float(lens.sum()) / 16000
    head = [f"device: {name}   torch {torch.__version__}   wmel {wmel.version()}",
            f"host: {cpu_model()}, {os.cpu_count()} cores   load {load()} at the start",
            f"{a.clips} clips of {a.min_s:g}-{a.max_s:g} s ({total_s:.1f} s of audio) already on {dev}; "
            f"wall ms to torch.cuda.synchronize(), median of {a.reps}"]
    rows = []
    for preset in a.presets.split(","):
        plan = wmel.frontend_plan(plan=preset)
        cpu = wmel.features_batch(host, plan=preset, backend="cpu")

        def diff(outs):
            return max(float(np.max(np.abs(o.cpu().numpy() - c))) if c.size else 0.0 for o, c in zip(outs, cpu))

        res = {}
        try:
            outs = wmel.features_batch(clips, plan=preset, backend="cuda", copy="never")
            res["wmel batch (device)"] = (wall_ms(torch, lambda: wmel.features_batch(
                clips, plan=preset, backend="cuda", copy="never"), a.reps), diff(outs))
        except ValueError as e:
            res["wmel batch (device)"] = (None, f"refused: {str(e)[:120]}")
        outs = [wmel.features(c, plan=preset, backend="cuda") for c in clips]
        path = wmel.last_run()["copies"]
        res["wmel per clip (device)" if not path else "wmel per clip (host copies)"] = (
            wall_ms(torch, lambda: [wmel.features(c, plan=preset, backend="cuda") for c in clips], a.reps), diff(outs))
        res["wmel host path (CPU backend)"] = (wall_ms(torch, lambda: wmel.features_batch(
            clips, plan=preset, backend="cpu"), a.reps), 0.0)
        one = torch_way(torch, plan, dev)
        res["torch per clip"] = (wall_ms(torch, lambda: [one(c) for c in clips], a.reps), None)
        longest = max(int(c.shape[0]) for c in clips)
        padded = torch.zeros(len(clips), longest, device=dev)
        for i, c in enumerate(clips):
            padded[i, :c.shape[0]] = c
        res["torch padded batch"] = (wall_ms(torch, lambda: one(padded), a.reps), None)
        base = res["wmel batch (device)"][0]
        for way, (ms, d) in res.items():
            ratio = f"{ms / base:.2f}" if ms and base else ""
            dd = d if isinstance(d, str) else ("" if d is None else f"{d:.2e}")
            rows.append((preset, way, "" if ms is None else f"{ms:.2f}", ratio, dd))
    table = ["| preset | way | wall ms | / wmel batch | max abs diff from wmel's CPU backend |",
             "|---|---|---|---|---|"] + [f"| {' | '.join(r)} |" for r in rows]
    head.append(f"load {load()} at the end")
    print("\n".join(head + [""] + table))
    if a.record:
        day = datetime.date.today().isoformat()
        gpu = name.split()[-1].lower()
        base = os.path.join(a.record, f"{day}-cuda-batch-{gpu}")
        path, k = base + ".md", 1
        while os.path.exists(path):  # an earlier record of the day is kept
            k += 1
            path = f"{base}-{k}.md"
        with open(path, "w") as f:
            f.write(f"# bench/cuda_batch_bench.py on an {name}\n\n- Date: {day}\n- Made by: `python3 "
                    f"bench/cuda_batch_bench.py {' '.join(sys.argv[1:])}`\n")
            f.write("".join(f"- {h}\n" for h in head) + "\n" + "\n".join(table) + "\n")
        print(f"record: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
