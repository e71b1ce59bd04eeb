#!/usr/bin/env bash
# test_amalgamation.sh SOURCE_DIR REF_CONSUMER [FILE.wav...] -- the one-file library
# (tools/amalgamate.py) gives the CMake build's bytes: generates wmel.c and wmel.h into a
# temporary folder, compiles `CC -O2 -Wall -Wextra -Werror -c wmel.c` with gcc and with
# clang (each where installed), links tests/amalgamation/consumer.c to each, and compares
# the lines each prints with REF_CONSUMER's (the same consumer linked to the CMake build's
# libwmel.a), byte for byte, at the best level the CPU runs, AVX2 and C (WMEL_MAX_ISA):
# the kernel names on the lines show that the CPU check still picks the level; its WAV reader
# gives the FFmpeg build's samples for every WAV of tests/unit/wavgen.h. Compiled
# for AArch64 too where aarch64-linux-gnu-gcc is installed, and run there under
# qemu-aarch64 where it is installed: the NEON and C levels on the synthetic signals must
# give the x86 lines' bits (the same bits on every platform); for Windows (mingw-w64)
# and WebAssembly (emcc) compile only, where present. Exit 77 (skipped) without python3.
set -uo pipefail
src=$1 ref=$2
shift 2
command -v python3 >/dev/null || { echo "test_amalgamation: skipped (no python3)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$src/tools/amalgamate.py" "$tmp/dist" || { echo "FAIL: tools/amalgamate.py"; exit 1; }

# the compilers, in parallel: name, command; a cross compiler only compiles
declare -A cc_cmd=()
for c in gcc clang; do command -v "$c" >/dev/null && cc_cmd[$c]=$c; done
for c in aarch64-linux-gnu-gcc x86_64-w64-mingw32-gcc emcc; do command -v "$c" >/dev/null && cc_cmd[$c]=$c; done
test ${#cc_cmd[@]} -gt 0 || { echo "FAIL: no C compiler (gcc, clang)"; exit 1; }
for c in "${!cc_cmd[@]}"; do
  ( "${cc_cmd[$c]}" -O2 -Wall -Wextra -Werror -c "$tmp/dist/wmel.c" -o "$tmp/wmel_$c.o" >"$tmp/cc_$c.log" 2>&1
    echo $? >"$tmp/cc_$c.rc" ) &
done
wait
fail=0
for c in "${!cc_cmd[@]}"; do
  if [ "$(cat "$tmp/cc_$c.rc")" != 0 ] || [ -s "$tmp/cc_$c.log" ]; then
    echo "FAIL: $c -O2 -Wall -Wextra -Werror -c wmel.c:"; head -30 "$tmp/cc_$c.log"; fail=1
  fi
done
[ $fail = 0 ] || exit 1
echo "test_amalgamation: wmel.c ($(wc -l <"$tmp/dist/wmel.c") lines) compiles warning-free with ${!cc_cmd[*]}"

levels="auto c"
case "$(uname -m)" in x86_64|amd64) levels="auto avx2 c" ;; esac
for c in gcc clang; do
  [ -n "${cc_cmd[$c]:-}" ] || continue
  "$c" -O2 -I"$tmp/dist" -o "$tmp/consumer_$c" "$src/tests/amalgamation/consumer.c" "$tmp/wmel_$c.o" -lpthread -lm \
    || { echo "FAIL: linking the consumer with $c"; exit 1; }
done
for l in $levels; do
  if [ "$l" = auto ]; then run=(env -u WMEL_MAX_ISA); else run=(env WMEL_MAX_ISA=$l); fi
  "${run[@]}" "$ref" "$@" >"$tmp/ref_$l.txt" || { echo "FAIL: the reference consumer ($l)"; exit 1; }
  for c in gcc clang; do
    [ -n "${cc_cmd[$c]:-}" ] || continue
    "${run[@]}" "$tmp/consumer_$c" "$@" >"$tmp/${c}_$l.txt" || { echo "FAIL: the $c consumer ($l)"; exit 1; }
    if ! cmp -s "$tmp/ref_$l.txt" "$tmp/${c}_$l.txt"; then
      echo "FAIL: level $l: the one file built by $c differs from the CMake library (CMake's, then $c's):"
      diff "$tmp/ref_$l.txt" "$tmp/${c}_$l.txt" | head -20; fail=1
    fi
  done
  kernels=$(awk '{print $NF}' "$tmp/ref_$l.txt" | sed 's/-fft[0-9]*$//' | sort -u | tr '\n' ' ')
  echo "test_amalgamation: level $l: $(wc -l <"$tmp/ref_$l.txt") cases equal byte for byte (kernels: $kernels)"
done
# AArch64 (where its gcc, C library and qemu-aarch64 are installed): the one file's NEON and
# C levels on the synthetic signals give the x86 build's bits (the kernels' names aside)
a64=aarch64-linux-gnu-gcc
if [ -n "${cc_cmd[$a64]:-}" ] && command -v qemu-aarch64 >/dev/null && [ -d /usr/aarch64-linux-gnu/lib ]; then
  "$a64" -O2 -I"$tmp/dist" -o "$tmp/consumer_a64" "$src/tests/amalgamation/consumer.c" "$tmp/wmel_$a64.o" -lpthread -lm \
    || { echo "FAIL: linking the consumer with $a64"; exit 1; }
  grep '^synthetic-' "$tmp/ref_auto.txt" | awk '{$NF=""; print}' >"$tmp/ref_synth.txt"
  for l in auto c; do
    if [ "$l" = auto ]; then run=(env -u WMEL_MAX_ISA); else run=(env WMEL_MAX_ISA=$l); fi
    "${run[@]}" qemu-aarch64 -L /usr/aarch64-linux-gnu "$tmp/consumer_a64" >"$tmp/a64_$l.txt" \
      || { echo "FAIL: the AArch64 consumer ($l) under qemu-aarch64"; exit 1; }
    if ! awk '{$NF=""; print}' "$tmp/a64_$l.txt" | cmp -s "$tmp/ref_synth.txt" -; then
      echo "FAIL: AArch64 level $l: the bits differ from x86's (x86's, then AArch64's):"
      awk '{$NF=""; print}' "$tmp/a64_$l.txt" | diff "$tmp/ref_synth.txt" - | head -20; fail=1
    fi
    kernels=$(awk '{print $NF}' "$tmp/a64_$l.txt" | sed 's/-fft[0-9]*$//' | sort -u | tr '\n' ' ')
    echo "test_amalgamation: AArch64 (qemu) level $l: $(wc -l <"$tmp/a64_$l.txt") synthetic cases, x86's bits (kernels: $kernels)"
  done
fi
# the one file's WAV reader (no FFmpeg in it): every WAV of tests/unit/wavgen.h to the FFmpeg
# build's samples (tests/unit/wav_digests.h), through the public wmel_load_audio_memory()
for c in gcc clang; do
  [ -n "${cc_cmd[$c]:-}" ] || continue
  "$c" -O2 -I"$tmp/dist" -I"$src/tests/unit" -o "$tmp/wav_$c" "$src/tests/amalgamation/wav_consumer.c" \
    "$tmp/wmel_$c.o" -lpthread -lm || { echo "FAIL: linking the WAV consumer with $c"; exit 1; }
  if "$tmp/wav_$c" >"$tmp/wav_$c.txt"; then
    echo "test_amalgamation: $c: $(tail -1 "$tmp/wav_$c.txt")"
  else
    echo "FAIL: the one file built by $c reads WAV files otherwise than the FFmpeg build:"; head -12 "$tmp/wav_$c.txt"; fail=1
  fi
done
# the C level must have run the C kernels, and levels above it another
if grep -qv ' cpu-c-' "$tmp/ref_c.txt"; then echo "FAIL: WMEL_MAX_ISA=c ran another kernel"; fail=1; fi
if grep -qw -e avx2 -e fma /proc/cpuinfo 2>/dev/null && [ -f "$tmp/ref_avx2.txt" ] && ! grep -q avx2 "$tmp/ref_avx2.txt"; then
  echo "FAIL: the CPU runs AVX2 but WMEL_MAX_ISA=avx2 did not pick it"; fail=1
fi
exit $fail
