#!/bin/sh
# same_bits.sh EXPECTED GOLDEN_AUDIO [--each-thread "N..."] RUNNER... -- the same bits on every
# level, processor, thread count and platform: RUNNER (wmel-digest, or an emulator and its
# arguments then wmel-digest) computes every case of `wmel-digest --same-bits` (Whisper's
# variants, every built-in preset and the option families' plans, the stream and the sliding
# buffer, on the golden clips below and the edge-length signals) at every level the CPU runs and
# 1-3 threads, and fails when a case differs between them; the cases must then equal EXPECTED
# (tests/digest/same_bits.txt) byte for byte, on every machine and target.
# --each-thread "1 2": one process per thread count, side by side (`wmel-digest --thread N`):
# 2 threads give every case (the stream, the sliding buffer and the batch run at 2 only), held
# to EXPECTED whole; each other count gives a part of them, every line of which must be in
# EXPECTED, so the thread counts agree through it (under an emulator the passes run in
# parallel, not one after the other).
# A change that moves bits on purpose regenerates EXPECTED with `make same-bits-update`
# and says so in its commit. Exit 77 (skipped) when the golden clips are absent.
set -u
expected=$1 golden=$2
shift 2
each=""
if [ "${1:-}" = "--each-thread" ]; then
  each=$2
  shift 2
fi
files=""
for f in speech_en.wav clipped.wav short_0p1s.wav; do
  [ -f "$golden/$f" ] || { echo "same_bits: skipped ($golden/$f absent)"; exit 77; }
  files="$files $golden/$f"
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# held OUT WHAT: OUT equal to EXPECTED, or the difference shown (exit 1)
held() {
  if cmp -s "$expected" "$1"; then
    echo "same_bits: $(wc -l <"$1") cases, every level and $2, equal to $(basename "$expected")"
    return 0
  fi
  echo "same_bits: the bits ($2) differ from $(basename "$expected") (expected, then this build's):"
  diff "$expected" "$1" | head -40
  echo "same_bits: $(diff "$expected" "$1" | grep -c '^>') cases differ"
  return 1
}
if [ -z "$each" ]; then
  # shellcheck disable=SC2086
  "$@" --same-bits $files >"$tmp/out" || { echo "same_bits: the levels or thread counts disagree (above)"; exit 1; }
  held "$tmp/out" "thread count"
  exit $?
fi
for t in $each; do
  # shellcheck disable=SC2086
  { "$@" --thread "$t" --same-bits $files >"$tmp/out.$t"; echo $? >"$tmp/rc.$t"; } &
done
wait
bad=0 whole=0
for t in $each; do
  [ "$(cat "$tmp/rc.$t")" = 0 ] || { echo "same_bits: the levels disagree at $t thread(s) (above)"; bad=1; continue; }
  if [ "$t" = 2 ]; then
    held "$tmp/out.$t" "2 threads" || bad=1
    whole=1
  elif [ ! -s "$tmp/out.$t" ] || grep -Fxv -f "$expected" "$tmp/out.$t" >"$tmp/odd.$t"; then
    echo "same_bits: at $t thread(s) these cases are not in $(basename "$expected") (or none ran):"
    head -40 "$tmp/odd.$t"
    bad=1
  else
    echo "same_bits: $(wc -l <"$tmp/out.$t") cases at every level and $t thread(s), each in $(basename "$expected")"
  fi
done
[ "$whole" = 1 ] || { echo "same_bits: --each-thread without 2 (the count that gives every case)"; bad=1; }
exit $bad
