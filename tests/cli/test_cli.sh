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
check() { local d=$1; shift; if "$@"; then ok; else bad "$d"; fi; }
py_shape() { # prints the shape field of an .npy header
  head -c 128 "$1" | tr -d '\0' | grep -ao "'shape': ([0-9, ]*)" ; }

expect_ok "help" "$WMEL" --help
expect_ok "version" "$WMEL" --version
# --png needs libpng in the build (a cross build may have none): without it a --png run
# fails with that reason and leaves no .npy, and the cases below draw no picture
if "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -q -o "$T/probe.npy" --png "$T/probe.png" 2>"$T/err"; then
  have_png=1
else
  have_png=0
  grep -q "built without libpng" "$T/err" && [ ! -e "$T/probe.npy" ] && ok || bad "--png without libpng: $(cat "$T/err")"
fi
rm -f "$T/probe.npy" "$T/probe.png"
P() { [ $have_png = 0 ] || echo "--png $1"; } # P FILE: the --png option where the build draws
expect_ok "mel" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/a.npy" $(P "$T/a.png")
[ "$(py_shape "$T/a.npy")" = "'shape': (80, 699)" ] && ok || bad "shape: $(py_shape "$T/a.npy")"
[ $have_png = 0 ] || { head -c 8 "$T/a.png" | grep -q PNG && ok || bad "png written"; }
expect_ok "mel 128 pad30" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/b.npy" --n-mels 128 --pad-30s
[ "$(py_shape "$T/b.npy")" = "'shape': (128, 3000)" ] && ok || bad "shape 128: $(py_shape "$T/b.npy")"
expect_ok "padding" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/c.npy" --padding 480000 --backend ref --threads 2 --norm none
[ "$(py_shape "$T/c.npy")" = "'shape': (80, 3699)" ] && ok || bad "shape padded: $(py_shape "$T/c.npy")"
# --backend cuda: where libwmel has a device (a GPU, or the CUDA emulator build) within
# 2e-5 of the CPU backend, plain and smoothed; elsewhere a clear error and no output
max_diff() { python3 "$(dirname "$0")/npy_diff.py" "$1" "$2" abs; } # max |a - b| of two float32 .npy files
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
# a 48 kHz float WAV decodes in every build (FFmpeg's or the built-in reader) to
# openai's load_audio, sample for sample
expect_ok "48k f32 wav" "$WMEL" decode "$GOLDEN/audio/speech_en_48k_f32.wav" -o "$T/48k.npy" -q
python3 -c '
import array, sys
def load(p, code):
    b = open(p, "rb").read()
    n = int.from_bytes(b[8:10], "little") + 10
    a = array.array(code); a.frombytes(b[n:]); return a
x, g = load(sys.argv[1], "f"), load(sys.argv[2], "h")
sys.exit(0 if len(x) == len(g) and all(v * 32768 == w for v, w in zip(x, g)) else 1)' \
  "$T/48k.npy" "$GOLDEN/ref/speech_en_48k_f32_wav.load_audio_s16.npy" && ok ||
  bad "48 kHz float WAV: not load_audio's samples"
expect_fail "short" "$WMEL" mel "$GOLDEN/audio/short_0p1s.wav" -o "$T/x.npy" --threads 999
expect_fail "bad option" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/x.npy" --frobnicate
expect_fail "bad n-mels" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/x.npy" --n-mels 64
expect_fail "no output" "$WMEL" mel "$GOLDEN/audio/speech_en.wav"
expect_fail "unwritable" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o /nonexistent/dir/x.npy
"$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/no-such-folder/x.npy" 2>"$T/err"
grep -q "no-such-folder/x.npy: cannot create output: its folder does not exist" "$T/err" && ok || bad "-o into a missing folder: message: $(cat "$T/err")"
expect_fail "unwritable png" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/y.npy" --png /nonexistent/y.png
[ ! -e "$T/y.npy" ] && ok || bad "npy left behind when the png failed"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] && ok || bad "temp files left: $(ls "$T")"

# ---- reliability ----------------------------------------------------------------------
# Scratch space of the test's own (the checkout may itself live under /tmp).
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
# the scratch folder full while a long input spills: the reason (ENOSPC), not a stale
# errno or none. Spills go to $TMPDIR (else /tmp): a 512 KB tmpfs on a folder of the test's
# own, in a private mount namespace, stands in for a full /tmp.
mkwav "$N/long3m.wav" 180
mkdir -p "$N/small"
if [ $can_ns = 1 ]; then
  unshare -m sh -c 'mount -t tmpfs -o size=512k tmpfs "$3" && TMPDIR="$3" exec "$0" windows "$1" -o "$2" -q' \
    "$WMEL" "$N/long3m.wav" "$N/w_full.npy" "$N/small" 2>"$T/err" && bad "windows with /tmp full: succeeded" ||
    { grep -q "long3m.wav: .*No space left on device" "$T/err" && ok || bad "windows with /tmp full: $(cat "$T/err")"; }
  [ ! -e "$N/w_full.npy" ] && ok || bad "windows with /tmp full left its output"
  # mel holds 8 MB of raw frames before it spills: 330 s at 80 mels is 10.6 MB
  mkwav "$N/long330s.wav" 330
  unshare -m sh -c 'mount -t tmpfs -o size=512k tmpfs "$3" && TMPDIR="$3" exec "$0" mel "$1" -o "$2" -q' \
    "$WMEL" "$N/long330s.wav" "$N/m_full.npy" "$N/small" 2>"$T/err" && bad "mel with /tmp full: succeeded" ||
    { grep -q "long330s.wav: .*No space left on device" "$T/err" && ok || bad "mel with /tmp full: $(cat "$T/err")"; }
  rm -f "$N/long330s.wav"
  [ ! -e "$N/m_full.npy" ] && ok || bad "mel with /tmp full left its output"
