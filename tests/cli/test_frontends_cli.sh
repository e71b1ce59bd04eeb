#!/usr/bin/env bash
# test_frontends_cli.sh -- `wmel mel --frontend` and `wmel batch --frontend`: shapes in the
# originals' layouts, -v naming the front-end and kernel, one clear usage error per option
# that does not apply, Whisper's output unchanged, batch items equal to `wmel mel`'s
# bytes, job.json recording the front-end and refusing another; inputs over 2 minutes and
# batch items streamed in bounded memory, equal to the whole clip's bytes.
set -u
: "${WMEL:?}" "${GOLDEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_ok() { local d=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok; else bad "$d: $(cat "$T/err")"; fi; }
expect_rc() { local d=$1 want=$2; shift 2; "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" != "$want" ]; then bad "$d: exit $rc, want $want"; elif [ ! -s "$T/err" ]; then bad "$d: no message";
  elif [ "$(wc -l <"$T/err")" != 1 ]; then bad "$d: not one line: $(cat "$T/err")"; else ok; fi; }
shape() { head -c 128 "$1" | tr -d '\0' | grep -ao "'shape': ([0-9, ]*)"; }
S="$GOLDEN/audio/speech_en.wav" # 111872 samples: 699 Whisper frames

# shapes: nemo (n_mels, n // 160 + 1), kaldi (1 + (n - 400) // 160, n_mels), seamless (ceil / 2, 160)
expect_ok "nemo" "$WMEL" mel "$S" -o "$T/nemo.npy" --frontend nemo
[ "$(shape "$T/nemo.npy")" = "'shape': (80, 700)" ] && ok || bad "nemo shape $(shape "$T/nemo.npy")"
expect_ok "nemo 128 pad_to 16" "$WMEL" mel "$S" -o "$T/nemo128.npy" --frontend nemo --n-mels 128 --pad-to 16
[ "$(shape "$T/nemo128.npy")" = "'shape': (128, 704)" ] && ok || bad "nemo pad_to shape $(shape "$T/nemo128.npy")"
expect_ok "nemo legacy" "$WMEL" mel "$S" -o "$T/legacy.npy" --frontend nemo --legacy --normalize none --window hamming
[ "$(shape "$T/legacy.npy")" = "'shape': (80, 700)" ] && ok || bad "legacy shape"
expect_ok "kaldi" "$WMEL" mel "$S" -o "$T/kaldi.npy" --frontend kaldi
[ "$(shape "$T/kaldi.npy")" = "'shape': (697, 80)" ] && ok || bad "kaldi shape $(shape "$T/kaldi.npy")"
expect_ok "kaldi options" "$WMEL" mel "$S" -o "$T/kaldi2.npy" --frontend kaldi --n-mels 23 --use-energy \
  --energy-floor 1 --window hann --scale 1 --low-freq 64 --high-freq -400 --threads 1
[ "$(shape "$T/kaldi2.npy")" = "'shape': (697, 24)" ] && ok || bad "kaldi energy shape $(shape "$T/kaldi2.npy")"
expect_ok "seamless" "$WMEL" mel "$S" -o "$T/seam.npy" --frontend seamless --backend ref
[ "$(shape "$T/seam.npy")" = "'shape': (349, 160)" ] && ok || bad "seamless shape $(shape "$T/seam.npy")"
python3 -c 'import wave, sys
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
w.writeframes(bytes(range(256)) * 3)' "$T/short.wav" # 384 samples
expect_ok "kaldi short" "$WMEL" mel "$T/short.wav" -o "$T/short.npy" --frontend kaldi
[ "$(shape "$T/short.npy")" = "'shape': (0, 80)" ] && ok || bad "kaldi below 400 samples: $(shape "$T/short.npy")"
expect_ok "nemo short" "$WMEL" mel "$T/short.wav" -o "$T/short.npy" --frontend nemo
[ "$(shape "$T/short.npy")" = "'shape': (80, 3)" ] && ok || bad "nemo 384 samples: $(shape "$T/short.npy")"


# -v names the front-end and the kernel
expect_ok "-v" "$WMEL" mel "$S" -o "$T/v.npy" --frontend kaldi -v --backend cpu
grep -q "front-end kaldi" "$T/out" && grep -q "kernel cpu-" "$T/out" && ok || bad "-v: $(cat "$T/out")"
expect_ok "-v whisper" "$WMEL" mel "$S" -o "$T/w.npy" -v
grep -q "front-end whisper" "$T/out" && ok || bad "-v whisper: $(cat "$T/out")"

