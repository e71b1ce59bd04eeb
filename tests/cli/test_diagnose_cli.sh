#!/usr/bin/env bash
# test_diagnose_cli.sh -- `wmel diagnose` on features a script gets wrong (run by CTest in
# every build, so under ASan+UBSan too): a raw file's --shape whose product overflows or
# does not match the file is refused (exit 3, no crash); a port one frame long or short is
# told the frame difference (exit 1 where its plan reproduces it, 3 where none expresses or
# explains it), on a plan of a fixed frame count (AST, Kaldi with --n-frames)
# too, within a minute, and on a stacked plan (FunASR's LFR) as rows; a NaN cell is named by
# its row and column (exit 3: not explained); features of one value everywhere (0, 0.5, 3e38, an (80, 1)
# array of zeros) are never explained, and no residual is infinite; the answer's plan
# (--emit-plan, wmel mel --plan reproduces the port; written only when it reproduces every
# clip, exit 3 otherwise or when a clip is not read; to a FIFO and /dev/stdout in place; its
# notes valid UTF-8 for any features name), repeated clips, clips as .npy/.f32 (not bfloat16)
# and a pack's cases (those without frames, empty in the pack and the port's, left out);
# --max-candidates: two runs under a work bound give the same answer, said to be cut;
# --deterministic: no dither proposed; the
# frame count as the framing's rule, not a count fixed on a clip that ends in silence; tf.
# numpy is not needed: .npy files are patched with python3's standard library.
set -u
WMEL=${WMEL:?set WMEL to the wmel binary}
GOLDEN=${GOLDEN:?set GOLDEN to ../shared/golden}
SPEECH="$GOLDEN/audio/speech_en.wav"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# exit status of a diagnosis, stopped after LIMIT seconds (124: it did not return)
LIMIT=${WMEL_DIAGNOSE_LIMIT:-120}
dg() { timeout "$LIMIT" "$WMEL" diagnose "$@" >"$T/out" 2>"$T/err"; echo $?; }

# npy.py OP IN OUT [ARGS]: a float32 .npy (C order, 2-D) edited: rows+1 (the last row again),
# rows-1, cols+1, cols-1, nan R C, const V (same shape), zeros R C (a new array), batch (a
# leading axis of 1), raw (the values as little-endian float32, no header)
cat >"$T/npy.py" <<'EOF'
import ast, struct, sys
op, src, dst = sys.argv[1:4]
args = sys.argv[4:]
def load(p):
    b = open(p, "rb").read()
    hl = struct.unpack("<H", b[8:10])[0]
    h = ast.literal_eval(b[10:10 + hl].decode("latin1"))
    assert h["descr"] == "<f4" and not h["fortran_order"] and len(h["shape"]) == 2, h
    r, c = h["shape"]
    v = list(struct.unpack("<%df" % (r * c), b[10 + hl:10 + hl + 4 * r * c]))
    return r, c, [v[i * c:(i + 1) * c] for i in range(r)]
def save(p, rows, r, c):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (r, c)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    flat = [x for row in rows for x in row]
    open(p, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1") +
                        struct.pack("<%df" % len(flat), *flat))
if op == "zeros":
    r, c = int(args[0]), int(args[1])
    save(dst, [[0.0] * c for _ in range(r)], r, c)
    sys.exit(0)
r, c, m = load(src)
if op == "rows+1": m.append(list(m[-1])); r += 1
elif op == "rows-1": m.pop(); r -= 1
elif op == "cols+1": m = [row + row[-1:] for row in m]; c += 1
elif op == "cols-1": m = [row[:-1] for row in m]; c -= 1
elif op == "nan": m[int(args[0])][int(args[1])] = float("nan")
elif op == "const": m = [[float(args[0])] * c for _ in range(r)]
elif op in ("batch", "batch2"):  # leading axes of 1: (1, r, c), or (1, 1, r, c) as PANNs' torchlibrosa
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s%d, %d), }" % ("1, " * (2 if op == "batch2" else 1), r, c)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    flat = [x for row in m for x in row]
    open(dst, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1") +
                          struct.pack("<%df" % len(flat), *flat))
    sys.exit(0)
elif op == "raw":
    open(dst, "wb").write(struct.pack("<%df" % (r * c), *[x for row in m for x in row]))
    sys.exit(0)