fi
SPEECH="$GOLDEN/audio/speech_en.wav"
no_temps() { # no temporary output file left in directory $1
  [ -z "$(ls -A "$1" | grep -E '\.tmp\.[A-Za-z0-9]{6}$')" ] && ok || bad "$2: temp files left: $(ls -A "$1" | tr '\n' ' ')"; }
# outputs that are not regular files are written in place, never replaced. Devices are
# made with mknod on a tmpfs in a private mount namespace (never the real /dev): a null
# device takes every command's output and stays a device; a full device fails with the
# reason, stays a device, and nothing is left beside it.
if [ $can_ns = 1 ]; then
  mkdir -p "$N/dev"
  unshare -m sh -c '
    W=$0 D=$1 IN=$2 LONG=$3 PN=""
    [ "$4" = 1 ] && PN="--png $D/null"
    mount -t tmpfs tmpfs "$D" && mknod "$D/null" c 1 3 && mknod "$D/full" c 1 7 || exit 9
    for c in "mel $IN" "decode $IN" "windows $IN" "mel $LONG" "mel $IN $PN"; do
      $W $c -q -o "$D/null" && echo "ok: $c" || echo "failed: $c"
    done
    [ -c "$D/null" ] && echo "null is a device"
    for c in "mel $IN" "decode $IN" "windows $IN"; do
      $W $c -q -o "$D/full" 2>"$D/../err_full" && echo "full succeeded: $c" ||
        { grep -q "No space left on device" "$D/../err_full" && echo "full refused: $c" || cat "$D/../err_full"; }
    done
    [ -c "$D/full" ] && echo "full is a device"
    $W mel "$IN" -q -o "$D/../png_full.npy" --png "$D/full" 2>"$D/../err_png"
    echo "png lines: $(wc -l < "$D/../err_png") exit $?"
    [ -e "$D/../png_full.npy" ] && echo "png failure left the npy"
    ls -A "$D" | tr "\n" " "; echo' "$WMEL" "$N/dev" "$SPEECH" "$N/long3m.wav" $have_png > "$T/ns.log" 2>&1
  for c in "mel $SPEECH" "decode $SPEECH" "windows $SPEECH" "mel $N/long3m.wav" "mel $SPEECH $(P "$N/dev/null")"; do
    grep -qF "ok: $c" "$T/ns.log" && ok || bad "-o fake /dev/null: $c: $(cat "$T/ns.log")"
  done
  grep -q "null is a device" "$T/ns.log" && ok || bad "the null device was replaced: $(cat "$T/ns.log")"
  [ "$(grep -c "full refused" "$T/ns.log")" = 3 ] && ok || bad "-o fake /dev/full: $(cat "$T/ns.log")"
  grep -q "full is a device" "$T/ns.log" && ok || bad "the full device was replaced: $(cat "$T/ns.log")"
  # a PNG write failure is one line on stderr (libpng's own message is not printed)
  grep -q "png lines: 1 " "$T/ns.log" && ok || bad "PNG failure: not one line: $(cat "$T/ns.log") $(cat "$N/err_png" 2>/dev/null)"
  grep -q "left the npy" "$T/ns.log" && bad "PNG failure left the .npy" || ok
  [ "$(tail -1 "$T/ns.log")" = "full null " ] && ok || bad "files beside the devices: $(tail -1 "$T/ns.log")"
  # a full disk for the output itself: the reason, and nothing left
  mkdir -p "$N/small"
  unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1" && { "$0" mel "$2" -o "$1/x.npy"; echo "exit $?"; ls -A "$1"; }' \
    "$WMEL" "$N/small" "$SPEECH" > "$T/small.log" 2>&1
  grep -q "No space left on device" "$T/small.log" && grep -q "exit 1" "$T/small.log" && ok ||
    bad "output on a full disk: $(cat "$T/small.log")"
  [ "$(tail -1 "$T/small.log")" = "exit 1" ] && ok || bad "full disk: files left: $(cat "$T/small.log")"
fi
# a FIFO gets the .npy streamed in place (whole, progressive and long outputs)
"$WMEL" decode "$SPEECH" -o "$T/dec.npy" -q || bad "decode"
"$WMEL" mel "$N/long3m.wav" -o "$T/long.npy" -q || bad "mel long"
for c in "mel:$SPEECH:$T/a.npy" "decode:$SPEECH:$T/dec.npy" "mel:$N/long3m.wav:$T/long.npy"; do
  IFS=: read -r cmd in ref <<< "$c"
  rm -f "$T/fifo"; mkfifo "$T/fifo"
  timeout 60 cat "$T/fifo" > "$T/fifo.out" & cpid=$!
  timeout 120 "$WMEL" $cmd "$in" -o "$T/fifo" -q 2>"$T/err" || bad "$cmd to a FIFO: $(cat "$T/err")"
  wait $cpid
  [ -p "$T/fifo" ] && ok || bad "$cmd: the FIFO was replaced"
  cmp -s "$T/fifo.out" "$ref" && ok || bad "$cmd to a FIFO: the bytes differ from the file output"
