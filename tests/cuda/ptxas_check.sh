#!/bin/sh
# ptxas_check.sh NVCC SOURCE_DIR "ARCHS" -- register use and spills of the CUDA backend's
# kernels (src/cuda/*.cu) for every real architecture in ARCHS (a CMake architecture list,
# "75-real;80-real;...;90-virtual": tests/cuda/CMakeLists.txt gives the default list and the
# build's), from ptxas -v. Prints one
# line per kernel and architecture and fails when a kernel spills registers to local
# memory, with one exception: k_smooth's double division by 9 calls the division's slow
# path, a real call across which ptxas may save up to 8 bytes (its stack frame); a spill
# of more than that, or in any other kernel, fails. k_plan_frames, k_plan_finish, k_plan_post
# and k_plan_all are printed per arithmetic (k_plan_frames<double>, k_plan_frames<ff>: their two
# instantiations).
set -u
nvcc=$1
src=$2
archs=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for a in $(printf '%s\n' "$archs" | tr ';' ' '); do
    case $a in
    *-virtual) continue ;;
    esac
    sm=${a%-real}
    for f in kernels plan_kernels stem_kernels; do
        if ! "$nvcc" -std=c++17 -c "$src/src/cuda/$f.cu" -I"$src/include" -I"$src/src" --expt-relaxed-constexpr \
            -gencode "arch=compute_$sm,code=sm_$sm" -Xptxas=-v -o "$tmp/$f.o" >"$tmp/log" 2>&1; then
            cat "$tmp/log"
            echo "ptxas_check: $f.cu does not compile for sm_$sm"
            fail=1
            continue
        fi
        # "Compiling entry function 'NAME' for 'sm_X'", then "N bytes stack frame, S bytes
        # spill stores, L bytes spill loads", then "Used R registers"
        out=$(awk -v sm="$sm" '
            /Compiling entry function/ { split($0, q, "'"'"'"); name = q[2]; next }
            /bytes stack frame/ && name != "" { stack = $1; st = $5; ld = $9; next }
            /Used [0-9]+ registers/ && name != "" {
                for (i = 1; i <= NF; i++) if ($i == "Used") regs = $(i + 1)
                k = name; sub(/^.*k_/, "k_", k); sub(/[^a-z_].*$/, "", k)
                if (name ~ /k_plan_framesId/) k = k "<double>"   # the arithmetic of k_plan_frames<R>
                else if (name ~ /k_plan_framesI.*2ff/) k = k "<ff>"
                else if (name ~ /k_plan_finishId/) k = k "<double>" # and of k_plan_finish<R>
                else if (name ~ /k_plan_finishI.*2ff/) k = k "<ff>"
                else if (name ~ /k_plan_postId/) k = k "<double>"   # and of k_plan_post<R>
                else if (name ~ /k_plan_postI.*2ff/) k = k "<ff>"
                else if (name ~ /k_plan_allId/) k = k "<double>"    # and of k_plan_all<R>
                else if (name ~ /k_plan_allI.*2ff/) k = k "<ff>"
                else if (name ~ /k_logmel(_round)?I[fs]d/) k = k "<double>" # and of k_logmel<T, R>
                else if (name ~ /k_logmel(_round)?I[fs].*2ff/) k = k "<ff>"
                allow = (k == "k_smooth") ? 8 : 0
                bad = (st + 0 > allow || ld + 0 > 4 * allow) ? "SPILLS" : "ok"
                printf "sm_%s %-21s %3d registers, %2d bytes stack, %2d/%2d bytes spilled (stores/loads): %s\n", sm, k, regs, stack, st, ld, bad
                name = ""
            }' "$tmp/log")
        printf '%s\n' "$out"
        n=$((n + $(printf '%s\n' "$out" | grep -c registers)))
        if printf '%s\n' "$out" | grep -q SPILLS; then fail=1; fi
    done
done
if [ "$n" -eq 0 ]; then
    echo "ptxas_check: no kernel was compiled for \"$archs\""
    exit 1
fi
if [ "$fail" -ne 0 ]; then
    echo "ptxas_check: FAILED ($n kernel builds)"
    exit 1
fi
echo "ptxas_check: $n kernel builds, no spills (k_smooth: at most the division call's 8 bytes): ok"
