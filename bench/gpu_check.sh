#!/bin/sh
# bench/gpu_check.sh -- everything that needs a GPU, in one command, for a machine that
# has one (with nvcc and torch; no network needed). The figures come first, the suites
# after them, so a machine lent for a few minutes gives the numbers even where the suites
# are cut short:
#   1. build with CUDA (-Werror) and the Python extension (WMEL_BUILD_PYTHON=ON; without it
#      where CMake finds no Python headers); the Vulkan backend where glslc or
#      glslangValidator and the Vulkan headers are there (docs/vulkan.md);
#   2. Vulkan: test_vulkan (the devices the loader lists; every preset, both arithmetics,
#      against the float64 reference), then `wmel mel` on 30 s with each front-end family on
#      the CPU, CUDA and Vulkan in float64 and float-float, the times side by side;
#   3. many clips: bench/vulkan/vk_batch_bench.c on the same mixed-length clips through the
#      CPU (every core), CUDA, and Vulkan in both arithmetics, per front-end family (wall
#      and CPU ms, the calling thread's microseconds a frame, the rounds a call made), and
#      whether Whisper's batch shared its rounds;
#      then clips in another Vulkan device's memory (bench/vulkan/vk_devmem_bench.c) against
#      the same clips from host memory and the CPU;
#   4. bench/cuda_bench.py (log-Mel vs torch's stft pipeline) and bench/cuda_stem_bench.py
#      (mel + stem, 64 windows, vs torch);
#   5. the whole CTest suite (the cuda-labelled tests run instead of skipping), then the
#      Python suite with torch, where CUDA tensors take the device path.
# Logs go to $OUT (default out/gpu); a summary goes to stdout and to $OUT/summary.txt, and the
# dated record of the run, bench/results/<date>-gpu-check-<gpu>.md (the header: date, command,
# machine, load, what was absent; the figures as tables; the suites' results; the summary as
# printed), is written into ${RESULTS_DIR:-bench/results} (bench/gpu_check_record.py), so a
# caller on a lent machine can point it at $OUT. A prerequisite that is absent (glslc or
# glslangValidator: the Vulkan steps; FFmpeg, cJSON, ../shared: tests and steps that need them;
# torch) is said once, in the step that needs it, which then does not run. Each step is bounded by
# STEP_S seconds (default 300). The same machine's CPU kernels (AVX-512 where its processor
# has it) are bench/cpu_check.sh's, a second command.
#   sh bench/gpu_check.sh [BUILD_DIR]
# WMEL_CUDA_MODE=EMU runs the same steps on the CUDA emulator (no GPU, no nvidia-smi): a
# dry run of this script and of the benchmark harness; its times are not GPU numbers, and its
# record (<date>-gpu-check-emu.md) goes to $OUT unless RESULTS_DIR says otherwise.
# GPU_CHECK_PREREQ=DIR installs first what bench/gpu_prereq.sh gathered (for a bare machine
# that cannot fetch: glslc, the Vulkan headers, the loader and libglvnd, cJSON, the data).
# GPU_CHECK_STEPS names the steps to run after the build (default all: vulkan frames batch
# devmem cuda_bench cuda_batch stem ctest python), GPU_CHECK_CTEST_R the CTest tests (a
# regular expression), GPU_CHECK_PYTEST the pytest files: a short check of a few parts.
# GPU_CHECK_CMAKE_ARGS adds CMake arguments (say -DWMEL_CUDA_ARCHS=90-real for one card);
# GPU_CHECK_CLIPS sets the clips of the many-clips step (default 1024); GPU_CHECK_FF_PROBE=1 adds the
# float-float probe of the vulkan step (a device whose float-float fails its per-ctx check).
set -u
B=${1:-build-cuda}
MODE=${WMEL_CUDA_MODE:-ON}
STEP_S=${STEP_S:-300}
BENCH_ARGS=""; STEM_ARGS=""; CLIPS=${GPU_CHECK_CLIPS:-1024}; REPS=3; DEVMEM_CLIPS=256
if [ "$MODE" = EMU ]; then BENCH_ARGS="--reps 3 --batch 2"; STEM_ARGS="--reps 1 --batch 1"; CLIPS=8; REPS=1; DEVMEM_CLIPS=8; fi
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
if [ "$MODE" = EMU ]; then RESULTS_DIR=${RESULTS_DIR:-$OUT}; else RESULTS_DIR=${RESULTS_DIR:-bench/results}; fi
PY=${PYTHON:-python3}
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
# the summary: printed and kept for the record (the script's own output goes through tee)
if [ -z "${GPU_CHECK_TEED:-}" ]; then
  { GPU_CHECK_TEED=1 sh "$0" "$@" 2>&1; echo $? >"$OUT/exit_status"; } | tee "$OUT/summary.txt"
  rc=$(cat "$OUT/exit_status" 2>/dev/null || echo 1)
  "$PY" bench/gpu_check_record.py "$OUT" "$RESULTS_DIR" --build "${1:-build-cuda}" --mode "$MODE" \
    --load0 "$LOAD0" --args "GPU_CHECK_CMAKE_ARGS=${GPU_CHECK_CMAKE_ARGS:-} STEP_S=$STEP_S${GPU_CHECK_STEPS:+ GPU_CHECK_STEPS='$GPU_CHECK_STEPS'}${GPU_CHECK_CTEST_R:+ GPU_CHECK_CTEST_R='$GPU_CHECK_CTEST_R'}${GPU_CHECK_PYTEST:+ GPU_CHECK_PYTEST='$GPU_CHECK_PYTEST'}" ||
    echo "the record could not be written (above)"
  exit $rc