save(dst, m, r, c)
EOF
npy() { python3 "$T/npy.py" "$@" || bad "npy.py $*"; }

"$WMEL" mel "$SPEECH" --preset whisper -o "$T/w.npy" -q || bad "mel whisper"
"$WMEL" mel "$SPEECH" --preset ast -o "$T/ast.npy" -q || bad "mel ast"
"$WMEL" mel "$SPEECH" --preset kaldi --n-frames 100 -o "$T/k100.npy" -q || bad "mel kaldi --n-frames 100"
"$WMEL" mel "$SPEECH" --preset funasr -o "$T/fa.npy" -q || bad "mel funasr"

# ---- --shape: the product checked, the file's size matched exactly
head -c 960000 /dev/zero >"$T/z.f32"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/z.f32" --shape 80,288230376151714744)
[ "$rc" = 3 ] && grep -q "overflows" "$T/err" || bad "a wrapping --shape: exit $rc: $(cat "$T/err")"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/z.f32" --shape 80,3001)
[ "$rc" = 3 ] && grep -q "960000 bytes" "$T/err" || bad "--shape larger than the file: exit $rc: $(cat "$T/err")"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/z.f32" --shape 80,-3000)
[ "$rc" = 2 ] || bad "--shape with a negative count: exit $rc: $(cat "$T/err")"
npy raw "$T/w.npy" "$T/w.f32"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/w.f32" --shape 80,699)
[ "$rc" = 0 ] || bad "the raw features of the plan: exit $rc: $(cat "$T/out" "$T/err")"

# ---- the frame count: a fixed count (AST 1024, Kaldi --n-frames 100) one frame long
npy rows+1 "$T/ast.npy" "$T/ast1025.npy"
rc=$(dg --preset ast --audio "$SPEECH" --features "$T/ast1025.npy")
[ "$rc" = 1 ] || bad "AST one frame long: exit $rc (124: no answer in ${LIMIT} s): $(cat "$T/err")"
grep -q "n_frames: 1025, preset 1024" "$T/out" && grep -q "one extra frame (1025 vs 1024)" "$T/out" ||
  bad "AST one frame long: $(cat "$T/out")"
npy rows+1 "$T/k100.npy" "$T/k101.npy"
rc=$(dg --preset kaldi --n-frames 100 --audio "$SPEECH" --features "$T/k101.npy")
[ "$rc" = 3 ] && grep -q "one extra frame (101 vs 100)" "$T/out" ||
  bad "Kaldi --n-frames 100 given 101: exit $rc: $(cat "$T/out" "$T/err")"
# Whisper (699 frames of this clip): the count against the clip's, not the 30 s chunk's
npy cols+1 "$T/w.npy" "$T/w700.npy"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/w700.npy")
# (the extra frame is silence after the clip before the reflect padding: the plan's n_samples)
[ "$rc" = 1 ] && grep -q "n_frames: 700, preset 699" "$T/out" && grep -q "one extra frame (700 vs 699)" "$T/out" &&
  grep -q '"n_samples": 112000' "$T/out" ||
  bad "whisper one frame long: exit $rc: $(cat "$T/out" "$T/err")"
npy cols-1 "$T/w.npy" "$T/w698.npy"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/w698.npy")
[ "$rc" = 1 ] && grep -q "one frame fewer (698 vs 699)" "$T/out" ||
  bad "whisper one frame short: exit $rc: $(cat "$T/out" "$T/err")"
# a stacked plan (LFR 7/6): one row short is named as rows, not refused as another shape
npy rows-1 "$T/fa.npy" "$T/fa_short.npy"
rc=$(dg --preset funasr --audio "$SPEECH" --features "$T/fa_short.npy")
[ "$rc" = 1 ] && grep -q "one row fewer" "$T/out" && grep -q "^n_frames: " "$T/out" ||
  bad "funasr one row short: exit $rc: $(cat "$T/out" "$T/err")"

# ---- a NaN cell: named by its row and column, the rest diagnosed
npy nan "$T/w.npy" "$T/wnan.npy" 3 100
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/wnan.npy")
[ "$rc" = 3 ] && grep -q "values: NaN at (row 3, column 100)" "$T/out" && grep -q "not explained" "$T/err" ||
  bad "a NaN cell: exit $rc: $(cat "$T/out" "$T/err")"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/wnan.npy" --json)
