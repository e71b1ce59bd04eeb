#!/usr/bin/env bash
# test_inspect_plans.sh -- `wmel inspect` and `wmel compare` on any plan (--preset NAME,
# --plan FILE.json, the plan options), not only the five families: each page's texts name
# the plan's own window, mel scale, log and finish (and no other family's), the last stage
# agrees with `wmel mel` of the same plan, compare aligns any preset's layout ([frames][mels]
# or [mels][frames], stacked rows, a padding tail) and finds an injected cell, wmel: and
# oracle: of a plan are computed; refusals exit 2 with one line and leave no output.
# numpy is not needed: .npy files are read and written with python3's standard library.
set -u
: "${WMEL:?}" "${GOLDEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
run() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
expect_rc() { local d=$1 want=$2 pat=$3; shift 3; "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" != "$want" ]; then bad "$d: exit $rc, want $want ($(cat "$T/err"))"
  elif [ "$(wc -l <"$T/err")" != 1 ]; then bad "$d: not one line: $(cat "$T/err")"
  elif ! grep -q -- "$pat" "$T/err"; then bad "$d: the message lacks '$pat': $(cat "$T/err")"; else ok; fi; }
has() { if grep -qF -- "$2" "$1"; then ok; else bad "$3: '$2' not in $(basename "$1")"; fi; }
hasnt() { if grep -qF -- "$2" "$1"; then bad "$3: '$2' in $(basename "$1")"; else ok; fi; }
S="$GOLDEN/audio/speech_en.wav"

# npy.py: max |a - b| of two .npy files (a's first frames when b is a span of them), or a
# transposed / unstacked copy, or a copy with one cell changed
cat >"$T/npy.py" <<'EOF'
import struct, sys
def load(p):
    d = open(p, "rb").read()
    hl = d[8] | d[9] << 8
    h = d[10:10 + hl].decode()
    shape = tuple(int(x) for x in h.split("'shape': (")[1].split(")")[0].split(",") if x.strip())
    f = "<f4" in h
    n = 1
    for s in shape: n *= s
    return shape, list(struct.unpack_from("<%d%s" % (n, "f" if f else "d"), d, 10 + hl))
def save(p, shape, x):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "")
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    open(p, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + struct.pack("<%df" % len(x), *x))
cmd = sys.argv[1]
if cmd == "diff":  # a: (rows, cols); b: the same or fewer frames along the frame axis (axis 0 when frame_major)
    (sa, a), (sb, b) = load(sys.argv[2]), load(sys.argv[3])
    fm = sys.argv[4] == "frames"
    if fm: ra = [a[i * sa[1]:(i + 1) * sa[1]] for i in range(sb[0])]; rb = [b[i * sb[1]:(i + 1) * sb[1]] for i in range(sb[0])]
    else: ra = [a[i * sa[1]:i * sa[1] + sb[1]] for i in range(sb[0])]; rb = [b[i * sb[1]:(i + 1) * sb[1]] for i in range(sb[0])]
    print(max(abs(x - y) for r, q in zip(ra, rb) for x, y in zip(r, q)))
elif cmd == "transpose":
    s, a = load(sys.argv[2])
    save(sys.argv[3], (s[1], s[0]), [a[r * s[1] + c] for c in range(s[1]) for r in range(s[0])])