fi
step() { echo "== $1 (at $(( $(date +%s) - T0 )) s; load $(cut -d' ' -f1-3 /proc/loadavg))"; }
# GPU_CHECK_STEPS: the steps to run after the build (default all): vulkan frames batch devmem
# cuda_bench cuda_batch stem ctest python
want() { [ -z "${GPU_CHECK_STEPS:-}" ] && return 0; case " $GPU_CHECK_STEPS " in *" $1 "*) return 0 ;; esac; return 1; }
# GPU_CHECK_PREREQ=DIR: what bench/gpu_prereq.sh gathered, for a bare machine that cannot fetch
# (as root): the packages unpacked into /, the shader compiler and the Vulkan headers from DIR,
# the conformance data into ../shared, NVIDIA's Vulkan driver named to the loader
if [ -n "${GPU_CHECK_PREREQ:-}" ]; then
  step "prerequisites from $GPU_CHECK_PREREQ"
  R=$(cd "$GPU_CHECK_PREREQ" && pwd)
  for f in "$R"/debs/*.deb; do
    case "$f" in */pkgconf*|*/libpkgconf*) command -v pkg-config >/dev/null && continue ;; esac
    dpkg -x "$f" / || echo "could not unpack $f"
  done
  ldconfig 2>/dev/null || true
  export PATH="$R/bin:$PATH" LD_LIBRARY_PATH="$R/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" CPATH="$R/include"
  GPU_CHECK_CMAKE_ARGS="${GPU_CHECK_CMAKE_ARGS:-} -DWMEL_VULKAN_INCLUDE=$R/include"
  [ -f "$R/golden.tgz" ] && [ ! -d ../shared/golden ] && mkdir -p ../shared && tar xzf "$R/golden.tgz" -C ../shared
  for j in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$j" ] && [ -z "${VK_DRIVER_FILES:-}" ] && export VK_DRIVER_FILES="$j"
  done
  echo "glslc: $(glslc --version 2>&1 | head -1); VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