# Whisper: --frontend whisper is the default, byte for byte
expect_ok "whisper" "$WMEL" mel "$S" -o "$T/w1.npy" --frontend whisper --n-mels 128
expect_ok "default" "$WMEL" mel "$S" -o "$T/w2.npy" --n-mels 128
cmp -s "$T/w1.npy" "$T/w2.npy" && ok || bad "--frontend whisper differs from the default"

# options that do not apply: usage errors (exit 2), one line each
expect_rc "unknown front-end" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend mfcc
expect_rc "legacy on kaldi" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --legacy
expect_rc "pad-to on seamless" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend seamless --pad-to 16
expect_rc "energy on nemo" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend nemo --use-energy
expect_rc "povey on nemo" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend nemo --window povey
expect_rc "window on seamless" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend seamless --window hann
expect_rc "per_feature on kaldi" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --normalize per_feature
expect_rc "mean_var on nemo" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend nemo --normalize mean_var
expect_rc "normalize on whisper" 2 "$WMEL" mel "$S" -o "$T/x.npy" --normalize none
expect_rc "padding on nemo" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend nemo --padding 100
expect_rc "norm on kaldi" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --norm none
expect_rc "smooth on kaldi" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --smooth 3x3
expect_rc "whisper 64 mels" 2 "$WMEL" mel "$S" -o "$T/x.npy" --n-mels 64
expect_rc "513 mels" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend nemo --n-mels 513
expect_rc "floor without energy" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --energy-floor 1
expect_rc "kaldi 200 mels (Kaldi refuses it too)" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --n-mels 200
grep -q "n_mels 200: .*at most 126 bins" "$T/err" && ok || bad "kaldi 200 mels: the reason and the cap: $(cat "$T/err")"
expect_rc "kaldi low above Nyquist" 2 "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --low-freq 9000
grep -q "low_freq 9000" "$T/err" && ok || bad "low_freq: the field named: $(cat "$T/err")"
# a plan on --backend cuda: where libwmel has a device (a GPU, or the CUDA emulator build)
# within 4e-5 x max(1, |v|) of the CPU backend's values; elsewhere refused, one line, no output
rel_diff() { python3 "$(dirname "$0")/npy_diff.py" "$1" "$2" rel; } # max |a - b| / max(1, |b|) of two float32 .npy files
cuda=0
if "$WMEL" mel "$S" -o "$T/x.npy" --frontend nemo --backend cuda -v >"$T/out" 2>"$T/err"; then
  cuda=1
  grep -q "backend cuda, kernel cuda-f64-fft512" "$T/out" && ok || bad "cuda with nemo: -v $(cat "$T/out")"
  d=$(rel_diff "$T/x.npy" "$T/nemo.npy")
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 4e-5 else 1)" "$d" && ok || bad "cuda with nemo: $d from the cpu"
  echo "--frontend nemo --backend cuda: ran, $d from the cpu"
  rm -f "$T/x.npy"
else
  [ "$(wc -l <"$T/err")" = 1 ] && grep -qi "backend" "$T/err" && ok || bad "cuda with nemo, no device: $(cat "$T/err")"
  [ ! -e "$T/x.npy" ] && ok || bad "a failed run left an output"
  echo "--frontend nemo --backend cuda: no device here, refused: $(head -1 "$T/err")"
fi
printf 'RIFF$\0\0\0WAVEfmt \20\0\0\0\1\0\1\0\200>\0\0\0}\0\0\2\0\20\0data\0\0\0\0' >"$T/empty.wav"
expect_rc "empty input" 1 "$WMEL" mel "$T/empty.wav" -o "$T/x.npy" --frontend kaldi

