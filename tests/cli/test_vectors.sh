#!/usr/bin/env bash
# test_vectors.sh -- `wmel vectors` and `wmel vectors check`: a pack of every built-in preset
# (--quick) passes its own expected outputs; Whisper's full pack holds the 30 s and 30 s + 1
# cases and a manifest that parses; deliberately wrong outputs (scaled by 1.001, transposed,
# shifted by one frame, a refused input answered, a case missing) fail with the case and the
# first diverging stage named; raw .f32 outputs are read; the pack folder is replaced only
# when asked and only when it holds a pack; --plan and --hf-config make the preset's pack; a
# SIGINT or SIGTERM mid-run leaves nothing behind, a second signal soon after included; usage
# errors exit 2. A pack is input from anyone: a manifest of a wrong form (names that leave the
# pack, out-of-range or non-JSON numbers, unknown rules, no cases, huge shapes) is refused, a
# symbolic link, FIFO or device is never read, a stage written fails its case with
# --allow-missing too, --force spares a folder that is not a wmel pack, and oversized
# manifests and .npy headers claiming more than their file fail at once. Without --speech,
# outside the repository, the speech case is the clip the command was built with.
# numpy is not needed: .npy files are read and written with python3's standard library.
set -u
: "${WMEL:?}" "${SRC:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
S="$SRC/data/speech_en.wav"

cat >"$T/npy.py" <<'EOF'
import json, struct, sys
def load(p):
    d = open(p, "rb").read()
    hl = d[8] | d[9] << 8
    h = d[10:10 + hl].decode()
    shape = tuple(int(x) for x in h.split("'shape': (")[1].split(")")[0].split(",") if x.strip())
    f = "<f4" in h
    n = 1
    for s in shape: n *= s
    return shape, list(struct.unpack_from("<%d%s" % (n, "f" if f else "d"), d, 10 + hl))
def save(p, shape, x, f8=False):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % ("<f8" if f8 else "<f4", ", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    open(p, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + struct.pack("<%d%s" % (len(x), "d" if f8 else "f"), *x))
cmd = sys.argv[1]
if cmd == "scale":  # x 1.001, the dtype kept
    s, a = load(sys.argv[2]); save(sys.argv[3], s, [v * 1.001 for v in a], "<f8" in open(sys.argv[2], "rb").read(128).decode("latin1"))
elif cmd == "transpose":
    s, a = load(sys.argv[2]); save(sys.argv[3], (s[1], s[0]), [a[r * s[1] + c] for c in range(s[1]) for r in range(s[0])])
elif cmd == "shift":  # (rows, frames): every row one frame later, the first frame repeated
    s, a = load(sys.argv[2]); R, C = s
    save(sys.argv[3], s, [a[r * C + max(c - 1, 0)] for r in range(R) for c in range(C)])
elif cmd == "raw":  # the .npy's values as raw float32
    s, a = load(sys.argv[2]); open(sys.argv[3], "wb").write(struct.pack("<%df" % len(a), *a))
elif cmd == "manifest":  # the case names, kinds and shapes
    m = json.load(open(sys.argv[2]))
    assert m["format"] == "wmel-conformance-pack 1" and m["plan"]["frontend"] == "whisper"
    for c in m["cases"]:
        print(c["name"], c["kind"], c.get("length"), c.get("shape"), "refused" if c.get("refused") else "",
              ",".join(s["name"] for s in c.get("stages", [])))
elif cmd == "report":  # a --json report: a case's status and first diverging stage
    r = json.load(open(sys.argv[2]))
    for c in r["cases"]:
        if c["case"] == sys.argv[3]: print(c["status"], c["first_diverging_stage"])
EOF
py() { python3 "$T/npy.py" "$@"; }
t0=$(date +%s)

# 1. every built-in preset: a quick pack that passes its own expected outputs
presets=$("$WMEL" presets | awk 'NF && $1 != "name" && $1 !~ /:$/ {print $1}' | sort -u)
n_presets=$(echo "$presets" | wc -l)
[ "$n_presets" -ge 20 ] && ok || bad "wmel presets listed $n_presets presets"
# under an emulator (qemu) or the sanitizers the packs cost 5-20 times the native time: a
# handful of presets of each family there (the native build runs them all)
case "${WMEL_TEST_EMULATED:-OFF}/${WMEL_SANITIZED:-OFF}" in
  ON/*|1/*) presets=$(printf '%s\n' whisper nemo kaldi) ;;
  */ON|*/1) presets=$(printf '%s\n' whisper whisper-128 nemo nemo-legacy kaldi seamless gemma3n univnet) ;;