grep -q '"nonfinite": 1' "$T/out" && grep -q '"explained": false' "$T/out" || bad "a NaN cell, JSON: $(cat "$T/out")"

# ---- features of one value: never explained, no row masked, no infinite residual
for v in 0 0.5 3e38; do
  npy const "$T/w.npy" "$T/c.npy" "$v"
  rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/c.npy" --json)
  [ "$rc" = 3 ] || bad "constant $v: exit $rc: $(cat "$T/err")"
  grep -q '"explained": false' "$T/out" || bad "constant $v explained: $(cat "$T/out")"
  grep -q '"bank"' "$T/out" && bad "constant $v: rows named zero filters: $(cat "$T/out")"
  grep -q '"residual_before": 0,' "$T/out" && bad "constant $v: residual 0 before: $(cat "$T/out")"
done
npy zeros "" "$T/z801.npy" 80 1
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/z801.npy")
[ "$rc" = 3 ] || bad "(80, 1) zeros: exit $rc: $(cat "$T/err")"
grep -Eq "inf|nan|units" "$T/out" && bad "(80, 1) zeros: $(cat "$T/out")"
grep -q "n_frames: 1, preset 699" "$T/out" || bad "(80, 1) zeros: the count: $(cat "$T/out")"

# ---- the answer as a plan: --emit-plan writes it, wmel mel --plan reproduces the port
# (bit for bit: the same plan), and a second clip (a WAV: every build reads it) is checked with it
"$WMEL" mel "$SPEECH" --preset kaldi --window hamming --preemph 0 -o "$T/kh.npy" -q || bad "mel kaldi hamming"
"$WMEL" mel "$GOLDEN/audio/exact_30s.wav" --preset kaldi --window hamming --preemph 0 -o "$T/kh2.npy" -q || bad "mel exact_30s"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/kh.npy" --audio "$GOLDEN/audio/exact_30s.wav" --features "$T/kh2.npy" \
  --emit-plan "$T/kh.json")
[ "$rc" = 1 ] && grep -q '^plan: {' "$T/out" && grep -q '"notes": "wmel diagnose' "$T/kh.json" ||
  bad "--emit-plan: exit $rc: $(cat "$T/out" "$T/err" "$T/kh.json")"
grep -q "^clip 2 (.*exact_30s.wav): reproduced" "$T/out" || bad "the second clip: $(cat "$T/out")"
"$WMEL" mel "$SPEECH" --plan "$T/kh.json" -o "$T/kh_again.npy" -q && cmp -s "$T/kh.npy" "$T/kh_again.npy" ||
  bad "wmel mel --plan of the emitted plan differs from the port's features"
# a second run replaces the plan it wrote; a file it did not write only with --force (here and
# below, where the port itself does not matter, one with a single difference: a short search)
"$WMEL" mel "$SPEECH" --preset kaldi --window hamming -o "$T/k1.npy" -q || bad "mel kaldi hamming (k1)"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/k1.npy" --emit-plan "$T/kh.json")
[ "$rc" = 1 ] || bad "--emit-plan over its own plan: exit $rc: $(cat "$T/err")"
echo '{"frontend": "whisper"}' >"$T/mine.json"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/k1.npy" --emit-plan "$T/mine.json")
[ "$rc" = 2 ] && grep -q "force" "$T/err" && grep -q '^{"frontend": "whisper"}$' "$T/mine.json" ||
  bad "--emit-plan over another file: exit $rc: $(cat "$T/err" "$T/mine.json")"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/k1.npy" --emit-plan "$T/mine.json" --force)
[ "$rc" = 1 ] && grep -q '"window": "hamming"' "$T/mine.json" || bad "--emit-plan --force: exit $rc: $(cat "$T/err")"
# a transposed port in dB: the plan carries the layout and the affine; JSON names it
"$WMEL" mel "$SPEECH" --preset kaldi -o "$T/kk.npy" -q || bad "mel kaldi"
python3 - "$T/kk.npy" "$T/khdb.npy" <<'PY'
import ast, math, struct, sys
b = open(sys.argv[1], "rb").read(); hl = struct.unpack("<H", b[8:10])[0]
r, c = ast.literal_eval(b[10:10 + hl].decode("latin1"))["shape"]
v = struct.unpack("<%df" % (r * c), b[10 + hl:10 + hl + 4 * r * c])
k = 10 / math.log(10)
t = [v[i * c + j] * k for j in range(c) for i in range(r)]
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (c, r)
h += " " * (63 - (10 + len(h)) % 64) + "\n"
open(sys.argv[2], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + struct.pack("<%df" % len(t), *t))
PY
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/khdb.npy" --json --emit-plan "$T/khdb.json")
grep -q '"reproduces": true' "$T/out" && grep -q '"layout": "mels_frames"' "$T/khdb.json" &&
  grep -q '"post_scale": 4.34294481903251' "$T/khdb.json" || bad "dB, transposed: exit $rc: $(cat "$T/out" "$T/err")"
