#!/usr/bin/env bash
# test_stream.sh -- `wmel stream` on pipes: the frames equal `wmel mel --norm none` of the
# same samples bit for bit (transposed: frame after frame), whatever the pieces the pipe
# delivers (odd byte counts included); frames leave before the input ends; a byte count
# that is not whole samples, an empty input and bad options are clear errors; SIGINT
# leaves nothing behind.
set -u
: "${WMEL:?}" "${GOLDEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

tail -c +45 "$GOLDEN/audio/speech_en.wav" > "$T/speech_en.raw"   # the 16-bit PCM of the WAV
# noise with a stretch of silence, 12 s, seeded
python3 -c '
import random, struct, sys
r = random.Random(5)
v = [0 if 40000 <= i < 70000 else max(-32768, min(32767, int(r.gauss(0, 3000)))) for i in range(192000)]
sys.stdout.buffer.write(struct.pack("<%dh" % len(v), *v))' > "$T/noise.raw"
python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
n = len(d) // 2
hdr = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + 2 * n, b"WAVE", b"fmt ", 16, 1, 1, 16000, 32000, 2, 16, b"data", 2 * n)
open(sys.argv[2], "wb").write(hdr + d[:2 * n])' "$T/noise.raw" "$T/noise.wav"

# same_frames A.npy|A.raw B.npy: A frame-major (n_frames, n_mels) equals B (n_mels, n_frames)
same_frames() {
  python3 - "$1" "$2" "$3" <<'EOF'
import array, sys
def load(p):
    b = open(p, "rb").read()
    if b[:6] == b"\x93NUMPY":
        n = int.from_bytes(b[8:10], "little") + 10
        b = b[n:]
    a = array.array("f"); a.frombytes(b); return a
got, ref, rows = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
if len(got) != len(ref):
    print(f"{len(got)} floats, expected {len(ref)}"); sys.exit(1)
F = len(ref) // rows
for t in range(F):
    for m in range(rows):
        if got[t * rows + m] != ref[m * F + t]:
            print(f"frame {t} mel {m}: {got[t * rows + m]!r} vs {ref[m * F + t]!r}"); sys.exit(1)
EOF
}

# a feeder that writes the file in random pieces (1 byte to 40 KB, odd sizes too), flushing each
feed() {
  python3 -c '
import os, random, sys, time
d = open(sys.argv[1], "rb").read(); r = random.Random(int(sys.argv[2])); i = 0
while i < len(d):
    k = r.choice([1, 3, r.randint(1, 999), r.randint(1, 40001)])
    os.write(1, d[i:i + k]); i += k
    if r.random() < 0.05: time.sleep(0.001)' "$1" "$2"
}

for src in speech_en noise; do
  wav="$GOLDEN/audio/speech_en.wav"; [ $src = noise ] && wav="$T/noise.wav"
  for args in "" "--n-mels 128" "--padding 480000"; do
    "$WMEL" mel "$wav" --norm none --backend cpu $args -o "$T/ref.npy" 2>"$T/err" || bad "mel $args: $(cat "$T/err")"
    rows=80; [ "$args" = "--n-mels 128" ] && rows=128
    if "$WMEL" stream $args -o "$T/s.npy" < "$T/$src.raw" 2>"$T/err"; then ok; else bad "stream -o $args: $(cat "$T/err")"; fi
    msg=$(same_frames "$T/s.npy" "$T/ref.npy" $rows) && ok || bad "$src stream -o $args: $msg"
    if [ -z "$args" ]; then
      f=$(( $(stat -c %s "$T/$src.raw") / 320 ))
      head -c 128 "$T/s.npy" | grep -aq "'shape': ($f, 80)" && ok ||
        bad "$src .npy shape: $(head -c 128 "$T/s.npy" | tr -d '\0'), expected ($f, 80)"
    fi
    for seed in 1 2; do
      feed "$T/$src.raw" $seed | "$WMEL" stream $args > "$T/s.raw" 2>"$T/err" || bad "stream | $args: $(cat "$T/err")"
      msg=$(same_frames "$T/s.raw" "$T/ref.npy" $rows) && ok || bad "$src pipe seed $seed $args: $msg"
    done
  done
done

