#!/usr/bin/env python3
"""soak_batch.py -- the `wmel batch` job and the decoder under abuse (`make soak-batch`,
never part of `make test`). Python stdlib only; needs ffmpeg and a wmel built with FFmpeg.

1. kill/resume: ROUNDS rounds over a generated corpus (five formats, broken inputs),
   the mode taken in turn (pad30, full, windows), 1 to 3 interruptions per round, each a
   random signal (SIGKILL, SIGTERM, SIGINT) at a random moment of the job; after every
   interruption each complete shard and its parts must equal the uninterrupted job's,
   and no final file may be partial; the last run finishes the job, which must then
   equal the uninterrupted one byte for byte (every file, .parts included) with the same
   exit status and no temporary file left.
2. mutated audio: MUTANTS files made from mp3, flac, ogg, m4a, opus and wav encodings
   of the bundled speech by random byte flips, overwritten runs, cuts, inserted and
   deleted bytes; each decoded by `wmel decode` and by openai-whisper's ffmpeg command
   (ffmpeg -nostdin -threads 0 -i F -f s16le -ac 1 -acodec pcm_s16le -ar 16000 -):
   both must succeed with the same samples bit for bit, or both fail (ffmpeg exiting 0
   with no sample counts as failing: wmel reports "no audio"); wmel must never crash (a
   signal, a sanitizer report) and never exceed PER_FILE_TIMEOUT seconds. One known
   difference is counted apart: a damaged FLAC, which `-threads 0` decodes with frame
   threads that drop more frames around the damage; wmel decodes it with one thread and
   must then equal `ffmpeg -threads 1`.
Prints the counts and exits 1 on any failure.
"""
import argparse
import array
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEECH = ROOT / "data" / "speech_en.wav"
PER_FILE_TIMEOUT = 60


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *map(str, args)], check=True)


def make_corpus(d: pathlib.Path) -> pathlib.Path:
    d.mkdir(parents=True)
    enc = [("a.flac", ["-ar", 44100, "-ac", 2]), ("b.mp3", ["-ar", 48000, "-ac", 2]),
           ("c.opus", ["-ar", 48000, "-c:a", "libopus"]), ("d.m4a", ["-ar", 44100, "-c:a", "aac"]),
           ("e.wav", ["-ar", 48000, "-ac", 2]), ("f.ogg", ["-ar", 44100, "-c:a", "libvorbis"])]
    for name, a in enc:
        ff("-i", SPEECH, *a, d / name)
    ff("-f", "lavfi", "-i", "sine=f=300:d=75", "-ar", 44100, "-ac", 2, d / "long.flac")
    (d / "junk.wav").write_text("not audio\n")
    (d / "empty.mp3").write_bytes(b"")
    names = []
    for i in range(30):
        src = enc[i % len(enc)][0] if i % 7 else "long.flac"
        names.append(src if i < len(enc) else f"c{i:02d}/{src}")
        if i >= len(enc):
            (d / f"c{i:02d}").mkdir()
            shutil.copyfile(d / src, d / f"c{i:02d}" / src)
    names[10:10] = ["junk.wav"]
    names[20:20] = ["empty.mp3", "missing.flac"]
    m = d / "list.txt"
    m.write_text("".join(n + "\n" for n in names))
    return m


