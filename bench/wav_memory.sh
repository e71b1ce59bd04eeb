#!/usr/bin/env bash
# wav_memory.sh -- the built-in WAV reader's peak resident memory (GNU time's %M) and wall
# time through `wmel mel` (whisper's front-end, the .npy written to a file) on generated
# inputs: an hour of 16 kHz mono 16-bit WAV (115 MB), 20 minutes of 44.1 kHz stereo
# (212 MB), and 32 KB of 16-bit mono at 1 Hz (16,000 samples that resample to 256 M at
# 16 kHz: the reader's worst case of output per input byte). Several builds without FFmpeg
# (WMEL1:WMEL2:..., e.g. before:after) run one after the other on the same files. Writes
# bench/results/DATE-wav-memory.md (OUT= another path) and prints it. Not part of the tests.
#
#   bench/wav_memory.sh WMEL[:WMEL...]
set -eu
WMEL=${1:?usage: wav_memory.sh WMEL[:WMEL...] (wmel commands built without FFmpeg)}
HERE=$(cd "$(dirname "$0")" && pwd)
DATE=$(date -u +%F)
OUT=${OUT:-$HERE/results/$DATE-wav-memory.md}
mkdir -p "$(dirname "$OUT")"
D=$(mktemp -d -p "${TMPDIR:-/tmp}" wmel_wavmem_XXXXXX)
trap 'rm -rf "$D"' EXIT
python3 - "$D" <<'EOF'
import math, struct, sys, array
d = sys.argv[1]
def wav(path, rate, ch, frames, fn):
    head = b"fmt " + struct.pack("<IHHIIHH", 16, 1, ch, rate, rate * ch * 2, ch * 2, 16)
    n = frames * ch * 2
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + len(head) + 8 + n) + b"WAVE" + head + b"data" + struct.pack("<I", n))
        block = array.array("h", fn(ch))
        for _ in range(frames * ch // len(block)):
            f.write(block.tobytes())
# a second of a 220 Hz tone with a little noise, repeated
tone = lambda rate: lambda ch: [int(8000 * math.sin(2 * math.pi * 220 * (i // ch) / rate)
                                    + ((i * 7919) % 601) - 300) for i in range(rate * ch)]
wav(d + "/hour-16k-mono.wav", 16000, 1, 16000 * 3600, tone(16000))
wav(d + "/20min-44k-stereo.wav", 44100, 2, 44100 * 1200, tone(44100))
wav(d + "/32k-1hz-mono.wav", 1, 1, 16000, lambda ch: [int(8000 * math.sin(i * 0.3)) for i in range(16000)])
EOF
{
  echo "# The built-in WAV reader through \`wmel mel\`: peak memory and time"
  echo
  echo "- Date: $DATE"
  echo "- Made by: \`bench/wav_memory.sh\` (GNU time's peak RSS and wall time of \`wmel mel IN -o OUT.npy -q\`, whisper's front-end)"
  echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
  echo "- Builds: $(echo "$WMEL" | tr ':' ' ') (without FFmpeg: \`wmel --version\` below)"
  echo "- Linked from: [docs/decoding.md](../../docs/decoding.md)"
  echo
  IFS=: read -r -a bins <<<"$WMEL"
  for w in "${bins[@]}"; do echo "    $w: $("$w" --version 2>&1 | head -1)"; done
  echo
  echo "| input | file | samples at 16 kHz | wmel | peak RSS | wall |"
  echo "|---|---|---|---|---|---|"
  for f in hour-16k-mono 20min-44k-stereo 32k-1hz-mono; do
    for w in "${bins[@]}"; do
      /usr/bin/time -f '%M %e' -o "$D/time" "$w" mel "$D/$f.wav" -o "$D/out.npy" -q
      read -r kb wall <"$D/time"
      case $f in hour-16k-mono) n="57.6 M" ;; 20min-44k-stereo) n="19.2 M" ;; *) n="256 M" ;; esac
      sz=$(stat -c %s "$D/$f.wav")
      if [ "$sz" -ge 1000000 ]; then sz="$((sz / 1000000)) MB"; else sz="$((sz / 1000)) KB"; fi
      printf '| %s | %s | %s | %s | %d MB | %s s |\n' "$f" "$sz" "$n" "$w" $((kb / 1024)) "$wall"
      rm -f "$D/out.npy"
    done
  done
  echo
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$OUT"
cat "$OUT"
