#!/usr/bin/env bash
# test_devices_cli.sh -- `wmel devices`: the CPU first with its ISA level, every device the
# build lists, and under each one every preset of `wmel presets` with a verdict ("runs:" or
# "no:" and the reason); --json the same as one JSON object; --preset NAME only that preset;
# an unknown preset or option: exit 2 with one line.
set -u
: "${WMEL:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_rc() { local d=$1 want=$2 pat=$3; shift 3; "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" != "$want" ]; then bad "$d: exit $rc, want $want ($(cat "$T/err"))"
  elif [ "$(wc -l <"$T/err")" != 1 ]; then bad "$d: not one line: $(cat "$T/err")"
  elif ! grep -q -- "$pat" "$T/err"; then bad "$d: the message lacks '$pat': $(cat "$T/err")"; else ok; fi; }

"$WMEL" presets | awk '/^[a-z0-9]/ { print $1 }' | sort > "$T/presets"
npre=$(wc -l < "$T/presets")
[ "$npre" -ge 30 ] && ok || bad "wmel presets listed $npre presets"
if "$WMEL" devices > "$T/dev" 2> "$T/err"; then ok; else bad "wmel devices: $(cat "$T/err")"; fi
head -1 "$T/dev" | grep -q "^cpu: CPU, arithmetic float32 " && ok || bad "the CPU first: $(head -1 "$T/dev")"
ndev=$(grep -c "^[a-z]" "$T/dev")
[ "$ndev" -ge 1 ] && ok || bad "no device listed"
# under each device every preset, once, with a verdict
nverdict=$(grep -cE "^    [a-z0-9-]+ +(runs: |no: )" "$T/dev")
[ "$nverdict" = $((ndev * npre)) ] && ok || bad "$nverdict verdicts for $ndev devices x $npre presets"
awk '/^[a-z]/ { d++ } /^    [a-z0-9]/ { if (d == 1) print $1 }' "$T/dev" | sort > "$T/listed"
cmp -s "$T/presets" "$T/listed" && ok || bad "the CPU's presets are not wmel presets' list"
ncpu=$(awk '/^[a-z]/ { d++ } /^    [a-z0-9]/ { if (d == 1) print }' "$T/dev" | grep -c "runs: frames and finish on the CPU$")
[ "$ncpu" = "$npre" ] && ok || bad "$ncpu of the CPU's $npre presets say they run on the CPU"
grep -qE "^    [a-z0-9-]+ +(runs|no):? *$" "$T/dev" && bad "a verdict without its reason" || ok
# each CUDA device with its float-float self-test's result and Whisper's arithmetic
if grep -q "^cuda " "$T/dev"; then
  ncu=$(grep -c "^cuda " "$T/dev")
  ncff=$(awk '/^[a-z]/ { v = /^cuda / } v && /^  self-tests: float-float self-test (passed|failed).*; Whisper.s geometry: /' "$T/dev" | grep -c .)
  [ "$ncu" = "$ncff" ] && ok || bad "$ncu CUDA devices, $ncff float-float self-test results"
fi
# each Vulkan device with its float-float self-test's result
if grep -q "^vulkan " "$T/dev"; then
  nvk=$(grep -c "^vulkan " "$T/dev")
  nff=$(awk '/^[a-z]/ { v = /^vulkan / } v && /^  self-tests: float-float self-test (passed|failed)/' "$T/dev" | grep -c .)
  [ "$nvk" = "$nff" ] && ok || bad "$nvk Vulkan devices, $nff float-float self-test results"
  # each float64 device with its float64 self-test passed; with the division broken on purpose
  # (the testing switch, read by the test build's library) failed, the division named
  n64=$(grep -c "^vulkan .*arithmetic float64" "$T/dev")
  np64=$(grep -c "; float64 self-test passed: division, square root and product exact" "$T/dev")
  [ "$n64" = "$np64" ] && ok || bad "$n64 float64 Vulkan devices, $np64 float64 self-tests passed"
  if [ "$n64" -ge 1 ]; then
    WMEL_VULKAN_F64CHECK_BREAK=div "$WMEL" devices --preset nemo > "$T/brk" 2> "$T/err"
    nf64=$(grep -c "; float64 self-test failed (WMEL_VULKAN_F64CHECK_BREAK): the division rounds differently" "$T/brk")
    [ "$nf64" = "$n64" ] && ok || bad "WMEL_VULKAN_F64CHECK_BREAK=div: $nf64 of $n64 failed: $(grep self-tests "$T/brk")"
  fi
  grep -A3 "^vulkan " "$T/dev" | grep -q "^    ast  *runs: frames and finish on the device" && ok ||
    bad "ast does not run on the Vulkan device: $(grep -A3 '^vulkan ' "$T/dev")"
fi

# --json: one object, every device, every preset with its booleans and reasons
if "$WMEL" devices --json > "$T/dev.json" 2> "$T/err"; then ok; else bad "devices --json: $(cat "$T/err")"; fi
if command -v python3 > /dev/null; then
  python3 - "$T/dev.json" "$ndev" "$npre" <<'PY' && ok || bad "devices --json"
import json, sys
d = json.load(open(sys.argv[1]))["devices"]
assert len(d) == int(sys.argv[2]), len(d)
assert d[0]["backend"] == "cpu" and d[0]["arithmetic"].startswith("float32 "), d[0]
for dev in d:
    assert len(dev["presets"]) == int(sys.argv[3]), (dev["name"], len(dev["presets"]))
    for p in dev["presets"]:
        assert isinstance(p["frames"], bool) and p["why"] and p["finish_why"] and p["device_memory_why"], p
    assert all(p["device_memory"] is False for p in dev["presets"]) or dev["backend"] != "cpu"
PY
fi

# --preset
if "$WMEL" devices --preset nemo --preset kaldi > "$T/two" 2> "$T/err"; then ok; else bad "--preset: $(cat "$T/err")"; fi
[ "$(grep -cE '^    (nemo|kaldi) ' "$T/two")" = $((2 * ndev)) ] && ok || bad "--preset nemo --preset kaldi: $(cat "$T/two")"
[ "$(grep -cE '^    ' "$T/two")" = $((2 * ndev)) ] && ok || bad "--preset lists others: $(cat "$T/two")"
expect_rc "devices --preset unknown" 2 "not a built-in preset" "$WMEL" devices --preset nope
expect_rc "devices junk" 2 "unknown argument" "$WMEL" devices --frob

echo "test_devices_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
