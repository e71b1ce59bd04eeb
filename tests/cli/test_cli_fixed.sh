#!/usr/bin/env bash
# test_cli_fixed.sh -- `wmel mel --fixed-point`: the integer front-end from the command
# line against the float path (normalised units: max abs <= 0.01, mean <= 0.001; int8
# within half a step 1/128 + 0.005), the int16/int8 files against the float32 one, -v's
# scale and zero point, and the usage errors.
set -u
: "${WMEL:?}" "${GOLDEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
run_ok() { local d=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok; else bad "$d: $(cat "$T/err")"; fi; }
run_status() { # description, expected exit status, command...
  local d=$1 want=$2; shift 2; "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc = "$want" ] && [ -s "$T/err" ]; then ok; else bad "$d: exit $rc (want $want), message: $(cat "$T/err")"; fi; }
# compare KIND A B: A is the fixed-point file (float32, int16 or int8), B float32
compare() {
  python3 - "$@" <<'PY'
import array, sys
def load(p):
    b = open(p, "rb").read()
    n = int.from_bytes(b[8:10], "little") + 10
    hdr = b[10:n].decode()
    code = {"'<f4'": "f", "'<i2'": "h", "'|i1'": "b"}[hdr.split("'descr': ")[1][:5]]
    a = array.array(code); a.frombytes(b[n:])
    return hdr.split("'shape': ")[1].split(")")[0] + ")", a
kind, pa, pb = sys.argv[1:4]
sa, a = load(pa); sb, b = load(pb)
if sa != sb: print("shape", sa, sb); sys.exit(1)
if kind == "f32": x, tol_max, tol_mean = list(a), 0.01, 0.001
elif kind == "i16": x, tol_max, tol_mean = [v / 8192 for v in a], 0.01, 0.001
elif kind == "i8": x, tol_max, tol_mean = [(v + 32) / 64 for v in a], 1 / 128 + 0.005, 1.0
elif kind == "same":  # int16 file = float32 file * 8192, exactly
    sys.exit(0 if all(v / 8192 == w for v, w in zip(a, b)) else 1)
d = [abs(p - q) for p, q in zip(x, b)]
mx, mean = max(d), sum(d) / len(d)
print(f"{kind}: max {mx:.5f} mean {mean:.6f}")
sys.exit(0 if mx <= tol_max and mean <= tol_mean else 1)
PY
}

for f in speech_en.wav clipped.wav; do
  for m in 80 128; do
    run_ok "float $f $m" "$WMEL" mel "$GOLDEN/audio/$f" -o "$T/fl.npy" --n-mels $m --backend ref
    run_ok "fixed $f $m" "$WMEL" mel "$GOLDEN/audio/$f" -o "$T/fx.npy" --n-mels $m --fixed-point
    compare f32 "$T/fx.npy" "$T/fl.npy" && ok || bad "fixed float32 $f $m vs float"
    run_ok "fixed int16 $f $m" "$WMEL" mel "$GOLDEN/audio/$f" -o "$T/i16.npy" --n-mels $m --fixed-point --dtype int16 -v
    grep -q "scale 0.0001220703125 (2^-13), zero point 0" "$T/out" && ok || bad "-v int16 scale: $(cat "$T/out")"
    compare i16 "$T/i16.npy" "$T/fl.npy" && ok || bad "fixed int16 $f $m vs float"
    compare same "$T/i16.npy" "$T/fx.npy" && ok || bad "int16 file is not the float32 file x 8192"
    run_ok "fixed int8 $f $m" "$WMEL" mel "$GOLDEN/audio/$f" -o "$T/i8.npy" --n-mels $m --fixed-point --dtype int8 -v
    grep -q "scale 0.015625 (2^-6), zero point -32" "$T/out" && ok || bad "-v int8 scale: $(cat "$T/out")"
    compare i8 "$T/i8.npy" "$T/fl.npy" && ok || bad "fixed int8 $f $m vs float"
  done
done
# padding and --pad-30s take the same route as the float path
run_ok "float pad30" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/fl.npy" --pad-30s
run_ok "fixed pad30" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/fx.npy" --pad-30s --fixed-point
compare f32 "$T/fx.npy" "$T/fl.npy" && ok || bad "fixed --pad-30s vs float"
run_ok "raw none" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/fl.npy" --norm none --padding 1000
run_ok "fixed raw none" "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/fx.npy" --norm none --padding 1000 --fixed-point
compare f32 "$T/fx.npy" "$T/fl.npy" && ok || bad "fixed --norm none vs float (log10 units)"

# errors: usage (2) and a too-short input (1), no output left behind
run_status "--dtype alone" 2 "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/e.npy" --dtype int8
run_status "--dtype bad" 2 "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/e.npy" --fixed-point --dtype int4
run_status "--png" 2 "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/e.npy" --fixed-point --png "$T/e.png"
run_status "--backend" 2 "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/e.npy" --fixed-point --backend cpu
run_status "int8 none" 2 "$WMEL" mel "$GOLDEN/audio/speech_en.wav" -o "$T/e.npy" --fixed-point --dtype int8 --norm none
head -c 344 "$GOLDEN/audio/speech_en.wav" > "$T/short.wav"   # 44-byte header + 150 samples
printf 'RIFF\x50\x01\x00\x00' | dd of="$T/short.wav" bs=1 conv=notrunc status=none
printf '\x2c\x01\x00\x00' | dd of="$T/short.wav" bs=1 seek=40 conv=notrunc status=none
run_status "too short" 1 "$WMEL" mel "$T/short.wav" -o "$T/e.npy" --fixed-point
grep -q "200" "$T/err" && ok || bad "too short message: $(cat "$T/err")"
[ ! -e "$T/e.npy" ] && ok || bad "an output was left behind"

echo "test_cli_fixed: $pass passed, $fail failed"
[ $fail = 0 ]
