#!/usr/bin/env python3
"""Writes the small seed corpora of tests/fuzz/corpus/ (committed; rerun only to change
them). Needs numpy, and the ffmpeg CLI for the encoded decoder seeds (skipped without)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
C = os.path.join(HERE, "corpus")
rng = np.random.default_rng(13)


def put(sub, name, data):
    os.makedirs(os.path.join(C, sub), exist_ok=True)
    with open(os.path.join(C, sub, name), "wb") as f:
        f.write(data)


def wav(samples, rate=16000, ch=1, fmt=1, bits=16, extensible=False):
    data = samples.tobytes()
    block = ch * bits // 8
    if extensible:
        fmt_chunk = struct.pack("<HHIIHHHHIH14s", 0xFFFE, ch, rate, rate * block, block, bits, 22, bits,
                                4 if ch == 1 else 3, fmt, b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71")
    else:
        fmt_chunk = struct.pack("<HHIIHH", fmt, ch, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


t = np.arange(480) / 16000.0
tone = 0.3 * np.sin(2 * np.pi * 440 * t)
s16 = (tone * 32767).astype("<i2")
f32 = tone.astype("<f4")

# the WAV reader
put("fuzz_wav", "pcm16.wav", wav(s16))
put("fuzz_wav", "f32.wav", wav(f32, fmt=3, bits=32))
put("fuzz_wav", "extensible.wav", wav(s16, extensible=True))
put("fuzz_wav", "stereo44k.wav", wav(np.repeat(s16[:200], 2), rate=44100, ch=2))
put("fuzz_wav", "truncated.wav", wav(s16)[:300])
put("fuzz_wav", "long_claim.wav", wav(s16)[:40] + struct.pack("<I", 1 << 30) + s16.tobytes()[:200])

# the decoder: first byte = read size selector, then the file
for name, blob in [("pcm16.wav", wav(s16)), ("f32.wav", wav(f32, fmt=3, bits=32)),
                   ("truncated.wav", wav(s16)[:300])]:
    put("fuzz_decode", name, bytes([3]) + blob)
if shutil.which("ffmpeg"):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.wav")
        with open(src, "wb") as f:
            f.write(wav(s16))
        for ext, args in [("flac", []), ("mp3", ["-b:a", "32k"]), ("ogg", ["-c:a", "libvorbis", "-q:a", "0"]),
                          ("opus", ["-c:a", "libopus", "-b:a", "16k"]), ("m4a", ["-c:a", "aac", "-b:a", "32k"])]:
            out = os.path.join(d, "t." + ext)
            r = subprocess.run(["ffmpeg", "-v", "quiet", "-y", "-i", src, *args, out])
            if r.returncode == 0:
                with open(out, "rb") as f:
                    put("fuzz_decode", "tone." + ext, bytes([11]) + f.read())
else:
    print("no ffmpeg CLI: encoded decoder seeds skipped", file=sys.stderr)


# safetensors: a tiny valid stem (d 4, 80 mels) in F32, F16 and BF16, and odd headers
def safetensors(tensors, meta=None):
    hdr, blobs, off = {}, [], 0
    if meta is not None:
        hdr["__metadata__"] = meta
    for name, (dtype, arr) in tensors.items():
        b = arr.tobytes()
        hdr[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(hdr).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def stem(dtype, prefix="model.encoder."):
    d, m = 4, 80
    parts = {"conv1.weight": (d, m, 3), "conv1.bias": (d,), "conv2.weight": (d, d, 3), "conv2.bias": (d,)}
    out = {}
    for k, shape in parts.items():
        a = (rng.standard_normal(shape) * 0.1).astype("<f4")
        if dtype == "F16":
            a = a.astype("<f2")
        elif dtype == "BF16":
            a = (a.view("<u4") >> 16).astype("<u2")
        out[prefix + k] = (dtype, a)
    return out


put("fuzz_safetensors", "stem_f32.safetensors", safetensors(stem("F32"), {"format": "pt"}))
put("fuzz_safetensors", "stem_f16.safetensors", safetensors(stem("F16", "encoder.")))
put("fuzz_safetensors", "stem_bf16.safetensors", safetensors(stem("BF16", "")))
put("fuzz_safetensors", "empty.safetensors", safetensors({}))
put("fuzz_safetensors", "meta_only.safetensors", safetensors({}, {"a": "b"}))
put("fuzz_safetensors", "other_dtypes.safetensors",
    safetensors({"x": ("I64", np.arange(3, dtype="<i8")), "y": ("U8", np.arange(5, dtype="u1")),
                 "z": ("F32", np.zeros((0, 3), "<f4"))}))

# .npy
def npy(arr, fortran=False):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        arr.dtype.str, "True" if fortran else "False", repr(tuple(arr.shape)))
    h = d.encode() + b" " * (-(len(d) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + arr.tobytes()


put("fuzz_npy", "f4_2x3.npy", npy(np.arange(6, dtype="<f4").reshape(2, 3)))
put("fuzz_npy", "f8.npy", npy(np.linspace(0, 1, 5)))
put("fuzz_npy", "i2.npy", npy(np.arange(-3, 4, dtype="<i2")))
put("fuzz_npy", "i4_3d.npy", npy(np.arange(8, dtype="<i4").reshape(2, 2, 2)))
put("fuzz_npy", "scalar.npy", npy(np.array(1.5, dtype="<f4")))
put("fuzz_npy", "fortran.npy", npy(np.zeros((2, 2), "<f4"), fortran=True))

# compute: two mode bytes, 16-bit padding, 16-bit stream piece, then samples
for i, (mode, mode2) in enumerate([(0x00, 0x00), (0x07, 0x0D), (0x1A, 0x8E), (0x21, 0x05), (0x44, 0x2F),
                                   (0x12, 0x0C)]):
    n = 400 + 300 * i
    x = (0.2 * np.sin(2 * np.pi * (100 + 150 * i) * np.arange(n) / 16000)).astype("<f4")
    if mode & 0x20 or mode2 & 4:
        body = (x * 32767).astype("<i2").tobytes()
    else:
        body = x.tobytes()
    put("fuzz_compute", "seed%d" % i, bytes([mode, mode2]) + struct.pack("<HH", 37 * i, 500 + 97 * i) + body)
put("fuzz_compute", "nan", bytes([0, 0, 0, 0, 0, 1]) + np.array([0.1] * 300 + [np.nan] + [0.1] * 300, "<f4").tobytes())
put("fuzz_compute", "huge", bytes([0, 8, 0, 0, 0, 1]) + np.array([5e18, -5e18] * 300, "<f4").tobytes())

# plan JSON: the built-in presets as they are
for p in sorted(os.listdir(os.path.join(HERE, "..", "..", "presets"))):
    if p.endswith(".json"):
        with open(os.path.join(HERE, "..", "..", "presets", p), "rb") as f:
            data = f.read()
        # every seed of a corpus has its own size (libFuzzer orders its seeds by size, ties by the
        # folder's listing order, which differs between clones): a tie gets trailing newlines
        sizes = {os.path.getsize(os.path.join(C, "fuzz_plan_json", q))
                 for q in os.listdir(os.path.join(C, "fuzz_plan_json")) if q != "seed-" + p}
        while len(data) in sizes:
            data += b"\n"
        put("fuzz_plan_json", "seed-" + p, data)

# CMVN files: Kaldi statistics (text, binary double and float) and FunASR's am.mvn
put("fuzz_cmvn", "seed-text.ark", b"global_cmvn  [\n  10 -20 5 10\n  30 50 2.5 0 ]\n")
put("fuzz_cmvn", "seed-binary-dm.ark", b"\0BDM " + struct.pack("<bi", 4, 2) + struct.pack("<bi", 4, 4)
    + struct.pack("<8d", 10, -20, 5, 10, 30, 50, 2.5, 0))
put("fuzz_cmvn", "seed-binary-fm.ark", b"k \0BFM " + struct.pack("<bi", 4, 2) + struct.pack("<bi", 4, 3)
    + struct.pack("<6f", 1, 2, 3, 4, 5, 0))
put("fuzz_cmvn", "seed-am.mvn", b"<Nnet>\n<Splice> 3 3\n[ 0 ]\n<AddShift> 3 3\n<LearnRateCoef> 0 [ -1.5 2 0.25 ]\n"
    b"<Rescale> 3 3\n<LearnRateCoef> 0 [ 0.5 4 -2 ]\n</Nnet>\n")
