#!/usr/bin/env python3
"""wav_diff.py -- the built-in WAV reader against the ffmpeg CLI on generated files.

Hostile headers (duplicate chunks, size 0 / 0xFFFFFFFF data, RF64, short or extensible
'fmt ', foreign GUIDs, nBlockAlign that disagrees, non-finite floats) and valid odd files
(six sample formats, odd rates, layouts, lengths) are written to a folder, decoded by
`wav_s16` (the built-in reader) and by openai-whisper's ffmpeg command, and each file is
classed:

  identical     the same int16 bytes (or both give no samples)
  refused       the built-in reader refuses with a sentence where it is expected to
                (the case says so: formats it does not read); FFmpeg may decode them
  deliberate    WAVE_FORMAT_EXTENSIBLE PCM in wider containers (24 or 20 valid bits in
                32): the built-in reader takes the containers' top bits and must equal
                FFmpeg on the same samples written as plain PCM (FFmpeg 5.1 reads noise)
  mismatch      anything else: the run fails

Usage: wav_diff.py --wav-s16 PATH [--ffmpeg PATH] [--all] [--corpus DIR] [--keep DIR]
  default: a fixed subset (every hostile case, a sample of the valid ones): seconds.
  --all: every generated file. --corpus DIR: only write the files (fuzz seeds), no decoding.
"""
import argparse
import concurrent.futures
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

KSDATA = bytes.fromhex("000000001000800000aa00389b71")  # the base GUID after its 2-byte tag