# not explained: no plan written, said so
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/kh.npy" --emit-plan "$T/none.json" --max-candidates 200)
[ "$rc" = 3 ] && [ ! -e "$T/none.json" ] && grep -q "no plan written" "$T/err" ||
  bad "an unexplained port wrote a plan: exit $rc: $(cat "$T/err")"
# several clips: the answer fitted on the first must reproduce every one, else exit 3 and no
# plan (a clip the port computed with another window; a features file that cannot be read)
"$WMEL" mel "$GOLDEN/audio/exact_30s.wav" --preset kaldi --window hann -o "$T/kh2hann.npy" -q || bad "mel exact_30s hann"
cp "$T/kh.json" "$T/kh_before.json"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/kh.npy" --audio "$GOLDEN/audio/exact_30s.wav" \
  --features "$T/kh2hann.npy" --emit-plan "$T/kh.json")
[ "$rc" = 3 ] && grep -q "^clip 2 (.*exact_30s.wav): differs" "$T/out" && grep -q "no plan written.*clip 2.*not reproduced" "$T/err" &&
  cmp -s "$T/kh.json" "$T/kh_before.json" || bad "a clip the answer does not reproduce: exit $rc: $(cat "$T/out" "$T/err")"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/kh.npy" --audio "$GOLDEN/audio/exact_30s.wav" \
  --features "$T/missing.npy" --emit-plan "$T/unread.json" --json)
[ "$rc" = 3 ] && [ ! -e "$T/unread.json" ] && grep -q '"status": "not read"' "$T/out" && grep -q "clip 2.*could not be read" "$T/err" ||
  bad "an unreadable second features file: exit $rc: $(cat "$T/out" "$T/err")"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/kh.npy" --audio "$SPEECH" --features "$T/missing.npy" \
  --max-candidates 200)
[ "$rc" = 3 ] || bad "an unexplained port, its second features file unreadable: exit $rc: $(cat "$T/out" "$T/err")"
# --emit-plan to a FIFO (a reader waiting) and to /dev/stdout: written in place, never read first
if mkfifo "$T/fifo" 2>/dev/null; then
  timeout 60 cat "$T/fifo" >"$T/fifo.out" &
  reader=$!
  rc=$(LIMIT=60 dg --preset kaldi --audio "$SPEECH" --features "$T/k1.npy" --emit-plan "$T/fifo")
  wait "$reader"
  [ "$rc" = 1 ] && [ -p "$T/fifo" ] && grep -q '"window": "hamming"' "$T/fifo.out" ||
    bad "--emit-plan to a FIFO: exit $rc (124: it hung): $(cat "$T/err")"
fi
timeout 60 "$WMEL" diagnose --preset kaldi --audio "$SPEECH" --features "$T/k1.npy" --emit-plan /dev/stdout 2>"$T/err" |
  cat >"$T/stdout.out"
rc=${PIPESTATUS[0]}
[ "$rc" = 1 ] && grep -q '"notes": "wmel diagnose' "$T/stdout.out" ||
  bad "--emit-plan /dev/stdout: exit $rc (124: it hung): $(cat "$T/err")"
# the notes name the features' file as valid UTF-8 (a name that is not UTF-8; a path of 730
# bytes, kept to its end): wmel mel --plan reads the plan, a second run replaces it
cp "$T/k1.npy" "$T/$(printf 'feat\xff\xfe.npy')"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/$(printf 'feat\xff\xfe.npy')" --emit-plan "$T/bytes.json")
[ "$rc" = 1 ] && grep -q 'feat\\\\xff\\\\xfe.npy"' "$T/bytes.json" && "$WMEL" mel "$SPEECH" --plan "$T/bytes.json" -o "$T/b.npy" -q &&
  cmp -s "$T/k1.npy" "$T/b.npy" || bad "a features name that is not UTF-8: exit $rc: $(cat "$T/err" "$T/bytes.json")"
