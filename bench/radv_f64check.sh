#!/usr/bin/env bash
# radv_f64check.sh -- the float64 self-test's shader (src/vulkan/shaders/f64check.comp)
# compiled by ACO, the compiler of AMD's GPUs, on Mesa RADV's null device (no GPU: the
# driver opens a device of the family RADV_FORCE_FAMILY names and compiles, but runs nothing).
# What it can show without running: that the pipeline builds for each family, its size
# (ACO's statistics), and how the division compiles -- IEEE's division sequence
# (v_div_scale/v_div_fmas/v_div_fixup) or a reciprocal and a product, compared with the
# shader's deliberately wrong division (BREAK=1, a * (1 / b), the testing switch
# WMEL_VULKAN_F64CHECK_BREAK=div): the same machine code means the device divides as that
# switch does, which the self-test refuses on lavapipe (test_vulkan_f64check). Whether the
# self-test passes is the device's to say when it runs (`wmel devices`).
#
#   bench/radv_f64check.sh [--record]     (--record: bench/results/DATE-radv-f64check.md)
#
# Needs glslc, gcc, the Vulkan headers and loader, Mesa's RADV (mesa-vulkan-drivers) and
# ../shared/gpu-cost/pstats.c (the statistics tool); exit 77 with the reason without them.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
pstats_c=$here/../shared/gpu-cost/pstats.c
skip() { echo "skipped: $*"; exit 77; }
command -v glslc > /dev/null || skip "no glslc"
command -v gcc > /dev/null || skip "no gcc"
[ -f "$pstats_c" ] || skip "no $pstats_c"
ls /usr/share/vulkan/icd.d/radeon_icd.*.json > /dev/null 2>&1 || skip "no RADV (mesa-vulkan-drivers' radeon_icd)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
glslc -fshader-stage=compute --target-env=vulkan1.1 -O -I"$here/src/vulkan/shaders" \
  "$here/src/vulkan/shaders/f64check.comp" -o "$T/f64check.spv" || { echo "FAIL: glslc"; exit 1; }
# (the division's code alone, without the correction step, for the comparison with BREAK=1)
glslc -fshader-stage=compute --target-env=vulkan1.1 -O -I"$here/src/vulkan/shaders" -DWMEL_F64CHECK_PLAIN \
  "$here/src/vulkan/shaders/f64check.comp" -o "$T/plain.spv" || { echo "FAIL: glslc"; exit 1; }
gcc -O2 "$pstats_c" -o "$T/pstats" -lvulkan 2> "$T/cc.err" || skip "pstats does not build: $(head -1 "$T/cc.err")"
out=$T/report.md
{
  echo "# f64check.comp on RADV's null device (ACO), $(date -u +%Y-%m-%d)"
  echo
  echo "Mesa: $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2> /dev/null || echo unknown)."
  echo "Made by bench/radv_f64check.sh: the float64 self-test's shader compiled, not run (a null device runs nothing)."
  echo "Machine: no GPU (RADV's null device); host $(uname -sm). Linked from docs/vulkan.md (\"The float64 self-test\")."
  echo
  echo "The shader holds the division, the square root, the log, the product and the correction step of the division and the square root (the finish's); the last column compares the shader without the correction step (WMEL_F64CHECK_PLAIN) with its BREAK=1 build."
  echo
  echo "| family | builds | instructions (IEEE a / b) | division instructions | a / b the same code as a * (1 / b) |"
  echo "|---|---|---|---|---|"
} > "$out"
fail=0
for fam in navi21 gfx1100 vega10; do
  for brk in 0 1 p0 p1; do
    spv=$T/f64check.spv
    case $brk in p*) spv=$T/plain.spv ;; esac
    RADV_FORCE_FAMILY=$fam RADV_DEBUG=shaders,nocache timeout 120 "$T/pstats" "$spv" "${brk#p}" 0 RADV \
      > "$T/$fam.$brk.stats" 2> "$T/$fam.$brk.dis"
    echo $? > "$T/$fam.$brk.rc"
    sed -n '/^disasm:/,$p' "$T/$fam.$brk.dis" > "$T/$fam.$brk.asm"
  done
  if ! grep -q "Null hardware" "$T/$fam.0.dis"; then
    echo "| $fam | no null device (RADV_FORCE_FAMILY not taken) | | | |" >> "$out"
    continue
  fi
  if [ "$(cat "$T/$fam.0.rc")" != 0 ] || ! grep -q "Instructions=" "$T/$fam.0.stats"; then
    echo "| $fam | **no**: $(grep -v '^#' "$T/$fam.0.dis" | head -1) | | | |" >> "$out"
    fail=1
    continue
  fi
  n=$(grep -o "Instructions=[0-9]*" "$T/$fam.0.stats" | head -1 | cut -d= -f2)
  div=$(grep -oE "v_(div_scale|div_fmas|div_fixup|rcp|rsq|sqrt)_f(32|64)" "$T/$fam.0.asm" | sort | uniq -c |
        awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
  if [ -s "$T/$fam.p0.asm" ] && cmp -s "$T/$fam.p0.asm" "$T/$fam.p1.asm"; then same=yes; else same=no; fi
  echo "| $fam | yes | $n | ${div:-none} | $same |" >> "$out"
done
cat "$out"
if [ "${1:-}" = "--record" ]; then
  dest=$here/bench/results/$(date -u +%Y-%m-%d)-radv-f64check.md
  cp "$out" "$dest" && echo "recorded: $dest"
fi
exit $fail