def tree(d: pathlib.Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def run_job(wmel, manifest, out, mode, extra=()):
    return subprocess.run([wmel, "batch", str(manifest), "-o", str(out), "--mode", mode,
                           "--shard-size", "3", "--jobs", "2", "-q", *extra],
                          stderr=subprocess.PIPE, text=True)


def kill_resume(wmel, work: pathlib.Path, rounds: int, rng: random.Random) -> dict:
    manifest = make_corpus(work / "corpus")
    modes = ["pad30", "full", "windows"]
    ref, ref_rc, ref_time = {}, {}, {}
    for m in modes:
        t0 = time.monotonic()
        r = run_job(wmel, manifest, work / f"ref_{m}", m)
        ref_time[m] = time.monotonic() - t0
        ref_rc[m] = r.returncode
        ref[m] = tree(work / f"ref_{m}")
        if r.returncode not in (0, 3):
            raise SystemExit(f"reference job {m} failed: {r.stderr}")
    n = {"rounds": 0, "rounds_ok": 0, "interruptions": 0, "SIGKILL": 0, "SIGTERM": 0,
         "SIGINT": 0, "killed_mid_job": 0, "failures": []}
    sigs = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT]
    for rd in range(rounds):
        mode = modes[rd % 3]
        out = work / f"round{rd:02d}"
        ok = True
        for _ in range(rng.randint(1, 3)):
            sig = rng.choice(sigs)
            at = rng.uniform(0.0, ref_time[mode] * 1.1)
            p = subprocess.Popen([wmel, "batch", str(manifest), "-o", str(out), "--mode", mode,
                                  "--shard-size", "3", "--jobs", "2", "-q"],
                                 stderr=subprocess.DEVNULL)
            time.sleep(at)
            if p.poll() is None:
                p.send_signal(sig)
                n["killed_mid_job"] += 1
            rc = p.wait()
            n["interruptions"] += 1
            n[sig.name] += 1
            if rc not in (0, 3, -sig):
                n["failures"].append(f"round {rd} ({mode}): {sig.name} at {at:.2f} s: exit {rc}")
                ok = False
            have = tree(out) if out.exists() else {}
            for k, v in have.items():  # every final file whole: shards and parts as the reference's
                if k.startswith("shard-") or k.startswith(".parts/"):
                    if ".tmp." in k and sig != signal.SIGKILL:
                        n["failures"].append(f"round {rd}: {sig.name} left the temporary {k}")
                        ok = False
                    elif ".tmp." not in k and ref[mode].get(k) != v:
                        n["failures"].append(f"round {rd}: {k} after {sig.name} differs from the reference")
                        ok = False
                    if k.startswith("shard-") and ".tmp." not in k:
                        s = k[6:12]
                        if f".parts/{s}.index.jsonl" not in have or f".parts/{s}.errors.jsonl" not in have:
                            n["failures"].append(f"round {rd}: {k} without its parts")
                            ok = False
        r = run_job(wmel, manifest, out, mode)
        got = tree(out)
        if r.returncode != ref_rc[mode]:
            n["failures"].append(f"round {rd} ({mode}): resumed exit {r.returncode} != {ref_rc[mode]}: {r.stderr}")
            ok = False
        if got != ref[mode]:
            diff = sorted(set(got) ^ set(ref[mode])) + [k for k in got if k in ref[mode] and got[k] != ref[mode][k]]
            n["failures"].append(f"round {rd} ({mode}): resumed folder differs: {diff[:5]}")
            ok = False
        n["rounds"] += 1
        n["rounds_ok"] += ok
        shutil.rmtree(out)
    return n


# ---------------------------------------------------------------- mutated audio

