#!/usr/bin/env bash
# frontends_rss.sh -- peak resident memory (GNU time's %M) and wall time of
# `wmel mel --frontend F` for every front-end on generated inputs of the given lengths
# (a 220 Hz tone over noise, 16 kHz mono 16-bit WAV, written once to $TMPDIR), with the
# output's size beside it. Several builds (WMEL1:WMEL2:...) run side by side on the same
# input, one after the other per front-end. Not part of the tests.
#
#   bench/frontends_rss.sh WMEL[:WMEL...] [HOURS...]        (default: 1 3)
set -eu
WMEL=${1:?usage: frontends_rss.sh WMEL[:WMEL...] [HOURS...]}
shift
[ $# -gt 0 ] || set -- 1 3
D=$(mktemp -d -p "${TMPDIR:-/tmp}" wmel_rss_XXXXXX)
trap 'rm -rf "$D"' EXIT
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) CPUs, $(date -u +%F)"
echo "# loadavg before: $(cat /proc/loadavg)"
printf '| input | front-end | wmel | peak RSS | output | wall |\n|---|---|---|---|---|---|\n'
for h in "$@"; do
  ffmpeg -v error -f lavfi -i "sine=f=220:d=$((h * 3600))" -f lavfi -i "anoisesrc=d=$((h * 3600)):a=0.05:r=16000" \
    -filter_complex amix=inputs=2 -ar 16000 -ac 1 -c:a pcm_s16le "$D/in.wav"
  for fe in whisper nemo nemo-legacy kaldi seamless; do
    IFS=: read -r -a bins <<<"$WMEL"
    for w in "${bins[@]}"; do
      /usr/bin/time -f '%M %e' -o "$D/time" "$w" mel "$D/in.wav" -o "$D/out.npy" --frontend $fe -q
      read -r kb wall <"$D/time"
      printf '| %s h | %s | %s | %d MB | %d MB | %s s |\n' "$h" "$fe" "$w" $((kb / 1024)) \
        $(($(stat -c %s "$D/out.npy") / 1048576)) "$wall"
      rm -f "$D/out.npy"
    done
  done
  rm -f "$D/in.wav"
done
echo "# loadavg after: $(cat /proc/loadavg)"
