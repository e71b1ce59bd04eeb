#!/usr/bin/env bash
# test_posix_build.sh SRC CC -- the library's sources build with POSIX.1-2008 alone
# (-DWMEL_POSIX_ONLY=ON: -D_POSIX_C_SOURCE=200809L, no _GNU_SOURCE or _DEFAULT_SOURCE), so
# that every Linux-only call the library makes has its fallback (docs/platforms.md). The
# library only (wmel_static, with whatever FFmpeg, cJSON and OpenBLAS this machine has),
# -Werror, unoptimised where the sources do not ask for -O3: about 20 s of CPU.
set -u
src=$1
cc=${2:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! cmake -S "$src" -B "$tmp/b" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Debug -DWMEL_POSIX_ONLY=ON \
     -DWMEL_WERROR=ON -DWMEL_BUILD_TESTS=OFF -DWMEL_BUILD_CLI=OFF -DWMEL_BUILD_SHARED=OFF -DWMEL_CUDA=OFF \
     >"$tmp/log" 2>&1; then
  cat "$tmp/log"
  echo "FAIL: configure with WMEL_POSIX_ONLY=ON"
  exit 1
fi
grep -q -- '-D_POSIX_C_SOURCE=200809L' "$tmp/b/CMakeFiles/wmel_obj.dir/flags.make" ||
  { echo "FAIL: the library's flags do not name _POSIX_C_SOURCE"; exit 1; }
if ! cmake --build "$tmp/b" -j 2 --target wmel_static >"$tmp/log" 2>&1; then
  grep -E 'error|warning' "$tmp/log" | head -40
  echo "FAIL: the library does not build with _POSIX_C_SOURCE=200809L alone"
  exit 1
fi
echo "1 passed, 0 failed"
