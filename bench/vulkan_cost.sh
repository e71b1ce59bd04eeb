#!/bin/sh
# vulkan_cost.sh -- the frame shader's cost, today's (the work tree's) against an earlier one
# (default HEAD; `bench/vulkan_cost.sh REV`; FFT_OLD=0 for a REV before the FFT, whose host
# took the direct DFT), for Whisper's geometry (n_fft 400, 80 mels):
#  - ACO's statistics on RADV's null device (no GPU needed: RADV_FORCE_FAMILY), navi21 (RDNA2)
#    and gfx1100 (RDNA3), each arithmetic: static instructions, registers, and each loop of
#    the disassembly with its instructions (bench/vulkan/aco_loops.py), from which
#    bench/results/*-vulkan-*.md count one frame's instructions (a loop's body times its trips: TRIPS_OLD
#    and TRIPS_NEW, each loop's trips in the printed order, make aco_loops.py add them up);
#  - microseconds a frame on Mesa's lavapipe (the CPU), the two shaders in the same run
#    (STATS=0 leaves the shader-only figures out; they need REV's shader to take today's
#    buffers, so they stop at the shader before the framing on the device);
#  - the whole backend through the public API (bench/vulkan/vk_frames_bench.c) for
#    whisper, nemo and kaldi on SECONDS (default 10) of speech, each arithmetic: lavapipe's
#    wall-clock microseconds a frame, the calling thread's (the host's) CPU microseconds a
#    frame, of today's library and of each BASE revision's (default main; `git archive REV`
#    built with -DWMEL_VULKAN=ON in BASEDIR/base-REV, default a temporary folder: BASEDIR=/tmp
#    keeps them between runs), in the same run; LIB=0 leaves this part out. Bytes a frame crossing to
#    the device are printed from the buffers' layouts.
# Needs glslc, libvulkan-dev, mesa-vulkan-drivers (RADV and lavapipe), a C compiler, cmake,
# python3.
# Prints the machine (CPU model, date, load average) first: the lavapipe figures are this
# machine's; the ACO counts are the compiler's and depend on Mesa's version only.
set -eu
REV=${1:-HEAD}
FRAMES=${FRAMES:-3000}
BASE=${BASE:-main}
SECONDS_=${SECONDS_OF_SPEECH:-10}
REPS=${REPS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the tree's layout, so that the shaders find ../../kernels/ff.h and fft.h (a revision
# without them has their text in arith_ff.glsl and frames.comp)
mkdir -p "$tmp/old/src/vulkan/shaders" "$tmp/old/src/kernels"
for f in frames.comp arith_f64.glsl arith_ff.glsl; do
    git -C "$root" show "$REV:src/vulkan/shaders/$f" > "$tmp/old/src/vulkan/shaders/$f"
done
for f in ff.h fft.h; do
    git -C "$root" show "$REV:src/kernels/$f" > "$tmp/old/src/kernels/$f" 2>/dev/null || true
done
for v in old new; do
    src=$tmp/old/src/vulkan/shaders
    [ $v = new ] && src=$root/src/vulkan/shaders
    glslc -fshader-stage=compute --target-env=vulkan1.1 -O -I"$src" -o "$tmp/$v-f64.spv" "$src/frames.comp"
    glslc -fshader-stage=compute --target-env=vulkan1.1 -O -I"$src" -DWMEL_ARITH_FF=1 -o "$tmp/$v-ff.spv" "$src/frames.comp"
    # the buffers' layout: 2 for a shader that frames on the device (then FPG frames a workgroup)
    lay=1
    grep -q 'buffer Segs' "$src/frames.comp" && lay=2
    eval "lay_$v=$lay"
    eval "src_$v=$src"
done
FPG=${FPG:-4}
# vk_cost's environment for shader $1 (old or new), arithmetic $2
cost_env() {
    eval "l=\$lay_$1"
    e="VK_COST_LAYOUT=$l"
    [ "$l" = 2 ] && e="$e VK_COST_FPG=$FPG"
    [ "$2" = ff ] && e="$e VK_COST_FF=1"
    # a shader with radix-8 stages: Whisper's 200 points as backend.c factors them
    grep -q 'r == 8' "$(eval echo "\$src_$1")/frames.comp" && e="$e VK_COST_RADICES=8,5,5"
    echo "$e"
}
${CC:-cc} -O2 -o "$tmp/vk_cost" "$root/bench/vulkan/vk_cost.c" -lvulkan -lm

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; $(date -u +%Y-%m-%d); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "mesa: $(dpkg-query -W -f '${Version}' mesa-vulkan-drivers 2>/dev/null || echo unknown); old = $REV's shader, new = the work tree's"
echo
echo "ACO (RADV null device), Whisper's geometry: statistics, then the loops (LOOPS=0 leaves them out)"
for fam in navi21 gfx1100; do
    for a in f64 ff; do
        for v in old new; do
            fft=1
            [ $v = old ] && fft=${FFT_OLD:-1}
            ffenv=$(cost_env $v $a)
            stats=$(env RADV_FORCE_FAMILY=$fam $ffenv "$tmp/vk_cost" stats "$tmp/$v-$a.spv" RADV $fft 2>/dev/null)
            env RADV_FORCE_FAMILY=$fam RADV_DEBUG=shaders,nocache $ffenv "$tmp/vk_cost" stats "$tmp/$v-$a.spv" RADV $fft \
                > /dev/null 2> "$tmp/disasm.txt" || true
            printf '%-8s %-4s %-4s %s\n' $fam $a $v \
                "$(echo "$stats" | tr ' ' '\n' | grep -E '^(subgroup|Instructions|VGPRs|SGPRs|Spilled_VGPRs|Scratch_size|Code_size|LDS_size)=' | tr '\n' ' ')"
            trips=$(eval echo "\${TRIPS_$(echo $v | tr a-z A-Z):-}")
            [ "${LOOPS:-1}" = 0 ] || python3 "$root/bench/vulkan/aco_loops.py" "$tmp/disasm.txt" \
                ${trips:+--trips "$trips"} | sed 's/; blocks.*//; s/^/    /'
        done
    done
done
echo
[ "${STATS:-1}" = 0 ] || {
echo "lavapipe, $FRAMES frames of Whisper's geometry, microseconds a frame (best of 5 dispatches)"
for a in f64 ff; do
    for v in old new; do
        ffenv=$(cost_env $v $a)
        fft=1
        [ $v = old ] && fft=${FFT_OLD:-1}
        printf '%-4s %-4s ' $a $v
        env $ffenv "$tmp/vk_cost" time "$tmp/$v-$a.spv" llvmpipe $fft "$FRAMES"
    done
done
}

[ "${LIB:-1}" = 0 ] && exit 0
echo
# each BASE revision's library, built in BASEDIR/<revision> (kept there between runs when
# BASEDIR is given), then today's
lib=${LIBDIR:-$root/build}
[ -f "$lib/libwmel.so" ] || { echo "vulkan_cost.sh: no $lib/libwmel.so (build today's first, or LIBDIR=)"; exit 1; }
names=""
for b in $BASE; do
    name=base-$(echo "$b" | tr -c 'A-Za-z0-9._\n-' '_')
    d=${BASEDIR:-$tmp}/$name
    if [ ! -f "$d/build/libwmel.so" ]; then
        mkdir -p "$d"
        git -C "$root" archive "$b" | tar -x -C "$d"
        cmake -S "$d" -B "$d/build" -DCMAKE_BUILD_TYPE=Release -DWMEL_CUDA=OFF -DWMEL_VULKAN=ON \
            -DWMEL_BUILD_TESTS=OFF -DWMEL_BUILD_CLI=OFF > "$tmp/base-cmake.log"
        cmake --build "$d/build" -j2 --target wmel > "$tmp/base-build.log"
    fi
    ${CC:-cc} -O2 -I"$root/include" -o "$tmp/bench-$name" "$root/bench/vulkan/vk_frames_bench.c" -L"$d/build" \
        -lwmel -Wl,-rpath,"$d/build" -lm
    names="$names $name"
done
${CC:-cc} -O2 -I"$root/include" -o "$tmp/bench-new" "$root/bench/vulkan/vk_frames_bench.c" -L"$lib" -lwmel \
    -Wl,-rpath,"$lib" -lm
names="$names new"
wav=${WAV:-$root/../shared/golden/audio/exact_30s.wav}
echo "the backend on lavapipe, $SECONDS_ s of $(basename "$wav"); base: $BASE; new: the work tree's build ($lib)"
# ROUNDS rounds, each running every library in turn (a shared machine's load moves): the
# best of each is the figure
for p in ${PRESETS:-whisper nemo kaldi}; do
    for a in f64 ff; do
        for r in $(seq "${ROUNDS:-3}"); do
            for v in $names; do
                "$tmp/bench-$v" "$wav" "$SECONDS_" $p $a "$REPS" | sed "s/^/$v /"
            done
        done | awk -v names="$names" '{ w = $0; sub(/ us\/frame wall.*/, "", w); sub(/.*: /, "", w); w += 0
                      if (!($1 in best) || w < best[$1]) { best[$1] = w; line[$1] = $0 } }
                    END { n = split(names, k, " "); for (i = 1; i <= n; i++) print line[k[i]] }'
    done
done
echo "bytes a frame to and from the device (8-byte values; new: float32 samples), hop h, frame f, values c:"
echo "  base: 8 h (the signal's runs, in the arithmetic's storage) + 4 (its start) + 8 c (the values)"
echo "  new:  4 h (the clip, once) + 8 c (the values) + 32 a segment (a clip's window in a round)"