fi
absent() { echo "absent: $1"; } # one line a missing prerequisite, for the summary and the record
step device
if [ "$MODE" = EMU ]; then echo "GPU 0: the CUDA emulator (WMEL_CUDA_MODE=EMU: no GPU; times are not GPU numbers)"
else nvidia-smi -L 2>&1 | head -4
  nvidia-smi --query-gpu=memory.total --format=csv,noheader 2>/dev/null | head -1 | sed 's/^/memory: /'; fi
grep -m1 "model name" /proc/cpuinfo; echo "cores $(nproc)"
command -v nvcc >/dev/null && nvcc --version | grep -o "release [0-9.]*, V[0-9.]*" | sed 's/^/nvcc /'
"$PY" -c "import torch; print('torch', torch.__version__)" 2>/dev/null || absent "torch for $PY (the torch columns and tests)"
HAVE_NP=1; "$PY" -c "import numpy" 2>/dev/null || { HAVE_NP=0; absent "numpy for $PY (the benchmark scripts and the Python suite do not run)"; }
command -v glslc >/dev/null || command -v glslangValidator >/dev/null ||
  absent "glslc and glslangValidator (the Vulkan backend is not built: the Vulkan steps do not run)"
[ -f ../shared/golden/audio/speech_en.wav ] ||
  absent "../shared/golden (the conformance tests are disabled; the 30 s clip comes from data/)"

step "build ($B)"
# shellcheck disable=SC2086
if ! cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWMEL_CUDA="$MODE" -DWMEL_WERROR=ON \
     -DWMEL_BUILD_PYTHON=ON -DPython_EXECUTABLE="$(command -v "$PY")" ${GPU_CHECK_CMAKE_ARGS:-} >"$OUT/cmake.log" 2>&1; then
  echo "cmake with the Python extension failed; retrying without it"
  # shellcheck disable=SC2086
  cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWMEL_CUDA="$MODE" -DWMEL_WERROR=ON \
    -DWMEL_BUILD_PYTHON=OFF ${GPU_CHECK_CMAKE_ARGS:-} >"$OUT/cmake.log" 2>&1 || { tail -20 "$OUT/cmake.log"; exit 1; }
fi
grep "wmel:" "$OUT/cmake.log" | head -8
if ! cmake --build "$B" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
  # a newer compiler's warning stops a -Werror build: say what it was, then go on without
  # -Werror so that the GPU's figures still come
  grep -E "error|warning" "$OUT/build.log" | head -20
  echo "the -Werror build failed (above); building again without -Werror"
  cmake -DWMEL_WERROR=OFF "$B" >>"$OUT/cmake.log" 2>&1
  cmake --build "$B" -j "$(nproc)" >>"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
fi
grep -i "warning" "$OUT/build.log" | head -5
FEATURES=$("$B/wmel" --version 2>/dev/null)
echo "$FEATURES"
HAVE_VK=0; case "$FEATURES" in *vulkan*) HAVE_VK=1 ;; esac
case "$FEATURES" in *ffmpeg*) ;; *) absent "FFmpeg in $B (libavformat-dev ...: WAV input only; the decoding tests skip)" ;; esac
case "$FEATURES" in *safetensors*) ;; *) absent "cJSON in $B (libcjson-dev: the stem's safetensors; the stem bench and tests skip)" ;; esac

