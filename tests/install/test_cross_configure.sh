#!/usr/bin/env bash
# test_cross_configure.sh SRC -- the documented cross-build command for AArch64
# (cmake/toolchains/aarch64-linux-gnu.cmake, no other option) configures on this machine,
# whatever CUDA toolkit it has: the automatic CUDA choice turns CUDA off for a target with no
# CUDA runtime, and says why. Skips (77) without Debian's cross compiler.
set -u
src=$1
command -v aarch64-linux-gnu-gcc >/dev/null || { echo "no aarch64-linux-gnu-gcc: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! cmake -S "$src" -B "$tmp/b" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchains/aarch64-linux-gnu.cmake" \
     >"$tmp/log" 2>&1; then
  cat "$tmp/log"
  echo "FAIL: the documented cross-build configure failed"
  exit 1
fi
if ! grep -q "wmel: CUDA backend OFF" "$tmp/log"; then
  grep -i cuda "$tmp/log"
  echo "FAIL: the cross build did not say that CUDA is off"
  exit 1
fi
if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then
  grep -q "no CUDA runtime\|cross-compiling" "$tmp/log" || { grep -i cuda "$tmp/log"; echo "FAIL: no reason given"; exit 1; }
  echo "nvcc present: CUDA turned off for the AArch64 target, with the reason"
fi
echo "1 passed, 0 failed"
