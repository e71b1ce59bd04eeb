#!/usr/bin/env bash
# cli.sh WMEL GOLDEN_AUDIO OUTDIR -- digests of the wmel command's outputs (mel for each
# front-end and option set, --fixed-point, stream, windows, batch shards' members) over a
# few goldens, one line each: "cli|<case> <exit> <bytes> <sha256> -" (tests/digest/compare.sh).
set -u
W=$1; G=$2; D=$3
mkdir -p "$D"
n=0
dig() { # dig NAME FILE EXIT
  if [ -f "$2" ]; then
    printf 'cli|%s %s %s %s -\n' "$1" "$3" "$(wc -c <"$2")" "$(sha256sum "$2" | cut -c1-16)"
  else
    printf 'cli|%s %s 0 0 -\n' "$1" "$3"
  fi
}
run() { # run NAME OUT.npy ARGS...
  local name=$1 out=$2; shift 2
  rm -f "$out"
  "$W" "$@" -o "$out" -q >/dev/null 2>&1
  dig "$name" "$out" $?
}
for f in speech_en.wav clipped.wav short_0p1s.wav; do
  in=$G/$f
  [ -f "$in" ] || continue
  for th in 1 2; do
    run "mel $f threads=$th" "$D/m.npy" mel "$in" --threads "$th"
    run "mel128 pad30 $f threads=$th" "$D/m.npy" mel "$in" --n-mels 128 --pad-30s --threads "$th"
    run "mel smooth norm-none $f threads=$th" "$D/m.npy" mel "$in" --smooth 3x3 --norm none --threads "$th"
    for fe in nemo kaldi seamless; do
      run "mel $fe $f threads=$th" "$D/m.npy" mel "$in" --frontend "$fe" --threads "$th"
    done
    run "mel nemo legacy $f threads=$th" "$D/m.npy" mel "$in" --frontend nemo --legacy --threads "$th"
    run "mel kaldi energy hamming $f threads=$th" "$D/m.npy" mel "$in" --frontend kaldi --use-energy \
      --window hamming --n-mels 40 --threads "$th"
  done
  run "mel ref $f" "$D/m.npy" mel "$in" --backend ref
  run "mel fixed $f" "$D/m.npy" mel "$in" --fixed-point
  run "mel fixed int16 $f" "$D/m.npy" mel "$in" --fixed-point --dtype int16
  run "windows $f" "$D/w.npy" windows "$in"
  if [ "$f" = speech_en.wav ]; then
    "$W" decode "$in" -o "$D/pcm.npy" -q >/dev/null 2>&1
    python3 - "$D/pcm.npy" "$D/pcm.s16" <<'PY' 2>/dev/null || true
import sys, struct
d = open(sys.argv[1], "rb").read()
hl = struct.unpack("<H", d[8:10])[0]
import array
a = array.array("f"); a.frombytes(d[10 + hl:])
out = array.array("h", (max(-32768, min(32767, int(round(v * 32768)))) for v in a))
open(sys.argv[2], "wb").write(out.tobytes())
PY
    if [ -f "$D/pcm.s16" ]; then
      for fe in whisper nemo kaldi seamless; do
        rm -f "$D/s.npy"
        "$W" stream --frontend "$fe" -o "$D/s.npy" -q <"$D/pcm.s16" >/dev/null 2>&1
        dig "stream $fe $f" "$D/s.npy" $?
      done
    fi
  fi
done
# batch: the shards' members (tar headers hold times: each member's bytes are digested)
printf '%s\n' "$G/speech_en.wav" "$G/clipped.wav" "$G/jfk.flac" >"$D/manifest.txt"
for mode in pad30 full windows; do
  rm -rf "$D/batch"
  "$W" batch "$D/manifest.txt" -o "$D/batch" --mode "$mode" --jobs 2 --shard-size 2 -q >/dev/null 2>&1
  rc=$?
  for t in "$D"/batch/shard-*.tar; do
    [ -f "$t" ] || continue
    mkdir -p "$D/x" && rm -rf "$D/x"/* && tar -xf "$t" -C "$D/x" 2>/dev/null
    for m in $(cd "$D/x" && find . -type f | sort); do dig "batch $mode $(basename "$t") $m" "$D/x/$m" $rc; done
  done
done
