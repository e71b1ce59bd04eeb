#!/bin/sh
# cli_vulkan.sh -- `wmel mel --backend vulkan` end to end: on an input over 2 minutes (which
# the command streams on the CPU) -v names the backend and kernel that ran, not the Vulkan
# ctx's; a sample past the CPU's float32 range is refused as --backend cpu refuses it; AUTO's
# timing against the CPU (WMEL_AUTO_PROBE=1) says its verdict in -v's line `backend:`.
# Exit 77 (skipped) where the Vulkan backend cannot be created (not built, no device).
set -u
: "${WMEL:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# 16 kHz mono 16-bit WAVs of a tone: 0.5 s and 125 s
python3 -c 'import array, math, sys, wave
def put(path, n):
    a = array.array("h", [int(8000 * math.sin(2 * math.pi * 440 * i / 16000)) for i in range(16000)])
    w = wave.open(path, "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    for k in range(0, n, 16000): w.writeframes(a[: min(16000, n - k)].tobytes())
    w.close()
put(sys.argv[1], 8000); put(sys.argv[2], 125 * 16000)' "$T/short.wav" "$T/long.wav" || { echo "no python3"; exit 77; }
if ! "$WMEL" mel "$T/short.wav" --backend vulkan -q -o "$T/probe.npy" 2>"$T/err"; then
  echo "skipped: --backend vulkan: $(cat "$T/err")"
  exit 77
fi

# -v on a long input: the stream's backend and kernel (the CPU's), and why
for fe in whisper kaldi; do
  "$WMEL" mel "$T/long.wav" --backend vulkan --frontend $fe -v -o "$T/long_$fe.npy" >"$T/v" 2>"$T/err" || bad "$fe long: $(cat "$T/err")"
  line=$(grep " on backend " "$T/v")
  echo "$fe, 125 s: $line"
  case $line in
    *" on backend cpu (the input is over 120 s: wmel mel runs the vulkan backend on inputs up to 120 s and streams longer ones on the cpu), kernel cpu-"*) ok ;;
    *) bad "$fe long -v: $line" ;;
  esac
  case $line in *vulkan-*) bad "$fe long -v names a Vulkan kernel: $line" ;; *) ok ;; esac
  "$WMEL" mel "$T/long.wav" --backend cpu --frontend $fe -q -o "$T/long_${fe}_cpu.npy" 2>"$T/err" || bad "$fe long cpu: $(cat "$T/err")"
  cmp -s "$T/long_$fe.npy" "$T/long_${fe}_cpu.npy" && ok || bad "$fe long: --backend vulkan differs from --backend cpu"
done
# a short input: the device, by name
"$WMEL" mel "$T/short.wav" --backend vulkan -v -o "$T/s.npy" >"$T/v" 2>"$T/err" || bad "short: $(cat "$T/err")"
grep -q " on backend vulkan, kernel vulkan-" "$T/v" && ok || bad "short -v: $(grep ' on backend ' "$T/v")"

# a sample of 1e30: refused by every backend but the float64 reference, as the CPU refuses it
python3 -c 'import array, sys
a = array.array("f", [0.0] * 16000); a[1000] = 1e30
open(sys.argv[1], "wb").write(a.tobytes())' "$T/big.f32"
for be in cpu vulkan; do
  "$WMEL" mel "$T/big.f32" --raw-f32 --backend $be -o "$T/big_$be.npy" 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] && ok || bad "1e30 on $be: exit $rc"
  grep -q "values past float32's range" "$T/err" && ok || bad "1e30 on $be: message: $(cat "$T/err")"
  [ ! -e "$T/big_$be.npy" ] && ok || bad "1e30 on $be: output written"
done
# --backend auto timed against the CPU (WMEL_AUTO_PROBE=1: lavapipe too; where CUDA is built too, both
# devices are timed, each against the CPU, and the fastest named): -v says what was taken and
# why, with the times; the CPU's bytes where the CPU was taken; a bad value of the switch
# refused, named
for fe in whisper nemo; do
  WMEL_AUTO_PROBE=1 "$WMEL" mel "$T/short.wav" --frontend $fe --backend auto -v -o "$T/auto_$fe.npy" >"$T/v" 2>"$T/err" ||
    bad "auto $fe: $(cat "$T/err")"
  line=$(grep "^  backend: " "$T/v")
  case "$line" in
    *"backend: AUTO: "*", timed on a 30 s clip: "[a-z]*" "*" ms, cpu "*" ms (the "*"device where it takes at most 0.9 of the CPU's time)") ok ;;
    *) bad "auto $fe -v: '$line'" ;;
  esac
  case "$line" in
    *"AUTO: cpu,"*)
      "$WMEL" mel "$T/short.wav" --frontend $fe --backend cpu -q -o "$T/cpu_$fe.npy" 2>"$T/err" || bad "cpu $fe: $(cat "$T/err")"
      cmp -s "$T/auto_$fe.npy" "$T/cpu_$fe.npy" && ok || bad "auto $fe took the CPU but its output differs from --backend cpu" ;;
  esac
done
# -v's stages: a plain plan's frames and finish on the device, a dithered plan's too (the
# shader draws the noise in float64); the windowed energy's frames on the host, with the
# reason (the kernel's name alone would say vulkan)
"$WMEL" mel "$T/short.wav" --preset kaldi --backend vulkan -v -o "$T/st.npy" >"$T/v" 2>"$T/err" || bad "stages: $(cat "$T/err")"
grep -q "^  stages: frames on vulkan, finish on vulkan$" "$T/v" && ok || bad "stages, kaldi: $(grep stages "$T/v")"
WMEL_VULKAN_ARITHMETIC=float64 "$WMEL" mel "$T/short.wav" --preset kaldi --dither 1 --backend vulkan -v -o "$T/st.npy" \
  >"$T/v" 2>"$T/err" || bad "stages, dithered: $(cat "$T/err")"
grep -q "^  stages: frames on vulkan, finish on vulkan$" "$T/v" && ok || bad "stages, dithered: $(grep stages "$T/v")"
"$WMEL" mel "$T/short.wav" --preset kaldi --use-energy --raw-energy 0 --backend vulkan -v -o "$T/st.npy" >"$T/v" \
  2>"$T/err" || bad "stages, windowed energy: $(cat "$T/err")"
grep -q "^  stages: frames on cpu (the plan's log energy is the windowed frame's.*), finish on cpu (with the frames)$" \
  "$T/v" && ok || bad "stages, windowed energy: $(grep stages "$T/v")"
WMEL_AUTO_PROBE=often "$WMEL" mel "$T/short.wav" --backend auto -q -o "$T/often.npy" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok || bad "WMEL_AUTO_PROBE=often: exit $rc"
grep -q "WMEL_AUTO_PROBE=often: expected 0 or 1" "$T/err" && ok || bad "WMEL_AUTO_PROBE=often: message: $(cat "$T/err")"
echo "cli_vulkan: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