done
# /dev/stdout: a file (also opened for appending) or a pipe, written in place
"$WMEL" mel "$SPEECH" -o /dev/stdout > "$T/so.npy" 2>"$T/err" && cmp -s "$T/so.npy" "$T/a.npy" && ok ||
  bad "-o /dev/stdout to a file: $(cat "$T/err")"
printf HEAD > "$T/ap.npy"
"$WMEL" mel "$SPEECH" -o /dev/stdout >> "$T/ap.npy" 2>"$T/err" && [ "$(head -c 4 "$T/ap.npy")" = HEAD ] &&
  cmp -s <(tail -c +5 "$T/ap.npy") "$T/a.npy" && ok || bad "-o /dev/stdout appending: $(cat "$T/err")"
"$WMEL" decode "$SPEECH" -o /dev/stdout 2>"$T/err" | cat > "$T/sp.npy"
cmp -s "$T/sp.npy" "$T/dec.npy" && ok || bad "decode -o /dev/stdout to a pipe: $(cat "$T/err")"
# the output does not choose the backend: each backend gives the same bytes to a file, a FIFO,
# /dev/stdout (a file) and -o - (a pipe), and -v names it for each. The default is the CPU's
# whatever AUTO's timing would choose (WMEL_AUTO_PROBE=1 with the CPU's time scaled by 1e9: a
# device, where libwmel has one, wins it), so two runs of one command cannot differ.
dest_bytes() { # dest_bytes NAME ARGS...: one mel run to each destination, -v's backend line kept
  local name=$1; shift
  "$WMEL" mel "$SPEECH" "$@" -o "$T/$name.file.npy" -v > "$T/$name.file.v" 2>&1 || bad "$name to a file: $(cat "$T/$name.file.v")"
  rm -f "$T/$name.fifo"; mkfifo "$T/$name.fifo"
  timeout 60 cat "$T/$name.fifo" > "$T/$name.fifo.npy" & local cpid=$!
  timeout 120 "$WMEL" mel "$SPEECH" "$@" -o "$T/$name.fifo" -v > "$T/$name.fifo.v" 2>&1 || bad "$name to a FIFO: $(cat "$T/$name.fifo.v")"
  wait $cpid
  "$WMEL" mel "$SPEECH" "$@" -o /dev/stdout -v 2> "$T/$name.stdout.v" > "$T/$name.stdout.npy" || bad "$name to /dev/stdout"
  "$WMEL" mel "$SPEECH" "$@" -o - -v 2> "$T/$name.pipe.v" | cat > "$T/$name.pipe.npy"
  local d want
  want=$(grep -o " on backend [a-z]*" "$T/$name.file.v")
  for d in fifo stdout pipe; do
    cmp -s "$T/$name.file.npy" "$T/$name.$d.npy" && ok || bad "$name: $d output differs from the file output"
    [ -n "$want" ] && [ "$(grep -o " on backend [a-z]*" "$T/$name.$d.v")" = "$want" ] && ok ||
      bad "$name: $d ran on another backend: file:$want $d:$(grep " on backend" "$T/$name.$d.v")"
  done
}
WMEL_AUTO_PROBE=1 WMEL_AUTO_PROBE_CPU_SCALE=1e9 dest_bytes default
"$WMEL" mel "$SPEECH" --backend cpu -o "$T/dest_cpu.npy" || bad "mel --backend cpu"
cmp -s "$T/default.file.npy" "$T/dest_cpu.npy" && ok || bad "mel's default differs from --backend cpu"
grep -q " on backend cpu, " "$T/default.file.v" && grep -q "backend: the command's default" "$T/default.file.v" && ok ||
  bad "mel -v: the default backend not named: $(cat "$T/default.file.v")"
grep -q "^  stages: frames on cpu, finish on cpu$" "$T/default.file.v" && ok ||
  bad "mel -v: stages: $(grep stages "$T/default.file.v")"
if "$WMEL" mel "$SPEECH" --backend cuda -o "$T/dest_probe.npy" 2>/dev/null; then
  dest_bytes cuda --backend cuda
  grep -q " on backend cuda, " "$T/cuda.file.v" && ok || bad "--backend cuda -v: $(cat "$T/cuda.file.v")"
  # AUTO named: -v gives its choice and reason, and the bytes are that backend's
  WMEL_AUTO_PROBE=1 WMEL_AUTO_PROBE_CPU_SCALE=1e9 "$WMEL" mel "$SPEECH" --backend auto -o "$T/dest_auto.npy" -v > "$T/auto.v" 2>&1
  grep -q "backend: AUTO: cuda, timed" "$T/auto.v" && cmp -s "$T/dest_auto.npy" "$T/cuda.file.npy" && ok ||
    bad "--backend auto (the device made to win): $(cat "$T/auto.v")"
