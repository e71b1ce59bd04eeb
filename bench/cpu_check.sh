#!/bin/sh
# bench/cpu_check.sh -- the CPU kernels at every ISA level this processor has, side by side
# in one run against the peers that are importable here (no network needed: a peer that
# is not installed is skipped, with the reason printed). For a machine other than the one
# the figures in docs/performance.md were taken on -- an AVX-512 server, say; bench/
# gpu_check.sh runs it too:
#   1. the processor, its flags, the levels to run (avx2, and avx512 where it has
#      AVX-512F, VL and DQ, as the library asks), /proc/loadavg;
#   2. `wmel bench` per level: Whisper's log-Mel against numpy, asrfront and torch, with
#      the nemo, kaldi and seamless front-ends' whole calls (30 s and 600 s, 1 and 2 threads);
#   3. bench/frontends_bench.py per level (WMEL_MAX_ISA caps the level): the front-ends
#      against kaldi-native-fbank, asrfront, torchaudio, transformers and NeMo;
#   4. wmel-fe-threads-bench 600 (two threads against one) at the highest level.
# Logs go to $OUT (default out/cpu); a summary goes to stdout.
#   sh bench/cpu_check.sh [BUILD_DIR]
# BUILD_DIR (default build) and $OUT may be absolute or relative to the folder the script
# is started in; it runs from the source tree's root wherever it is started.
# CPU_CHECK_SECONDS (default "30 600") and CPU_CHECK_LEVELS (default: every level the
# processor has, C left out) narrow a run; CPU_CHECK_DRY_RUN=1 prints the commands that
# would run, after the build, and runs none of them.
set -u
B=${1:-build}
OUT=${OUT:-out/cpu}
case $B in /*) ;; *) B="$PWD/$B" ;; esac
case $OUT in /*) ;; *) OUT="$PWD/$OUT" ;; esac
cd "$(dirname "$0")/.." || exit 1
PY=${PYTHON:-python3}
SECS=${CPU_CHECK_SECONDS:-30 600}
DRY=${CPU_CHECK_DRY_RUN:-0}
mkdir -p "$OUT"
# run CMD...: runs it, or with CPU_CHECK_DRY_RUN=1 prints it after checking that the
# program it names exists
run() {
  if [ "$DRY" = 1 ]; then
    for a in "$@"; do case $a in *=*) ;; *) prog=$a; break ;; esac; done
    case $prog in /*) [ -x "$prog" ] || { echo "missing: $prog"; exit 1; } ;; esac
    echo "would run: $*"
    return 0
  fi
  env "$@"
}

echo "== cpu"
grep -m1 'model name' /proc/cpuinfo
echo "logical cores: $(nproc)"
flags=$(grep -m1 '^flags' /proc/cpuinfo)
have() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
levels=""
if have avx2 && have fma; then levels="avx2"; fi
if have avx512f && have avx512vl && have avx512dq; then levels="$levels avx512"; fi
levels=${CPU_CHECK_LEVELS:-$levels}
[ -n "$levels" ] || levels="c"
echo "levels: $levels"
echo "loadavg: $(cat /proc/loadavg)"

echo "== build ($B)"
if [ ! -x "$B/wmel" ] || [ ! -x "$B/wmel-fe-threads-bench" ]; then
  cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_BUILD_PYTHON=ON \
    -DPython_EXECUTABLE="$(command -v "$PY")" >"$OUT/cmake.log" 2>&1 ||
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON >"$OUT/cmake.log" 2>&1 ||
    { tail -20 "$OUT/cmake.log"; exit 1; }
  cmake --build "$B" -j "$(nproc)" >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
fi

# the Python package: an installed one, else the extension this build made
if ! "$PY" -c "import wmel" 2>/dev/null; then
  so=$(find "$B" -name '_wmel*.so' | head -1)
  if [ -n "$so" ]; then
    pkg="$OUT/pkg"
    rm -rf "$pkg" && mkdir -p "$pkg" && cp -r python/wmel "$pkg/" && cp "$so" "$pkg/wmel/"
    PYTHONPATH="$pkg${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHONPATH
  fi
fi

secs_csv=$(echo "$SECS" | tr ' ' ',')
for isa in $levels; do
  echo "== wmel bench, level $isa (Whisper and the front-ends' whole calls)"
  run WMEL_BENCH_PYTHON="$PY" OPENBLAS_NUM_THREADS=1 "$B/wmel" bench --seconds "$secs_csv" --threads 1,2 \
    --isa "$isa" --peers numpy,asrfront,torch --frontends nemo,kaldi,seamless >"$OUT/wmel_bench_$isa.txt" 2>&1
  [ "$DRY" = 1 ] && cat "$OUT/wmel_bench_$isa.txt"
  grep -E "kernel:|load average|^ +[0-9]+ +[0-9]+ +[0-9]+ " "$OUT/wmel_bench_$isa.txt"
done

for isa in $levels; do
  echo "== frontends_bench.py, level $isa (the front-ends against their originals)"
  if "$PY" -c "import wmel, numpy" 2>/dev/null; then
    # shellcheck disable=SC2086
    run WMEL_MAX_ISA="$isa" PYTHONUNBUFFERED=1 "$PY" bench/frontends_bench.py --seconds $SECS \
      --threads 1 2 >"$OUT/frontends_bench_$isa.txt" 2>&1
    [ "$DRY" = 1 ] && cat "$OUT/frontends_bench_$isa.txt"
    grep -E "^(cpu|loadavg|wmel.s level|versions|\|)|speed-up" "$OUT/frontends_bench_$isa.txt"
  else
    echo "skipped: no wmel Python package or numpy for $PY"
  fi
done

top=$(echo "$levels" | awk '{print $NF}')
echo "== wmel-fe-threads-bench 600 21 2, level $top (two threads against one)"
run WMEL_MAX_ISA="$top" "$B/wmel-fe-threads-bench" 600 21 2 >"$OUT/fe_threads_$top.txt" 2>&1
cat "$OUT/fe_threads_$top.txt"
echo "loadavg: $(cat /proc/loadavg)"
