#!/usr/bin/env python3
"""roofline.py -- what the Vulkan frame shader can be expected to take on real GPUs, from
ACO's instruction counts (bench/vulkan_cost.sh) and spec-sheet rates, without a GPU.

    python3 bench/vulkan/roofline.py [--f64 N] [--ff N] [--frames-per-clip 3000] [--clips 1024]

--f64 / --ff: instructions one frame's wave64 issues (bench/results/2026-11-26-vulkan-shader-arithmetic.md's table, "instructions a
frame's wave issues", navi21) in float64 and in float-float. The model, stated so that it can
be argued with:
  - work: a wave64 instruction is two 32-lane instructions on NVIDIA, Apple and Intel (and one
    on RDNA in wave64); every instruction issues at the device's 32-lane instruction rate
    (SMs x 4 schedulers x clock on NVIDIA), and float64 work (half of the float64 shader's
    instructions, an estimate) at the device's float64 rate; latency is taken as hidden;
  - memory: per frame hop x 4 bytes in (float32 samples) and n_mels x 4 out, at the
    device's memory bandwidth; for a discrete GPU fed from host memory the same bytes over
    PCIe (pinned, at the link's practical rate), reported apart: callers that keep the
    samples and the features on the device (wmel_cuda_log_mel_device) do not pay it;
  - host work: none (framing and the finish on the device);
  - the time is the largest of work and memory (a roofline), not their sum.
It prints the model's inputs beside each row. These are expectations to test against, not
measurements: bench/gpu_check.sh measures on a lent GPU.
"""
import argparse

# name, arithmetic, 32-lane instructions/s, float64 32-lane instructions/s (None: emulated,
# float-float), memory GB/s, PCIe GB/s (None: unified memory), source of the rates
DEVICES = [
    ("NVIDIA H100 SXM", "f64", 132 * 4 * 1.98e9, 132 * 2 * 1.98e9, 3350, 50,
     "132 SMs, 1.98 GHz, 64 FP64 lanes/SM, HBM3 3.35 TB/s, PCIe 5.0"),
    ("NVIDIA RTX 4090", "ff", 128 * 4 * 2.52e9, None, 1008, 25,
     "128 SMs, 2.52 GHz, FP64 1/64 (float-float), GDDR6X 1.0 TB/s, PCIe 4.0"),
    ("Apple M2 (10-core GPU)", "ff", 10 * 4 * 1.40e9, None, 100, None,
     "10 cores x 128 lanes, 1.4 GHz, no FP64 (float-float), unified 100 GB/s"),
    ("Intel Iris Xe (96 EU)", "ff", 96 * 0.25 * 1.30e9, None, 68, None,
     "96 EUs x 8 FP32 lanes, 1.3 GHz, FP64 emulated (float-float), LPDDR4x 68 GB/s shared"),
    ("AMD Radeon 780M (12 CU)", "ff", 12 * 2 * 2.70e9, None, 90, None,
     "12 CUs RDNA3 (2 SIMD32 each), 2.7 GHz, FP64 1/16 (float-float), DDR5 ~90 GB/s shared"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--f64", type=float, default=1638,
                    help="wave64 instructions a frame, float64 (default: the shader of 2026-11-26, bench/results/2026-11-26-vulkan-shader-arithmetic.md)")
    ap.add_argument("--ff", type=float, default=9065,
                    help="wave64 instructions a frame, float-float (default: the shader of 2026-11-26)")
    ap.add_argument("--hop", type=int, default=160)
    ap.add_argument("--n-mels", type=int, default=80)
    ap.add_argument("--frames-per-clip", type=int, default=3000)
    ap.add_argument("--clips", type=int, default=1024)
    ap.add_argument("--cpu-us-per-frame", type=float, default=0.28,
                    help="wmel's CPU backend, for the last column (AVX-512, 2 cores)")
    a = ap.parse_args()
    frames = a.frames_per_clip * a.clips
    bytes_frame = 4 * (a.hop + a.n_mels)
    print(f"model inputs: {a.f64:.0f} (float64) / {a.ff:.0f} (float-float) wave64 instructions a frame, "
          f"{bytes_frame} bytes a frame, {a.frames_per_clip} frames a clip, {a.clips} clips")
    print(f"{'device':26} {'arith':5} {'µs/frame':>9} {'ms/clip':>8} {'ms/batch':>9} {'+PCIe ms':>9} "
          f"{'CPU ms/batch':>12}  rates")
    for name, arith, rate32, rate64, mem, pcie, src in DEVICES:
        inst32 = 2 * (a.f64 if arith == "f64" else a.ff)
        if arith == "f64":
            t_work = inst32 / 2 / rate32 + inst32 / 2 / rate64
        else:
            t_work = inst32 / rate32
        t_mem = bytes_frame / (mem * 1e9)
        t = max(t_work, t_mem)
        batch_ms = t * frames * 1e3
        pcie_ms = bytes_frame * frames / (pcie * 1e9) * 1e3 if pcie else 0.0
        cpu_ms = a.cpu_us_per_frame * frames * 1e-3
        print(f"{name:26} {arith:5} {t * 1e6:9.4f} {t * a.frames_per_clip * 1e3:8.3f} {batch_ms:9.1f} "
              f"{pcie_ms:9.1f} {cpu_ms:12.0f}  {src}")


if __name__ == "__main__":
    main()