fi
# symlinked outputs are written through: the link stays, its target gets the file
ln -s real.npy "$T/link.npy"
expect_ok "-o dangling link" "$WMEL" mel "$SPEECH" -o "$T/link.npy"
[ -L "$T/link.npy" ] && cmp -s "$T/real.npy" "$T/a.npy" && ok || bad "dangling link: $(ls -l "$T/link.npy")"
expect_ok "-o link again" "$WMEL" decode "$SPEECH" -o "$T/link.npy"
[ -L "$T/link.npy" ] && cmp -s "$T/real.npy" "$T/dec.npy" && ok || bad "link to a file: $(ls -l "$T/link.npy")"
mkdir -p "$T/sub"; ln -s ../real2.npy "$T/sub/l2.npy"; ln -s sub/l2.npy "$T/l3.npy"
expect_ok "-o chain of relative links" "$WMEL" mel "$SPEECH" -o "$T/l3.npy" $(P "$T/sub/l2.png")
[ -L "$T/l3.npy" ] && [ -L "$T/sub/l2.npy" ] && cmp -s "$T/real2.npy" "$T/a.npy" && ok || bad "link chain"
ln -s /dev/stdout "$T/so_link.npy"
"$WMEL" mel "$SPEECH" -o "$T/so_link.npy" 2>"$T/err" | cat > "$T/so2.npy"
[ -L "$T/so_link.npy" ] && cmp -s "$T/so2.npy" "$T/a.npy" && ok || bad "a link to /dev/stdout: $(cat "$T/err")"
# a replaced file keeps its permissions (a private output stays private)
: > "$T/priv.npy"; chmod 600 "$T/priv.npy"
expect_ok "private output" "$WMEL" mel "$SPEECH" -o "$T/priv.npy"
[ "$(stat -c %a "$T/priv.npy")" = 600 ] && ok || bad "the output's permissions changed: $(stat -c %a "$T/priv.npy")"
no_temps "$T" "links"; no_temps "$T/sub" "links"
# an output that is an input (the same file, through links too) is refused before any work
cp "$SPEECH" "$T/in.wav"; ln -s in.wav "$T/in_link.npy"; ln "$T/in.wav" "$T/in_hard.npy"
for o in "$T/in.wav" "$T/in_link.npy" "$T/in_hard.npy" "$T/sub/../in.wav"; do
  for cmd in mel decode windows; do
    expect_fail "$cmd -o input $o" "$WMEL" $cmd "$T/in.wav" -o "$o" -q
    grep -q "same file" "$T/err" && ok || bad "$cmd -o $o: $(cat "$T/err")"
  done
done
expect_fail "--png input" "$WMEL" mel "$T/in.wav" -o "$T/p.npy" --png "$T/in_link.npy"
expect_fail "--png = -o" "$WMEL" mel "$T/in.wav" -o "$T/p.npy" --png "$T/p.npy"
cmp -s "$T/in.wav" "$SPEECH" && ok || bad "the input was overwritten"
[ ! -e "$T/p.npy" ] && ok || bad "a refused run left an output"
# the longest legal names (255 bytes) work: the temporary name fits too
long=$(printf 'n%.0s' $(seq 251)).npy
expect_ok "255-byte output name" "$WMEL" mel "$SPEECH" -o "$T/$long" -q
cmp -s "$T/$long" "$T/a.npy" && ok || bad "255-byte name: wrong output"
expect_ok "250-byte output name, decode" "$WMEL" decode "$SPEECH" -o "$T/${long:5}" -q
# a directory as -o says so
for o in "$T/sub/" "$T/sub" "$T/newdir/"; do
  expect_fail "-o $o" "$WMEL" mel "$SPEECH" -o "$o" -q
  grep -q "is a directory" "$T/err" && ok || bad "-o $o: $(cat "$T/err")"
done
[ ! -e "$T/newdir" ] && ok || bad "-o newdir/ created something"
# usage errors exit 2, as docs/cli.md says
usage() { local d=$1; shift; "$@" >/dev/null 2>"$T/err"; local st=$?
  [ $st = 2 ] && [ -s "$T/err" ] && ok || bad "$d: exit $st (want 2): $(cat "$T/err")"; }
usage "--padding x" "$WMEL" mel "$SPEECH" -o "$T/u.npy" --padding x
usage "--padding -1" "$WMEL" mel "$SPEECH" -o "$T/u.npy" --padding -1
usage "--norm bogus" "$WMEL" mel "$SPEECH" -o "$T/u.npy" --norm bogus
usage "--smooth 5x5" "$WMEL" mel "$SPEECH" -o "$T/u.npy" --smooth 5x5
usage "--png without a name" "$WMEL" mel "$SPEECH" -o "$T/u.npy" --png
usage "mel without INPUT" "$WMEL" mel -o "$T/u.npy"
usage "mel without -o" "$WMEL" mel "$SPEECH"
usage "decode without -o" "$WMEL" decode "$SPEECH"
usage "windows without INPUT" "$WMEL" windows -o "$T/u.npy"
usage "stem without --weights" "$WMEL" stem "$SPEECH" -o "$T/u.npy"
usage "--threads x" "$WMEL" mel "$SPEECH" -o "$T/u.npy" --threads x
usage "batch --threads" "$WMEL" batch "$SPEECH" -o "$T/ub" --threads 2
grep -q -- "--jobs" "$T/err" && ok || bad "batch --threads does not point to --jobs: $(cat "$T/err")"
for c in mel decode windows stem batch bench; do
  "$WMEL" $c --help >"$T/help" 2>&1 && grep -q "wmel $c" "$T/help" && ok || bad "wmel $c --help"
