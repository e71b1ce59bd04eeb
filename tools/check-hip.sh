#!/bin/sh
# make check-hip: the CUDA kernels (src/cuda/kernels.cu, plan_kernels.cu, stem_kernels.cu,
# with the float-float arithmetic of src/kernels/ff.h) compiled by Debian's hipcc for two AMD
# GPU targets, through tests/hip/include/cuda_runtime.h (HIP's runtime under the CUDA names):
#
#   gfx90a (CDNA2, MI200)   hipcc -c: the host object with the device code object linked
#                           against ROCm's device library;
#   gfx1100 (RDNA3)         the device code compiled to gfx1100 assembly (hipcc
#                           --cuda-device-only -S -nogpulib): Debian's rocm-device-libs (5.2)
#                           has no gfx1100 library to link, so the calls into it stay external.
#
# -ffp-contract=off: HIP's __fadd_rn and __fmul_rn are plain + and * (no rounding named to
# the compiler), and clang contracts a * b + c into an fma by default for HIP, which would
# fold the float-float error terms away; with it off each stays one rounding, as under nvcc.
# Compile only: no AMD GPU has run the kernels (their warp reductions assume 32 lanes; a
# gfx90a wavefront has 64). Prints a line per file and target; fails on any error or warning.
# Usage: sh tools/check-hip.sh [BUILD_DIR]
set -u
out=${1:-build-hip}
mkdir -p "$out"
if ! command -v hipcc >/dev/null 2>&1; then
    echo "check-hip: no hipcc (Debian: hipcc; make check-hip installs it)" >&2
    exit 1
fi
# hipcc asks rocm_agent_enumerator for the machine's GPUs, which prints a traceback where
# there is no AMD driver (/dev/kfd): that noise is dropped, everything else is kept
quiet() { grep -v -e '^Traceback' -e '^  File ' -e '^    ' -e 'rocm_agent_enumerator' -e 'KFD' -e 'FileNotFoundError' -e '^$' || true; }
flags="-xhip -std=c++17 -O2 -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-command-line-argument -Itests/hip/include -Isrc -Iinclude"
start=$(date +%s)
bad=0
n=0
# compile F ARCH: one compilation, its exit status in $out/F-ARCH.rc and its seconds in .s
compile() {
    t0=$(date +%s)
    if [ "$2" = gfx90a ]; then
        # shellcheck disable=SC2086
        hipcc $flags --offload-arch=$2 -c src/cuda/$1.cu -o "$out/$1-$2.o" >"$out/$1-$2.log" 2>&1
    else
        # shellcheck disable=SC2086
        hipcc $flags --offload-arch=$2 --cuda-device-only -nogpulib -S src/cuda/$1.cu -o "$out/$1-$2.s" \
            >"$out/$1-$2.log" 2>&1
    fi
    echo $? >"$out/$1-$2.rc"
    echo $(( $(date +%s) - t0 )) >"$out/$1-$2.sec"
}
# each file's two targets side by side (hipcc compiles on one core)
for f in kernels plan_kernels stem_kernels; do
    compile $f gfx90a &
    compile $f gfx1100 &
    wait
    for arch in gfx90a gfx1100; do
        rc=$(cat "$out/$f-$arch.rc" 2>/dev/null || echo 1)
        n=$((n + 1))
        msgs=$(quiet <"$out/$f-$arch.log")
        if [ "$rc" = 0 ] && [ -z "$msgs" ]; then
            echo "check-hip: src/cuda/$f.cu for $arch: compiled ($(cat "$out/$f-$arch.sec") s)"
        else
            echo "check-hip: src/cuda/$f.cu for $arch: FAILED (exit $rc)"
            printf '%s\n' "$msgs" | head -40
            bad=$((bad + 1))
        fi
    done
done
echo "check-hip: $n compilations, $bad failed, $(( $(date +%s) - start )) s (compile only: not run on an AMD GPU)"
[ $bad = 0 ]