elif cmd == "unstack":  # (rows, k n) -> (k rows, n)
    s, a = load(sys.argv[2]); k = int(sys.argv[4])
    save(sys.argv[3], (s[0] * k, s[1] // k), a)
elif cmd == "poke":  # (frames, mels): cell (frame t, mel m) + 0.25
    s, a = load(sys.argv[2]); t, m = int(sys.argv[4]), int(sys.argv[5])
    a[t * s[1] + m] += 0.25
    save(sys.argv[3], s, a)
EOF
py() { python3 "$T/npy.py" "$@"; }
within() { awk -v d="$1" -v t="$2" 'BEGIN { exit !(d + 0 <= t + 0) }'; }

# inspect every sampled preset: the page's texts are its plan's, the last stage is wmel mel's
# (the CPU backend's output of the span, beside it in DIR/cpu) within 2e-5
inspect_preset() { # NAME LAYOUT(frames|mels)
  local p=$1
  local rc; rc=$(run "$WMEL" inspect "$S" -o "$T/$p.html" --preset "$p" --stages "$T/$p" --backend cpu -q)
  [ "$rc" = 0 ] || { bad "inspect --preset $p: exit $rc: $(cat "$T/err")"; return; }
  has "$T/$p.html" "preset $p" "$p: the page names the preset"
  has "$T/$p.html" "The plan (wmel_plan_to_json" "$p: the page gives the plan"
  local d; d=$(py diff "$T/$p/features.npy" "$T/$p/cpu/features.npy" "$2")
  within "$d" 2e-5 && ok || bad "$p: features.npy vs the CPU backend: $d"
  "$WMEL" mel "$S" -o "$T/$p.npy" --preset "$p" -q || bad "mel --preset $p"
  d=$(py diff "$T/$p.npy" "$T/$p/cpu/features.npy" "$2")
  [ "$d" = 0.0 ] && ok || bad "$p: DIR/cpu/features.npy is not wmel mel's output: $d"
}
inspect_preset speecht5 frames
has "$T/speecht5.html" "periodic Hann: 0.5 - 0.5 cos(2 pi k / 1024)" "speecht5 window"
has "$T/speecht5.html" "magnitude spectrum |X[k]| (513 bins" "speecht5 power 1"
has "$T/speecht5.html" "Slaney filter bank" "speecht5 scale"
has "$T/speecht5.html" "80 .. 7600 Hz" "speecht5 band"
has "$T/speecht5.html" "log: log10(max(mel, 1e-10))" "speecht5 log"
has "$T/speecht5.html" "reflect-padded by 512 (n_fft / 2)" "speecht5 framing"
has "$T/speecht5.html" "the log as it is (no normalisation)" "speecht5 finish"
grep -q "'shape': (437, 1024)" "$T/speecht5/windowed.npy" && ok || bad "speecht5: windowed.npy is not (437, 1024)"
grep -q "'shape': (513, 437)" "$T/speecht5/power.npy" && ok || bad "speecht5: power.npy is not (513, 437)"
inspect_preset lasr frames
has "$T/lasr.html" "symmetric Hann: 0.5 - 0.5 cos(2 pi k / 399)" "lasr window"
has "$T/lasr.html" "TensorFlow filter bank" "lasr scale"
has "$T/lasr.html" "128 filters, 125 .. 7500 Hz" "lasr band"
has "$T/lasr.html" "log: ln(max(mel, 1e-05))" "lasr log"
hasnt "$T/lasr.html" "DC removed" "lasr: remove_dc false"
hasnt "$T/lasr.html" "pre-emphasised" "lasr: preemph 0"
[ ! -e "$T/lasr/dc.npy" ] && ok || bad "lasr: a dc.npy for a plan without DC removal"
inspect_preset ast frames
has "$T/ast.html" "exactly 1024 frames (cut, or padded with 0)" "ast n_frames"
has "$T/ast.html" "x 0.10943319862690226 + 0.4670323625047368 (affine)" "ast affine"
has "$T/ast.html" "<td>output frames</td><td>1024 (shown: the 697 frames computed" "ast output frames"
inspect_preset wespeaker frames
has "$T/wespeaker.html" "symmetric Hamming: 0.54 - 0.46 cos(2 pi k / 399)" "wespeaker window"
has "$T/wespeaker.html" "log - mean, per column over every frame" "wespeaker CMN"
has "$T/wespeaker.html" "Kaldi filter bank (1127 ln(1 + f / 700)" "wespeaker scale"
inspect_preset phi4-mm frames
has "$T/phi4-mm.html" "symmetric Hamming" "phi4-mm window"
has "$T/phi4-mm.html" "TensorFlow filter bank" "phi4-mm scale"
has "$T/phi4-mm.html" "0 .. 7690 Hz" "phi4-mm band"
has "$T/phi4-mm.html" "log: ln(max(mel, 1))" "phi4-mm log"
for p in speecht5 lasr ast wespeaker phi4-mm; do # no family's text that is not the plan's
  hasnt "$T/$p.html" "Povey" "$p: a Povey window named"
  hasnt "$T/$p.html" "per_feature" "$p: NeMo's normalisation named"
done
hasnt "$T/speecht5.html" "symmetric Hann" "speecht5: a symmetric window named"
# a whisper-family plan beyond n_mels (Voxtral realtime's fixed max), where `wmel mel` runs it
if "$WMEL" mel "$S" -o "$T/vox.npy" --preset voxtral-realtime -q 2>/dev/null; then
  inspect_preset voxtral-realtime mels
  has "$T/voxtral-realtime.html" "M = norm_max 1.5 (fixed, not the clip's)" "voxtral max"
  has "$T/voxtral-realtime.html" "periodic Hann: 0.5 - 0.5 cos(2 pi k / 400)" "voxtral window"
else
  echo "SKIP: voxtral-realtime: wmel mel does not run a whisper plan beyond n_mels here"
fi
# Whisper's own plan keeps Whisper's own page, whichever way it is named
[ "$(run "$WMEL" inspect "$S" -o "$T/w1.html" -q)" = 0 ] || bad "inspect whisper: $(cat "$T/err")"
[ "$(run "$WMEL" inspect "$S" -o "$T/w2.html" --preset whisper -q)" = 0 ] || bad "inspect --preset whisper: $(cat "$T/err")"
cmp -s <(sed -E 's/wmel inspect .*computed in [0-9.]+ s//' "$T/w1.html") \
       <(sed -E 's/wmel inspect .*computed in [0-9.]+ s//' "$T/w2.html") && ok || bad "--preset whisper: not Whisper's page"
hasnt "$T/w1.html" "wmel_plan_to_json" "whisper: a plan paragraph on Whisper's page"

# a hand-written plan: a window, scale, log energy and stacking no preset has
cat >"$T/hand.json" <<'EOF'
{"frontend": "kaldi", "window": "blackman", "window_coeff": 0.4, "mel_scale": "htk", "n_mels": 40,
 "use_energy": true, "normalize": "mean_var", "norm_ddof": 0, "stack": 3}
EOF
[ "$(run "$WMEL" inspect "$S" -o "$T/hand.html" --plan "$T/hand.json" --stages "$T/hand" --backend cpu -q)" = 0 ] \
  || bad "inspect --plan hand.json: $(cat "$T/err")"
has "$T/hand.html" "Blackman: 0.4 - 0.5 cos(2 pi k / 399) + 0.1 cos(4 pi k / 399)" "hand window"
has "$T/hand.html" "HTK filter bank (2595 log10(1 + f / 700)" "hand scale"
has "$T/hand.html" "row 0: the log energy" "hand energy"
has "$T/hand.html" "(log - mean) / sqrt(var + 0), per column over every frame (var over n)" "hand normalisation"
has "$T/hand.html" "frames 3 r .. 3 r + 2 side by side in row r" "hand stacking"
has "$T/hand.html" "plan hand.json" "hand: the page names the file"
grep -q "'shape': (697, 41)" "$T/hand/normalised.npy" && ok || bad "hand: normalised.npy is not (697, 41)"
grep -q "'shape': (233, 123)" "$T/hand/features.npy" && ok || bad "hand: features.npy is not (233, 123)"
d=$(py diff "$T/hand/features.npy" "$T/hand/cpu/features.npy" frames)
within "$d" 2e-5 && ok || bad "hand: features.npy vs the CPU backend: $d"
# the same plan as options on the command line: the same page texts
[ "$(run "$WMEL" inspect "$S" -o "$T/hand2.html" --frontend kaldi --window blackman --window-coeff 0.4 --mel-scale htk \
      --n-mels 40 --use-energy --normalize mean_var --norm-ddof 0 --stack 3 -q)" = 0 ] || bad "inspect with options: $(cat "$T/err")"
has "$T/hand2.html" "frames 3 r .. 3 r + 2 side by side in row r" "options: stacking"
has "$T/hand2.html" "kaldi with options" "options: the name"

# compare: any preset's layout aligned; the plan's own axes
[ "$(run "$WMEL" compare "$T/lasr.npy" "$T/lasr/cpu/features.npy" --preset lasr)" = 0 ] || bad "compare lasr: $(cat "$T/out" "$T/err")"
has "$T/out" "front-end: preset lasr" "compare lasr: the plan named"
has "$T/out" "transposed (n_frames, n_mels) -> (n_mels, n_frames)" "compare lasr: transposed"
grep -Eq "^max \|A-B\| +0$" "$T/out" && ok || bad "compare lasr: not equal: $(cat "$T/out")"
py transpose "$T/lasr.npy" "$T/lasr_t.npy" # [mels][frames] against [frames][mels]
[ "$(run "$WMEL" compare "$T/lasr.npy" "$T/lasr_t.npy" --preset lasr)" = 0 ] || bad "compare lasr transposed: $(cat "$T/out" "$T/err")"
py poke "$T/lasr.npy" "$T/lasr_p.npy" 100 37 # one cell + 0.25 at frame 100, mel 37
[ "$(run "$WMEL" compare "$T/lasr.npy" "$T/lasr_p.npy" --preset lasr -o "$T/lasr_c.html")" = 1 ] || bad "compare lasr poke: not exit 1"
# lasr's frames: snip_edges, centre 12.5 ms in; mel 37 on the TF scale from 125 Hz
grep -Eq "worst cell +frame 100 \(1.01[23] s\), mel 37 \(" "$T/out" && ok || bad "compare lasr poke: worst cell: $(cat "$T/out")"
grep -q 'W.push({id:"d"' "$T/lasr_c.html" && ok || bad "compare lasr: no difference picture"
# a padding tail (AST's 1024 frames, the pad value after the affine) dropped, said
[ "$(run "$WMEL" compare "$T/ast.npy" "$T/ast/cpu/features.npy" --preset ast)" = 0 ] || bad "compare ast: $(cat "$T/out" "$T/err")"
has "$T/out" "A has 327 more frame(s), all the plan's padding value 0.467032363 (n_frames, after the affine): dropped" "compare ast: tail"
# stacked rows: the stacked output against its frames one a row
"$WMEL" mel "$S" -o "$T/hand.npy" --plan "$T/hand.json" -q || bad "mel --plan hand.json"
py unstack "$T/hand.npy" "$T/hand_u.npy" 3
[ "$(run "$WMEL" compare "$T/hand.npy" "$T/hand_u.npy" --plan "$T/hand.json")" = 0 ] || bad "compare stacked: $(cat "$T/out" "$T/err")"
has "$T/out" "A: unstacked (rows, 3 n_cols) -> (n_cols, 3 rows)" "compare stacked: unstacked"
has "$T/out" "compared: (41, 699) cells" "compare stacked: the columns"
# wmel: and oracle: of a plan, computed here
[ "$(run "$WMEL" compare "wmel:$S" "oracle:$S" --preset phi4-mm --tol 2e-5 --backend cpu)" = 0 ] || bad "wmel vs oracle phi4-mm: $(cat "$T/out" "$T/err")"
has "$T/out" "backend ref" "wmel vs oracle: the reference named"
# a family's own preset keeps the family's rules (kaldi: its units, the refusal of IMPL:AUDIO)
"$WMEL" mel "$S" -o "$T/k.npy" --frontend kaldi -q
[ "$(run "$WMEL" compare "$T/k.npy" "$T/k.npy" --preset kaldi)" = 0 ] || bad "compare --preset kaldi: $(cat "$T/err")"
has "$T/out" "front-end: kaldi" "compare --preset kaldi: the family's rules"

# every built-in preset, 1.5 s from 1 s on at full resolution: the reference's last stage (its
# stacking, LFR rows, deltas and tails, explicit framing's frame counts) within 2e-5 of the
# CPU backend's output of the same rows, the same shape. (Speech: a column whose log barely
# varies, as in a clipped tone, makes an utterance normalisation's output ill-conditioned --
# float32's rounding of the log divided by a tiny std -- and the bound is then in log units.)
npre=0
for p in $("$WMEL" presets | awk '/^[a-z0-9]/ { print $1 }'); do
  npre=$((npre + 1))
  if [ "$p" = lhotse-mfcc ]; then # cepstra: refused by name (the stages end at the log)
    rc=$(run "$WMEL" inspect "$S" -o "$T/all.html" --preset "$p" --stages "$T/all-$p" --backend cpu -q)
    [ "$rc" = 2 ] && grep -q "n_ceps 13: the plan's cepstra" "$T/err" && ok || bad "inspect --preset $p: exit $rc: $(cat "$T/err")"
    continue
  fi
  rc=$(run "$WMEL" inspect "$S" -o "$T/all.html" --preset "$p" --stages "$T/all-$p" --backend cpu --start 1 --duration 1.5 -q)
  [ "$rc" = 0 ] || { bad "inspect --preset $p (1.5 s): exit $rc: $(cat "$T/err")"; continue; }
  d=$(py diff "$T/all-$p/features.npy" "$T/all-$p/cpu/features.npy" frames 2>&1)
  within "$d" 2e-5 && ok || bad "$p (1.5 s): features.npy vs the CPU backend: $d"
  [ "$(sed -n 's/.*shape.: (\([0-9, ]*\)).*/\1/p' "$T/all-$p/features.npy" | head -1)" = \
    "$(sed -n 's/.*shape.: (\([0-9, ]*\)).*/\1/p' "$T/all-$p/cpu/features.npy" | head -1)" ] && ok \
    || bad "$p (1.5 s): features.npy and the CPU backend's differ in shape"
  rm -rf "$T/all-$p"
done
[ "$npre" -ge 30 ] && ok || bad "wmel presets listed $npre presets"
has "$T/all.html" "" "the last page"
# LFR (FunASR): rows every 6 frames from frame -3, the last frame repeated; deltas (Granite 5)
[ "$(run "$WMEL" inspect "$S" -o "$T/lfr.html" --preset funasr -q)" = 0 ] || bad "inspect funasr: $(cat "$T/err")"
has "$T/lfr.html" "frames 6 r - 3 .. 6 r - 3 + 6 side by side in row r" "funasr: the LFR rows"
has "$T/lfr.html" "the last frame repeated past the end" "funasr: the tail"
has "$T/lfr.html" "7 frames a row, one every 6 frames from frame -3" "funasr: the summary"
[ "$(run "$WMEL" inspect "$S" -o "$T/g5.html" --preset granite-speech5 -q)" = 0 ] || bad "inspect granite-speech5: $(cat "$T/err")"
has "$T/g5.html" "each frame followed by its deltas (win 3" "granite-speech5: the deltas"
has "$T/g5.html" "the frames past the last whole row left out" "granite-speech5: the tail"

# refusals: exit 2, one line, no page or file left
printf '{"frontend": "kaldi",\n  "window": "hamm"}\n' >"$T/bad.json"
expect_rc "inspect unknown preset" 2 'not a built-in preset' "$WMEL" inspect "$S" -o "$T/x.html" --preset nope
expect_rc "inspect bad plan" 2 'bad.json: line 2: window hamm' "$WMEL" inspect "$S" -o "$T/x.html" --plan "$T/bad.json"
expect_rc "inspect missing plan" 2 'no-such.json' "$WMEL" inspect "$S" -o "$T/x.html" --plan "$T/no-such.json"
expect_rc "inspect plan and frontend" 2 'both name a plan' "$WMEL" inspect "$S" -o "$T/x.html" --preset lasr --frontend kaldi
expect_rc "inspect option refused" 2 'use_energy' "$WMEL" inspect "$S" -o "$T/x.html" --preset nemo --use-energy
# a plan on --backend cuda: its output beside the reference's where there is a device (a GPU,
# or the CUDA emulator build); elsewhere one line, exit 1, no page
if "$WMEL" mel "$S" -o "$T/w.npy" --backend cuda -q 2>/dev/null; then
  [ "$(run "$WMEL" inspect "$S" -o "$T/cu.html" --preset lasr --backend cuda)" = 0 ] && ok ||
    bad "inspect plan on cuda: $(cat "$T/err")"
  has "$T/cu.html" "backend cuda: features" "inspect plan on cuda"
else
  expect_rc "inspect plan on cuda" 1 "backend" "$WMEL" inspect "$S" -o "$T/x.html" --preset lasr --backend cuda
  [ ! -e "$T/x.html" ] && ok || bad "inspect plan on cuda without a device left a page"
fi
expect_rc "compare unknown preset" 2 'not a built-in preset' "$WMEL" compare "$T/lasr.npy" "$T/lasr.npy" --preset nope -o "$T/x.html"
expect_rc "compare bad plan" 2 'bad.json: line 2: window hamm' "$WMEL" compare "$T/lasr.npy" "$T/lasr.npy" --plan "$T/bad.json"
# a clip the plan's reflection reaches past: the message says how many samples it needs
python3 -c "import wave; w = wave.open('$T/tiny.wav', 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(bytes(200)); w.close()"
expect_rc "inspect too short to reflect-pad" 1 '100 samples: too short to reflect-pad (more than 200 needed)' \
  "$WMEL" inspect "$T/tiny.wav" -o "$T/short.html" --preset voxtral-realtime
if [ -e "$T/short.html" ]; then bad "too short: a page was written"; else ok; fi
expect_rc "compare wrong layout" 2 'no axis of 80 mels' "$WMEL" compare "$T/lasr.npy" "$T/lasr.npy" --preset wespeaker
[ ! -e "$T/x.html" ] && ok || bad "a refused command left a page"

echo "test_inspect_plans: $pass passed, $fail failed"
[ "$fail" = 0 ]