e=$(python3 -c "print('\u00e9' * 120)")
mkdir -p "$T/x$e/$e/$e" && cp "$T/k1.npy" "$T/x$e/$e/$e/f.npy"
for run in 1 2; do
  rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/x$e/$e/$e/f.npy" --emit-plan "$T/long.json")
  [ "$rc" = 1 ] && grep -q "$e/f.npy\"" "$T/long.json" && "$WMEL" mel "$SPEECH" --plan "$T/long.json" -o "$T/l.npy" -q &&
    cmp -s "$T/k1.npy" "$T/l.npy" || bad "a features path of 730 bytes, run $run: exit $rc: $(cat "$T/err")"
done

# ---- the work bound: the same inputs, the same answer (the candidates counted, not seconds);
# an answer cut by it says so, --max-candidates sets it
for run in 1 2; do
  rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/k1.npy" --max-candidates 40 --json)
  sed 's/"seconds": [^,]*,//' "$T/out" >"$T/bound$run.json"
done
grep -q '"max_candidates": 40, "work_bound": true, "time_bound": false' "$T/bound1.json" &&
  grep -q 'work bound of 40 candidates' "$T/bound1.json" && cmp -s "$T/bound1.json" "$T/bound2.json" ||
  bad "--max-candidates 40, twice: exit $rc: $(cat "$T/bound1.json" "$T/bound2.json" "$T/err")"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/k1.npy")
grep -q '^search: [0-9]* candidate plans (work bound 1500), ' "$T/out" && ! grep -q 'stopped at' "$T/out" ||
  bad "the default work bound: $(cat "$T/out")"
for m in 0 -3 x 1e3; do
  rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/kh.npy" --max-candidates "$m")
  [ "$rc" = 2 ] && grep -q "max-candidates" "$T/err" || bad "--max-candidates $m: exit $rc: $(cat "$T/err")"
done

# ---- --deterministic: a port that gives the same features on every run gets no dither (here
# wmel's own seeded dither, which the search otherwise finds)
"$WMEL" mel "$SPEECH" --preset kaldi --dither 1 -o "$T/dith.npy" -q || bad "wmel mel --dither 1"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/dith.npy")
[ "$rc" = 1 ] && grep -q '"dither": 1' "$T/out" || bad "a dithered port without --deterministic: exit $rc: $(cat "$T/out")"
rc=$(dg --preset kaldi --audio "$SPEECH" --features "$T/dith.npy" --deterministic)
[ "$rc" = 3 ] && ! grep -q 'dither' "$T/out" || bad "--deterministic proposed a dither: exit $rc: $(cat "$T/out")"

# ---- the count as a rule: a port that keeps the last STFT frame, on a clip that ends in
# silence (its last frame one value) and with two more differences, is valid: all (no fixed
# n_frames with that value): its plan holds on a clip with a loud end; TF's bank is named tf
python3 - "$SPEECH" "$T/sil.wav" <<'PY'
import sys, wave
w = wave.open(sys.argv[1]); fr = w.readframes(w.getnframes())
o = wave.open(sys.argv[2], "wb"); o.setparams(w.getparams()); o.writeframes(fr + b"\0" * 2 * w.getframerate()); o.close()
PY
echo '{"frontend": "whisper", "valid": "all", "mel_scale": "tf", "mel_norm": "none"}' >"$T/keras.json"
"$WMEL" mel "$T/sil.wav" --plan "$T/keras.json" -o "$T/keras1.npy" -q || bad "mel keras 1"
"$WMEL" mel "$GOLDEN/audio/exact_30s.wav" --plan "$T/keras.json" -o "$T/keras2.npy" -q || bad "mel keras 2"
rc=$(dg --preset whisper --audio "$T/sil.wav" --features "$T/keras1.npy" --audio "$GOLDEN/audio/exact_30s.wav" \
  --features "$T/keras2.npy")
[ "$rc" = 1 ] && grep -q '^valid: all, preset trim' "$T/out" && grep -q '^mel_scale: tf, preset slaney' "$T/out" &&
  ! grep -q '^n_frames' "$T/out" && grep -q '^clip 2 .*: reproduced' "$T/out" ||
  bad "the last frame kept, a quiet end: exit $rc: $(cat "$T/out" "$T/err")"

