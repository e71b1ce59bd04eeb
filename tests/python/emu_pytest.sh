#!/bin/sh
# emu_pytest.sh PYTHON SRC EXT_DIR PKG_DIR [LIBASAN] -- the Python tests of the package built on
# the CUDA emulator (CTest's test_py_dlpack_cuda, in a -DWMEL_CUDA=EMU -DWMEL_BUILD_PYTHON=ON
# build): python/wmel and the extension modules of EXT_DIR copied into PKG_DIR/wmel, then
# pytest on the files that reach the device from Python (test_dlpack_cuda.py: DLPack arrays;
# test_cuda_device.py: raw device pointers; test_dlpack.py; test_cuda_arith.py: the arithmetic)
# with that package first on the path. LIBASAN: the sanitized build's ASan runtime, preloaded
# into Python (the interpreter is not instrumented; its memory kept at exit is not reported). 77 (skipped) without numpy and pytest.
py=$1 src=$2 ext=$3 pkg=$4 asan=${5:-}
"$py" -c "import numpy, pytest" 2>/dev/null || { echo "skipped: no numpy and pytest for $py"; exit 77; }
rm -rf "$pkg" && mkdir -p "$pkg" && cp -r "$src/python/wmel" "$pkg/" && cp "$ext"/_*.so "$pkg/wmel/" || exit 1
cd "$src" || exit 1
tests="tests/python/test_dlpack_cuda.py tests/python/test_cuda_device.py tests/python/test_dlpack.py tests/python/test_cuda_arith.py"
if [ -n "$asan" ]; then
  exec env LD_PRELOAD="$asan" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 PYTHONPATH="$pkg" \
    "$py" -m pytest -q -p no:cacheprovider $tests
fi
PYTHONPATH="$pkg" exec "$py" -m pytest -q -p no:cacheprovider $tests
