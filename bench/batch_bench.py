#!/usr/bin/env python3
"""batch_bench.py -- whole-corpus throughput: `wmel batch` against decoding alone, the
HF `datasets` pipeline and the Ray job, side by side in one run, in audio-hours per
wall-second (not a test: `make bench-batch` runs it; take its figures on a quiet machine).

    batch_bench.py --wmel build-bench/wmel [--files 200] [--min-s 10] [--max-s 120]
                   [--corpus DIR] [--skip hf,ray] [--out DIR]

The corpus (generated once into --corpus with ffmpeg, then reused): --files inputs of
--min-s..--max-s seconds, the bundled speech looped, mixed FLAC / MP3 / Opus / M4A (AAC) /
WAV at 44.1 and 48 kHz stereo (Opus at 48 kHz, its only rate). Rows:
  decode only, 1 and 2 threads   wmel.load_audio (in-process FFmpeg) on every file: the floor
  wmel batch --jobs 1, --jobs 2  the command, pad30 (what fine-tuning feeds the model)
  HF datasets .map, num_proc=2   datasets' Audio feature decodes and resamples to 16 kHz
                                 (M4A, which libsndfile cannot read, through librosa.load),
                                 transformers' WhisperFeatureExtractor (numpy) computes
  wmel.ray, local cluster        a head node with 2 CPUs on this machine, 2 workers
The peers are checked to compute the same features: WhisperFeatureExtractor on wmel's
decoded audio vs wmel's item (max abs difference; the decoders themselves differ:
datasets resamples with soxr/librosa, wmel as ffmpeg does, like openai's load_audio).
Targets: --jobs 2 >= 1.8x --jobs 1; wmel batch >= 85% of decode-only at the
same parallelism; >= 20x the HF pipeline.
"""
import argparse
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from py_overhead import cpu_model  # noqa: E402  (one copy, in the bench folder)

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORMATS = [("flac", []), ("mp3", []), ("opus", ["-c:a", "libopus"]), ("m4a", ["-c:a", "aac"]),
           ("wav", [])]


def make_corpus(d: pathlib.Path, n: int, lo: float, hi: float):
    manifest = d / "list.txt"
    if manifest.exists() and len(manifest.read_text().splitlines()) == n:
        return manifest
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(12)
    names = []
    for i in range(n):
        ext, extra = FORMATS[i % len(FORMATS)]
        sr = 48000 if ext == "opus" else (44100, 48000)[(i // len(FORMATS)) % 2]  # Opus: 48 kHz only
        dur = rng.uniform(lo, hi)
        name = f"{i:04d}.{ext}"
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1",
                        "-i", str(ROOT / "data" / "speech_en.wav"), "-t", f"{dur:.2f}",
                        "-af", f"volume={0.5 + 0.5 * rng.random():.2f}", "-ar", str(sr), "-ac", "2",
                        *extra, str(d / name)], check=True)
        names.append(name)
        print(f"\rcorpus: {i + 1}/{n} files", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    manifest.write_text("".join(x + "\n" for x in names))
    return manifest


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def decode_only(files, threads):
    import wmel
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads) as ex:  # the GIL is released while decoding
        return sum(len(a) for a in ex.map(lambda p: wmel.load_audio(str(p)), files)) / 16000.0


def hf_pipeline(files, out, num_proc):
    """datasets .map + WhisperFeatureExtractor. The Audio feature of datasets 3.x decodes
    through libsndfile, which reads FLAC, MP3, Ogg Opus and WAV but not M4A: M4A goes
    through librosa.load (audioread, an ffmpeg process), as users of that pipeline do."""
    import datasets
    from transformers import WhisperFeatureExtractor
    fe = WhisperFeatureExtractor()
    audio = datasets.Audio(sampling_rate=16000)
    ds = datasets.Dataset.from_dict({"path": [str(p) for p in files]})

    def prep(ex):
        if ex["path"].endswith(".m4a"):
            import librosa
            a, _ = librosa.load(ex["path"], sr=16000)
        else:
            a = audio.decode_example({"path": ex["path"], "bytes": None})["array"]
        ex["input_features"] = fe(a, sampling_rate=16000, return_tensors="np").input_features[0]
        ex["seconds"] = len(a) / 16000.0
        return ex

    ds = ds.map(prep, num_proc=num_proc, remove_columns=["path"], cache_file_name=str(out / "hf.arrow"))
    return float(sum(ds["seconds"]))


def same_features(files, items_dir, n=3):
    """max |WhisperFeatureExtractor(wmel's audio) - wmel batch's item| over a few files."""
    import io
    import tarfile
    import numpy as np
    import wmel
    from transformers import WhisperFeatureExtractor
    fe = WhisperFeatureExtractor()
    worst = 0.0
    with tarfile.open(items_dir / "shard-000000.tar") as t:
        for p in files[:n]:
            key = p.stem
            ours = np.load(io.BytesIO(t.extractfile(f"{key}.npy").read()))
            theirs = fe(wmel.load_audio(str(p)), sampling_rate=16000, return_tensors="np").input_features[0]
            worst = max(worst, float(np.abs(ours - theirs).max()))
    return worst