# batch: items equal wmel mel's bytes (the CPU's: on a machine with a GPU, wmel mel's
# default backend is the GPU's); job.json records the front-end; another is refused
cp "$S" "$T/a.wav"
cp "$GOLDEN/audio/sweep.wav" "$T/b.wav"
printf 'a.wav\nb.wav\n' >"$T/m.txt"
expect_ok "batch nemo" "$WMEL" batch "$T/m.txt" -o "$T/bn" --frontend nemo --n-mels 128 -q
grep -q '"frontend": "nemo"' "$T/bn/job.json" && ok || bad "job.json: $(cat "$T/bn/job.json")"
tar -xOf "$T/bn/shard-000000.tar" a.npy >"$T/bn_a.npy" 2>/dev/null
"$WMEL" mel "$S" -o "$T/mel_a.npy" --frontend nemo --n-mels 128 --threads 1 --backend cpu
cmp -s "$T/bn_a.npy" "$T/mel_a.npy" && ok || bad "batch item differs from wmel mel"
tar -xOf "$T/bn/shard-000000.tar" a.json | grep -q '"frontend": "nemo"' && ok || bad "item json names the front-end"
expect_ok "batch resume" "$WMEL" batch "$T/m.txt" -o "$T/bn" --frontend nemo --n-mels 128 -q
expect_rc "batch other front-end" 1 "$WMEL" batch "$T/m.txt" -o "$T/bn" --frontend kaldi -q
expect_rc "batch other plan" 1 "$WMEL" batch "$T/m.txt" -o "$T/bn" --frontend nemo --n-mels 128 --normalize none -q
expect_rc "batch pad30 with nemo" 2 "$WMEL" batch "$T/m.txt" -o "$T/bx" --frontend nemo --mode pad30
expect_ok "batch whisper" "$WMEL" batch "$T/m.txt" -o "$T/bw" -q
grep -q frontend "$T/bw/job.json" && bad "Whisper's job.json changed" || ok
expect_rc "batch whisper dir, seamless job" 1 "$WMEL" batch "$T/m.txt" -o "$T/bw" --frontend seamless -q
grep -q 'frontend "whisper"' "$T/err" && ok || bad "message names whisper: $(cat "$T/err")"

# bounded memory: batch items of every front-end (the plan's stream, finished while
# written) equal `wmel mel` on the whole clip (inputs under 2 minutes) byte for byte
for g in speech_en sweep silence short_0p1s pink_noise; do cp "$GOLDEN/audio/$g.wav" "$T/g_$g.wav"; done
ls "$T" | grep '^g_.*\.wav$' >"$T/g.txt"
for fe in nemo nemo-legacy kaldi seamless; do
  rm -rf "$T/bg"
  expect_ok "batch $fe goldens" "$WMEL" batch "$T/g.txt" -o "$T/bg" --frontend $fe -q
  for g in speech_en sweep silence short_0p1s pink_noise; do
    tar -xOf "$T/bg/shard-000000.tar" "g_$g.npy" >"$T/bg.npy" 2>/dev/null
    "$WMEL" mel "$T/g_$g.wav" -o "$T/mg.npy" --frontend $fe -q --backend cpu
    cmp -s "$T/bg.npy" "$T/mg.npy" && ok || bad "batch $fe $g differs from wmel mel's whole clip"
  done
done

# inputs over 2 minutes stream: `wmel mel --frontend F` equals the whole clip's
# wmel_features (the same decoded samples as raw float32 on standard input, which
# takes the whole-clip path) byte for byte, for each front-end and normalisation, at a
# length with an odd frame count (Seamless's zero frame) and not a multiple of pad_to
python3 - "$T/long.wav" <<'PYEOF'
import math, random, struct, sys, wave
random.seed(7)
n = 16000 * 150 + 170
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(0.05 * i + 3e-6 * i * i) + random.gauss(0, 900)))
                       for i in range(n)))
PYEOF
"$WMEL" decode "$T/long.wav" -o "$T/long_dec.npy" -q
python3 -c 'import struct, sys
b = open(sys.argv[1], "rb").read(); h = 10 + struct.unpack("<H", b[8:10])[0]
open(sys.argv[2], "wb").write(b[h:])' "$T/long_dec.npy" "$T/long.f32"
for opts in "nemo" "nemo --n-mels 128 --pad-to 16" "nemo-legacy" "nemo --normalize none --window hamming" \
            "kaldi" "kaldi --n-mels 23 --use-energy --energy-floor 1 --window hann" "seamless" \
            "seamless --normalize none"; do
  set -- $opts
  "$WMEL" mel - --raw-f32 -o "$T/whole.npy" --frontend $opts -q --backend cpu <"$T/long.f32" || bad "whole clip $opts"
  expect_ok "streamed $opts" "$WMEL" mel "$T/long.wav" -o "$T/streamed.npy" --frontend $opts -v
  grep -q "streamed, front-end $1" "$T/out" && ok || bad "-v $opts: $(cat "$T/out")"
  cmp -s "$T/whole.npy" "$T/streamed.npy" && ok || bad "streamed --frontend $opts differs from the whole clip"