W=../shared/golden/audio/exact_30s.wav
[ -f "$W" ] || W=data/$(ls data | grep -m1 '\.wav$')
step "vulkan (docs/vulkan.md)"
if ! want vulkan; then echo "skipped: not in GPU_CHECK_STEPS"
elif [ "$HAVE_VK" = 1 ] && [ -x "$B/tests/vulkan/test_vulkan" ]; then
  timeout "$STEP_S" "$B/tests/vulkan/test_vulkan" >"$OUT/test_vulkan.txt" 2>&1; echo "test_vulkan exit $?"
  # NVIDIA's Vulkan driver (its ICD, libGLX_nvidia.so.0) loads through libglvnd: an image
  # without it lists no device (VK_ERROR_INCOMPATIBLE_DRIVER)
  if grep -q "VK_ERROR_INCOMPATIBLE_DRIVER" "$OUT/test_vulkan.txt" &&
     ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json >/dev/null 2>&1; then
    absent "libglvnd (libglvnd0, libgl1, libglx0, libegl1) for NVIDIA's Vulkan driver: no instance, the Vulkan steps find no device"
    echo "  (with them, and VK_DRIVER_FILES naming nvidia_icd.json where the loader does not look, the Vulkan steps run)"
  fi
  grep -E "^[0-9]+:|device|worst error|injection|checks|FAIL" "$OUT/test_vulkan.txt" | head -60
  # the arithmetic AUTO takes on this device: both timed on a 30 s clip (src/vulkan/arith_probe.c)
  [ -x "$B/tests/vulkan/test_vulkan_arith_probe" ] &&
    timeout 120 "$B/tests/vulkan/test_vulkan_arith_probe" 2>&1 | grep -E "^device|^timed|checks"
  if [ "${GPU_CHECK_FF_PROBE:-0}" = 1 ]; then
    # for a device whose float-float fails the per-ctx check: each preset's float-float error
    # with the check off (WMEL_VULKAN_FF_FRAMECHECK=0), through the FFT and through the direct
    # DFT (WMEL_VULKAN_FFT=0), to tell the stage that loses float-float's terms
    for fft in 1 0; do
      WMEL_VULKAN_FF_FRAMECHECK=0 WMEL_VULKAN_FFT=$fft timeout "$STEP_S" "$B/tests/vulkan/test_vulkan" \
        >"$OUT/ff_probe_fft$fft.txt" 2>&1
      echo "float-float with the frame check off, WMEL_VULKAN_FFT=$fft:"
      grep -E "arithmetic float-float" "$OUT/ff_probe_fft$fft.txt" | head -40
    done
  fi
  for fe in whisper nemo kaldi; do
    for run in "cpu -" "cuda -" "vulkan -" "vulkan float64" "vulkan float-float"; do
      set -- $run
      WMEL_VULKAN_ARITHMETIC=$([ "$2" = - ] && echo "" || echo "$2") \
        timeout 60 "$B/wmel" mel "$W" -o "$OUT/vk_$fe.npy" --frontend "$fe" --backend "$1" -v 2>&1 |
        grep -E " ms on | s on |^wmel:" | sed "s|^|$fe $1 $2: |"
    done
  done
  rm -f "$OUT"/vk_*.npy
else
  echo "skipped: no Vulkan backend in $B (needs glslc or glslangValidator and the Vulkan headers at build time)"
fi

step "one 30 s clip: the host's CPU a frame, the samples read in place and copied, the ctx's making (bench/vulkan/vk_frames_bench.c)"
FB="$B/vk_frames_bench"
if ! want frames; then echo "skipped: not in GPU_CHECK_STEPS"; FB=""
elif [ "$HAVE_VK" = 0 ]; then
  echo "skipped: no Vulkan backend in $B"
  FB=""
else
cc -O2 -Iinclude bench/vulkan/vk_frames_bench.c -L"$B" -lwmel -lm -Wl,-rpath,"$PWD/$B" -o "$FB" \
  2>"$OUT/vk_frames_build.log" || { cat "$OUT/vk_frames_build.log"; FB=""; }
fi
if [ -n "$FB" ]; then
  for fe in whisper nemo kaldi; do
    for a in f64 ff; do
      for imp in 1 0; do # WMEL_VULKAN_HOST_IMPORT=0: the samples copied (docs/vulkan.md)
        WMEL_VULKAN_HOST_IMPORT=$imp timeout 120 "$FB" "$W" 30 "$fe" "$a" 10 2>&1 | sed "s|^|in place $imp: |"
      done
    done
  done
  for imp in 1 0; do
    WMEL_VULKAN_HOST_IMPORT=$imp timeout 120 "$FB" "$W" 30 whisper f64 10 s16 2>&1 | sed "s|^|in place $imp: |"
  done
