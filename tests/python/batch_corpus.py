"""batch_corpus.py -- a generated corpus for the `wmel batch` tests (test_batch.py,
test_ray.py): the bundled speech in five formats at 44.1/48 kHz stereo (ffmpeg), a
41-second tone, noise, copies up to `n` good inputs, and broken ones (not audio, empty,
missing). Returns (folder, manifest path, keys of the good items, keys of the broken)."""
import os
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEECH = ROOT / "data" / "speech_en.wav"


def have_ffmpeg() -> bool:
    import wmel
    return shutil.which("ffmpeg") is not None and wmel.have_ffmpeg()


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *map(str, args)], check=True)


def make_corpus(d: pathlib.Path, n: int = 12):
    d.mkdir(parents=True, exist_ok=True)
    (d / "sub").mkdir(exist_ok=True)
    base = [
        ("a.flac", ["-i", SPEECH, "-ar", 44100, "-ac", 2]),
        ("b.mp3", ["-i", SPEECH, "-ar", 48000, "-ac", 2]),
        ("c.opus", ["-i", SPEECH, "-ar", 48000, "-ac", 2, "-c:a", "libopus"]),
        ("d.m4a", ["-i", SPEECH, "-ar", 44100, "-ac", 2, "-c:a", "aac"]),
        ("sub/e.wav", ["-i", SPEECH, "-ar", 48000, "-ac", 2]),
        ("sub/tone.flac", ["-f", "lavfi", "-i", "sine=f=300:d=41", "-ar", 44100, "-ac", 2]),
        ("noise.mp3", ["-f", "lavfi", "-i", "anoisesrc=d=3:a=0.1", "-ar", 48000, "-ac", 2]),
    ]
    names = []
    for name, args in base:
        ff(*args, d / name)
        names.append(name)
    k = 0
    while len(names) < n:
        src = base[k % len(base)][0]
        ext = src.rsplit(".", 1)[1]
        name = f"copy/{k:03d}.{ext}"
        (d / "copy").mkdir(exist_ok=True)
        shutil.copyfile(d / src, d / name)
        names.append(name)
        k += 1
    (d / "junk.wav").write_text("not audio at all\n")
    (d / "empty.mp3").write_bytes(b"")
    broken = ["junk.wav", "empty.mp3", "missing.flac"]
    order = names[:3] + [broken[0]] + names[3:8] + [broken[1]] + names[8:] + [broken[2]]
    (d / "list.txt").write_text("".join(p + "\n" for p in order))
    good = [os.path.splitext(p)[0] for p in names]
    bad = [os.path.splitext(p)[0] for p in broken]
    return d, d / "list.txt", good, bad
