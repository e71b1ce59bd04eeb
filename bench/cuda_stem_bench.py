#!/usr/bin/env python3
"""cuda_stem_bench.py -- log-Mel + Whisper encoder stem on the GPU: wmel against torch, both
timed on the device with CUDA events in the same run, on the same audio and the same
weights, printed as medians with ratios; the outputs of both are compared too.

Geometry: large-v3 (128 mels, d 1280), random weights (seeded, uniform +-1/sqrt(fan_in),
float32, sinusoid positions written into the file), B windows of 30 s (default 64).

torch side, as openai-whisper writes it, on device tensors:
  mel:  torch.stft(400, 160, hann), [..., :-1].abs() ** 2, filters @, clamp/log10,
        max(x, x.max - 8) with the max per clip (wmel's WMEL_BATCH_PER_CLIP), (x + 4) / 4
  stem: F.gelu(F.conv1d(mel, w1, b1, padding=1)); F.gelu(F.conv1d(x, w2, b2, stride=2,
        padding=1)); x.permute(0, 2, 1) + positions
  timed twice: with TF32 off (float32 like wmel: the ratio that compares like with like)
  and with torch's default cuDNN setting (allow_tf32=True for convolutions).
wmel side: build/.../wmel_cuda_stem_bench (bench/cuda_stem_bench.c):
  wmel_cuda_log_mel_device -> wmel_cuda_stem_device on one stream.

Usage: python3 bench/cuda_stem_bench.py [--build build-cuda] [--reps 20] [--batch 64]
Without torch (or a CUDA device for it) only wmel's times are printed (see cuda_bench.py,
also for the emulator build).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

from cuda_bench import emulator_note, median_event_ms, parse_lines, run_tool, torch_cuda  # shared conventions
from peer_python import torch_log_mel

N_MELS, D, T_OUT, SAMPLES = 128, 1280, 1500, 480000


def sinusoids(length, channels):
    """whisper.model.sinusoids, in float32 steps as torch computes it."""
    inc = np.log(10000.0) / (channels // 2 - 1)
    inv = np.exp(-inc * np.arange(channels // 2, dtype=np.float32)).astype(np.float32)
    t = np.arange(length, dtype=np.float32)[:, None] * inv[None, :]
    return np.concatenate([np.sin(t), np.cos(t)], axis=1).astype(np.float32)


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in blobs:
            f.write(b)


def torch_filters(torch, device):
    here = os.path.dirname(os.path.abspath(__file__))
    npz = os.path.join(here, "..", "..", "shared", "golden", "mel_filters.npz")
    try:
        with np.load(npz) as f:
            return torch.from_numpy(f[f"mel_{N_MELS}"]).to(device), "mel_filters.npz"
    except Exception:  # the timing does not depend on the values; the comparison does
        return torch.rand(N_MELS, 201, device=device) * 0.01, "random (no mel_filters.npz: outputs not comparable)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-cuda", help="build folder holding wmel_cuda_stem_bench")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    exe = os.path.join(a.build, "wmel_cuda_stem_bench")
    if not os.path.exists(exe):
        sys.exit(f"{exe} not found: cmake -S . -B {a.build} -DWMEL_CUDA=ON && cmake --build {a.build} -j")

    rng = np.random.default_rng(20240607)
    s1, s2 = 1 / np.sqrt(3 * N_MELS), 1 / np.sqrt(3 * D)
    w = {
        "model.encoder.conv1.weight": rng.uniform(-s1, s1, (D, N_MELS, 3)).astype(np.float32),
        "model.encoder.conv1.bias": rng.uniform(-s1, s1, (D,)).astype(np.float32),
        "model.encoder.conv2.weight": rng.uniform(-s2, s2, (D, D, 3)).astype(np.float32),
        "model.encoder.conv2.bias": rng.uniform(-s2, s2, (D,)).astype(np.float32),
        "model.encoder.embed_positions.weight": sinusoids(T_OUT, D),
    }
    t = np.arange(SAMPLES, dtype=np.float64) / 16000.0
    audio = np.empty((a.batch, SAMPLES), dtype=np.float32)
    for b in range(a.batch):  # a tone per clip plus noise, speech-like level
        audio[b] = 0.2 * np.sin(2 * np.pi * (150 + 10 * b) * t) + 0.02 * rng.standard_normal(SAMPLES)

    with tempfile.TemporaryDirectory() as tmp:
        wpath, apath, dpath = (os.path.join(tmp, n) for n in ("w.safetensors", "audio.f32", "out.f32"))
        write_safetensors(wpath, w)
        audio.tofile(apath)
        out = run_tool([exe, "--weights", wpath, "--audio", apath, "--batch", str(a.batch),
                        "--reps", str(a.reps), "--dump", dpath])
        wmel_out = np.fromfile(dpath, dtype=np.float32).reshape(2, T_OUT, D)
    device, rows = parse_lines(out, "wmel_cuda_stem")
    wm = {name: float(f[0]) for name, f in rows.items()}

    torch, why = torch_cuda()
    if torch is None:
        print(f"device: {device}   median of {a.reps}, CUDA events   no torch peer: {why}")
        emulator_note(device)
        print(f"{a.batch} windows x 30 s, large-v3 geometry ({N_MELS} mels, d {D}), random float32 weights")
        print(f"{'part':<6} {'wmel ms':>9}")
        for part in ("mel", "stem", "total"):
            print(f"{part:<6} {wm.get(part, float('nan')):>9.3f}")
        print(f"wmel output: finite {bool(np.isfinite(wmel_out).all())}, "
              f"max |value| {float(np.max(np.abs(wmel_out))):.3g} (first and last window)")
        return
    import torch.nn.functional as F

    dev = torch.device("cuda")
    window = torch.hann_window(400, device=dev)
    filters, fsrc = torch_filters(torch, dev)
    x = torch.from_numpy(audio).to(dev)
    tw = {k: torch.from_numpy(v).to(dev) for k, v in w.items()}

    def mel():
        return torch_log_mel(torch, x, filters, window, per_clip=True)

    def stem(m):
        h = F.gelu(F.conv1d(m, tw["model.encoder.conv1.weight"], tw["model.encoder.conv1.bias"], padding=1))
        h = F.gelu(F.conv1d(h, tw["model.encoder.conv2.weight"], tw["model.encoder.conv2.bias"], stride=2, padding=1))
        return h.permute(0, 2, 1) + tw["model.encoder.embed_positions.weight"]

    def timed(fn):
        with torch.no_grad():
            return median_event_ms(torch, fn, a.reps)

    default_tf32 = torch.backends.cudnn.allow_tf32
    rows = []
    for label, tf32 in (("fp32", False), ("cudnn default (tf32)" if default_tf32 else "cudnn default", default_tf32)):
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        with torch.no_grad():
            m = mel()
        t_mel = timed(mel)
        t_stem = timed(lambda: stem(m))
        t_all = timed(lambda: stem(mel()))
        with torch.no_grad():
            out = stem(m)
        e = max(float(np.max(np.abs(out[0].cpu().numpy() - wmel_out[0]))),
                float(np.max(np.abs(out[-1].cpu().numpy() - wmel_out[1]))))
        rows.append((label, t_mel, t_stem, t_all, e))
        del m, out
    torch.backends.cudnn.allow_tf32 = default_tf32

    print(f"device: {device}   torch {torch.__version__}   median of {a.reps}, CUDA events")
    emulator_note(device)
    print(f"{a.batch} windows x 30 s, large-v3 geometry ({N_MELS} mels, d {D}), random float32 weights; "
          f"mel filters: {fsrc}")
    print(f"wmel: wmel_cuda_log_mel_device (per-clip max) -> wmel_cuda_stem_device (cuBLAS SGEMM, fp32)")
    print(f"torch: stft pipeline (per-clip max) -> conv1d/gelu/conv1d/gelu/permute + positions")
    print(f"{'torch mode':<22} {'part':<6} {'wmel ms':>9} {'torch ms':>9} {'torch/wmel':>10} {'max|diff|':>10}")
    for label, t_mel, t_stem, t_all, e in rows:
        for part, tt in (("mel", t_mel), ("stem", t_stem), ("total", t_all)):
            wv = wm.get(part, float("nan"))
            print(f"{label:<22} {part:<6} {wv:>9.3f} {tt:>9.3f} {tt / wv:>10.2f} "
                  f"{(f'{e:.2e}' if part == 'total' else ''):>10}")
    print("max|diff|: wmel vs torch stem output, first and last window")


if __name__ == "__main__":
    main()