esac
n_presets=$(echo "$presets" | wc -l)
echo "$presets" | xargs -P2 -I{} sh -c '"$1" vectors --preset "$2" -o "$3/p-$2" --quick -q --speech "$4" && "$1" vectors check "$3/p-$2" "$3/p-$2/expected" -q; echo "$2 $?"' _ "$WMEL" {} "$T" "$S" >"$T/self" 2>&1
while read -r name rc; do
  [ "$rc" = 0 ] && ok || bad "preset $name: pack or self-check exit $rc"
done < <(grep -E '^[a-z0-9-]+ [0-9]+$' "$T/self")
[ "$(grep -cE '^[a-z0-9-]+ 0$' "$T/self")" = "$n_presets" ] && ok || bad "self-checks: $(cat "$T/self")"
rm -rf "$T"/p-*

case "${WMEL_TEST_EMULATED:-OFF}" in
  ON|1) echo "test_vectors: under an emulator only the packs of $(echo $presets) ($((
          $(date +%s) - t0)) s); the rest runs natively"
        echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit ;;
esac

# 2. Whisper's full pack: 30 s and 30 s + 1, the manifest, a self-check in text and JSON
P="$T/whisper"
"$WMEL" vectors --preset whisper -o "$P" -q --speech "$S" && ok || bad "whisper pack"
py manifest "$P/manifest.json" >"$T/cases" && ok || bad "manifest does not parse: $(head -c 300 "$P/manifest.json")"
grep -q '^speech-30s 30s 480000 \[80, 3000\]' "$T/cases" && ok || bad "no 30 s case: $(cat "$T/cases")"
grep -q '^speech-30s-plus-1 30s 480001 \[80, 3000\]' "$T/cases" && ok || bad "no 30 s + 1 case"
grep -q '^len-0 length 0 None refused' "$T/cases" && ok || bad "len-0 not an expected refusal"
grep -q '^len-200 length 200 None refused' "$T/cases" && ok || bad "len-200 not an expected refusal"
grep -q '^speech speech .* padded,frames,power,mel,log,features$' "$T/cases" && ok || bad "speech's stages: $(grep '^speech ' "$T/cases")"
grep -q '^stream-speech-c1 stream' "$T/cases" && ok || bad "no stream case"
for f in inputs/speech.npy inputs/speech.f32 expected/speech.npy expected/speech.f32 expected/speech.power.npy expected/window.npy; do
  [ -s "$P/$f" ] && ok || bad "pack lacks $f"
done
[ -z "$(ls -d "$T"/whisper.tmp-* 2>/dev/null)" ] && ok || bad "a temporary folder left beside the pack"
"$WMEL" vectors check "$P" "$P/expected" >"$T/out" 2>&1 && ok || bad "self-check: $(tail -3 "$T/out")"
grep -q '^vectors check: .* 0 failed, 0 missing, 3 expected refusals' "$T/out" && ok || bad "summary: $(tail -1 "$T/out")"
"$WMEL" vectors check "$P" "$P/expected" --json >"$T/rep.json" && ok || bad "--json exit"
python3 -m json.tool "$T/rep.json" >/dev/null && ok || bad "--json does not parse"