done
[ "$(shape "$T/streamed.npy")" = "'shape': (7500, 160)" ] && ok || bad "seamless long shape (14999 frames) $(shape "$T/streamed.npy")"
# standard output, and a batch item of the same input
"$WMEL" mel "$T/long.wav" -o - --frontend kaldi -q >"$T/stdout.npy"
"$WMEL" mel - --raw-f32 -o "$T/whole.npy" --frontend kaldi -q <"$T/long.f32"
cmp -s "$T/stdout.npy" "$T/whole.npy" && ok || bad "-o - of a long input"
echo long.wav >"$T/l.txt"
expect_ok "batch long" "$WMEL" batch "$T/l.txt" -o "$T/bl" --frontend kaldi -q
tar -xOf "$T/bl/shard-000000.tar" long.npy >"$T/bl.npy" 2>/dev/null
cmp -s "$T/bl.npy" "$T/whole.npy" && ok || bad "batch item of a long input"
# a long input on --backend cuda: streamed on the CPU (the CPU's bytes) where there is a device;
# elsewhere an error: one line, exit 1, nothing left behind
if [ $cuda = 1 ]; then
  expect_ok "long: kaldi on cuda" "$WMEL" mel "$T/long.wav" -o "$T/cu.npy" --frontend kaldi --backend cuda
  cmp -s "$T/cu.npy" "$T/whole.npy" && ok || bad "long: kaldi on cuda: not the CPU's stream"
else
  expect_rc "long: kaldi on cuda" 1 "$WMEL" mel "$T/long.wav" -o "$T/bad.npy" --frontend kaldi --backend cuda
  grep -q "^wmel: --frontend kaldi: " "$T/err" && ok || bad "long plan error message: $(cat "$T/err")"
  [ -z "$(ls -A "$T" | grep '^bad\.npy')" ] && ok || bad "a failed long input left an output"
fi

# SIGINT while a long input streams from a pipe: the run ends by the signal, no output
if "$WMEL" --version | grep -q ffmpeg; then
  mkfifo "$T/feed"
  env --default-signal=INT "$WMEL" mel - -o "$T/sig.npy" --frontend nemo -q <"$T/feed" 2>"$T/err" & pid=$!
  exec 7>"$T/feed"
  cat "$T/long.wav" >&7 # 150 s: past the 2 minutes kept in memory, the pipe held open
  sleep 1
  kill -s INT $pid; wait $pid; st=$?
  exec 7>&-
  [ $st = 130 ] && ok || bad "SIGINT on a streamed front-end: exit status $st: $(cat "$T/err")"
  [ -z "$(ls -A "$T" | grep '^sig\.npy')" ] && ok || bad "SIGINT on a streamed front-end left an output"
fi

# memory: an hour through nemo and kaldi stays bounded as Whisper's (the outputs are
# 115 MB); through FFmpeg's decoder (a build without it reads a WAV whole), not under
# sanitizers
if [ "${WMEL_SANITIZED:-OFF}" = ON ] || [ "${WMEL_SANITIZED:-OFF}" = 1 ] || ! "$WMEL" --version | grep -q ffmpeg; then
  echo "sanitizer build or no FFmpeg: memory not measured"
else
  python3 - "$T/hour.wav" <<'PYEOF'
import struct, sys
n = 3600 * 16000 * 2
with open(sys.argv[1], "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", n))
    for _ in range(n // 3200000):
        f.write(bytes(range(256)) * 12500)
PYEOF
  for fe in nemo kaldi; do
    rss=$(python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:])
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' \
      "$WMEL" mel "$T/hour.wav" -o "$T/hour.npy" --frontend $fe -q)
    echo "peak RSS, a 1-hour WAV, --frontend $fe: ${rss#* } MB (bound 100 MB; output $(($(stat -c %s "$T/hour.npy") >> 20)) MB)"
    [ "${rss% *}" = 0 ] && [ "${rss#* }" -lt 100 ] && ok || bad "an hour through $fe: exit and peak RSS MB: $rss"
    rm -f "$T/hour.npy"
  done
  rm -f "$T/hour.wav"
fi

echo "test_frontends_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