fi

step "many clips: $CLIPS clips of 1 to 10 s in one call, per backend (bench/vulkan/vk_batch_bench.c)"
VB="$B/wmel-vk-batch-bench" # the CMake target (the Vulkan rounds' phases too), else built here
want batch || { echo "skipped: not in GPU_CHECK_STEPS"; VB=""; echo >"$OUT/vk_batch_build.log"; }
[ -z "$VB" ] || [ -x "$VB" ] || { VB="$B/vk_batch_bench"; cc -O2 -Iinclude bench/vulkan/vk_batch_bench.c -L"$B" -lwmel -lm \
  -Wl,-rpath,"$PWD/$B" -o "$VB" 2>"$OUT/vk_batch_build.log" || VB=""; }
if [ -n "$VB" ]; then
  BES="cpu cuda f64 ff"
  [ "$HAVE_VK" = 1 ] || { BES="cpu cuda"; echo "Vulkan (f64, ff): skipped: no Vulkan backend in $B"; }
  for fe in whisper nemo kaldi; do
    for be in $BES; do
      timeout 120 "$VB" "$fe" "$be" "$CLIPS" "$REPS" > "$OUT/vk_batch_${fe}_$be.txt" 2>&1
      sed "s|^|$be: |" "$OUT/vk_batch_${fe}_$be.txt"
    done
  done
  # Whisper's clips share rounds (vt->pfa_frames_batch): far fewer rounds than clips
  for be in $BES; do
    [ "$be" = f64 ] || [ "$be" = ff ] || continue
    r=$(sed -n 's/.*one batch call *rounds (submissions) a call: \([0-9]*\).*/\1/p' "$OUT/vk_batch_whisper_$be.txt")
    if [ -z "$r" ]; then echo "$be: Whisper's batch: no rounds counted (no Vulkan device, or the bench failed)"
    elif [ "$r" -lt "$CLIPS" ]; then echo "$be: Whisper's batch: $r rounds for $CLIPS clips (shared rounds)"
    else echo "$be: Whisper's batch: $r rounds for $CLIPS clips: NOT shared (a round a clip)"; fi
  done
else
  cat "$OUT/vk_batch_build.log"
fi

step "clips in the device's memory (bench/vulkan/vk_devmem_bench.c, wmel_vulkan_features_device)"
DB="$B/wmel-vk-devmem-bench"
if ! want devmem; then echo "skipped: not in GPU_CHECK_STEPS"
elif [ -x "$DB" ]; then
  for fe in whisper nemo kaldi; do
    for ar in 1 2; do
      timeout 120 "$DB" "$fe" "$ar" 10 "$DEVMEM_CLIPS" "$REPS" > "$OUT/vk_devmem_${fe}_$ar.txt" 2>&1
      sed "s|^|arith $ar: |" "$OUT/vk_devmem_${fe}_$ar.txt"
    done
  done
elif [ "$HAVE_VK" = 0 ]; then
  echo "skipped: no Vulkan backend in $B"
else
  echo "no $DB (built with the Vulkan backend and its headers, on Linux)"
fi

step "cuda_bench (log-Mel vs torch.stft pipeline)"
if ! want cuda_bench; then echo "skipped: not in GPU_CHECK_STEPS"
elif [ "$HAVE_NP" = 0 ]; then
  echo "skipped: no numpy for $PY"
else
  timeout "$STEP_S" "$PY" bench/cuda_bench.py --build "$B" $BENCH_ARGS >"$OUT/cuda_bench.txt" 2>&1
  [ $? = 124 ] && echo "cut short after $STEP_S s (STEP_S)"
  cat "$OUT/cuda_bench.txt"
fi
step "cuda_stem_bench (mel + stem vs torch)"
if ! want stem; then echo "skipped: not in GPU_CHECK_STEPS"
elif [ "$HAVE_NP" = 0 ]; then
  echo "skipped: no numpy for $PY"
