#!/bin/bash
# profile.sh BUILD_DIR [N_MELS] -- instruction profile and Cortex-M4 cycle estimate of the
# integer front-end: builds the firmware with -DWMEL_FX_PROFILE=N_MELS (20 frames of speech,
# nothing else), runs it on qemu-system-arm -M mps2-an386 with every translated block and
# every block executed logged (-d in_asm,exec,nochain), and charges each instruction with
# the Cortex-M4 timings (m4_cycles.py). BUILD_DIR: a configured wmel build (for
# tests/fixed/gen/fx_excerpt.h: `cmake --build BUILD_DIR --target fx_vectors` first).
# The figures include the firmware's start (.bss clearing: memset).
set -eu
src=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "$1" && pwd); mels=${2:-80}
work="$build/fx-profile-$mels"
[ -f "$build/tests/fixed/gen/fx_expected.h" ] || "$build/tests/fixed/fx_vectors" /dev/null --header "$build/tests/fixed/gen/fx_expected.h" >/dev/null
cmake -S "$src/tests/fixed/firmware" -B "$work" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchains/cortex-m4.cmake" \
  -DWMEL_SRC="$src" -DFX_GEN="$build/tests/fixed/gen" -DCMAKE_BUILD_TYPE=Release -DWMEL_FX_PROFILE="$mels" >/dev/null
cmake --build "$work" >/dev/null
timeout 300 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$work/fx_firmware.elf" \
  -d in_asm,exec,nochain -D "$work/trace.log"
echo "Cortex-M4, $mels mels, batch 20 (arm-none-eabi-gcc -O2):"
python3 "$src/tests/fixed/firmware/m4_cycles.py" "$work/trace.log" 20
rm -f "$work/trace.log"