# the other front-ends: `wmel stream --frontend F` (frames as rows) against
# `wmel mel --frontend F --normalize none` of the same samples: nemo (n_mels, frames + 1) is
# the transpose plus a last column of zeros (no frame), nemo-legacy the transpose, kaldi the
# same array, seamless its rows of 2 frames (a last odd frame with zeros after it)
same_fe() {
  python3 - "$1" "$2" "$3" "$4" <<'EOF'
import array, ast, sys
def load(p):
    b = open(p, "rb").read()
    n = int.from_bytes(b[8:10], "little") + 10
    shape = ast.literal_eval(b[10:n].decode("latin1"))["shape"]
    a = array.array("f"); a.frombytes(b[n:]); return a, shape
(got, gs), (ref, rs) = load(sys.argv[1]), load(sys.argv[2])
fe, cols = sys.argv[3], int(sys.argv[4])
F = gs[0]
if gs[1] != cols:
    print(f"shape {gs}, {cols} columns expected"); sys.exit(1)
if fe.startswith("nemo"):
    R = rs[1]
    if R != F + (fe == "nemo") or any(ref[m * R + t] != 0.0 for m in range(cols) for t in range(F, R)):
        print(f"{F} frames, mel {rs}"); sys.exit(1)
    want = [ref[m * R + t] for t in range(F) for m in range(cols)]
else:
    want = list(ref[:F * cols])
    if any(v != 0.0 for v in ref[F * cols:]) or (rs[0] * rs[1] - F * cols) not in (0, cols):
        print(f"{F} frames, mel {rs}"); sys.exit(1)
if len(got) != len(want):
    print(f"{len(got)} values, expected {len(want)}"); sys.exit(1)
for i, (a, b) in enumerate(zip(got, want)):
    if a != b:
        print(f"frame {i // cols} value {i % cols}: {a!r} vs {b!r}"); sys.exit(1)
EOF
}
npy_header() { python3 -c '
import sys
b = open(sys.argv[1], "rb").read(); sys.stdout.buffer.write(b[:int.from_bytes(b[8:10], "little") + 10])' "$1"; }
for fe in "nemo" "nemo-legacy" "kaldi" "seamless" "kaldi --use-energy --n-mels 40" "nemo --n-mels 128 --window hamming"; do
  name=${fe%% *} cols=80 norm="--normalize none"
  case "$fe" in *"--n-mels 40"*) cols=41;; *"--n-mels 128"*) cols=128;; esac
  [ $name = kaldi ] && norm=""   # kaldi does not normalise
  srcs="speech_en noise"; [ "$fe" != "$name" ] && srcs=speech_en   # the variants: speech only
  for src in $srcs; do
    wav="$GOLDEN/audio/speech_en.wav"; [ $src = noise ] && wav="$T/noise.wav"
    "$WMEL" mel "$wav" --frontend $fe $norm --backend cpu -o "$T/ref.npy" 2>"$T/err" || bad "mel --frontend $fe: $(cat "$T/err")"
    feed "$T/$src.raw" 3 | "$WMEL" stream --frontend $fe -o "$T/s.npy" 2>"$T/err" || bad "stream --frontend $fe: $(cat "$T/err")"
    msg=$(same_fe "$T/s.npy" "$T/ref.npy" $name $cols) && ok || bad "$src stream --frontend $fe: $msg"
    [ $src = noise ] || [ "$fe" != "${fe%% *}" ] || [ $name = kaldi ] && continue
    feed "$T/$src.raw" 4 | "$WMEL" stream --frontend $fe > "$T/s.raw" 2>"$T/err" || bad "stream --frontend $fe |: $(cat "$T/err")"
    { npy_header "$T/s.npy"; cat "$T/s.raw"; } | cmp -s - "$T/s.npy" && ok || bad "$src stream --frontend $fe: raw output differs from -o"
  done
done

# frames leave as they complete: 1 s in, the pipe held open, 99 frames out before the end
mkfifo "$T/fifo"
"$WMEL" stream < "$T/fifo" > "$T/live.raw" 2>"$T/err" &
pid=$!
exec 7>"$T/fifo"
head -c 32000 "$T/speech_en.raw" >&7
for _ in $(seq 50); do [ "$(stat -c %s "$T/live.raw")" -ge $((99 * 80 * 4)) ] && break; sleep 0.1; done
[ "$(stat -c %s "$T/live.raw")" -eq $((99 * 80 * 4)) ] && ok ||
  bad "after 1 s of input (pipe open): $(stat -c %s "$T/live.raw") bytes out, expected $((99 * 80 * 4))"