done
[ ! -e "$T/u.npy" ] && ok || bad "a usage error left an output"
# --pad-30s reads only the first 30 s: a 3-hour file (sparse: no disk) stays small in
# memory, and an endless standard input ends. Through FFmpeg's decoder: a build without it
# reads a WAV whole (1 GiB here), so there the case is left out, as are the signal cases
# below, which decode a WAV from a pipe as it arrives.
if "$WMEL" --version | grep -q ffmpeg; then
python3 - "$N/3h.wav" <<'PYEOF'
import struct, sys
n = 3 * 3600 * 16000 * 2
with open(sys.argv[1], "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", n))
    f.truncate(44 + n)
PYEOF
rss=$(python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stderr=subprocess.PIPE)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)'   "$WMEL" mel "$N/3h.wav" --pad-30s -o "$T/p30.npy" -q)
[ "${rss%% *}" = 0 ] && [ "${rss##* }" -lt 150 ] && ok || bad "--pad-30s on 3 hours: exit and peak RSS MB: $rss"
[ "$(py_shape "$T/p30.npy")" = "'shape': (80, 3000)" ] && ok || bad "--pad-30s shape: $(py_shape "$T/p30.npy")"
rm -f "$N/3h.wav"
  { head -c 40 "$N/long3m.wav"; printf '\377\377\377\377'; cat /dev/zero; } |
    timeout 60 "$WMEL" mel - --pad-30s -o "$T/p30s.npy" -q 2>"$T/err"
  [ "$(py_shape "$T/p30s.npy")" = "'shape': (80, 3000)" ] && ok || bad "--pad-30s on endless stdin: $(cat "$T/err")"
# SIGINT, SIGTERM, SIGHUP remove the temporary output and end the run by that signal;
# SIGKILL leaves its temporary file (NAME.tmp.XXXXXX), which is never taken for the output
mkfifo "$T/feed"
for sig in INT TERM HUP KILL; do
  env --default-signal=INT,TERM,HUP "$WMEL" decode - -o "$T/sig.npy" -q < "$T/feed" & pid=$!
  exec 7>"$T/feed"
  head -c 400044 "$N/long3m.wav" >&7
  for _ in $(seq 100); do ls -A "$T" | grep -q '^sig\.npy\.tmp\.' && break; sleep 0.1; done
  ls -A "$T" | grep -q '^sig\.npy\.tmp\.' && ok || bad "$sig: no temporary file while decoding"
  kill -s $sig $pid; wait $pid 2>/dev/null; st=$?
  exec 7>&-
  [ $st = $((128 + $(kill -l $sig))) ] && ok || bad "SIG$sig: exit status $st"
  [ ! -e "$T/sig.npy" ] && ok || bad "SIG$sig: an output was left"
  if [ $sig = KILL ]; then
    stale=$(ls -A "$T" | grep '^sig\.npy\.tmp\.')
    case "$stale" in *.npy) bad "SIGKILL: the stale temp ends in .npy: $stale" ;; ?*) ok ;; *) bad "SIGKILL: no stale temp" ;; esac
    expect_ok "rerun after SIGKILL" "$WMEL" decode "$SPEECH" -o "$T/sig.npy" -q
    cmp -s "$T/sig.npy" "$T/dec.npy" && ok || bad "rerun after SIGKILL: wrong output"
    rm -f "$T/$stale" "$T/sig.npy"
  else
    no_temps "$T" "SIG$sig"
  fi
done
# nohup: a SIGHUP the caller ignores stays ignored
( trap '' HUP; exec "$WMEL" decode - -o "$T/hup.npy" -q ) < "$T/feed" & pid=$!
exec 7>"$T/feed"; head -c 400044 "$N/long3m.wav" >&7; sleep 0.5
kill -s HUP $pid; sleep 0.3
kill -0 $pid 2>/dev/null && ok || bad "a SIGHUP ignored by the caller (nohup) stopped the run"
exec 7>&-; wait $pid; st=$?
[ $st = 0 ] && [ -e "$T/hup.npy" ] && ok || bad "the nohup run: exit $st"
else
  echo "skipped: --pad-30s on 3 hours and the signal cases (no FFmpeg in this build)"
fi
no_temps "$T" "all"
# wmel bench, tiny: the back-to-back and the cold (separated-call) rows, 1 and 2 threads
if "$WMEL" bench --seconds 0.5 --threads 1,2 --n-mels 80 --reps 3 --warmup 1 --peers none --cold --json >"$T/bench.json" 2>"$T/err"; then
  python3 - "$T/bench.json" <<'PY' && ok || bad "bench --cold --json: $(cat "$T/bench.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc["rows"]
