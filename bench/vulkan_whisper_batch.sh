#!/bin/sh
# vulkan_whisper_batch.sh -- Whisper's geometry (n_fft 400, 80 mels) on the Vulkan backend,
# today's library (the work tree's build) against BASE's (default main; `git archive REV`
# built with -DWMEL_VULKAN=ON in BASEDIR/base-REV, default a temporary folder: BASEDIR=/tmp
# keeps it between runs), in the same run, each library in turn in each of ROUNDS rounds
# (default 2; a shared machine's load moves: the best wall time of each is the figure):
#  - many clips: bench/vulkan/vk_batch_bench.c (this tree's source, built against each
#    library as the CMake target wmel-vk-batch-bench) on CLIPS clips of 1 to 10 s (default
#    "512 64"), one wmel_features_batch call and the same clips in single calls: wall ms,
#    the process's and the calling thread's CPU ms, the calling thread's microseconds a
#    frame, where its time went (packing, on the device, reading back) and the rounds
#    (submissions) a call made (BASE's library may not count them: "n/a");
#  - one clip: bench/vulkan/vk_frames_bench.c on SECONDS (default 30) of
#    ../shared/golden/audio/exact_30s.wav, through each library's libwmel.so.
# ARITH: f64 (default) or ff. LIBDIR: today's build (default build-vk, else build), which
# must hold wmel-vk-batch-bench and libwmel.so (configure with -DWMEL_VULKAN=ON).
# Prints the machine (CPU model, cores, date, load average) first.
set -eu
BASE=${BASE:-main}
ROUNDS=${ROUNDS:-2}
REPS=${REPS:-2}
ARITH=${ARITH:-f64}
CLIPS=${CLIPS:-512 64}
SECONDS_=${SECONDS_OF_SPEECH:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${LIBDIR:-$root/build-vk}
[ -x "$lib/wmel-vk-batch-bench" ] || lib=$root/build
[ -x "$lib/wmel-vk-batch-bench" ] && [ -f "$lib/libwmel.so" ] ||
    { echo "vulkan_whisper_batch.sh: no wmel-vk-batch-bench and libwmel.so in $lib (a -DWMEL_VULKAN=ON build; LIBDIR=)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=base-$(echo "$BASE" | tr -c 'A-Za-z0-9._\n-' '_')
d=${BASEDIR:-$tmp}/$name
if [ ! -f "$d/build/libwmel.so" ] || [ ! -x "$d/build/wmel-vk-batch-bench" ]; then
    mkdir -p "$d"
    git -C "$root" archive "$BASE" | tar -x -C "$d"
    cp "$root/bench/vulkan/vk_batch_bench.c" "$d/bench/vulkan/vk_batch_bench.c" # the same bench on each library
    cmake -S "$d" -B "$d/build" -DCMAKE_BUILD_TYPE=Release -DWMEL_CUDA=OFF -DWMEL_VULKAN=ON \
        -DWMEL_BUILD_TESTS=OFF > "$tmp/base-cmake.log"
    cmake --build "$d/build" -j2 --target wmel wmel_vk_batch_bench > "$tmp/base-build.log"
fi
for v in base new; do
    l=$d/build
    [ $v = new ] && l=$lib
    ${CC:-cc} -O2 -I"$root/include" -o "$tmp/frames-$v" "$root/bench/vulkan/vk_frames_bench.c" -L"$l" -lwmel \
        -Wl,-rpath,"$l" -lm
done
cp "$d/build/wmel-vk-batch-bench" "$tmp/batch-base"
cp "$lib/wmel-vk-batch-bench" "$tmp/batch-new"
wav=${WAV:-$root/../shared/golden/audio/exact_30s.wav}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; $(date -u +%Y-%m-%d); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "vulkan: $("$tmp/batch-new" whisper "$ARITH" 1 0 2>&1 | sed -n '1s/.*(\(vulkan[^)]*\)).*/\1/p'); base = $BASE's library, new = $lib's"
# the best wall time of ROUNDS runs of each library, each run printing its lines
best() { # $1: the command's tag; the rest: the command (run with base, then new)
    tag=$1
    shift
    for r in $(seq "$ROUNDS"); do
        for v in base new; do
            "$tmp/$tag-$v" "$@" > "$tmp/out-$tag-$v-$r.txt" 2>&1 || true
        done
    done
    for v in base new; do
        bw=""
        bf=""
        for r in $(seq "$ROUNDS"); do
            f=$tmp/out-$tag-$v-$r.txt
            w=$(sed -n 's/.*one batch call *wall *\([0-9.]*\) ms.*/\1/p; s/.*: *\([0-9.]*\) us\/frame wall.*/\1/p' "$f" | head -1)
            [ -n "$w" ] || continue
            if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w; bf=$f; fi
        done
        echo "-- $v:"
        [ -n "$bf" ] && sed 's/^/   /' "$bf" || cat "$tmp/out-$tag-$v-1.txt"
    done
}
for c in $CLIPS; do
    echo
    echo "Whisper, $c clips of 1 to 10 s (seed 1), one batch call against single calls, best of $ROUNDS runs x $REPS calls:"
    best batch whisper "$ARITH" "$c" "$REPS" 1 1 10
done
echo
echo "Whisper, one clip of $SECONDS_ s ($(basename "$wav")), best of $ROUNDS runs x $REPS calls:"
best frames "$wav" "$SECONDS_" whisper "$ARITH" "$REPS"
