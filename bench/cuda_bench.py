#!/usr/bin/env python3
"""cuda_bench.py -- wmel's CUDA backend against torch's stft pipeline, both timed on the
device with CUDA events in the same run, printed as a table with ratios.

torch side: openai-whisper's log_mel_spectrogram algorithm on device tensors --
torch.stft(400, 160, hann), [..., :-1].abs() ** 2, filters @, clamp/log10, max - 8,
(x + 4) / 4 -- exactly as openai writes it (one max over the tensor).
wmel side: build/…/wmel_cuda_bench (bench/cuda_bench.c), the device-pointer entry point
on one stream, per-clip normalisation.

Usage: python3 bench/cuda_bench.py [--build build-cuda] [--reps 20] [--batch 1024]
Targets on an H100: 1024 x 30 s <= 3 ms, 1 clip <= 0.03 ms, 6240 s <= 1 ms.
Without torch (or without a CUDA device for it) only wmel's column is printed; on the CUDA
emulator build (-DWMEL_CUDA=EMU) the times are the emulator's host times: a dry run of the
harness, not GPU numbers.
"""
import argparse
import os
import subprocess
import sys

from peer_python import torch_log_mel  # openai's algorithm, as the CPU peer runs it

TARGET_MS = {"batch": 3.0, "batch_s16": 3.0, "single": 0.03, "stream": 1.0}
SAMPLES = {"batch": 480000, "batch_s16": 480000, "single": 480000, "stream": 6240 * 16000}


def torch_filters(torch, n_mels, device):
    here = os.path.dirname(os.path.abspath(__file__))
    npz = os.path.join(here, "..", "..", "shared", "golden", "mel_filters.npz")
    try:
        import numpy as np

        with np.load(npz) as f:
            return torch.from_numpy(f[f"mel_{n_mels}"]).to(device)
    except Exception:  # the timing does not depend on the values
        return torch.rand(n_mels, 201, device=device) * 0.01


def time_torch(torch, audio, filters, window, reps):
    def run():
        return torch_log_mel(torch, audio, filters, window)

    return median_event_ms(torch, run, reps)


def median_event_ms(torch, fn, reps):
    """Median device time of fn() in ms (CUDA events), after 3 warm-up calls."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        e0 = torch.cuda.Event(enable_timing=True)
        e1 = torch.cuda.Event(enable_timing=True)
        e0.record()
        fn()
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1))
    times.sort()
    return times[len(times) // 2]


def run_tool(cmd):
    """Runs a benchmark program; exits 77 (skipped) when it reports no CUDA device."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 77:
        print(p.stdout.strip())
        sys.exit(77)
    if p.returncode != 0:
        sys.exit(f"{os.path.basename(cmd[0])} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def torch_cuda():
    """torch when it is importable and sees a CUDA device, else None (with the reason)."""
    try:
        import torch
    except ImportError:
        return None, "torch is not installed"
    if not torch.cuda.is_available():
        return None, f"torch {torch.__version__} sees no CUDA device"
    return torch, ""


def emulator_note(device):
    if "emulator" in device:
        print("NOTE: the CUDA emulator (-DWMEL_CUDA=EMU): host times of emulated kernels, not GPU numbers")


def parse_lines(out, tag):
    """The program's 'device ...' line and its 'TAG name ms ...' lines:
    (device, {name: [ms, ...]})."""
    device, rows = "?", {}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "device":
            device = line[len("device "):]
        elif f and f[0] == tag:
            rows[f[1]] = f[2:]
    return device, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-cuda", help="build folder holding wmel_cuda_bench")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("cases", nargs="*", default=["single", "stream", "batch", "batch_s16"])
    a = ap.parse_args()

    exe = os.path.join(a.build, "wmel_cuda_bench")
    if not os.path.exists(exe):
        sys.exit(f"{exe} not found: cmake -S . -B {a.build} -DWMEL_CUDA=ON && cmake --build {a.build} -j")
    out = run_tool([exe, "--reps", str(a.reps), "--batch", str(a.batch)] + a.cases)
    device, rows = parse_lines(out, "wmel_cuda")
    wmel = {name: float(f[0]) for name, f in rows.items()}
    kernel = next(iter(rows.values()))[2] if rows else "?"

    torch, why = torch_cuda()
    if torch is None:
        print(f"device: {device}   wmel kernel: {kernel}   median of {a.reps}, CUDA events   no torch peer: {why}")
        emulator_note(device)
        print(f"{'case':<10} {'clips':>5} {'seconds':>8} {'wmel ms':>10} {'target ms':>10} {'met':>4}")
        for case in a.cases:
            if case in wmel:
                b = a.batch if case.startswith("batch") else 1
                tgt = TARGET_MS[case]
                print(f"{case:<10} {b:>5} {SAMPLES[case] / 16000.0:>8.0f} {wmel[case]:>10.4f} {tgt:>10.3f} "
                      f"{'yes' if wmel[case] <= tgt else 'no':>4}")
        return

    dev = torch.device("cuda")
    window = torch.hann_window(400, device=dev)
    filters = torch_filters(torch, 80, dev)
    rows = []
    for case in a.cases:
        if case not in wmel:
            continue
        n = SAMPLES[case]
        b = a.batch if case.startswith("batch") else 1
        audio = torch.randn(b, n, device=dev) * 0.1 if b > 1 else torch.randn(n, device=dev) * 0.1
        # openai converts int16 on the host; torch's pipeline always sees float32
        t = time_torch(torch, audio, filters, window, a.reps)
        del audio
        torch.cuda.empty_cache()
        rows.append((case, b, n / 16000.0, wmel[case], t))

    print(f"device: {device}   wmel kernel: {kernel}   torch {torch.__version__}   "
          f"median of {a.reps}, CUDA events")
    emulator_note(device)
    print(f"{'case':<10} {'clips':>5} {'seconds':>8} {'wmel ms':>10} {'torch ms':>10} "
          f"{'torch/wmel':>10} {'target ms':>10} {'met':>4}")
    for case, b, sec, w, t in rows:
        tgt = TARGET_MS.get(case)
        print(f"{case:<10} {b:>5} {sec:>8.0f} {w:>10.4f} {t:>10.4f} {t / w:>10.2f} "
              f"{tgt:>10.3f} {'yes' if w <= tgt else 'no':>4}")


if __name__ == "__main__":
    main()
