#!/bin/bash
# test_cross.sh -- the integer front-end gives the same bits everywhere:
#   x86-64 (the host's fx_vectors) = AArch64 (cross-built, qemu-aarch64), byte for byte;
#   Cortex-M4 firmware on qemu-system-arm (mps2-an386) = the host's hashes;
#   Cortex-M0+ build (ARMv6-M, -mfloat-abi=soft): no floating-point routine linked in
#   (nm), and the same bits when run on the Cortex-M3 board (mps2-an385: v6-M code runs
#   on v7-M).
# Env: FX_VECTORS (host binary), SRC (source tree), WORK (scratch dir), GEN (generated
# headers: fx_excerpt.h). Exits 77 when a cross tool is missing.
set -eu
for t in arm-none-eabi-gcc arm-none-eabi-nm arm-none-eabi-size qemu-system-arm aarch64-linux-gnu-gcc qemu-aarch64; do
  command -v $t >/dev/null || { echo "skipped: $t not installed (make deps-fixed)"; exit 77; }
done
mkdir -p "$WORK"
fail=0

echo "== host (x86-64)"
"$FX_VECTORS" "$WORK/host.bin" --header "$GEN/fx_expected.h"

echo "== AArch64 (qemu-aarch64)"
aarch64-linux-gnu-gcc -std=c11 -O2 -static -Wall -Wextra -Werror -I"$SRC/include" -I"$GEN" \
  "$SRC/tests/fixed/fx_vectors_main.c" "$SRC/tests/fixed/fx_vectors.c" \
  "$SRC/src/fixed/fx.c" "$SRC/src/fixed/fx_tables.c" -o "$WORK/fx_vectors_aarch64"
qemu-aarch64 "$WORK/fx_vectors_aarch64" "$WORK/aarch64.bin" >/dev/null
if cmp "$WORK/host.bin" "$WORK/aarch64.bin"; then
  echo "AArch64: $(stat -c %s "$WORK/aarch64.bin") bytes of output identical to x86-64"
else
  echo "FAIL: AArch64 output differs from x86-64"; fail=1
fi

firmware() { # name cpu board cpu_model
  local dir="$WORK/$1"
  cmake -S "$SRC/tests/fixed/firmware" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/cortex-m4.cmake" \
    -DWMEL_FX_CPU=$2 -DWMEL_SRC="$SRC" -DFX_GEN="$GEN" -DWMEL_FX_BOARD="$3 ($4, built for $2)" \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$dir" -j2 >/dev/null
  local elf="$dir/fx_firmware.elf"
  echo "library (src/fixed) for $2:"
  arm-none-eabi-size -t "$dir/libwmel_fx.a" | sed 's/^/  /'
  echo "  stack per function (-fstack-usage, bytes):"
  find "$dir/CMakeFiles/wmel_fx.dir" -name '*.su' -exec cat {} + | awk '{n=split($1,a,":"); printf "    %-24s %5d %s\n", a[n], $2, $3}' | sort -k2 -n -r
  if arm-none-eabi-nm "$elf" | grep -E ' (__aeabi_[fd][a-z0-9]*|__(add|sub|mul|div)[sd]f3|__float|__fix|__extend|__trunc)' ; then
    echo "FAIL: $2: a floating-point routine is linked in"; fail=1
  else
    echo "  nm: no floating-point routine (__aeabi_f*/__aeabi_d*/soft-float) in the image"
  fi
  local out rc=0
  out=$(timeout 120 qemu-system-arm -M $3 -cpu $4 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=0 -kernel "$elf" 2>&1) || rc=$?
  echo "$out" | sed 's/^/  /'
  if [ $rc != 0 ] || ! grep -q '^PASS' <<<"$out"; then echo "FAIL: $2 on $3 (exit $rc)"; fail=1; fi
}
echo "== Cortex-M4 firmware (qemu-system-arm -M mps2-an386)"
firmware m4 cortex-m4 mps2-an386 cortex-m4
echo "== Cortex-M0+ build (ARMv6-M, soft float), run on mps2-an385"
firmware m0plus cortex-m0plus mps2-an385 cortex-m3
exit $fail