# 3. wrong outputs
O="$T/out1"
mkdir "$O"
cp "$P"/expected/*.npy "$O"/
py scale "$P/expected/speech.npy" "$O/speech.npy"
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && ok || bad "scaled output: exit $rc"
grep -q '^FAIL *speech: .*the 6 stages written agree (the last: features)' "$T/out" && ok || bad "scaled: $(grep speech: "$T/out")"
[ "$(grep -c '^FAIL' "$T/out")" = 1 ] && ok || bad "scaled: other cases failed: $(grep '^FAIL' "$T/out")"
py scale "$P/expected/speech.mel.npy" "$O/speech.mel.npy"
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1
grep -q '^FAIL *speech: .*first diverging stage: mel$' "$T/out" && ok || bad "mel scaled: $(grep speech: "$T/out")"
"$WMEL" vectors check "$P" "$O" --json >"$T/rep.json"
[ "$(py report "$T/rep.json" speech)" = "fail mel" ] && ok || bad "--json: $(py report "$T/rep.json" speech)"
cp "$P"/expected/speech*.npy "$O"/
py transpose "$P/expected/chirp.npy" "$O/chirp.npy"
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && ok || bad "transposed: exit $rc"
grep -q '^FAIL *chirp: shape (100, 80), expected (80, 100)' "$T/out" && ok || bad "transposed: $(grep chirp: "$T/out")"
cp "$P/expected/chirp.npy" "$O"/
py shift "$P/expected/chirp.npy" "$O/chirp.npy"
py shift "$P/expected/chirp.log.npy" "$O/chirp.log.npy"
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && ok || bad "shifted: exit $rc"
grep -q '^FAIL *chirp: .*first diverging stage: log$' "$T/out" && ok || bad "shifted: $(grep chirp: "$T/out")"
cp "$P"/expected/chirp*.npy "$O"/
# raw .f32 in place of .npy
rm "$O/speech.npy"
py raw "$P/expected/speech.npy" "$O/speech.f32"
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1 && ok || bad ".f32 output: $(grep -v PASS "$T/out")"
grep -q '^PASS *speech:' "$T/out" && ok || bad ".f32: $(grep speech: "$T/out")"
# an answer to a refused input
cp "$P/expected/speech.npy" "$O/len-0.npy"
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '^FAIL *len-0: an output was written for an input the plan refuses' "$T/out" && ok ||
  bad "refused answered: exit $rc $(grep len-0 "$T/out")"
rm "$O/len-0.npy"
# a missing case: fails, unless --allow-missing
rm "$O/dc.npy"
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '^MISSING *dc' "$T/out" && ok || bad "missing: exit $rc"
"$WMEL" vectors check "$P" "$O" --allow-missing >"$T/out" 2>&1 && ok || bad "--allow-missing: $(tail -1 "$T/out")"
grep -q '1 missing (allowed)' "$T/out" && ok || bad "--allow-missing summary: $(tail -1 "$T/out")"
# a stage written is graded, the output missing or not: one far off fails the case, with --allow-missing too
py scale "$P/expected/dc.power.npy" "$O/dc.power.npy"
python3 - "$O/dc.power.npy" <<'EOF2'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read()); hl = d[8] | d[9] << 8; n = (len(d) - 10 - hl) // 8
struct.pack_into("<%dd" % n, d, 10 + hl, *[2 * v + 1 for v in struct.unpack_from("<%dd" % n, d, 10 + hl)])
open(sys.argv[1], "wb").write(d)
EOF2
"$WMEL" vectors check "$P" "$O" --allow-missing >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '^FAIL *dc: no .*stage power: .* x its tolerance.*first diverging stage: power$' "$T/out" &&
  grep -q '0 missing.*FAILED$' "$T/out" && ok || bad "a failing stage of a missing output: exit $rc $(grep -E '^[A-Z]+ +dc|^vectors' "$T/out")"
cp "$P/expected/dc.power.npy" "$O"/
"$WMEL" vectors check "$P" "$O" --allow-missing >"$T/out" 2>&1 && grep -q '^MISSING *dc: .*the 6 stages written pass' "$T/out" &&
  ok || bad "a passing stage of a missing output: $(grep -E '^[A-Z]+ +dc' "$T/out")"
rm "$O/dc.power.npy"
cp "$P/expected/dc.npy" "$O"/
# NaN and infinity in an output fail, whatever the tolerance
python3 - "$O/silence.npy" <<'EOF2'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read()); hl = d[8] | d[9] << 8
struct.pack_into("<f", d, 10 + hl, float("nan")); struct.pack_into("<f", d, 14 + hl, float("inf"))
open(sys.argv[1], "wb").write(d)
EOF2
"$WMEL" vectors check "$P" "$O" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '^FAIL *silence: ' "$T/out" && ok || bad "NaN output: exit $rc $(grep silence "$T/out")"
cp "$P/expected/silence.npy" "$O"/

# 4. the pack folder: never replaced unless asked, and only a pack
mkdir "$T/mine" && echo keep >"$T/mine/notes.txt"
"$WMEL" vectors --preset kaldi --quick -q -o "$T/mine" --speech "$S" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && [ "$(cat "$T/mine/notes.txt")" = keep ] && ok || bad "non-empty folder: exit $rc"
"$WMEL" vectors --preset kaldi --quick -q -o "$T/mine" --force --speech "$S" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q 'not a pack' "$T/err" && [ -f "$T/mine/notes.txt" ] && ok || bad "--force on a non-pack: exit $rc $(cat "$T/err")"
"$WMEL" vectors --preset kaldi --quick -q -o "$P" --speech "$S" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q -- '--force replaces' "$T/err" && ok || bad "a previous pack without --force: exit $rc"
"$WMEL" vectors --preset kaldi --quick -q -o "$P" --force --speech "$S" && ok || bad "--force on a pack"
grep -q '"frontend": "kaldi"' "$P/manifest.json" && ok || bad "--force: the pack not replaced"
[ -z "$(ls -d "$T"/whisper.* 2>/dev/null)" ] && ok || bad "folders left beside the pack: $(ls "$T")"
# --force replaces a wmel pack only: a folder with a manifest.json of another kind, or a pack
# with files of its own added, survives whole
mkdir -p "$T/app/src" && echo '{"name":"x"}' >"$T/app/manifest.json" && echo keep >"$T/app/index.html"
"$WMEL" vectors --preset kaldi --quick -q -o "$T/app" --force --speech "$S" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q 'not a pack of wmel vectors' "$T/err" && [ "$(cat "$T/app/index.html")" = keep ] && [ -d "$T/app/src" ] &&
  [ -z "$(ls -d "$T"/app.* 2>/dev/null)" ] && ok || bad "--force on an app folder: exit $rc $(cat "$T/err"); $(ls "$T/app" 2>&1)"
echo mine >"$P/expected/notes.txt"
"$WMEL" vectors --preset kaldi --quick -q -o "$P" --force --speech "$S" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q "holds 'notes.txt'" "$T/err" && [ -f "$P/expected/notes.txt" ] && ok || bad "--force on a pack with a file added: exit $rc $(cat "$T/err")"
rm "$P/expected/notes.txt"
ln -s "$P" "$T/packlink"
"$WMEL" vectors --preset kaldi --quick -q -o "$T/packlink" --force --speech "$S" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && [ -L "$T/packlink" ] && ok || bad "--force on a symbolic link: exit $rc $(cat "$T/err")"
rm "$T/packlink"
touch "$T/afile"
"$WMEL" vectors --preset kaldi --quick -q -o "$T/afile" --speech "$S" 2>/dev/null; [ $? = 1 ] && ok || bad "a file as PACK"
"$WMEL" vectors --preset kaldi --quick -q -o "$T/nospeech" --speech "$T/none.wav" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && [ ! -e "$T/nospeech" ] && [ "$(wc -l <"$T/err")" = 1 ] && ok || bad "missing speech: exit $rc $(cat "$T/err")"

# 5. --plan FILE.json and --hf-config DIR: the same pack as the preset they describe
"$WMEL" presets --json kaldi >"$T/kaldi.json" && ok || bad "presets --json kaldi"
"$WMEL" vectors --plan "$T/kaldi.json" --quick -q -o "$T/fromplan" --speech "$S" && ok || bad "--plan pack"
"$WMEL" vectors check "$T/fromplan" "$T/fromplan/expected" -q && ok || bad "--plan pack: self-check"
"$WMEL" vectors --preset kaldi --quick -q -o "$T/frompreset" --speech "$S" && ok || bad "kaldi pack"
cmp -s "$T/fromplan/expected/speech.npy" "$T/frompreset/expected/speech.npy" && ok || bad "--plan: not the preset's output"
"$WMEL" vectors check "$T/frompreset" "$T/fromplan/expected" -q && ok || bad "--plan's outputs fail the preset's pack"
mkdir "$T/model"
cat >"$T/model/preprocessor_config.json" <<'J'
{
  "feature_extractor_type": "ParakeetFeatureExtractor",
  "feature_size": 128,
  "hop_length": 160,
  "n_fft": 512,
  "padding_side": "right",
  "padding_value": 0.0,
  "preemphasis": 0.97,
  "return_attention_mask": true,
  "sampling_rate": 16000,
  "win_length": 400
}
J
"$WMEL" vectors --hf-config "$T/model" --quick -q -o "$T/fromhf" --speech "$S" && ok || bad "--hf-config pack"
grep -q '"n_mels": 128' "$T/fromhf/manifest.json" && grep -q '"frontend": "nemo"' "$T/fromhf/manifest.json" && ok ||
  bad "--hf-config: manifest $(head -c 400 "$T/fromhf/manifest.json")"
"$WMEL" vectors check "$T/fromhf" "$T/fromhf/expected" -q && ok || bad "--hf-config pack: self-check"
rm -rf "$T/fromplan" "$T/frompreset" "$T/fromhf"

# 6a. --speech is cut to its first 60 s: a 63 s clip gives a speech case of 960000 samples, said
# on stderr and in the manifest
python3 - "$S" "$T/s63.wav" <<'EOF2'
import sys, wave
w = wave.open(sys.argv[1]); fr = w.readframes(w.getnframes()); p = w.getparams(); w.close()
o = wave.open(sys.argv[2], "wb"); o.setparams(p); o.writeframes(fr * (63 * p.framerate // p.nframes + 1)); o.close()
EOF2
"$WMEL" vectors --preset kaldi -o "$T/k63" --speech "$T/s63.wav" 2>"$T/err" && ok || bad "a 63 s clip: $(cat "$T/err")"
grep -q 'longer than 60 s: the speech case is its first 60 s' "$T/err" && grep -q '"speech_note": "the speech clip was longer than 60 s' "$T/k63/manifest.json" &&
  grep -q '"name": "speech", "kind": "speech", .*"length": 960000,' "$T/k63/manifest.json" && ok ||
  bad "a 63 s clip not cut to 60 s: $(grep -o '"name": "speech", .*"length": [0-9]*' "$T/k63/manifest.json" | head -1)"
rm -rf "$T/k63" "$T/s63.wav"

# 6. SIGINT or SIGTERM mid-run: the process ends by the signal and leaves no PACK* behind.
# Under WebAssembly node takes the signal itself (no clean-up runs there): these checks run on
# native builds.
# sig_run: a pack being written in the background ($pid), its first expected file there. The
# signals are set to their defaults: a script's background job, or a suite run under nohup
# or as a background job, would otherwise start the command with SIGINT ignored.
sig_run() {
  set -m
  env --default-signal=INT,TERM "$WMEL" vectors --preset whisper -q -o "$T/sig" --speech "$S" &
  pid=$!
  set +m
  for _ in $(seq 200); do
    ls "$T"/sig.tmp-*/expected/speech.npy >/dev/null 2>&1 && break
    sleep 0.05
  done
}
if [ "${WMEL_WASM:-0}" = 1 ]; then
  echo "test_vectors: the signal checks skipped: under WebAssembly node takes the signal itself"
