#!/usr/bin/env bash
# test_install.sh BUILD_DIR -- installs the build into a temporary prefix and builds the
# tiny C consumer (consumer.c) against it both ways a C user would: pkg-config (wmel.pc)
# and CMake (find_package(wmel) -> wmel::wmel, and wmel::wmel_static); each consumer
# must run and succeed.
# CFLAGS/LDFLAGS from the environment (the sanitizer build's flags) go to both builds.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; exit 1; }
for f in include/wmel.h share/wmel/presets/kaldi.json share/wmel/presets/wespeaker.json; do test -f "$prefix/$f" || { echo "FAIL: $f not installed"; exit 1; }; done
pc=$(find "$prefix" -name wmel.pc | head -1)
cfg=$(find "$prefix" -name wmelConfig.cmake | head -1)
test -n "$pc" || { echo "FAIL: no wmel.pc installed"; exit 1; }
test -n "$cfg" || { echo "FAIL: no wmelConfig.cmake installed"; exit 1; }
test -f "$(dirname "$cfg")/wmelConfigVersion.cmake" || { echo "FAIL: no wmelConfigVersion.cmake"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")

# 1. pkg-config, as `cc prog.c $(pkg-config --cflags --libs wmel)`
export PKG_CONFIG_PATH=$(dirname "$pc")
test "$(pkg-config --modversion wmel)" = "$(sed -n 's/^#define WMEL_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/wmel.h")" \
  || { echo "FAIL: pkg-config version differs from the header's"; exit 1; }
# shellcheck disable=SC2046,SC2086
cc ${CFLAGS:-} -o "$tmp/consumer_pc" "$here/consumer.c" $(pkg-config --cflags --libs wmel) -lm ${LDFLAGS:-}
LD_LIBRARY_PATH=$libdir "$tmp/consumer_pc" || { echo "FAIL: pkg-config consumer"; exit 1; }

# 2. CMake, find_package(wmel) and wmel::wmel
cmake -S "$here" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="${CFLAGS:-}" -DCMAKE_EXE_LINKER_FLAGS="${LDFLAGS:-}" >"$tmp/cm.log" 2>&1 \
  || { cat "$tmp/cm.log"; echo "FAIL: find_package(wmel)"; exit 1; }
cmake --build "$tmp/cm" >"$tmp/cmb.log" 2>&1 || { cat "$tmp/cmb.log"; echo "FAIL: building against wmel::wmel"; exit 1; }
LD_LIBRARY_PATH=$libdir "$tmp/cm/consumer" || { echo "FAIL: find_package consumer"; exit 1; }
"$tmp/cm/consumer_static" || { echo "FAIL: find_package consumer of wmel::wmel_static"; exit 1; }
echo "test_install: pkg-config and find_package consumers built and ran against $prefix"
