#!/usr/bin/env bash
# test_probes_cli.sh -- `wmel probes` and `wmel diagnose --probes --outputs`: the probes are
# the same bytes on a second run, listed in probes.json, under 60 s in all; a file wmel probes
# did not write is refused (exit 2) and left as it was. A port made with wmel itself under
# another plan (torch.stft's zero padding, every frame kept) is diagnosed on one quiet-edged
# clip (data/speech_en.wav) into a plan that misses the padding (it fails on the loud-edged
# probe), while the joint fit on the probes finds one plan that reproduces every probe and
# the held-out clip, within seconds; missing outputs are named (exit 3); pairs mix with probes;
# an empty output (no frames) is left out of the fit and must be the plan's answer too.
set -u
WMEL=${WMEL:?set WMEL to the wmel binary}
SRC=${SRC:?set SRC to the source tree}
SPEECH="$SRC/data/speech_en.wav"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
dg() { timeout 60 "$WMEL" diagnose "$@" >"$T/out" 2>"$T/err"; echo $?; }

# ---- the probes: the same bytes twice, the manifest, the total length, files not ours
"$WMEL" probes "$T/p1" -q && "$WMEL" probes "$T/p2" --preset whisper -q || bad "wmel probes"
n=0
for f in "$T"/p1/*; do
  cmp -s "$f" "$T/p2/$(basename "$f")" || bad "$(basename "$f") differs on a second run"
  n=$((n + 1))
done
[ "$n" -ge 13 ] || bad "only $n files"
for f in "$T"/p1/*.wav; do
  grep -q "\"file\": \"$(basename "$f")\"" "$T/p1/probes.json" || bad "$(basename "$f") not in the manifest"
done
python3 - "$T/p1" <<'PY' || bad "the manifest's lengths"
import json, sys, wave
m = json.load(open(sys.argv[1] + "/probes.json"))
total = 0
for p in m["probes"]:
    w = wave.open(sys.argv[1] + "/" + p["file"])
    assert w.getframerate() == m["sample_rate"] == 16000 and w.getsampwidth() == 2, p
    assert w.getnframes() == p["samples"], p
    total += p["samples"]
assert total == m["total_samples"] and total / 16000 <= 60, total
lens = {p["stem"]: p["samples"] % m["hop"] for p in m["probes"]}
assert lens["edges"] == 0 and lens["len_plus1"] == 1 and lens["len_minus1"] == m["hop"] - 1 and lens["long"] == m["hop"] // 2 - 1, lens
PY
"$WMEL" probes "$T/p1" -q || bad "wmel probes over its own files"
mkdir -p "$T/p3" && echo mine >"$T/p3/edges.wav"
timeout 20 "$WMEL" probes "$T/p3" -q 2>"$T/err"
rc=$?
[ "$rc" = 2 ] && grep -q "edges.wav exists" "$T/err" && [ "$(cat "$T/p3/edges.wav")" = mine ] && [ ! -e "$T/p3/probes.json" ] ||
  bad "a file not ours: exit $rc: $(cat "$T/err")"

# ---- a port with zero padding and every frame kept
P="$T/p1"
echo '{"frontend": "whisper", "framing": "center_zero", "valid": "all"}' >"$T/port.json"
mkdir -p "$T/outs"
for f in "$P"/*.wav; do
  "$WMEL" mel "$f" --plan "$T/port.json" -o "$T/outs/$(basename "$f" .wav).npy" -q || bad "mel $f"
done
"$WMEL" mel "$SPEECH" --plan "$T/port.json" -o "$T/speech.npy" -q || bad "mel speech"
# one clip with quiet edges: the plan found misses the padding, the loud-edged probe shows it
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/speech.npy" --emit-plan "$T/single.json")
[ "$rc" = 1 ] || bad "the single clip: exit $rc: $(cat "$T/out" "$T/err")"
rc=$(dg --plan "$T/single.json" --audio "$P/edges.wav" --features "$T/outs/edges.npy")
[ "$rc" != 0 ] || bad "the single clip's plan reproduces the loud-edged probe: the probe shows nothing"
# the joint fit: one plan for every probe, and it holds on the held-out clip
s0=$(date +%s.%N)
rc=$(dg --preset whisper --probes "$P" --outputs "$T/outs" --emit-plan "$T/joint.json")
s1=$(date +%s.%N)
nw=$(ls "$P"/*.wav | wc -l)
[ "$rc" = 1 ] && grep -q "^framing: center_zero" "$T/out" && grep -q "^valid: all" "$T/out" &&
  [ "$(grep -c '^clip .*: reproduced' "$T/out")" = "$nw" ] || bad "the joint fit: exit $rc: $(cat "$T/out" "$T/err")"
python3 -c "import sys; sys.exit(0 if $s1 - $s0 < 10 else 1)" || bad "the joint fit took $(python3 -c "print($s1 - $s0)") s"
rc=$(dg --plan "$T/joint.json" --audio "$SPEECH" --features "$T/speech.npy")
[ "$rc" = 0 ] || bad "the joint plan on the held-out clip: exit $rc: $(cat "$T/out" "$T/err")"
# --json: the clips' statuses
rc=$(dg --preset whisper --probes "$P" --outputs "$T/outs" --json)
[ "$rc" = 1 ] && python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['reproduces'] and len(r['clips']) == $nw and all(c['status'] == 'reproduced' for c in r['clips']), r
" "$T/out" || bad "--json: exit $rc: $(cat "$T/out" "$T/err")"
# pairs and probes together
rc=$(dg --preset whisper --audio "$SPEECH" --features "$T/speech.npy" --probes "$P" --outputs "$T/outs")
[ "$rc" = 1 ] && [ "$(grep -c '^clip .*: reproduced' "$T/out")" = $((nw + 1)) ] &&
  grep -q "^clip 1 (.*speech_en.wav): reproduced" "$T/out" || bad "a pair with the probes: exit $rc: $(cat "$T/out" "$T/err")"
# the port's own plan: a match on every probe
cp "$T/port.json" "$T/claimed.json"
rc=$(dg --plan "$T/claimed.json" --probes "$P" --outputs "$T/outs")
[ "$rc" = 0 ] && [ "$(grep -c '^clip .*: matches' "$T/out")" = "$nw" ] || bad "the port's own plan: exit $rc: $(cat "$T/out" "$T/err")"

# Whisper's clip padded to 30 s (a match no plan writes): every probe matches on its own
mkdir -p "$T/o30"
for f in "$P"/*.wav; do
  "$WMEL" mel "$f" --preset whisper --pad-30s -o "$T/o30/$(basename "$f" .wav).npy" -q || bad "mel --pad-30s $f"
done
rc=$(dg --preset whisper --probes "$P" --outputs "$T/o30")
[ "$rc" = 0 ] && [ "$(grep -c '^clip .*: matches' "$T/out")" = "$nw" ] || bad "30 s padding: exit $rc: $(cat "$T/out" "$T/err")"

# ---- a port that gives no frames for the short probe (an empty .npy, its frame longer than the
# clip): left out of the fit and asked of the plan, which gives none either; where the plan
# computes frames of it, not explained (exit 3), named
echo '{"frontend": "kaldi", "frame_length": 1024, "n_fft": 1024, "hop": 256}' >"$T/long.json"
mkdir -p "$T/olong" "$T/oempty"
for f in "$P"/*.wav; do
  "$WMEL" mel "$f" --plan "$T/long.json" -o "$T/olong/$(basename "$f" .wav).npy" -q || bad "mel --plan long $f"
done
rc=$(dg --plan "$T/long.json" --probes "$P" --outputs "$T/olong" --json)
[ "$rc" = 0 ] && python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['matches'] and 'probe short (601 samples) left out: the port and the plan give no frames' in r['left_out'], r
" "$T/out" || bad "a probe with no frames: exit $rc: $(cat "$T/out" "$T/err")"
cp "$T/outs"/*.npy "$T/oempty/" && cp "$T/olong/short.npy" "$T/oempty/short.npy"
rc=$(dg --plan "$T/port.json" --probes "$P" --outputs "$T/oempty")
[ "$rc" = 3 ] && grep -q "no frames for the probe short (601 samples) where the plan computes" "$T/err" ||
  bad "no frames where the plan computes some: exit $rc: $(cat "$T/out" "$T/err")"

# ---- missing outputs are named; --probes takes --outputs; a folder with no probes
mkdir -p "$T/some" && cp "$T/outs"/*.npy "$T/some/" && rm "$T/some/short.npy" "$T/some/noise.npy"
rc=$(dg --preset whisper --probes "$P" --outputs "$T/some")
[ "$rc" = 3 ] && grep -q "2 of the $nw probes: short.npy, noise.npy" "$T/err" || bad "missing outputs: exit $rc: $(cat "$T/err")"
rc=$(dg --preset whisper --probes "$P")
[ "$rc" = 2 ] || bad "--probes without --outputs: exit $rc"
rc=$(dg --preset whisper --probes "$T/outs" --outputs "$T/outs")
[ "$rc" = 2 ] && grep -q "not a folder of probes" "$T/err" || bad "a folder with no probes: exit $rc: $(cat "$T/err")"

[ $fails = 0 ] && echo "test_probes_cli: all passed"
exit $((fails > 0))
