#!/bin/sh
# vulkan_cost.sh -- the frame shader's cost, today's (the work tree's) against an earlier one
# (default HEAD; `bench/vulkan_cost.sh REV`), for Whisper's geometry (n_fft 400, 80 mels):
#  - ACO's statistics on RADV's null device (no GPU needed: RADV_FORCE_FAMILY), navi21 (RDNA2)
#    and gfx1100 (RDNA3), each arithmetic: static instructions, registers, and each loop of
#    the disassembly with its instructions (bench/vulkan/aco_loops.py), from which
#    docs/vulkan.md counts one frame's instructions (a loop's body times its trips);
#  - microseconds a frame on Mesa's lavapipe (the CPU), the two shaders in the same run.
# Needs glslc, libvulkan-dev, mesa-vulkan-drivers (RADV and lavapipe), a C compiler, python3.
# Prints the machine (CPU model, date, load average) first: the lavapipe figures are this
# machine's; the ACO counts are the compiler's and depend on Mesa's version only.
set -eu
REV=${1:-HEAD}
FRAMES=${FRAMES:-3000}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/old"
for f in frames.comp arith_f64.glsl arith_ff.glsl; do
    git -C "$root" show "$REV:src/vulkan/shaders/$f" > "$tmp/old/$f"
done
for v in old new; do
    src=$tmp/old
    [ $v = new ] && src=$root/src/vulkan/shaders
    glslc -fshader-stage=compute --target-env=vulkan1.1 -O -I"$src" -o "$tmp/$v-f64.spv" "$src/frames.comp"
    glslc -fshader-stage=compute --target-env=vulkan1.1 -O -I"$src" -DWMEL_ARITH_FF=1 -o "$tmp/$v-ff.spv" "$src/frames.comp"
done
${CC:-cc} -O2 -o "$tmp/vk_cost" "$root/bench/vulkan/vk_cost.c" -lvulkan -lm

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores; $(date -u +%Y-%m-%d); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "mesa: $(dpkg-query -W -f '${Version}' mesa-vulkan-drivers 2>/dev/null || echo unknown); old = $REV's shader, new = the work tree's"
echo
echo "ACO (RADV null device), Whisper's geometry: statistics, then the loops (LOOPS=0 leaves them out)"
for fam in navi21 gfx1100; do
    for a in f64 ff; do
        for v in old new; do
            fft=1
            [ $v = old ] && fft=0
            ffenv=""
            [ $a = ff ] && ffenv="VK_COST_FF=1"
            stats=$(env RADV_FORCE_FAMILY=$fam $ffenv "$tmp/vk_cost" stats "$tmp/$v-$a.spv" RADV $fft 2>/dev/null)
            env RADV_FORCE_FAMILY=$fam RADV_DEBUG=shaders,nocache $ffenv "$tmp/vk_cost" stats "$tmp/$v-$a.spv" RADV $fft \
                > /dev/null 2> "$tmp/disasm.txt" || true
            printf '%-8s %-4s %-4s %s\n' $fam $a $v \
                "$(echo "$stats" | tr ' ' '\n' | grep -E '^(subgroup|Instructions|VGPRs|SGPRs|Spilled_VGPRs|Scratch_size|Code_size|LDS_size)=' | tr '\n' ' ')"
            [ "${LOOPS:-1}" = 0 ] || python3 "$root/bench/vulkan/aco_loops.py" "$tmp/disasm.txt" | sed 's/; blocks.*//; s/^/    /'
        done
    done
done
echo
echo "lavapipe, $FRAMES frames of Whisper's geometry, microseconds a frame (best of 5 dispatches)"
for a in f64 ff; do
    ffenv=""
    [ $a = ff ] && ffenv="VK_COST_FF=1"
    for v in old new; do
        fft=1
        [ $v = old ] && fft=0
        printf '%-4s %-4s ' $a $v
        env $ffenv "$tmp/vk_cost" time "$tmp/$v-$a.spv" llvmpipe $fft "$FRAMES"
    done
done