# the load average around the run, to quote with its figures
assert all(len(doc[k].split()) == 3 for k in ("loadavg_before", "loadavg_after")), doc
hot = [r for r in rows if r["impl"] == "wmel"]
cold = [r for r in rows if r["impl"] == "wmel-cold"]
thp = [r for r in rows if r["impl"] == "wmel-thp"] # the same with huge pages asked for
assert len(hot) == 2 and len(cold) == 2 and len(thp) == 2, rows
for r in hot + cold + thp:
    assert r["ok"] and r["median_ms"] > 0 and r["min_ms"] <= r["median_ms"] <= r["p95_ms"], r
for r in cold + thp:
    # a fresh output: the call faults its 80 x 50 floats' pages in (4 at least)
    assert r["faults_per_call"] >= 3 and r["flushed_reused_median_ms"] > 0 and r["ratio_vs_wmel"] > 0, r
    assert r["fresh_memset_median_ms"] > 0, r
PY
else
  bad "bench --cold: $(cat "$T/err")"
fi
expect_fail "bench bad option" "$WMEL" bench --frobnicate
# the peers get --seconds as given (0.1234567), not rounded to six digits
mkdir -p "$T/bd" && : > "$T/bd/peer_python.py"
printf '#!/bin/sh\necho "$@" >> "%s"\necho "{\\"skipped\\": 1}"\n' "$T/peer_args" > "$T/fakepy" && chmod +x "$T/fakepy"
WMEL_BENCH_DIR="$T/bd" "$WMEL" bench --seconds 0.1234567 --threads 1 --n-mels 80 --reps 1 --warmup 0 \
  --peers numpy --python "$T/fakepy" >/dev/null 2>"$T/err" || bad "bench with a stand-in peer: $(cat "$T/err")"
grep -q -- "--seconds 0.1234567 " "$T/peer_args" && ok || bad "bench: peer's --seconds: $(cat "$T/peer_args" 2>&1)"

# outputs: -o - is standard output (mel, decode, windows; -v's summary then goes to
# stderr); a read-only file is not replaced; a failing temporary file is named as such;
# $TMPDIR is named when it is the folder that fails; -o "" is a usage error
S=$GOLDEN/audio/speech_en.wav
"$WMEL" decode "$S" -o "$T/dec.npy" && "$WMEL" decode "$S" -o - > "$T/dec_stdout.npy" 2>"$T/err"
check_cmp() { if cmp -s "$2" "$3"; then ok; else bad "$1"; fi; }
check_cmp "decode -o - == decode -o FILE" "$T/dec.npy" "$T/dec_stdout.npy"
"$WMEL" mel "$S" -o "$T/m.npy" && "$WMEL" mel "$S" -o - -v > "$T/m_stdout.npy" 2>"$T/err"
check_cmp "mel -o - -v: stdout is the .npy alone" "$T/m.npy" "$T/m_stdout.npy"
grep -q "float32" "$T/err" && ok || bad "mel -o - -v: the summary on stderr: $(cat "$T/err")"
"$WMEL" windows "$S" -o "$T/w.npy" && "$WMEL" windows "$S" -o - > "$T/w_stdout.npy" 2>"$T/err"
check_cmp "windows -o - == windows -o FILE" "$T/w.npy" "$T/w_stdout.npy"
"$WMEL" mel "$S" -o - | cat > "$T/m_pipe.npy"
check_cmp "mel -o - through a pipe" "$T/m.npy" "$T/m_pipe.npy"
check "no file named -" test ! -e ./- -a ! -e "$T/-"
"$WMEL" mel "$S" -o - --png - > /dev/null 2>"$T/err"
check "two outputs to stdout: exit 1" test $? -eq 1
"$WMEL" mel "$S" -o "" 2>"$T/err"
check "-o \"\": exit 2" test $? -eq 2
grep -q "not an empty one" "$T/err" && ok || bad "-o \"\": message: $(cat "$T/err")"
TMPDIR=/nonexistent "$WMEL" decode "$S" -o /dev/stdout 2>"$T/err" | cat > /dev/null
grep -q "cannot create a temporary file in /nonexistent (\$TMPDIR)" "$T/err" && ok || bad "decode to a pipe, TMPDIR missing: $(cat "$T/err")"
"$WMEL" decode /proc/self/status -o "$T/proc.npy" 2>"$T/err"
check "/proc/self/status: exit 1" test $? -eq 1
grep -q "empty" "$T/err" && bad "/proc/self/status is not empty: $(cat "$T/err")" || ok
# permissions bind only a user other than root (root writes anything, as cp does)
if [ "$(id -u)" = 0 ]; then AS="setpriv --reuid=65534 --regid=65534 --clear-groups"; command -v setpriv >/dev/null || AS=skip; else AS=; fi
if [ "$AS" != skip ]; then
  P=$T/perm && mkdir -p "$P" && chmod 777 "$T" "$P"
  echo keep > "$P/ro.npy" && chmod 0444 "$P/ro.npy"
  $AS "$WMEL" decode "$S" -o "$P/ro.npy" 2>"$T/err"
  check "-o onto a read-only file: exit 1" test $? -eq 1
  grep -q "ro.npy: cannot write output: Permission denied (the file is read-only" "$T/err" && ok || bad "read-only file: message: $(cat "$T/err")"
  check "read-only file untouched" test "$(cat "$P/ro.npy")" = keep
  mkdir "$P/rodir" && echo keep > "$P/rodir/w.npy" && chmod 666 "$P/rodir/w.npy" && chmod 555 "$P/rodir"
  $AS "$WMEL" decode "$S" -o "$P/rodir/w.npy" 2>"$T/err"
  check "writable file, read-only folder: exit 1" test $? -eq 1
  grep -q "cannot create the temporary file .*w.npy.tmp.XXXXXX beside it: Permission denied (.*make the folder writable, or write the file in place with -o - > FILE)" "$T/err" && ok || bad "read-only folder: message: $(cat "$T/err")"
  $AS sh -c '"$1" decode "$2" -o - > "$3"' sh "$WMEL" "$S" "$P/rodir/w.npy"
  check_cmp "the suggested -o - > FILE works" "$T/dec.npy" "$P/rodir/w.npy"
  chmod 755 "$P/rodir"