elif ! "$B/wmel" --version | grep -q safetensors; then
  echo "skipped: wmel built without cJSON (libcjson-dev), which reads the stem's safetensors"
else
timeout "$STEP_S" "$PY" bench/cuda_stem_bench.py --build "$B" $STEM_ARGS >"$OUT/cuda_stem_bench.txt" 2>&1
cat "$OUT/cuda_stem_bench.txt"
fi

step ctest
# GPU_CHECK_CTEST_R: a regular expression of the tests to run (default all)
if want ctest; then
(cd "$B" && timeout "$STEP_S" ctest --output-on-failure -j "$(nproc)" ${GPU_CHECK_CTEST_R:+-R "$GPU_CHECK_CTEST_R"}) >"$OUT/ctest.log" 2>&1
[ $? = 124 ] && echo "cut short after $STEP_S s (STEP_S)"
grep -E "tests passed|Failed|\*\*\*|Not Run" "$OUT/ctest.log"
else echo "skipped: not in GPU_CHECK_STEPS"; fi

step "many clips on the device from torch (bench/cuda_batch_bench.py)"
so=$(find "$B" -name '_wmel*.so' | head -1)
pkg="$B/pypkg"
# the package as the wheel lays it out (python/CMakeLists.txt): the modules, the extensions, the speech clip
if [ -n "$so" ]; then rm -rf "$pkg" && mkdir -p "$pkg" && cp -r python/wmel "$pkg/" && cp "$(dirname "$so")"/_*.so "$pkg/wmel/" &&
  cp data/speech_en.wav "$pkg/wmel/"; fi
if ! want cuda_batch; then echo "skipped: not in GPU_CHECK_STEPS"
elif [ -z "$so" ] || [ "$HAVE_NP" = 0 ]; then echo "skipped: no extension built or no numpy for $PY"
else
  PYTHONPATH="$pkg" timeout "$STEP_S" "$PY" bench/cuda_batch_bench.py --clips "$([ "$MODE" = EMU ] && echo 8 || echo 512)" --record "$OUT" \
    >"$OUT/cuda_batch_bench.txt" 2>&1
  [ $? = 124 ] && echo "cut short after $STEP_S s (STEP_S)"
  cat "$OUT/cuda_batch_bench.txt"
fi

step "python (with torch where importable)"
if ! want python; then so=""; echo "skipped: not in GPU_CHECK_STEPS"; fi
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" 2>/dev/null ||
  echo "no torch for $PY: the torch tests skip"
if [ -n "$so" ] && "$PY" -c "import pytest, numpy" 2>/dev/null; then
  # one line a test as it ends (-v), so that a run cut by STEP_S still names its failures;
  # pytest-xdist's workers where it is installed
  xd=""; "$PY" -c "import xdist" 2>/dev/null && xd="-n $(nproc)"
  # shellcheck disable=SC2086
  # GPU_CHECK_PYTEST: the test files to run (default tests/python)
  PYTHONPATH="$pkg" timeout "$STEP_S" "$PY" -m pytest -v -rs -p no:cacheprovider $xd ${GPU_CHECK_PYTEST:-tests/python} >"$OUT/pytest.log" 2>&1
  [ $? = 124 ] && echo "pytest cut short after $STEP_S s (STEP_S): the failures so far below"
  grep -E "(FAILED|ERROR) " "$OUT/pytest.log" | sed -E 's/^\[gw[0-9]+\] *\[ *[0-9]+%\] *//' | sort -u | head -30
  echo "pytest: $(grep -c " PASSED" "$OUT/pytest.log") passed, $(grep -c " SKIPPED" "$OUT/pytest.log") skipped, $(grep -cE " (FAILED|ERROR)" "$OUT/pytest.log") failed or errors"
  tail -1 "$OUT/pytest.log"
else
  echo "skipped: no extension built ($so) or no pytest/numpy for $PY"
fi
step done