# ---- the inputs people have: the clip as .npy (float32, int16, (1, n)) and raw .f32
python3 - "$T" <<'PY'
import math, struct, sys
d = sys.argv[1]
x = [0.5 * math.sin(2 * math.pi * (100 * t / 16000 + 3000 * (t / 16000) ** 2)) + 1e-3 * math.sin(t) for t in range(24000)]
x = [round(v * 32767) / 32768 for v in x]  # int16 values exactly
def npy(p, descr, shape, data):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    open(p, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + data)
f32 = struct.pack("<%df" % len(x), *x)
open(d + "/c.f32", "wb").write(f32)
npy(d + "/c32.npy", "<f4", "(%d,)" % len(x), f32)
npy(d + "/c16.npy", "<i2", "(1, %d)" % len(x), struct.pack("<%dh" % len(x), *[round(v * 32768) for v in x]))
npy(d + "/c64.npy", "<f8", "(%d,)" % len(x), struct.pack("<%dd" % len(x), *x))
npy(d + "/cbf16.npy", "|V2", "(%d,)" % len(x), struct.pack("<%dH" % len(x), *[struct.unpack("<I", struct.pack("<f", v))[0] >> 16 for v in x]))
PY
"$WMEL" mel "$T/c.f32" --raw-f32 --preset whisper -o "$T/cw.npy" -q || bad "mel of the raw chirp"
for c in c.f32 c32.npy c16.npy c64.npy; do
  rc=$(dg --preset whisper --audio "$T/$c" --features "$T/cw.npy")
  [ "$rc" = 0 ] || bad "--audio $c: exit $rc: $(cat "$T/out" "$T/err")"
done
# bfloat16 (|V2) is a features dtype, not a samples one: refused with the reason, exit 3
rc=$(dg --preset whisper --audio "$T/cbf16.npy" --features "$T/cw.npy")
[ "$rc" = 3 ] && grep -q "bfloat16 values: samples are" "$T/err" || bad "--audio of bfloat16: exit $rc: $(cat "$T/out" "$T/err")"
rc=$(dg --preset whisper --audio "$T/c.f32" --rate 8000 --features "$T/cw.npy")
[ "$rc" = 3 ] && grep -q "8000 Hz" "$T/err" || bad "--rate 8000 on a 16 kHz plan: exit $rc: $(cat "$T/err")"

# ---- a pack (wmel vectors): its cases are the clips, its plan the claimed one; a port with
# torch.stft's zero padding is found on the speech case and checked on the others
"$WMEL" vectors --preset whisper --quick -q --speech "$SPEECH" -o "$T/pack" || bad "vectors --quick"
echo '{"frontend": "whisper", "framing": "center_zero"}' >"$T/cz.json"
mkdir -p "$T/outs"
for c in speech chirp tone-between-bins; do
  "$WMEL" mel "$T/pack/inputs/$c.f32" --raw-f32 --plan "$T/cz.json" -o "$T/outs/$c.npy" -q || bad "mel $c"
done
rc=$(dg --audio "$T/pack" --features "$T/outs")
[ "$rc" = 1 ] && grep -q "^framing: center_zero" "$T/out" && [ "$(grep -c ': reproduced' "$T/out")" = 3 ] &&
  grep -q "^clip 1 (.*inputs/speech.npy)" "$T/out" || bad "a pack's cases: exit $rc: $(cat "$T/out" "$T/err")"
for c in speech chirp tone-between-bins; do cp "$T/pack/expected/$c.npy" "$T/outs/$c.npy"; done
rc=$(dg --audio "$T/pack" --features "$T/outs")
[ "$rc" = 0 ] && [ "$(grep -c ': matches' "$T/out")" = 3 ] || bad "a pack's own outputs: exit $rc: $(cat "$T/out" "$T/err")"

# every expected output as the port's: the cases without frames (empty arrays both) left out,
# every other one matches
rc=$(dg --audio "$T/pack" --features "$T/pack/expected")
[ "$rc" = 0 ] && ! grep -q ': differs' "$T/out" && ! grep -q 'len-1.npy' "$T/out" && [ "$(grep -c ': matches' "$T/out")" -ge 5 ] ||
  bad "the pack's expected outputs: exit $rc: $(cat "$T/out" "$T/err")"

