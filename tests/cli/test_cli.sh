#!/usr/bin/env bash
# test_cli.sh -- the wmel command end to end: outputs, shapes, errors, atomic writes.
set -u
: "${WMEL:?}" "${GOLDEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_ok() { local d=$1; shift; if "$@" 2>"$T/err"; then ok; else bad "$d: $(cat "$T/err")"; fi; }
expect_fail() { local d=$1; shift; if "$@" 2>"$T/err"; then bad "$d: succeeded"; else
  if [ -s "$T/err" ]; then ok; else bad "$d: no message"; fi; fi; }
py_shape() { # prints the shape field of an .npy header
  head -c 128 "$1" | tr -d '\0' | grep -ao "'shape': ([0-9, ]*)" ; }

expect_ok "help" "$WMEL" --help
expect_ok "version" "$WMEL" --version
expect_ok "mel" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/a.npy" --png "$T/a.png"
[ "$(py_shape "$T/a.npy")" = "'shape': (80, 699)" ] && ok || bad "shape: $(py_shape "$T/a.npy")"
head -c 8 "$T/a.png" | grep -q PNG && ok || bad "png written"
expect_ok "mel 128 pad30" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/b.npy" --n-mels 128 --pad-30s
[ "$(py_shape "$T/b.npy")" = "'shape': (128, 3000)" ] && ok || bad "shape 128: $(py_shape "$T/b.npy")"
expect_ok "padding" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/c.npy" --padding 480000 --backend ref --threads 2 --norm none
[ "$(py_shape "$T/c.npy")" = "'shape': (80, 3699)" ] && ok || bad "shape padded: $(py_shape "$T/c.npy")"
# --backend cuda: where libwmel has a device (a GPU, or the CUDA emulator build) within
# 2e-5 of the CPU backend, plain and smoothed; elsewhere a clear error and no output
max_diff() { # max |a - b| of two float32 .npy files of the same shape (stdlib only)
  python3 -c '
import array, sys
def load(p):
    b = open(p, "rb").read()
    n = int.from_bytes(b[8:10], "little") + 10
    a = array.array("f"); a.frombytes(b[n:]); return a
a, b = load(sys.argv[1]), load(sys.argv[2])
print(max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) else 1e9)' "$1" "$2"; }
for sm in none 3x3; do
  "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/cpu_$sm.npy" --backend cpu --smooth "$sm" 2>"$T/err" || bad "cpu --smooth $sm: $(cat "$T/err")"
  if "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/gpu_$sm.npy" --backend cuda --smooth "$sm" 2>"$T/err"; then
    d=$(max_diff "$T/cpu_$sm.npy" "$T/gpu_$sm.npy")
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 2e-5 else 1)" "$d" && ok ||
      bad "--backend cuda --smooth $sm: $d from the cpu"
    echo "--backend cuda --smooth $sm: ran, $d from the cpu"
  else
    grep -qi "backend" "$T/err" && ok || bad "--backend cuda without a device: unclear message: $(cat "$T/err")"
    [ ! -e "$T/gpu_$sm.npy" ] && ok || bad "--backend cuda failed but left its output behind"
    echo "--backend cuda --smooth $sm: no device here, refused: $(head -1 "$T/err")"
  fi
done
expect_fail "--smooth bogus" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/sb.npy" --smooth 5x5
grep -q "3x3 or none" "$T/err" && ok || bad "--smooth 5x5: $(cat "$T/err")"
[ ! -e "$T/sb.npy" ] && ok || bad "--smooth 5x5 left an output"
# raw float32 on stdin equals the WAV it came from
tail -c +45 "$GOLDEN/audio/speech_en.wav" > "$T/s16.raw"
expect_ok "stdin" bash -c "head -c 0 /dev/null; \"$WMEL\" mel - --raw-f32 -o \"$T/d.npy\" < <(python3 -c 'import sys,array; a=array.array(\"h\"); a.frombytes(open(sys.argv[1],\"rb\").read()); sys.stdout.buffer.write(array.array(\"f\",[v/32768 for v in a]).tobytes())' \"$T/s16.raw\")"
cmp -s "$T/a.npy" "$T/d.npy" && ok || bad "stdin output differs from WAV output"
# errors: message, non-zero exit, nothing left behind
: > "$T/empty.wav"
echo "this is text" > "$T/text.wav"
head -c 44 "$GOLDEN/audio/speech_en.wav" > "$T/header_only.wav"
head -c 20 "$GOLDEN/audio/speech_en.wav" > "$T/cut.wav"
for f in empty text header_only cut; do
  expect_fail "broken $f" "$WMEL" mel "$T/$f.wav" -o "$T/out_$f.npy"
  grep -q "$f.wav" "$T/err" && ok || bad "$f: message does not name the file: $(cat "$T/err")"
  [ ! -e "$T/out_$f.npy" ] && ok || bad "$f: output left behind"
done
expect_fail "missing" "$WMEL" mel "$T/nope.wav" -o "$T/x.npy"
# 48 kHz needs FFmpeg (then it decodes; tests/ffmpeg covers it)
if ! "$WMEL" --version | grep -q ffmpeg; then
  expect_fail "44k" "$WMEL" mel "$GOLDEN/audio/speech_en_48k_f32.wav" -o "$T/x.npy"
fi
expect_fail "short" "$WMEL" mel "$GOLDEN/audio/short_0p1s.wav" -o "$T/x.npy" --threads 999
expect_fail "bad option" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/x.npy" --frobnicate
expect_fail "bad n-mels" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/x.npy" --n-mels 64
expect_fail "no output" "$WMEL" mel "$GOLDEN/audio/speech_en.wav"
expect_fail "unwritable" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o /nonexistent/dir/x.npy
expect_fail "unwritable png" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/y.npy" --png /nonexistent/y.png
[ ! -e "$T/y.npy" ] && ok || bad "npy left behind when the png failed"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] && ok || bad "temp files left: $(ls "$T")"

# ---- reliability (issue 13) ----------------------------------------------------------
# Scratch space outside /tmp, so that a private mount namespace can put a small tmpfs over
# /tmp (glibc's tmpfile() always uses /tmp) and still see the test's files.
N=$(mktemp -d -p "$PWD" wmel_cli_XXXXXX)
trap 'rm -rf "$T" "$N"' EXIT
mkwav() { # mkwav FILE SECONDS: 16 kHz mono PCM16 noise
  python3 -c '
import os, struct, sys
n = int(float(sys.argv[2]) * 16000) * 2
sys.stdout.buffer.write(b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " +
    struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", n))
sys.stdout.buffer.write(os.urandom(n))' "$1" "$2" > "$1"; }
can_ns=0
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then can_ns=1; else
  echo "skipped: the namespace cases need root and unshare -m (not root here)"; fi
# F7: /tmp full while a long input spills: the reason (ENOSPC), not a stale errno or none
mkwav "$N/long3m.wav" 180
if [ $can_ns = 1 ]; then
  unshare -m sh -c 'mount -t tmpfs -o size=512k tmpfs /tmp && exec "$0" windows "$1" -o "$2" -q' \
    "$WMEL" "$N/long3m.wav" "$N/w_full.npy" 2>"$T/err" && bad "windows with /tmp full: succeeded" ||
    { grep -q "long3m.wav: .*No space left on device" "$T/err" && ok || bad "windows with /tmp full: $(cat "$T/err")"; }
  [ ! -e "$N/w_full.npy" ] && ok || bad "windows with /tmp full left its output"
fi
echo "test_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
