#!/usr/bin/env bash
# test_presets_cli.sh -- `wmel presets` (the list, --json NAME), and --preset NAME / --plan
# FILE.json on mel, stream and batch: the same bytes as the explicit options, a preset's own
# JSON read back by --plan, one line naming the file, the line and the key for a bad file
# (exit 2), and the conflicts (--plan with --preset or --frontend).
set -u
: "${WMEL:?}" "${GOLDEN:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_ok() { local d=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok; else bad "$d: $(cat "$T/err")"; fi; }
expect_rc() { local d=$1 want=$2 pat=$3; shift 3; "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" != "$want" ]; then bad "$d: exit $rc, want $want ($(cat "$T/err"))"
  elif [ "$(wc -l <"$T/err")" != 1 ]; then bad "$d: not one line: $(cat "$T/err")"
  elif ! grep -q -- "$pat" "$T/err"; then bad "$d: the message lacks '$pat': $(cat "$T/err")"; else ok; fi; }
same() { if cmp -s "$1" "$2"; then ok; else bad "$3: $1 and $2 differ"; fi; }
S="$GOLDEN/audio/speech_en.wav"
printf '%s\n' "$S" > "$T/list.txt"

# the list
expect_ok "presets" "$WMEL" presets
for p in whisper whisper-128 nemo nemo-legacy kaldi seamless wespeaker speech2text ast lasr phi4-mm speecht5; do
  grep -q "^$p " "$T/out" && ok || bad "presets lists no $p"
done
grep -q "original: transformers ASTFeatureExtractor" "$T/out" && ok || bad "presets: no original for ast"
expect_ok "presets --json" "$WMEL" presets --json wespeaker
cp "$T/out" "$T/wespeaker.json"
grep -q '"frontend": "kaldi"' "$T/wespeaker.json" && ok || bad "presets --json: $(cat "$T/wespeaker.json")"
expect_rc "presets --json unknown" 2 'preset "nope": not a built-in preset' "$WMEL" presets --json nope
expect_rc "presets junk" 2 "unknown argument" "$WMEL" presets --frob

# mel: --preset, --plan and the explicit options give the same bytes
expect_ok "mel explicit" "$WMEL" mel "$S" -o "$T/a.npy" --frontend kaldi --window hamming --normalize mean
expect_ok "mel --preset" "$WMEL" mel "$S" -o "$T/b.npy" --preset wespeaker
expect_ok "mel --plan" "$WMEL" mel "$S" -o "$T/c.npy" --plan "$T/wespeaker.json"
same "$T/a.npy" "$T/b.npy" "--preset wespeaker"
same "$T/a.npy" "$T/c.npy" "--plan wespeaker.json"
expect_ok "mel --preset + option" "$WMEL" mel "$S" -o "$T/d.npy" --preset kaldi --window hamming --normalize mean
same "$T/a.npy" "$T/d.npy" "--preset kaldi with options"
expect_ok "mel whisper" "$WMEL" mel "$S" -o "$T/w1.npy" --n-mels 128
expect_ok "mel --preset whisper-128" "$WMEL" mel "$S" -o "$T/w2.npy" --preset whisper-128
same "$T/w1.npy" "$T/w2.npy" "--preset whisper-128"
expect_ok "mel nemo-legacy" "$WMEL" mel "$S" -o "$T/l1.npy" --frontend nemo --legacy
expect_ok "mel --preset nemo-legacy" "$WMEL" mel "$S" -o "$T/l2.npy" --preset nemo-legacy
same "$T/l1.npy" "$T/l2.npy" "--preset nemo-legacy"
# the geometry's options: speecht5 from nemo, option by option
expect_ok "mel --preset speecht5" "$WMEL" mel "$S" -o "$T/t5a.npy" --preset speecht5
expect_ok "mel speecht5 options" "$WMEL" mel "$S" -o "$T/t5b.npy" --frontend nemo --normalize none \
  --window hann_periodic --low-freq 80 --high-freq 7600 --power 1 --log-guard 1e-10 --preemph 0 --frame-length 1024 \
  --hop 256 --n-fft 1024 --framing center_reflect --log log10_clamp --valid all --layout frames_mels
same "$T/t5a.npy" "$T/t5b.npy" "--preset speecht5 and its options"
expect_ok "mel lhotse-mfcc" "$WMEL" mel "$S" -o "$T/lm1.npy" --preset lhotse-mfcc
expect_ok "mel lhotse-mfcc options" "$WMEL" mel "$S" -o "$T/lm2.npy" --frontend kaldi --n-mels 23 --scale 1 \
  --high-freq -400 --framing kaldi_center --n-ceps 13 --cepstral-lifter 22
same "$T/lm1.npy" "$T/lm2.npy" "--preset lhotse-mfcc and its options"
expect_rc "cepstra of a linear spectrum" 2 'n_ceps 13 with linear_bins' \
  "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --linear-bins 1 --n-mels 100 --n-ceps 13
expect_rc "a bad framing" 2 'framing centre: snip, center_reflect, center_zero or kaldi_center (Kaldi snip_edges=false) (--framing)' \
  "$WMEL" mel "$S" -o "$T/x.npy" --frontend kaldi --framing centre
