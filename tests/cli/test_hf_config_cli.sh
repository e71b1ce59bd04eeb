#!/usr/bin/env bash
# test_hf_config_cli.sh -- --hf-config PATH on mel, stream and batch: a transformers
# preprocessor_config.json, a processor_config.json with the extractor's dict nested, and a
# model folder give the same bytes as the preset and options the mapping names; a refused
# field is one line naming it (exit 2) and leaves no output; the conflicts with
# --plan/--preset/--frontend.
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

cat >"$T/pk.json" <<'J'
{
  "feature_extractor_type": "ParakeetFeatureExtractor",
  "feature_size": 128,
  "hop_length": 160,
  "n_fft": 512,
  "padding_side": "right",
  "padding_value": 0.0,
  "preemphasis": 0.97,
  "processor_class": "ParakeetProcessor",
  "return_attention_mask": true,
  "sampling_rate": 16000,
  "win_length": 400
}
J
expect_ok "mel preset" "$WMEL" mel "$S" -o "$T/a.npy" --frontend nemo --n-mels 128
expect_ok "mel --hf-config file" "$WMEL" mel "$S" -o "$T/b.npy" --hf-config "$T/pk.json"
same "$T/a.npy" "$T/b.npy" "--hf-config Parakeet 128"
mkdir -p "$T/model" "$T/proc"
cp "$T/pk.json" "$T/model/preprocessor_config.json"
expect_ok "mel --hf-config folder" "$WMEL" mel "$S" -o "$T/c.npy" --hf-config "$T/model"
same "$T/a.npy" "$T/c.npy" "--hf-config folder"
# processor_config.json: the nested dict wins over preprocessor_config.json, as in transformers
{ printf '{"processor_class": "P", "chat_template": "{%% for m in x %%}{{ m }}{%% endfor %%}",\n "feature_extractor": '
  cat "$T/pk.json"; printf '}\n'; } >"$T/proc/processor_config.json"
printf '{"feature_extractor_type": "ParakeetFeatureExtractor"}\n' >"$T/proc/preprocessor_config.json"
expect_ok "mel --hf-config nested" "$WMEL" mel "$S" -o "$T/d.npy" --hf-config "$T/proc"
same "$T/a.npy" "$T/d.npy" "--hf-config processor_config.json"
# a processor_config.json without the extractor's dict: preprocessor_config.json is read
printf '{"processor_class": "P"}\n' >"$T/model/processor_config.json"
expect_ok "mel --hf-config folder, flat processor" "$WMEL" mel "$S" -o "$T/e.npy" --hf-config "$T/model"
same "$T/a.npy" "$T/e.npy" "--hf-config flat processor_config.json"
# options change the configuration's plan
expect_ok "mel --hf-config + option" "$WMEL" mel "$S" -o "$T/f.npy" --hf-config "$T/pk.json" --normalize none
expect_ok "mel preset + option" "$WMEL" mel "$S" -o "$T/g.npy" --frontend nemo --n-mels 128 --normalize none
same "$T/f.npy" "$T/g.npy" "--hf-config with --normalize none"
# Speech2Text and the speech2text preset
printf '{"feature_extractor_type": "Speech2TextFeatureExtractor", "num_mel_bins": 80}\n' >"$T/s2t.json"
expect_ok "s2t preset" "$WMEL" mel "$S" -o "$T/h.npy" --preset speech2text
expect_ok "s2t hf" "$WMEL" mel "$S" -o "$T/i.npy" --hf-config "$T/s2t.json"
same "$T/h.npy" "$T/i.npy" "--hf-config Speech2Text"

# stream and batch take it too
expect_ok "stream preset" "$WMEL" stream -o "$T/s1.npy" --frontend nemo --n-mels 128 < "$S"
expect_ok "stream --hf-config" "$WMEL" stream -o "$T/s2.npy" --hf-config "$T/pk.json" < "$S"
same "$T/s1.npy" "$T/s2.npy" "stream --hf-config"
printf '%s\n' "$S" >"$T/list.txt"
expect_ok "batch --hf-config" "$WMEL" batch "$T/list.txt" -o "$T/job" --mode full --hf-config "$T/pk.json" -q
[ -s "$T/job/index.jsonl" ] && ok || bad "batch --hf-config wrote no index"

# refusals: one line naming the field, exit 2, no output
printf '{"feature_extractor_type": "WhisperFeatureExtractor", "dither": 0.5}\n' >"$T/w.json"
expect_rc "dither" 2 'dither 0.5: wmel computes dither 0 only' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/w.json"
[ ! -e "$T/x.npy" ] && ok || bad "a refused configuration left an output"
printf '{"feature_extractor_type": "Gemma3nAudioFeatureExtractor"}\n' >"$T/g3.json"
expect_rc "needs preset or its table" 2 'Gemma3nAudioFeatureExtractor: .*gemma3n' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/g3.json"
printf '{"feature_extractor_type": "ParakeetFeatureExtractor",\n "feature_size": [80]}\n' >"$T/bad.json"
expect_rc "a list" 2 'feature_size \[...\]: a number expected' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/bad.json"
printf '{"feature_extractor_type": "ParakeetFeatureExtractor",\n "feature_size": }\n' >"$T/bad2.json"
expect_rc "bad JSON" 2 'line 2: a value expected' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/bad2.json"
expect_rc "no file" 2 "hf-config $T/none.json" "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/none.json"
expect_rc "empty folder" 2 "preprocessor_config.json" "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/job/.."/job
expect_rc "with --preset" 2 'give one' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/pk.json" --preset nemo
expect_rc "with --frontend" 2 'hf-config' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/pk.json" --frontend nemo
expect_rc "no value" 2 'needs a value' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config
printf '{"feature_extractor_type": "VoxtralRealtimeFeatureExtractor"}\n' >"$T/vr.json"
expect_ok "whisper beyond n_mels" "$WMEL" mel "$S" -o "$T/vr1.npy" --hf-config "$T/vr.json"
expect_ok "voxtral-realtime preset" "$WMEL" mel "$S" -o "$T/vr2.npy" --preset voxtral-realtime
same "$T/vr1.npy" "$T/vr2.npy" "--hf-config Voxtral realtime and --preset voxtral-realtime"
expect_rc "stream refused" 2 'dither 0.5' "$WMEL" stream -o "$T/x.npy" --hf-config "$T/w.json" < "$S"
expect_rc "batch refused" 2 'dither 0.5' "$WMEL" batch "$T/list.txt" -o "$T/job2" --mode full --hf-config "$T/w.json" -q

echo "test_hf_config_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
