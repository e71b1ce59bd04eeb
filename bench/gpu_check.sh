#!/bin/sh
# bench/gpu_check.sh -- everything that needs a GPU, in one command, for a machine that
# has one (with nvcc and torch; no network needed):
#   1. build with CUDA (-Werror), run the whole CTest suite (the cuda-labelled tests run
#      instead of skipping);
#   2. the Python extension built by CMake (no pip: WMEL_BUILD_PYTHON=ON), then the Python suite
#      with torch, where CUDA tensors take the device path;
#   3. bench/cuda_bench.py (log-Mel vs torch's stft pipeline) and
#      bench/cuda_stem_bench.py (mel + stem, 64 windows, vs torch);
#   4. the Vulkan backend (built when glslc or glslangValidator is there; docs/vulkan.md):
#      the devices the loader lists, test_vulkan (every preset, both arithmetics, against
#      the float64 reference), and `wmel mel` on 30 s with each front-end family on the
#      CPU, CUDA and Vulkan in float64 and float-float, the times side by side.
# Logs go to $OUT (default out/gpu); a summary goes to stdout. The same machine's CPU
# kernels (AVX-512 where its processor has it) are bench/cpu_check.sh's, a second command.
#   sh bench/gpu_check.sh [BUILD_DIR]
# WMEL_CUDA_MODE=EMU runs the same steps on the CUDA emulator (no GPU, no nvidia-smi): a
# dry run of this script and of the benchmark harness; its times are not GPU numbers.
set -u
B=${1:-build-cuda}
MODE=${WMEL_CUDA_MODE:-ON}
BENCH_ARGS=""; STEM_ARGS=""
if [ "$MODE" = EMU ]; then BENCH_ARGS="--reps 3 --batch 2"; STEM_ARGS="--reps 1 --batch 1"; fi
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
echo "== device"; nvidia-smi -L 2>&1 | head -4

echo "== build ($B)"
if ! cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWMEL_CUDA="$MODE" -DWMEL_WERROR=ON \
     -DWMEL_BUILD_PYTHON=ON -DPython_EXECUTABLE="$(command -v "$PY")" >"$OUT/cmake.log" 2>&1; then
  echo "cmake with the Python extension failed; retrying without it"
  cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWMEL_CUDA="$MODE" -DWMEL_WERROR=ON \
    -DWMEL_BUILD_PYTHON=OFF >"$OUT/cmake.log" 2>&1 || { tail -20 "$OUT/cmake.log"; exit 1; }
fi
cmake --build "$B" -j "$(nproc)" >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
grep -i "warning" "$OUT/build.log" | head -5

echo "== ctest"
(cd "$B" && ctest --output-on-failure -j 4) >"$OUT/ctest.log" 2>&1
grep -E "tests passed|Failed|\*\*\*" "$OUT/ctest.log"

echo "== python (with torch where importable)"
so=$(find "$B" -name '_wmel*.so' | head -1)
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>/dev/null ||
  echo "no torch for $PY: the torch tests skip"
if [ -n "$so" ] && "$PY" -c "import pytest, numpy" 2>/dev/null; then
  pkg="$OUT/pkg"
  rm -rf "$pkg" && mkdir -p "$pkg" && cp -r python/wmel "$pkg/" && cp "$so" "$pkg/wmel/"
  PYTHONPATH="$pkg" "$PY" -m pytest -q -rs tests/python >"$OUT/pytest.log" 2>&1
  tail -8 "$OUT/pytest.log"
else
  echo "skipped: no extension built ($so) or no pytest/numpy for $PY"
fi

echo "== cuda_bench (log-Mel vs torch.stft pipeline)"
"$PY" bench/cuda_bench.py --build "$B" $BENCH_ARGS >"$OUT/cuda_bench.txt" 2>&1; cat "$OUT/cuda_bench.txt"
echo "== cuda_stem_bench (mel + stem vs torch)"
"$PY" bench/cuda_stem_bench.py --build "$B" $STEM_ARGS >"$OUT/cuda_stem_bench.txt" 2>&1
cat "$OUT/cuda_stem_bench.txt"

echo "== vulkan (docs/vulkan.md)"
if [ -x "$B/tests/vulkan/test_vulkan" ]; then
  "$B/tests/vulkan/test_vulkan" >"$OUT/test_vulkan.txt" 2>&1; echo "test_vulkan exit $?"
  grep -E "^[0-9]+:|worst error|injection|checks" "$OUT/test_vulkan.txt"
  W=../shared/golden/audio/exact_30s.wav
  [ -f "$W" ] || W=data/$(ls data | grep -m1 '\.wav$')
  for fe in whisper nemo kaldi; do
    for run in "cpu -" "cuda -" "vulkan float64" "vulkan float-float"; do
      set -- $run
      WMEL_VULKAN_ARITHMETIC=$([ "$2" = - ] && echo "" || echo "$2") \
        "$B/wmel" mel "$W" -o "$OUT/vk_$fe.npy" --frontend "$fe" --backend "$1" -v 2>&1 |
        grep -E " ms on | s on |^wmel:" | sed "s|^|$fe $1 $2: |"
    done
  done
else
  echo "no Vulkan backend in $B (needs glslc or glslangValidator and libvulkan-dev at build time)"
fi