exec 7>&-
wait $pid && ok || bad "live stream: $(cat "$T/err")"
[ "$(stat -c %s "$T/live.raw")" -eq $((100 * 80 * 4)) ] && ok || bad "live stream: last frame at the end"

# errors: odd byte count, empty input, options; nothing left behind
head -c 32001 "$T/speech_en.raw" > "$T/odd.raw"
if "$WMEL" stream -o "$T/odd.npy" < "$T/odd.raw" 2>"$T/err"; then bad "odd byte count accepted"; else
  grep -q "32001 bytes is not a whole number of 16-bit samples" "$T/err" && ok || bad "odd: $(cat "$T/err")"; fi
[ -z "$(ls "$T" | grep odd.npy)" ] && ok || bad "odd byte count left $(ls "$T" | grep odd.npy)"
"$WMEL" stream < "$T/odd.raw" > /dev/null 2>"$T/err"; [ $? -eq 1 ] && ok || bad "odd to stdout: exit status"
if "$WMEL" stream -o "$T/e.npy" < /dev/null 2>"$T/err"; then bad "empty input accepted"; else
  grep -q "0 samples are too few" "$T/err" && ok || bad "empty: $(cat "$T/err")"; fi
[ ! -e "$T/e.npy" ] && ok || bad "empty input left its output"
"$WMEL" stream --frontend nope -o "$T/f.npy" < "$T/speech_en.raw" 2>"$T/err"; [ $? -eq 2 ] && ok || bad "--frontend nope: exit"
grep -q -- "--frontend takes whisper, nemo" "$T/err" && ok || bad "--frontend nope: $(cat "$T/err")"
[ ! -e "$T/f.npy" ] && ok || bad "--frontend nope left its output"
for a in "--frontend nemo --padding 160" "--frontend nemo --normalize none" "--frontend nemo --pad-to 16" \
         "--use-energy" "--frontend seamless --use-energy" "--frontend whisper --n-mels 64"; do
  "$WMEL" stream $a < /dev/null > /dev/null 2>"$T/err"; [ $? -eq 2 ] && ok || bad "stream $a: exit status"
done
"$WMEL" stream --frontend nemo -o "$T/e.npy" < /dev/null 2>"$T/err"; [ $? -eq 1 ] && ok || bad "nemo empty: exit"
grep -q "standard input: no samples" "$T/err" && ok || bad "nemo empty: $(cat "$T/err")"
head -c 512 "$T/speech_en.raw" | "$WMEL" stream --frontend nemo-legacy > /dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "256 samples are too few for a frame (more than 256" "$T/err" && ok ||
  bad "nemo-legacy 256 samples: $(cat "$T/err")"
"$WMEL" stream --bogus < /dev/null > /dev/null 2>"$T/err"; [ $? -eq 2 ] && ok || bad "--bogus: exit"
"$WMEL" stream --padding x < /dev/null > /dev/null 2>"$T/err"; [ $? -eq 2 ] && ok || bad "--padding x: exit"

# SIGINT while the input is open: the temporary is there, then nothing; exit by the signal
env --default-signal=INT "$WMEL" stream -o "$T/int.npy" < "$T/fifo" 2>"$T/err" &
pid=$!
exec 7>"$T/fifo"
head -c 64000 "$T/speech_en.raw" >&7
for _ in $(seq 100); do ls -A "$T" | grep -q '^int\.npy\.tmp\.' && break; sleep 0.1; done
ls -A "$T" | grep -q '^int\.npy\.tmp\.' && ok || bad "SIGINT: no temporary file while streaming"
kill -INT $pid
wait $pid; st=$?
exec 7>&-
[ $st -eq 130 ] && ok || bad "SIGINT: exit status $st"
[ -z "$(ls -A "$T" | grep int.npy)" ] && ok || bad "SIGINT left $(ls -A "$T" | grep int.npy)"

echo "test_stream: $pass passed, $fail failed"
[ $fail -eq 0 ]