fi
# a file name is shown escaped: its control characters (here a terminal title sequence)
# as \xNN, so that no message can drive the terminal; UTF-8 text as it is
E=$(printf 'bad\033]0;pwned\007name.wav')
printf 'not audio' > "$T/$E"
for cmd in mel decode windows inspect; do
  "$WMEL" $cmd "$T/$E" -o "$T/esc.out" >"$T/out" 2>"$T/err"
  check "$cmd: control characters in the name: exit non-zero" test $? -ne 0
  grep -q 'bad\\x1b\]0;pwned\\x07name.wav' "$T/err" && ok || bad "$cmd: name not escaped: $(od -c "$T/err" | head -5)"
  LC_ALL=C grep -q "$(printf '[\033\007]')" "$T/err" "$T/out" && bad "$cmd: a raw control byte reached the terminal" || ok
done
# -v's summary names a good file escaped too
cp "$S" "$T/ok$E"
for fx in "" --fixed-point; do
  "$WMEL" mel "$T/ok$E" -o "$T/esc.npy" -v $fx >"$T/out" 2>"$T/err" || bad "mel -v $fx on a name with control characters: $(cat "$T/err")"
  grep -q 'okbad\\x1b\]0;pwned\\x07name.wav' "$T/out" && ok || bad "mel -v $fx: name not escaped: $(head -1 "$T/out")"
  LC_ALL=C grep -q "$(printf '[\033\007]')" "$T/err" "$T/out" && bad "mel -v $fx: a raw control byte reached the terminal" || ok
done
"$WMEL" compare "$T/$E" "$T/a.npy" >"$T/out" 2>"$T/err"
check "compare: control characters in the name: exit 2" test $? -eq 2
LC_ALL=C grep -q "$(printf '[\033\007]')" "$T/err" "$T/out" && bad "compare: a raw control byte reached the terminal" || ok
"$WMEL" compare "$T/a.npy" "$T/a.npy" --label-a "$E" --note "$E" >"$T/out" 2>"$T/err"
check "compare --label-a/--note with control characters: exit 0" test $? -eq 0
grep -q 'A: bad\\x1b\]0;pwned\\x07name.wav' "$T/out" && ok || bad "compare: label not escaped: $(head -2 "$T/out")"
LC_ALL=C grep -q "$(printf '[\033\007]')" "$T/out" && bad "compare: a raw control byte in the report on stdout" || ok
"$WMEL" mel "$T/café.wav" -o "$T/esc.out" 2>"$T/err"
grep -q "café.wav" "$T/err" && ok || bad "UTF-8 name not kept: $(cat "$T/err")"
# --: every argument after it is a file name, one that starts with - included
cp "$S" "$T/-dash.wav"
(cd "$T" && "$WMEL" mel -o dash.npy -- -dash.wav) 2>"$T/err" && ok || bad "mel -o OUT -- -dash.wav: $(cat "$T/err")"
check_cmp "mel -- -dash.wav == mel FILE" "$T/m.npy" "$T/dash.npy"
(cd "$T" && "$WMEL" mel -dash.wav -o dash2.npy) 2>"$T/err"
check "mel -dash.wav without --: exit 2" test $? -eq 2
grep -q "unknown option '-dash.wav'.* -- before a file name" "$T/err" && ok || bad "-dash.wav without --: message: $(cat "$T/err")"
for cmd in decode windows; do
  (cd "$T" && "$WMEL" $cmd -q -o "dash_$cmd.npy" -- -dash.wav) 2>"$T/err" && ok || bad "$cmd -- -dash.wav: $(cat "$T/err")"