def ray_job(manifest, out, workers):
    import wmel.ray
    tag, tmp = uuid.uuid4().hex, tempfile.mkdtemp(prefix="wb", dir="/tmp")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", WMEL_BENCH_RAY_TAG=tag)
    ray_bin = pathlib.Path(sys.executable).parent / "ray"
    log = open(os.path.join(tmp, "head.log"), "wb")
    head = subprocess.Popen([str(ray_bin), "start", "--head", "--block", f"--port={port}",
                             "--node-ip-address=127.0.0.1", f"--num-cpus={workers}",
                             "--include-dashboard=false", "--disable-usage-stats",
                             "--object-store-memory=300000000", f"--temp-dir={tmp}"],
                            env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        end = time.time() + 90
        while b"Ray runtime started" not in open(os.path.join(tmp, "head.log"), "rb").read():
            if time.time() > end or head.poll() is not None:
                raise RuntimeError("the Ray head did not start: see " + os.path.join(tmp, "head.log"))
            time.sleep(0.5)
        t, r = timed(lambda: wmel.ray.run(manifest, out, address=f"127.0.0.1:{port}", workers=workers,
                                          shard_size=1000))
        return t, r.audio_seconds
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        time.sleep(5)
        for p in os.listdir("/proc"):  # what the cluster left: only processes tagged as ours
            if p.isdigit():
                try:
                    if f"WMEL_BENCH_RAY_TAG={tag}".encode() in open(f"/proc/{p}/environ", "rb").read().split(b"\0"):
                        os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
        head.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wmel", default=str(ROOT / "build-bench" / "wmel"), help="the wmel command")
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--min-s", type=float, default=10)
    ap.add_argument("--max-s", type=float, default=120)
    ap.add_argument("--corpus", default=str(ROOT / "build-bench" / "corpus"))
    ap.add_argument("--out", default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--skip", default="", help="comma-separated: hf, ray")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    corpus = pathlib.Path(a.corpus) / f"{a.files}x{a.min_s:g}-{a.max_s:g}s"
    manifest = make_corpus(corpus, a.files, a.min_s, a.max_s)
    files = [corpus / x for x in manifest.read_text().split()]
    out = pathlib.Path(a.out or tempfile.mkdtemp(prefix="wmel-batch-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    import wmel
    rows = []
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; wmel {wmel.version()}; "
          f"load average {open('/proc/loadavg').read().split()[0]}", flush=True)

    def row(name, secs, audio, note=""):
        rows.append((name, secs, audio / 3600.0 / secs if secs > 0 else 0.0, note))
        print(f"  {name:32s} {secs:8.2f} s  {audio / 3600.0:6.2f} h  {rows[-1][2]:8.4f} audio-h/s  {note}", flush=True)

    for th in (1, 2):
        t, audio = timed(lambda: decode_only(files, th))
        row(f"decode only, {th} thread(s)", t, audio)
    total_audio = audio
    for jobs in (1, 2):
        d = out / f"batch{jobs}"
        shutil.rmtree(d, ignore_errors=True)
        t, rc = timed(lambda: subprocess.run([a.wmel, "batch", str(manifest), "-o", str(d), "--jobs", str(jobs), "-q"]).returncode)
        if rc != 0:
            sys.exit(f"wmel batch --jobs {jobs} exited {rc}")
        row(f"wmel batch --jobs {jobs}", t, total_audio)
    if "hf" not in skip:
        try:
            t, audio = timed(lambda: hf_pipeline(files, out, 2))
            diff = same_features(files, out / "batch1")
            row("HF datasets .map, num_proc=2", t, audio, f"features within {diff:.1e} of wmel's")
        except ImportError as e:
            print(f"  HF datasets pipeline skipped: {e}")
    if "ray" not in skip:
        try:
            d = out / "ray"
            shutil.rmtree(d, ignore_errors=True)
            t, audio = ray_job(manifest, d, 2)
            row("wmel.ray, local cluster, 2 workers", t, audio)
        except ImportError as e:
            print(f"  Ray job skipped: {e}")
    by = {r[0]: r[2] for r in rows}
    j1, j2 = by["wmel batch --jobs 1"], by["wmel batch --jobs 2"]
    print(f"\n--jobs 2 / --jobs 1: {j2 / j1:.2f}x (target >= 1.8x)")
    print(f"wmel batch / decode only: {j1 / by['decode only, 1 thread(s)']:.0%} (1 job), "
          f"{j2 / by['decode only, 2 thread(s)']:.0%} (2 jobs) (target >= 85%)")
    if "HF datasets .map, num_proc=2" in by:
        print(f"wmel batch --jobs 2 / HF datasets num_proc=2: {j2 / by['HF datasets .map, num_proc=2']:.1f}x (target >= 20x)")
    print(json.dumps({"rows": [{"name": r[0], "seconds": r[1], "audio_hours_per_s": r[2], "note": r[3]} for r in rows]}))
    if not a.out:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