else
  for sig in INT TERM; do
    sig_run
    ls -d "$T"/sig.tmp-* >/dev/null 2>&1 && ok || bad "SIG$sig: no temporary folder seen before the signal"
    kill -s "$sig" "$pid"
    wait "$pid"; rc=$?
    want=$((128 + $(kill -l "$sig")))
    [ "$rc" = "$want" ] && ok || bad "SIG$sig: exit $rc, not $want"
    [ -z "$(ls -d "$T"/sig* 2>/dev/null)" ] && ok || bad "SIG$sig: left behind: $(ls -d "$T"/sig*)"
    rm -rf "$T"/sig*
  done
  # 6b. two signals 50 ms apart (the second while the first one's clean-up may be running):
  # still nothing left behind, and the first signal ends the process
  sig_run
  kill -s INT "$pid"; sleep 0.05; kill -s TERM "$pid" 2>/dev/null
  wait "$pid"; rc=$?
  [ "$rc" = 130 ] && [ -z "$(ls -d "$T"/sig* 2>/dev/null)" ] && ok || bad "two signals: exit $rc, left: $(ls -d "$T"/sig* 2>/dev/null)"
  rm -rf "$T"/sig*
fi

# 6c. a pack is input from anyone: a manifest of a wrong form is refused (exit 2, one line naming
# what is wrong), and no file outside PACK and OUTPUTS is opened
Q="$T/q"
"$WMEL" vectors --preset whisper --quick -q -o "$Q" --speech "$S" && ok || bad "quick pack"
cp "$Q/manifest.json" "$T/manifest.good"
echo "outside" >"$T/secret.txt"
cp "$Q/expected/silence.npy" "$T/outside.npy"
edit() { # a Python statement over m (the manifest) and c (its first case), then the text's replacements
  python3 - "$Q/manifest.json" "$T/manifest.good" "$1" "${2:-}" "${3:-}" <<'EOF2'
import json, sys
m = json.load(open(sys.argv[2])); c = m["cases"][0]
exec(sys.argv[3])
t = json.dumps(m, indent=1)
if sys.argv[4]: t = t.replace(sys.argv[4], sys.argv[5])
open(sys.argv[1], "w").write(t)
EOF2
}
refused() { # what the edit does; the words the message must hold
  "$WMEL" vectors check "$Q" "$Q/expected" -q >"$T/out" 2>"$T/err"; rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "$2" "$T/err" && ! grep -q outside "$T/out" && ok ||
    bad "manifest $1: exit $rc $(cat "$T/err")"
}
edit 'c["expected"] = "../outside.npy"'; refused "expected ../" '"expected" is not a plain relative name'
edit 'c["expected"] = "'"$T"'/outside.npy"'; refused "expected absolute" '"expected" is not a plain relative name'
edit 'c["stages"][0]["file"] = "../../secret.txt"'; refused "stage file ../" '"file" is not a plain relative name'
edit 'c["stages"][0]["name"] = "../../x"'; refused "stage name ../" 'stage 0: "name" is not a plain file name'
edit 'c["name"] = "a/b"'; refused "case name a/b" '"name" is not a plain file name'
edit 'c["tol"] = 12345.0' '12345.0' '1e999'; refused "tol 1e999" 'out of the range of a double'
edit 'c["tol"] = 2000.0'; refused "tol 2000" '"tol" is out of range'
edit 'c["stages"][0]["tol"] = -1'; refused "stage tol -1" '"tol" is out of range'
edit 'c["tol"] = "x"' '"x"' 'NaN'; refused "tol NaN" 'a value expected'
edit 'c["tol"] = "x"' '"x"' 'Infinity'; refused "tol Infinity" 'a value expected'
edit 'c["tol"] = "x"' '"x"' '0x1p-10'; refused "tol hex" "',' or the closing bracket expected"
edit 'm["cases"] = []'; refused "no cases" 'no cases'
edit 'c["shape"] = [12345, 1]' '12345' '1e300'; refused "shape 1e300" '"shape" is not'
edit 'c["shape"] = [65536, 65536]'; refused "shape product" '"shape" is not'
edit 'c["shape"] = [1.5, 2]'; refused "shape 1.5" '"shape" is not'
edit 'c["rule"] = "bogus"'; refused "rule bogus" '"rule" is not one of'
edit 'c["refused"] = 1'; refused "refused 1" '"refused" is not true or false'
cp "$T/manifest.good" "$Q/manifest.json"
# a symbolic link in the pack or among the outputs is not followed; a FIFO or a device is not read
mkdir "$T/o6"
cp "$Q"/expected/*.npy "$T/o6"/
mv "$Q/expected/silence.npy" "$T/silence.keep"
ln -s "$T/outside.npy" "$Q/expected/silence.npy"
"$WMEL" vectors check "$Q" "$T/o6" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'symbolic link: not followed' "$T/err" && ok || bad "a link in the pack: exit $rc $(cat "$T/err")"
rm "$Q/expected/silence.npy"; mv "$T/silence.keep" "$Q/expected/silence.npy"
rm "$T/o6/dc.npy"; ln -s "$Q/expected/dc.npy" "$T/o6/dc.npy"
rm "$T/o6/chirp.npy"; mkfifo "$T/o6/chirp.npy"
rm "$T/o6/silence.npy"; ln -s /dev/zero "$T/o6/silence.f32"
# a reader that blocked on the FIFO or read /dev/zero without bound is cut short (60 s; 4 GB of
# address space for a native command that no sanitizer gives a shadow: not node, which
# reserves more for WebAssembly's memory), not left to fill the machine's memory
bounded() {
  if [ "$(head -c 4 "$WMEL" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] &&
     case "${WMEL_SANITIZED:-OFF}" in ON|1) false ;; *) true ;; esac; then
    (ulimit -v 4000000; timeout 60 "$@")
  else
    timeout 60 "$@"
  fi
}
bounded "$WMEL" vectors check "$Q" "$T/o6" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '^FAIL *dc: .*symbolic link: not followed' "$T/out" &&
  grep -q '^FAIL *chirp: .*not a regular file' "$T/out" && grep -q '^FAIL *silence: .*symbolic link' "$T/out" && ok ||
  bad "links, a FIFO, a device among the outputs: exit $rc $(grep -E 'dc|chirp|silence' "$T/out")"
rm "$T/o6/silence.f32"; mkfifo "$T/o6/silence.f32"
bounded "$WMEL" vectors check "$Q" "$T/o6" >"$T/out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '^FAIL *silence: .*not a regular file' "$T/out" && ok || bad "a FIFO .f32: exit $rc $(grep silence "$T/out")"
# an oversized manifest is refused unread; one of many values fails at once within bounded memory
python3 -c "open('$Q/manifest.json', 'w').write('[' + '0,' * (17 << 19) + '0]')"
"$WMEL" vectors check "$Q" "$Q/expected" -q 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'more than a pack.s manifest (16 MiB at most)' "$T/err" && ok || bad "a 17 MiB manifest: exit $rc $(cat "$T/err")"
python3 -c "open('$Q/manifest.json', 'w').write('[' + '0,' * (7 << 20) + '0]')"
"$WMEL" vectors check "$Q" "$Q/expected" -q 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'more values than a pack.s manifest holds' "$T/err" && ok || bad "a manifest of 7M values: exit $rc $(cat "$T/err")"
cp "$T/manifest.good" "$Q/manifest.json"
# a .npy whose header claims more than the file holds: "truncated", nothing allocated for it
rm "$T/o6/dc.npy"
python3 - "$T/o6/dc.npy" <<'EOF2'
import struct, sys
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8589934592), }"
h += " " * (117 - len(h)) + "\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
EOF2
bounded "$WMEL" vectors check "$Q" "$T/o6" >"$T/out" 2>&1
grep -q '^FAIL *dc: .*truncated .npy file: its header claims 34359738368 bytes' "$T/out" && ok || bad "a .npy claiming 32 GB: $(grep dc "$T/out")"
rm -rf "$Q" "$T/o6"

# 7. usage
for args in "vectors -o $T/x" "vectors --preset nope -o $T/x" "vectors --preset whisper" "vectors check $P" \
            "vectors check $P $O --bogus" "vectors check $T/mine $O"; do
  "$WMEL" $args >/dev/null 2>"$T/err"; rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && ok || bad "wmel $args: exit $rc $(cat "$T/err")"
done

# the speech case without --speech, run from a folder outside the repository: the clip the
# command was built with (the source tree's data/speech_en.wav), the same inputs as --speech's
mkdir -p "$T/away"
if (cd "$T/away" && "$WMEL" vectors --preset kaldi -o p -q --quick &&
    "$WMEL" vectors --preset kaldi -o q -q --quick --speech "$S") 2>"$T/err"; then
  cmp -s "$T/away/p/inputs/speech.f32" "$T/away/q/inputs/speech.f32" && ok || bad "outside the repository: another speech clip"
else
  bad "outside the repository without --speech: $(cat "$T/err")"
fi

echo "test_vectors: $pass passed, $fail failed ($(( $(date +%s) - t0 )) s)"
[ "$fail" = 0 ]