# stream and batch take them too
expect_ok "stream explicit" "$WMEL" stream -o "$T/s1.npy" --frontend nemo < "$S"
expect_ok "stream --preset" "$WMEL" stream -o "$T/s2.npy" --preset nemo < "$S"
same "$T/s1.npy" "$T/s2.npy" "stream --preset nemo"
expect_ok "batch --plan" "$WMEL" batch "$T/list.txt" -o "$T/job" --mode full --plan "$T/wespeaker.json" -q
[ -s "$T/job/index.jsonl" ] && ok || bad "batch --plan wrote no index"

# refusals: exit 2, one line naming the file, the line and the key
printf '{"frontend": "kaldi",\n  "windw": "hamming"}\n' > "$T/bad1.json"
expect_rc "unknown key" 2 'bad1.json: line 2: key "windw": not an option' "$WMEL" mel "$S" -o "$T/x.npy" --plan "$T/bad1.json"
printf '{"frontend": "kaldi",\n\n  "window": "hamm"}\n' > "$T/bad2.json"
expect_rc "bad value" 2 'bad2.json: line 3: window hamm: the kaldi front-end takes' "$WMEL" mel "$S" -o "$T/x.npy" --plan "$T/bad2.json"
printf '{"frontend": "kaldi"} {}' > "$T/bad3.json"
expect_rc "trailing text" 2 "text after the plan's object" "$WMEL" mel "$S" -o "$T/x.npy" --plan "$T/bad3.json"
printf '{"frontend": "kaldi", "scale": 2, "scale": 3}' > "$T/bad4.json"
expect_rc "duplicate key" 2 'appears twice' "$WMEL" stream -o "$T/x.npy" --plan "$T/bad4.json" < "$S"
expect_rc "missing file" 2 'no-such.json' "$WMEL" mel "$S" -o "$T/x.npy" --plan "$T/no-such.json"
expect_rc "unknown preset" 2 'not a built-in preset' "$WMEL" mel "$S" -o "$T/x.npy" --preset nope
expect_rc "plan and preset" 2 'give one' "$WMEL" mel "$S" -o "$T/x.npy" --preset kaldi --plan "$T/wespeaker.json"
expect_rc "plan and frontend" 2 'both name a plan' "$WMEL" mel "$S" -o "$T/x.npy" --frontend nemo --preset kaldi
# a whisper plan with other options is computed as a plan, on every command
expect_ok "mel --preset voxtral-realtime" "$WMEL" mel "$S" -o "$T/v1.npy" --preset voxtral-realtime
expect_ok "mel whisper options" "$WMEL" mel "$S" -o "$T/v2.npy" --frontend whisper --n-mels 128 --norm-max 1.5
same "$T/v1.npy" "$T/v2.npy" "--preset voxtral-realtime and its options"
expect_ok "mel whisper 80 norm-max" "$WMEL" mel "$S" -o "$T/v3.npy" --frontend whisper --norm-max 1.5
cmp -s "$T/v1.npy" "$T/v3.npy" && bad "--n-mels 80 and 128 gave the same bytes" || ok
expect_ok "stream --preset voxtral-realtime" "$WMEL" stream -o "$T/vs.npy" --preset voxtral-realtime < "$S"
expect_ok "stream whisper 128" "$WMEL" stream -o "$T/vs2.npy" --frontend whisper --n-mels 128 < "$S"
same "$T/vs.npy" "$T/vs2.npy" "stream --preset voxtral-realtime: whisper-128's frames before the normalisation"
# a stream's frames come before the finish: normalisation variants go, a finish that pads is refused
for pr in speech2text wespeaker; do
  expect_ok "stream --preset $pr" "$WMEL" stream -o "$T/s_$pr.npy" --preset $pr < "$S"
done
expect_ok "stream kaldi" "$WMEL" stream -o "$T/s_k.npy" --frontend kaldi < "$S"
cmp -s "$T/s_wespeaker.npy" "$T/s_k.npy" && bad "stream --preset wespeaker: kaldi's (Povey) frames, its hamming window ignored" || ok
expect_rc "stream --preset ast" 2 "n_frames 1024: the finish (n_frames, pad_value, post_scale, post_shift) does not apply to a stream" \
  "$WMEL" stream -o "$T/x.npy" --preset ast < "$S"
expect_ok "batch --preset voxtral-realtime" "$WMEL" batch "$T/list.txt" -o "$T/vjob" --preset voxtral-realtime -q
grep -q '"plan": "fnv1a64:' "$T/vjob/job.json" && ok || bad "batch voxtral-realtime: job.json has no plan: $(cat "$T/vjob/job.json")"
expect_rc "whisper-only option on a plan" 2 "applies to the whisper preset only" \
  "$WMEL" mel "$S" -o "$T/x.npy" --preset voxtral-realtime --padding 160
expect_rc "whisper-only stream option on a plan" 2 "applies to the whisper preset only" \
  "$WMEL" stream -o "$T/x.npy" --preset voxtral-realtime --padding 160 < "$S"
expect_rc "an option refused on the plan" 2 'use_energy' "$WMEL" mel "$S" -o "$T/x.npy" --preset nemo --use-energy
[ ! -e "$T/x.npy" ] && ok || bad "a refused plan left an output"

echo "test_presets_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