def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    kind = rng.choice(["flip", "overwrite", "cut", "insert", "delete", "mix"])
    ops = [kind] if kind != "mix" else [rng.choice(["flip", "overwrite", "insert", "delete"]) for _ in range(3)]
    for op in ops:
        if len(b) < 16:
            break
        at = rng.randrange(len(b))
        if op == "flip":
            for _ in range(rng.randint(1, 20)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
        elif op == "overwrite":
            k = rng.randint(1, 256)
            b[at:at + k] = bytes(rng.randrange(256) for _ in range(min(k, len(b) - at)))
        elif op == "cut":
            del b[rng.randint(len(b) // 10, len(b) - 1):]
        elif op == "insert":
            b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op == "delete":
            del b[at:at + rng.randint(1, 64)]
    return bytes(b)


def npy_s16(path: pathlib.Path) -> bytes:
    raw = path.read_bytes()
    h = int.from_bytes(raw[8:10], "little") + 10
    f = array.array("f")
    f.frombytes(raw[h:])
    return array.array("h", (int(x * 32768.0) for x in f)).tobytes()


def mutated_decode(wmel, work: pathlib.Path, count: int, rng: random.Random) -> dict:
    src = work / "src"
    src.mkdir(parents=True)
    enc = {"mp3": ["-ar", 44100], "flac": ["-ar", 48000, "-ac", 2], "ogg": ["-c:a", "libvorbis"],
           "m4a": ["-c:a", "aac"], "opus": ["-c:a", "libopus"], "wav": ["-ar", 22050, "-ac", 2]}
    seeds = {}
    for ext, a in enc.items():
        ff("-i", SPEECH, "-t", 3, *a, src / f"s.{ext}")
        seeds[ext] = (src / f"s.{ext}").read_bytes()
    n = {"files": 0, "identical": 0, "both_failed": 0, "flac_frame_threads": 0, "differ": 0,
         "crashes": 0, "timeouts": 0,
         "per_format": {e: 0 for e in enc}, "failures": []}
    m = work / "m"
    m.mkdir()
    for i in range(count):
        ext = list(enc)[i % len(enc)]
        f = m / f"x{i:05d}.{ext}"
        f.write_bytes(mutate(seeds[ext], rng))
        out = m / "out.npy"
        try:
            w = subprocess.run([wmel, "decode", str(f), "-o", str(out), "-q"], stderr=subprocess.PIPE,
                               text=True, errors="replace", timeout=PER_FILE_TIMEOUT)
        except subprocess.TimeoutExpired:
            n["timeouts"] += 1
            n["failures"].append(f"{f.name}: wmel decode ran over {PER_FILE_TIMEOUT} s")
            shutil.copyfile(f, work / f.name)
            continue
        def ffmpeg(threads):
            return subprocess.run(["ffmpeg", "-nostdin", "-threads", threads, "-i", str(f), "-f",
                                   "s16le", "-ac", "1", "-acodec", "pcm_s16le", "-ar", "16000", "-"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=300)
        r = ffmpeg("0")
        n["files"] += 1
        n["per_format"][ext] += 1
        if w.returncode < 0 or w.returncode > 3 or "Sanitizer" in w.stderr or "runtime error" in w.stderr:
            n["crashes"] += 1
            n["failures"].append(f"{f.name}: wmel decode crashed (exit {w.returncode}): {w.stderr[-300:]}")
            shutil.copyfile(f, work / f.name)
        elif w.returncode == 0 and r.returncode == 0 and npy_s16(out) == r.stdout:
            n["identical"] += 1
        elif w.returncode != 0 and (r.returncode != 0 or not r.stdout):
            n["both_failed"] += 1  # ffmpeg's "success" with no sample: wmel says no audio
        elif (w.returncode == 0 and r.returncode == 0 and ext == "flac"
              and npy_s16(out) == ffmpeg("1").stdout):
            # -threads 0 decodes FLAC with frame threads, which drop more frames around a
            # damaged one than one thread does; wmel decodes with one thread
            n["flac_frame_threads"] += 1
        else:
            n["differ"] += 1
            n["failures"].append(f"{f.name}: wmel exit {w.returncode}, ffmpeg exit {r.returncode}"
                                 f"{', samples differ' if w.returncode == 0 == r.returncode else ''}: "
                                 f"{w.stderr.strip()[:200]}")
            shutil.copyfile(f, work / f.name)
        out.unlink(missing_ok=True)
        f.unlink()
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wmel", required=True)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--mutants", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="folder for failing inputs (default: a temporary one, removed)")
    a = ap.parse_args()
    if not shutil.which("ffmpeg"):
        raise SystemExit("soak_batch: needs ffmpeg")
    rng = random.Random(a.seed)
    work = pathlib.Path(a.keep or tempfile.mkdtemp(prefix="wmel-soak-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    try:
        k = kill_resume(a.wmel, work / "kill", a.rounds, rng) if a.rounds else {"failures": []}
        t1 = time.monotonic()
        if a.rounds:
                print(f"kill/resume: {k['rounds_ok']} of {k['rounds']} rounds resumed byte-identical; "
                  f"{k['interruptions']} interruptions ({k['SIGKILL']} SIGKILL, {k['SIGTERM']} SIGTERM, "
                  f"{k['SIGINT']} SIGINT; {k['killed_mid_job']} mid-job), modes pad30/full/windows "
                  f"in turn; {t1 - t0:.0f} s")
        mu = mutated_decode(a.wmel, work / "mut", a.mutants, rng)
        print(f"mutated audio: {mu['files']} files ({', '.join(f'{v} {e}' for e, v in mu['per_format'].items())}): "
              f"{mu['identical']} decoded bit-identical to the ffmpeg CLI, {mu['both_failed']} refused by "
              f"both (or no sample from either), {mu['flac_frame_threads']} damaged FLAC equal to "
              f"ffmpeg -threads 1 (frame threads drop more), {mu['differ']} differing, "
              f"{mu['crashes']} crashes, {mu['timeouts']} over "
              f"{PER_FILE_TIMEOUT} s; {time.monotonic() - t1:.0f} s")
        fails = k["failures"] + mu["failures"]
        for f in fails[:40]:
            print("FAIL:", f)
        if fails:
            print(f"soak-batch: {len(fails)} failure(s); inputs kept in {work}")
            a.keep = str(work)
            sys.exit(1)
        print("soak-batch: passed")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