def fmt_chunk(tag, ch, rate, bits, align=None, ext=None, length=None, byte_rate=None):
    align = ch * ((bits + 7) // 8) if align is None else align
    byte_rate = rate * align if byte_rate is None else byte_rate
    body = struct.pack("<HHIIHH", tag & 0xFFFF, ch & 0xFFFF, rate & 0xFFFFFFFF, byte_rate & 0xFFFFFFFF,
                       align & 0xFFFF, bits & 0xFFFF)
    if ext is not None:
        body += ext
    if length is not None:
        body = body[:length]
    return b"fmt " + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")


def ext_part(valid, mask, sub=1, guid_tail=KSDATA, cb=22):
    return struct.pack("<HHI", cb, valid, mask) + struct.pack("<H", sub) + guid_tail


def data_chunk(payload, claim=None):
    n = len(payload) if claim is None else claim
    return b"data" + struct.pack("<I", n & 0xFFFFFFFF) + payload + (b"\0" if len(payload) & 1 else b"")


def riff(chunks, magic=b"RIFF"):
    body = b"WAVE" + b"".join(chunks)
    return magic + struct.pack("<I", len(body) & 0xFFFFFFFF) + body


class Rng:
    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFF

    def next(self):
        self.s = (self.s * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.s

    def uniform(self):
        return self.next() / 4294967296.0 * 2 - 1


def signal(frames, ch, seed):
    """frames x ch values in [-1.1, 1.1]: a sweep, noise and a clipped stretch"""
    r = Rng(seed)
    out = []
    for i in range(frames):
        row = []
        for c in range(ch):
            v = 0.6 * math.sin(0.0007 * i * i / (1 + i / 3000) + c) + 0.3 * r.uniform()
            if (i // 997) % 5 == 4:
                v *= 2.2
            row.append(v)
        out.append(row)
    return out


def pack(x, fmt, container=None):
    b = bytearray()
    for row in x:
        for v in row:
            v = max(-1.0, min(1.0, v)) if fmt not in ("f32", "f64") else v
            if fmt == "u8":
                b += struct.pack("<B", int(round(v * 127 + 128)))
            elif fmt == "s16":
                b += struct.pack("<h", int(round(v * 32767)))
            elif fmt == "s24":
                b += struct.pack("<i", int(round(v * 8388607)))[:3]
            elif fmt == "s32":
                b += struct.pack("<i", max(-2147483648, min(2147483647, int(round(v * 2147483647)))))
            elif fmt == "f32":
                b += struct.pack("<f", v)
            elif fmt == "f64":
                b += struct.pack("<d", v)
            elif fmt.startswith("v"):  # vNN: NN valid bits left-justified in `container` bytes
                vb = int(fmt[1:])
                q = int(round(v * ((1 << (vb - 1)) - 1))) << (8 * container - vb)
                b += struct.pack("<i", q)[:container] if container == 4 else struct.pack("<i", q)[:container]
    return bytes(b)


FMTS = {"u8": (1, 8), "s16": (1, 16), "s24": (1, 24), "s32": (1, 32), "f32": (3, 32), "f64": (3, 64)}


def plain(fmt, rate, ch, frames, seed, mask=None):
    tag, bits = FMTS[fmt]
    x = signal(frames, ch, seed)
    if mask is None:
        f = fmt_chunk(tag, ch, rate, bits)
    else:
        f = fmt_chunk(0xFFFE, ch, rate, bits, ext=ext_part(bits, mask, tag))
    return riff([f, data_chunk(pack(x, fmt))])


def valid_cases():
    """(name, bytes): six formats x rates x layouts x lengths"""
    rates = [1000, 7350, 8000, 11025, 12001, 16000, 22050, 44100, 48000, 88200, 96000, 500000]
    layouts = [(1, None), (2, None), (2, 0x3), (3, None), (4, 0x33), (6, 0x3F), (6, 0x60F), (8, None),
               (2, 0x60000000), (1, 0x1)]
    lengths = [1, 37, 500, 4801]
    k = 0
    for fmt in FMTS:
        for rate in rates:
            for ch, mask in layouts:
                for n in lengths:
                    k += 1
                    name = "v_%s_%d_%dch%s_%d" % (fmt, rate, ch, "" if mask is None else "_%x" % mask, n)
                    yield name, (fmt, rate, ch, n, k, mask)


def hostile_cases():
    """(name, bytes, expect): expect 'same' (FFmpeg's bytes), 'refuse' (a sentence), or
    ('deliberate', twin bytes FFmpeg must decode to the reader's samples)"""
    x = signal(32000, 1, 7)
    s16 = pack(x, "s16")
    f16 = fmt_chunk(1, 1, 16000, 16)
    f48 = fmt_chunk(1, 1, 48000, 16)
    junk = b"JUNK" + struct.pack("<I", 5) + b"abcde\0"
    listc = b"LIST" + struct.pack("<I", 8) + b"INFOxxxx"
    yield "two_fmt", riff([f16, f48, data_chunk(s16)]), "same"
    yield "two_data", riff([f16, data_chunk(s16[:2000]), data_chunk(s16[2000:8000])]), "same"
    yield "data_then_list", riff([f16, data_chunk(s16[:3000]), listc]), "same"
    yield "data_before_fmt", riff([data_chunk(s16[:3000]), f16]), "same"
    yield "odd_junk_pad", riff([junk, f16, data_chunk(s16[:3001])]), "same"
    yield "data_size0", riff([f16]) + b"data" + struct.pack("<I", 0) + s16[:6000], "same"
    yield "data_size0_then_more", riff([f16, b"data" + struct.pack("<I", 0) + s16[:4000], data_chunk(s16[:100])]), "same"
    yield "data_ffffffff", riff([f16]) + b"data" + struct.pack("<I", 0xFFFFFFFF) + s16[:5000], "same"
    yield "data_lies", riff([f16]) + b"data" + struct.pack("<I", 900000) + s16[:5000], "same"
    for magic in (b"RF64", b"BW64"):
        ds = b"ds64" + struct.pack("<IQQQI", 28, 0xFFFFFFFF, 6000, 3000, 0)
        yield "rf64_" + magic.decode().lower(), magic + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + ds + f16 + \
            b"data" + struct.pack("<I", 0xFFFFFFFF) + s16[:6000] + listc, "same"
    yield "fmt14", riff([fmt_chunk(1, 1, 16000, 8, length=14), data_chunk(pack(x[:4000], "u8"))]), "same"
    yield "fmt12", riff([fmt_chunk(1, 1, 16000, 16, length=12), data_chunk(s16[:100])]), "refuse"
    yield "fmt18_cb0", riff([fmt_chunk(1, 1, 16000, 16, ext=b"\0\0"), data_chunk(s16[:3000])]), "same"
    st = pack(signal(3000, 2, 9), "s16")
    yield "mask_stereo_downmix", riff([fmt_chunk(0xFFFE, 2, 16000, 16, ext=ext_part(16, 0x60000000)), data_chunk(st)]), "same"
    yield "mask_popcount_off", riff([fmt_chunk(0xFFFE, 2, 22050, 16, ext=ext_part(16, 0x7)), data_chunk(st)]), "same"
    yield "guid_foreign", riff([fmt_chunk(0xFFFE, 2, 16000, 16, ext=ext_part(16, 3, 1, bytes(range(14)))),
                                data_chunk(st)]), "refuse"
    yield "guid_sub_10001", riff([fmt_chunk(0xFFFE, 2, 16000, 16,
                                            ext=struct.pack("<HHI", 22, 16, 3) + struct.pack("<I", 0x10001) + KSDATA[2:]),
                                  data_chunk(st)]), "refuse"
    yield "ext_no_extension", riff([fmt_chunk(0xFFFE, 1, 16000, 16, ext=struct.pack("<H", 0)),
                                    data_chunk(s16[:2000])]), "refuse"
    yield "ext_alaw", riff([fmt_chunk(0xFFFE, 1, 8000, 8, ext=ext_part(8, 4, 6)), data_chunk(s16[:2000])]), "refuse"
    yield "align3_mono16", riff([fmt_chunk(1, 1, 16000, 16, align=3), data_chunk(s16[:20001])]), "same"
    yield "align0_3ch", riff([fmt_chunk(1, 3, 44100, 16, align=0), data_chunk(pack(signal(5000, 3, 3), "s16"))]), "same"
    yield "align1_s24", riff([fmt_chunk(1, 1, 16000, 24, align=1), data_chunk(pack(x[:9000], "s24"))]), "same"
    yield "align8_stereo16", riff([fmt_chunk(1, 2, 48000, 16, align=8), data_chunk(st * 3)]), "same"
    yield "align_big", riff([fmt_chunk(1, 1, 16000, 16, align=5000), data_chunk(s16[:30000])]), "same"
    yield "bits12_in16", riff([fmt_chunk(1, 1, 16000, 12, align=2), data_chunk(s16[:3000])]), "same"
    yield "ext_valid20_in24", riff([fmt_chunk(0xFFFE, 1, 44100, 24, ext=ext_part(20, 4)),
                                    data_chunk(pack(x[:6000], "s24"))]), "same"
    yield "ext_valid12_in16", riff([fmt_chunk(0xFFFE, 2, 16000, 16, ext=ext_part(12, 3)), data_chunk(st)]), "same"
    for vb, ch, rate in ((24, 2, 16000), (20, 1, 44100), (24, 6, 48000), (16, 1, 16000)):
        y = signal(3000, ch, vb)
        mask = {1: 4, 2: 3, 6: 0x3F}[ch]
        f = riff([fmt_chunk(0xFFFE, ch, rate, 32, ext=ext_part(vb, mask)), data_chunk(pack(y, "v%d" % vb, 4))])
        twin = riff([fmt_chunk(0xFFFE, ch, rate, 32, ext=ext_part(32, mask)), data_chunk(pack(y, "v%d" % vb, 4))])
        yield "ext_valid%d_in32_%dch_%d" % (vb, ch, rate), f, ("deliberate", twin)
    yield "ext_valid24_in16", riff([fmt_chunk(0xFFFE, 1, 16000, 16, ext=ext_part(24, 4)), data_chunk(s16[:3000])]), "refuse"
    for name, v in (("nan", float("nan")), ("inf", float("inf")), ("ninf", float("-inf")), ("big", 1e30),
                    ("65536", 65536.0), ("131072", 131072.0), ("m65537", -65537.0), ("half", 0.99999)):
        for rate in (16000, 44100):
            y = [[0.1 * math.sin(i / 9.0) if i % 7 else v] for i in range(4000)]
            yield "f64_%s_%d" % (name, rate), riff([fmt_chunk(3, 1, rate, 64), data_chunk(pack(y, "f64"))]), "same"
            if rate == 16000:
                yield "f32_%s" % name, riff([fmt_chunk(3, 1, rate, 32), data_chunk(pack(y, "f32"))]), "same"
    yield "rate_2m", riff([fmt_chunk(1, 1, 2000000, 16), data_chunk(s16[:4000])]), "refuse"
    yield "rate_0", riff([fmt_chunk(1, 1, 0, 16), data_chunk(s16[:4000])]), "refuse"
    yield "channels_0", riff([fmt_chunk(1, 0, 16000, 16, align=2), data_chunk(s16[:4000])]), "refuse"
    yield "ten_ch_no_mask", riff([fmt_chunk(1, 10, 16000, 16), data_chunk(pack(signal(300, 10, 1), "s16"))]), "refuse"
    yield "pcm_s64", riff([fmt_chunk(1, 1, 16000, 64), data_chunk(pack(x[:500], "f64"))]), "refuse"
    yield "float24", riff([fmt_chunk(3, 1, 16000, 24), data_chunk(pack(x[:500], "s24"))]), "refuse"
    yield "float_bits30", riff([fmt_chunk(3, 1, 16000, 30, align=4), data_chunk(pack(x[:500], "f32"))]), "refuse"
    yield "rifx", b"RIFX" + riff([f16, data_chunk(s16[:200])])[4:], "refuse"
    yield "no_data", riff([f16]), "refuse"
    yield "no_fmt", riff([data_chunk(s16[:200])]), "refuse"
    yield "few_at_1hz", riff([fmt_chunk(1, 1, 1, 16), data_chunk(s16[:40])]), "same"
    yield "few_at_44k", riff([fmt_chunk(1, 1, 44100, 16), data_chunk(s16[:10])]), "same"
    yield "chunk_past_end", riff([f16, data_chunk(s16[:3000]), b"LIST" + struct.pack("<I", 0xFFFFFFF0)]), "same"


def run(args):
    work = args.keep or tempfile.mkdtemp(prefix="wav_diff.")
    os.makedirs(work, exist_ok=True)
    cases = []  # (name, expect, twin)
    for name, b, expect in hostile_cases():
        twin = None
        if isinstance(expect, tuple):
            expect, twin = expect
            with open(os.path.join(work, name + ".twin.wav"), "wb") as f:
                f.write(twin)
        with open(os.path.join(work, name + ".wav"), "wb") as f:
            f.write(b)
        cases.append((name, expect, twin is not None))
    for i, (name, spec) in enumerate(valid_cases()):
        if not args.all and i % (47 if args.corpus else 53):
            continue
        fmt, rate, ch, n, seed, mask = spec
        with open(os.path.join(work, name + ".wav"), "wb") as f:
            f.write(plain(fmt, rate, ch, n, seed, mask))
        cases.append((name, "same", False))
    if args.corpus:  # fuzz_wav_stream's seeds: one byte first (its piece size), 16 KB at most, sizes distinct
        sizes, kept = set(), 0
        for k, (name, _, _) in enumerate(cases):
            with open(os.path.join(work, name + ".wav"), "rb") as f:
                b = bytes([(k * 37) % 256]) + f.read()
            while len(b) in sizes:
                b += b"\0"
            if len(b) > 16384:
                continue
            sizes.add(len(b))
            kept += 1
            with open(os.path.join(args.corpus, "gen-" + name), "wb") as f:
                f.write(b)
        print("wav_diff: %d seeds written to %s" % (kept, args.corpus))
        return 0
    files = [os.path.join(work, c[0] + ".wav") for c in cases]
    mine = {}
    out = subprocess.run([args.wav_s16, work] + files, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        kind, name, rest = line.split(" ", 2)
        mine[name[:-4]] = (kind, rest)

    def ffmpeg(path):
        p = subprocess.run([args.ffmpeg, "-nostdin", "-v", "quiet", "-threads", "0", "-i", path, "-f", "s16le", "-ac",
                            "1", "-acodec", "pcm_s16le", "-ar", "16000", "-"], capture_output=True)
        return p.returncode, p.stdout

    refs = {}
    jobs = [(c[0], c[0] + (".twin.wav" if c[1] == "deliberate" else ".wav")) for c in cases]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for (name, _), r in zip(jobs, pool.map(lambda j: ffmpeg(os.path.join(work, j[1])), jobs)):
            refs[name] = r
    counts = {"identical": 0, "refused": 0, "deliberate": 0, "mismatch": 0}
    bad = []
    for name, expect, has_twin in cases:
        kind, rest = mine[name]
        got = None
        if kind == "ok":
            with open(os.path.join(work, name + ".wav.s16"), "rb") as f:
                got = f.read()
        if expect == "deliberate":
            rc, ref = refs[name]
            if got is not None and rc == 0 and got == ref and len(ref):
                counts["deliberate"] += 1
            else:
                counts["mismatch"] += 1
                bad.append("%s: deliberate case: %s" % (name, rest if got is None else "differs from its plain twin"))
            continue
        rc, ref = refs[name]
        if got is None and expect == "refuse":
            counts["refused"] += 1
            print("  refused %s (FFmpeg: %s): %s" % (name, "%d samples" % (len(ref) // 2) if rc == 0 and ref
                                                    else "refuses too", rest))
        elif got is None and (rc != 0 or not ref) and "too few to resample" in rest:
            counts["identical"] += 1  # both give no samples
        elif got is not None and rc == 0 and got == ref:
            counts["identical"] += 1
        else:
            counts["mismatch"] += 1
            if got is None:
                why = "refused (%s), FFmpeg %s" % (rest, "gives %d samples" % (len(ref) // 2) if rc == 0 else "refuses")
            elif rc != 0:
                why = "FFmpeg refuses, the reader gives %d samples" % (len(got) // 2)
            else:
                d = sum(1 for a, b in zip(got[::2], ref[::2]) if a != b)
                why = "%d samples against FFmpeg's %d, %d first bytes differ" % (len(got) // 2, len(ref) // 2, d)
            bad.append("%s: %s" % (name, why))
    print("wav_diff: %d files: %d identical, %d refused with a reason, %d deliberate differences, %d mismatches"
          % (len(cases), counts["identical"], counts["refused"], counts["deliberate"], counts["mismatch"]))
    for b in bad:
        print("  MISMATCH " + b)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wav-s16", help="the wav_s16 program (the built-in reader)")
    ap.add_argument("--ffmpeg", default="ffmpeg")
    ap.add_argument("--all", action="store_true", help="every generated file (minutes)")
    ap.add_argument("--corpus", help="write the files (hostile + a sample of valid) here and stop")
    ap.add_argument("--keep", help="work in this folder and keep it")
    args = ap.parse_args()
    if not args.corpus and not args.wav_s16:
        ap.error("--wav-s16 is needed to compare")
    if args.corpus:
        os.makedirs(args.corpus, exist_ok=True)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