# ---- conventions a plan states: a leading batch axis of 1 (batch_axis) and the layout are
# reproduced (exit 1, "differs only in layout"), the emitted plan writes the port's shape
npy batch "$T/w.npy" "$T/wb.npy"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/wb.npy" --emit-plan "$T/wb.json")
[ "$rc" = 1 ] && grep -q "^batch_axis: true, preset false" "$T/out" && grep -q "notes: differs only in layout: a leading batch axis of 1" "$T/out" &&
  grep -q '"batch_axis": true' "$T/wb.json" || bad "a batch axis of 1: exit $rc: $(cat "$T/out" "$T/err")"
"$WMEL" mel "$SPEECH" --plan "$T/wb.json" -o "$T/wb2.npy" -q && cmp -s "$T/wb.npy" "$T/wb2.npy" ||
  bad "wmel mel --plan with batch_axis: not the port's (1, 80, T) bytes"
npy batch2 "$T/w.npy" "$T/wb4.npy"
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/wb4.npy")
[ "$rc" = 1 ] && grep -q "^batch_axis: true, preset false" "$T/out" || bad "two leading axes of 1: exit $rc: $(cat "$T/out" "$T/err")"

# ---- n_samples: the clip cut to N samples or zeros after it, first (openai-whisper's
# pad_or_trim); the whole-clip path and the long-input path (over 120 s) alike
python3 - "$SPEECH" "$T" <<'PYEOF' || bad "the WAV files of the n_samples cases"
import sys, wave
src, d = sys.argv[1], sys.argv[2]
with wave.open(src, "rb") as w:
    params, frames = w.getparams(), w.readframes(w.getnframes())
width = params.sampwidth * params.nchannels
def put(name, data):
    with wave.open(f"{d}/{name}.wav", "wb") as o:
        o.setparams(params)
        o.writeframes(data)
put("pad30", frames + bytes(480000 * width - len(frames)))          # 7 s padded to 30 s
long = frames * (130 * 16000 * width // len(frames) + 1)            # over 120 s
put("long", long)
put("long30", long[:480000 * width])
PYEOF
for preset in whisper kaldi; do
  "$WMEL" mel "$SPEECH" --preset $preset --n-samples 480000 -o "$T/ns_a.npy" -q &&
    "$WMEL" mel "$T/pad30.wav" --preset $preset -o "$T/ns_b.npy" -q && cmp -s "$T/ns_a.npy" "$T/ns_b.npy" ||
    bad "$preset --n-samples 480000 on 7 s: not the clip padded to 30 s"
  "$WMEL" mel "$T/long.wav" --preset $preset --n-samples 480000 -o "$T/ns_c.npy" -q &&
    "$WMEL" mel "$T/long30.wav" --preset $preset -o "$T/ns_d.npy" -q && cmp -s "$T/ns_c.npy" "$T/ns_d.npy" ||
    bad "$preset --n-samples 480000 on over 120 s: not the clip cut to 30 s"
done
"$WMEL" mel "$SPEECH" --preset kaldi --n-samples -1 -o "$T/ns_e.npy" -q 2>"$T/err" && bad "--n-samples -1 taken"
grep -q "n_samples" "$T/err" || bad "--n-samples -1: the message does not name n_samples: $(cat "$T/err")"

# ---- a refusal lists what it verified: a port with scipy's padded count and gain (no dither)
# against --plan whisper is not explained; no dither is listed or noted
echo '{"frontend": "whisper", "framing": "snip", "pad_left": 200, "pad_right": 200, "pad_multiple": 160, "valid": "all",
  "post_shift": -1.1505149978319906, "log_guard": 4e-06}' >"$T/sp.json"
echo '{"frontend": "whisper"}' >"$T/claim.json"
"$WMEL" mel "$SPEECH" --plan "$T/sp.json" -o "$T/sp.npy" -q || bad "mel --plan sp.json"
rc=$(dg --plan "$T/claim.json" --audio "$SPEECH" --features "$T/sp.npy")
[ "$rc" = 3 ] && grep -q "not explained" "$T/err" && ! grep -q "^dither:" "$T/out" && ! grep -q "dither ~" "$T/out" ||
  bad "--plan on a port without dither: exit $rc: $(cat "$T/out" "$T/err")"

[ $fails = 0 ] && echo "test_diagnose_cli: all passed"
exit $((fails > 0))