done
(cd "$T" && "$WMEL" inspect -q -o dash.html -- -dash.wav) 2>"$T/err" && ok || bad "inspect -- -dash.wav: $(cat "$T/err")"
cp "$T/m.npy" "$T/-m.npy"
(cd "$T" && "$WMEL" compare -q -- -m.npy m.npy) >/dev/null 2>"$T/err" && ok || bad "compare -- -m.npy m.npy: $(cat "$T/err")"
(cd "$T" && "$WMEL" mel -o dash3.npy -- -dash.wav extra.wav) 2>"$T/err"
check "mel -- A B: exit 2" test $? -eq 2
check "mel -- A B: no output" test ! -e "$T/dash3.npy"
# a refused plan names the values as given, not rounded to six digits
"$WMEL" mel "$S" --frontend kaldi --high-freq 8000.001 -o "$T/hf.npy" 2>"$T/err"
check "--high-freq 8000.001 over Nyquist: exit 2" test $? -eq 2
grep -q "high_freq 8000.001: need .* <= 8000 Hz" "$T/err" && ok || bad "--high-freq 8000.001: message: $(cat "$T/err")"
check "--high-freq 8000.001: no output" test ! -e "$T/hf.npy"
# --raw-f32 on a file: its bytes are the samples (3 s of float32 here), never a format for
# FFmpeg to guess; the output equals the same bytes on standard input
python3 -c 'import array, math, sys
a = array.array("f", [0.25 * math.sin(2 * math.pi * 440 * i / 16000) for i in range(48000)])
open(sys.argv[1], "wb").write(a.tobytes())' "$T/tone.f32"
expect_ok "mel FILE --raw-f32" "$WMEL" mel "$T/tone.f32" --raw-f32 -q -o "$T/rawf.npy"
[ "$(py_shape "$T/rawf.npy")" = "'shape': (80, 300)" ] && ok || bad "mel FILE --raw-f32: shape $(py_shape "$T/rawf.npy")"
expect_ok "mel - --raw-f32" sh -c '"$1" mel - --raw-f32 -q -o "$2" <"$3"' sh "$WMEL" "$T/raws.npy" "$T/tone.f32"
check_cmp "mel FILE --raw-f32 == mel - --raw-f32" "$T/rawf.npy" "$T/raws.npy"
expect_ok "mel FILE --raw-f32 --frontend kaldi" "$WMEL" mel "$T/tone.f32" --raw-f32 --frontend kaldi -q -o "$T/rawk.npy"
expect_ok "mel - --raw-f32 --frontend kaldi" sh -c '"$1" mel - --raw-f32 --frontend kaldi -q -o "$2" <"$3"' sh "$WMEL" "$T/rawks.npy" "$T/tone.f32"
[ "$(py_shape "$T/rawk.npy")" = "'shape': (298, 80)" ] && ok || bad "--raw-f32 kaldi: shape $(py_shape "$T/rawk.npy")"
check_cmp "kaldi: mel FILE --raw-f32 == mel - --raw-f32" "$T/rawk.npy" "$T/rawks.npy"
# a WAV on standard input: FFmpeg's in that build, the built-in reader's (recognised by its
# RIFF/WAVE header) without FFmpeg; the same features as the file's, on any backend's CPU
expect_ok "mel - (a WAV on stdin)" sh -c '"$1" mel - --backend cpu -q -o "$2" <"$3"' sh "$WMEL" "$T/wavs.npy" "$S"
expect_ok "mel FILE (the WAV)" "$WMEL" mel "$S" --backend cpu -q -o "$T/wavf.npy"
check_cmp "mel - of a WAV == mel FILE" "$T/wavf.npy" "$T/wavs.npy"
printf 'abc' >"$T/three.bin"
"$WMEL" mel - -o "$T/three.npy" <"$T/three.bin" 2>"$T/err"
check "three bytes on stdin: exit 1" test $? -eq 1
check "three bytes on stdin: no output" test ! -e "$T/three.npy"
expect_ok "mel FILE --raw-f32 --pad-30s" "$WMEL" mel "$T/tone.f32" --raw-f32 --pad-30s -q -o "$T/raw30.npy"
[ "$(py_shape "$T/raw30.npy")" = "'shape': (80, 3000)" ] && ok || bad "--raw-f32 --pad-30s: shape $(py_shape "$T/raw30.npy")"
expect_ok "mel FILE --raw-f32 --fixed-point" "$WMEL" mel "$T/tone.f32" --raw-f32 --fixed-point -q -o "$T/rawfx.npy"
[ "$(py_shape "$T/rawfx.npy")" = "'shape': (80, 300)" ] && ok || bad "--raw-f32 --fixed-point: shape $(py_shape "$T/rawfx.npy")"
head -c 4097 "$T/tone.f32" >"$T/odd.f32"
"$WMEL" mel "$T/odd.f32" --raw-f32 -o "$T/odd.npy" 2>"$T/err"
check "--raw-f32 FILE of 4097 bytes: exit 1" test $? -eq 1
grep -q "odd.f32: 4097 bytes is not a whole number of float32 samples" "$T/err" && ok || bad "--raw-f32 odd size: message: $(cat "$T/err")"
check "--raw-f32 odd size: no output" test ! -e "$T/odd.npy"
: >"$T/empty.f32"
"$WMEL" mel "$T/empty.f32" --raw-f32 --frontend kaldi -o "$T/empty.npy" 2>"$T/err"
check "--raw-f32 empty FILE: exit 1" test $? -eq 1
grep -q "empty.f32: the file is empty" "$T/err" && ok || bad "--raw-f32 empty: message: $(cat "$T/err")"
echo "test_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
