#!/bin/sh
# same_bits.sh EXPECTED GOLDEN_AUDIO RUNNER... -- the same bits on every level, processor,
# thread count and platform: RUNNER (wmel-digest, or an emulator and its arguments then
# wmel-digest) computes every case of `wmel-digest --same-bits` (Whisper's variants, every
# built-in preset and the option families' plans, the stream and the sliding buffer, on
# the golden clips below and the edge-length signals) at every level the CPU runs and 1-3
# threads, and fails when a case differs between them; the cases must then equal
# EXPECTED (tests/digest/same_bits.txt) byte for byte, on every machine and target.
# A change that moves bits on purpose regenerates EXPECTED with `make same-bits-update`
# and says so in its commit. Exit 77 (skipped) when the golden clips are absent.
set -u
expected=$1 golden=$2
shift 2
files=""
for f in speech_en.wav clipped.wav short_0p1s.wav; do
  [ -f "$golden/$f" ] || { echo "same_bits: skipped ($golden/$f absent)"; exit 77; }
  files="$files $golden/$f"
done
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086
"$@" --same-bits $files >"$out" || { echo "same_bits: the levels or thread counts disagree (above)"; exit 1; }
if cmp -s "$expected" "$out"; then
  echo "same_bits: $(wc -l <"$out") cases, every level and thread count, equal to $(basename "$expected")"
  exit 0
fi
echo "same_bits: the bits differ from $(basename "$expected") (expected, then this build's):"
diff "$expected" "$out" | head -40
echo "same_bits: $(diff "$expected" "$out" | grep -c '^>') cases differ"
exit 1
