#!/usr/bin/env bash
# test_vectors.sh -- `wmel vectors` and `wmel vectors check`: a pack of every built-in preset
# (--quick) passes its own expected outputs; Whisper's full pack holds the 30 s and 30 s + 1
# cases and a manifest that parses; deliberately wrong outputs (scaled by 1.001, transposed,
# shifted by one frame, a refused input answered, a case missing) fail with the case and the
# first diverging stage named; raw .f32 outputs are read; the pack folder is replaced only
# when asked and only when it holds a pack; --plan and --hf-config make the preset's pack; a
# SIGINT or SIGTERM mid-run leaves nothing behind; usage errors exit 2.
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

# 6. SIGINT or SIGTERM mid-run: the process ends by the signal and leaves no PACK* behind
# (job control on: a script's background job would otherwise start with SIGINT ignored)
for sig in INT TERM; do
  set -m
  "$WMEL" vectors --preset whisper -q -o "$T/sig" --speech "$S" &
  pid=$!
  set +m
  for _ in $(seq 200); do
    ls "$T"/sig.tmp-*/expected/speech.npy >/dev/null 2>&1 && break
    sleep 0.05
  done
  ls -d "$T"/sig.tmp-* >/dev/null 2>&1 && ok || bad "SIG$sig: no temporary folder seen before the signal"
  kill -s "$sig" "$pid"
  wait "$pid"; rc=$?
  want=$((128 + $(kill -l "$sig")))
  [ "$rc" = "$want" ] && ok || bad "SIG$sig: exit $rc, not $want"
  [ -z "$(ls -d "$T"/sig* 2>/dev/null)" ] && ok || bad "SIG$sig: left behind: $(ls -d "$T"/sig*)"
  rm -rf "$T"/sig*
done

# 7. usage
for args in "vectors -o $T/x" "vectors --preset nope -o $T/x" "vectors --preset whisper" "vectors check $P" \
            "vectors check $P $O --bogus" "vectors check $T/mine $O"; do
  "$WMEL" $args >/dev/null 2>"$T/err"; rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && ok || bad "wmel $args: exit $rc $(cat "$T/err")"
done

echo "test_vectors: $pass passed, $fail failed ($(( $(date +%s) - t0 )) s)"
[ "$fail" = 0 ]
