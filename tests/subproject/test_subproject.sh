#!/usr/bin/env bash
# test_subproject.sh SOURCE_DIR [CC [CUDA_ARCHS]] -- wmel as a subproject of another CMake project:
# configures and builds tests/subproject/CMakeLists.txt, which add_subdirectory()s the tree
# (its defaults there: no command, tests, benchmarks or install rules), links the tiny
# consumer of tests/install to wmel (the shared library) and to wmel::wmel_static, and
# runs both. CUDA_ARCHS (a CMake architecture list; empty: wmel's default) is the CUDA
# backend's WMEL_CUDA_ARCHS where nvcc is found.
set -euo pipefail
src=$1 cc=${2:-cc} archs=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake -S "$src/tests/subproject" -B "$tmp/b" -DWMEL_SOURCE="$src" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_BUILD_TYPE=Release -DWMEL_CUDA_ARCHS="$archs" >"$tmp/cfg.log" 2>&1 || { cat "$tmp/cfg.log"; echo "FAIL: configuring the outer project"; exit 1; }
cmake --build "$tmp/b" -j 2 >"$tmp/build.log" 2>&1 || { tail -40 "$tmp/build.log"; echo "FAIL: building the outer project"; exit 1; }
test ! -e "$tmp/b/wmel/tests" || { echo "FAIL: the subproject configured its tests"; exit 1; }
if grep -q "file(INSTALL" "$tmp/b/wmel/cmake_install.cmake"; then echo "FAIL: the subproject has install rules"; exit 1; fi
"$tmp/b/outer" || { echo "FAIL: the consumer linked to wmel"; exit 1; }
"$tmp/b/outer_static" || { echo "FAIL: the consumer linked to wmel::wmel_static"; exit 1; }
echo "test_subproject: add_subdirectory(wmel) built without the command, tests or install rules; wmel and wmel::wmel_static consumers ran"
