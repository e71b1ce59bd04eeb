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
# GraniteSpeech5 and FunAsrNano: their defaults are their presets; a changed field changes the plan
printf '{"feature_extractor_type": "GraniteSpeech5FeatureExtractor", "padding_value": 0.0}\n' >"$T/g5.json"
expect_ok "granite5 preset" "$WMEL" mel "$S" -o "$T/g1.npy" --preset granite-speech5
expect_ok "granite5 hf" "$WMEL" mel "$S" -o "$T/g2.npy" --hf-config "$T/g5.json"
same "$T/g1.npy" "$T/g2.npy" "--hf-config GraniteSpeech5"
printf '{"feature_extractor_type": "FunAsrNanoFeatureExtractor", "num_frames_lfr": 5, "stride_lfr": 3}\n' >"$T/fa.json"
expect_ok "fun-asr preset" "$WMEL" mel "$S" -o "$T/f1.npy" --preset fun-asr-nano --lfr 5/3
expect_ok "fun-asr hf" "$WMEL" mel "$S" -o "$T/f2.npy" --hf-config "$T/fa.json"
same "$T/f1.npy" "$T/f2.npy" "--hf-config FunAsrNano"

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
printf '{"feature_extractor_type": "GraniteSpeechFeatureExtractor", "win_length": 600}\n' >"$T/gs.json"
expect_rc "granite win_length" 2 'GraniteSpeechFeatureExtractor: win_length 600: the window must fit n_fft' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/gs.json"
# Gemma's dither and Cohere's default dither are refused by name; per-bin statistics of the
# wrong length too
printf '{"feature_extractor_type": "Gemma4AudioFeatureExtractor", "per_bin_mean": [0.5]}\n' >"$T/g4b.json"
expect_rc "per_bin_mean" 2 'per_bin_mean: 1 numbers where the plan has 128 mels' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/g4b.json"
printf '{"feature_extractor_type": "CohereAsrFeatureExtractor"}\n' >"$T/co.json"
expect_rc "Cohere dither" 2 'dither 1e-05: the original adds noise from a torch.Generator' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/co.json"
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
# each class's configuration as transformers saves it (its defaults): the preset's bytes
cat >"$T/gemma3n.json" <<'J'
{"dither": 0.0, "feature_extractor_type": "Gemma3nAudioFeatureExtractor", "feature_size": 128,
 "fft_length": 1024, "fft_overdrive": true, "frame_length": 512, "hop_length": 160, "input_scale_factor": 1.0,
 "max_frequency": 7600.0, "mel_floor": 1e-05, "min_frequency": 125.0, "padding_side": "right",
 "padding_value": 0.0, "per_bin_mean": null, "per_bin_stddev": null, "preemphasis": 0.97,
 "preemphasis_htk_flavor": true, "processor_class": "Gemma3nProcessor", "return_attention_mask": true,
 "sampling_rate": 16000}
J
cat >"$T/gemma4.json" <<'J'
{"dither": 0.0, "feature_extractor_type": "Gemma4AudioFeatureExtractor", "feature_size": 128,
 "fft_length": 512, "fft_overdrive": false, "frame_length": 320, "hop_length": 160, "input_scale_factor": 1.0,
 "max_frequency": 8000.0, "mel_floor": 0.001, "min_frequency": 0.0, "padding_side": "right", "padding_value": 0.0,
 "per_bin_mean": null, "per_bin_stddev": null, "preemphasis": 0.0, "preemphasis_htk_flavor": true,
 "return_attention_mask": true, "sampling_rate": 16000}
J
cat >"$T/univnet.json" <<'J'
{"center": false, "compression_clip_val": 1e-05, "compression_factor": 1.0, "do_normalize": false,
 "feature_extractor_type": "UnivNetFeatureExtractor", "feature_size": 1, "filter_length": 1024, "fmax": 12000.0,
 "fmin": 0.0, "hop_length": 256, "max_length_s": 10, "mel_floor": 1e-09, "model_in_channels": 64,
 "normalize_max": 2.3143386840820312, "normalize_min": -11.512925148010254, "num_mel_bins": 100,
 "pad_end_length": 10, "padding_side": "right", "padding_value": 0.0, "return_attention_mask": true,
 "sampling_rate": 24000, "win_function": "hann_window", "win_length": 1024}
J
cat >"$T/inkling.json" <<'J'
{"audio_token_duration_s": 0.05, "feature_extractor_type": "InklingFeatureExtractor", "feature_size": 80,
 "hop_length": 800, "n_fft": 1600, "padding_side": "right", "padding_value": 0.0, "return_attention_mask": true,
 "sampling_rate": 16000, "window_size": 1600, "window_size_multiplier": 2.0}
J
for p in gemma3n gemma4 univnet inkling; do
  expect_ok "$p preset" "$WMEL" mel "$S" -o "$T/$p-a.npy" --preset "$p"
  expect_ok "$p --hf-config" "$WMEL" mel "$S" -o "$T/$p-b.npy" --hf-config "$T/$p.json"
  same "$T/$p-a.npy" "$T/$p-b.npy" "--hf-config $p and --preset $p"
done
expect_rc "stream refused" 2 'dither 0.5' "$WMEL" stream -o "$T/x.npy" --hf-config "$T/w.json" < "$S"
expect_rc "batch refused" 2 'dither 0.5' "$WMEL" batch "$T/list.txt" -o "$T/job2" --mode full --hf-config "$T/w.json" -q

# per-column values (CLVP's mel_norms, Gemma's per_bin_mean / per_bin_stddev): `wmel mel` applies
# them to the plan's features as x * (1 / norms) and x / std - mean / std in double, one rounding
# to float32, on the whole clip and on the long input's path alike (the stdlib reads the .npy)
python3 - "$T" <<'PYEOF'
import json, sys
t = sys.argv[1]
norms = [0.75 + 0.0123 * j for j in range(80)]
mean = [-4.0 + 0.05 * j for j in range(128)]
std = [[0.6 + 0.01 * j, 0.61 + 0.01 * j] for j in range(0, 128, 2)]  # nested: read flattened
json.dump({"feature_extractor_type": "ClvpFeatureExtractor", "mel_norms": norms}, open(t + "/clvp.json", "w"))
json.dump({"feature_extractor_type": "Gemma4AudioFeatureExtractor", "per_bin_mean": mean,
           "per_bin_stddev": std}, open(t + "/g4s.json", "w"))
json.dump({"norms": norms, "mean": mean, "std": [v for p in std for v in p]}, open(t + "/vals.json", "w"))
PYEOF
cat >"$T/cmp.py" <<'PYEOF'
import ast, json, struct, sys
def npy(path):
    b = open(path, "rb").read()
    hl = struct.unpack("<H", b[8:10])[0]
    h = ast.literal_eval(b[10:10 + hl].decode())
    assert h["descr"] == "<f4" and not h["fortran_order"], h
    n = 1
    for d in h["shape"]:
        n *= d
    return h["shape"], struct.unpack("<%df" % n, b[10 + hl:10 + hl + 4 * n])
kind, plain, cols = sys.argv[1:4]
fm = kind.endswith("_fm")  # frames x mels (a stream's output)
kind = kind[:-3] if fm else kind
v = json.load(open(sys.argv[4]))
(sa, a), (sb, b) = npy(plain), npy(cols)
assert sa == sb and len(a) > 0, (sa, sb)
rows, width = sa
by_row = kind == "clvp" and not fm  # CLVP: mels x frames; Gemma and streams: frames x mels
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
bad = 0
for i, (x, y) in enumerate(zip(a, b)):
    m = i // width if by_row else i % width
    want = f32(x * (1.0 / v["norms"][m])) if kind == "clvp" else f32(x * (1.0 / v["std"][m]) + -v["mean"][m] / v["std"][m])
    bad += want != y
sys.exit(1 if bad else 0)
PYEOF
expect_ok "clvp preset" "$WMEL" mel "$S" -o "$T/c1.npy" --preset clvp
expect_ok "clvp mel_norms" "$WMEL" mel "$S" -o "$T/c2.npy" --hf-config "$T/clvp.json"
python3 "$T/cmp.py" clvp "$T/c1.npy" "$T/c2.npy" "$T/vals.json" && ok || bad "--hf-config mel_norms: not x / mel_norms"
L="$GOLDEN/audio/speech_long.wav" # over two minutes: the long input's path
expect_ok "gemma4 preset (long)" "$WMEL" mel "$L" -o "$T/g1.npy" --preset gemma4
expect_ok "gemma4 per_bin (long)" "$WMEL" mel "$L" -o "$T/g2.npy" --hf-config "$T/g4s.json"
python3 "$T/cmp.py" gemma "$T/g1.npy" "$T/g2.npy" "$T/vals.json" && ok || bad "--hf-config per_bin (long): not x / std - mean / std"
expect_ok "gemma4 per_bin" "$WMEL" mel "$S" -o "$T/g3.npy" --hf-config "$T/g4s.json"
expect_ok "gemma4 preset" "$WMEL" mel "$S" -o "$T/g4.npy" --preset gemma4
python3 "$T/cmp.py" gemma "$T/g4.npy" "$T/g3.npy" "$T/vals.json" && ok || bad "--hf-config per_bin: not x / std - mean / std"
expect_rc "per-column with --cmvn" 2 'both give the per-column affine' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/clvp.json" --cmvn "$T/clvp.json"
expect_rc "per-column with --n-mels" 2 'per-column values are 80, one per mel' "$WMEL" mel "$S" -o "$T/x.npy" --hf-config "$T/clvp.json" --n-mels 64
# stream: each frame with them (frames x mels); batch: each item's features as `wmel mel` writes them
expect_ok "clvp stream" "$WMEL" stream -o "$T/st1.npy" --preset clvp < "$S"
expect_ok "clvp stream mel_norms" "$WMEL" stream -o "$T/st2.npy" --hf-config "$T/clvp.json" < "$S"
python3 "$T/cmp.py" clvp_fm "$T/st1.npy" "$T/st2.npy" "$T/vals.json" && ok || bad "stream --hf-config mel_norms: not x / mel_norms"
expect_ok "per-column on batch" "$WMEL" batch "$T/list.txt" -o "$T/job3" --hf-config "$T/g4s.json" -q
python3 - "$T/job3" "$T/g3.npy" <<'PYEOF' && ok || bad "batch --hf-config per_bin: not wmel mel's bytes"
import glob, sys, tarfile
with tarfile.open(sorted(glob.glob(sys.argv[1] + "/*.tar"))[0]) as t:
    m = [m for m in t.getmembers() if m.name.endswith(".npy")]
    assert len(m) == 1, [x.name for x in t.getmembers()]
    sys.exit(0 if t.extractfile(m[0]).read() == open(sys.argv[2], "rb").read() else 1)
PYEOF
grep -q '"cols": "fnv1a64:' "$T/job3/job.json" && ok || bad "job.json records no per-column values: $(cat "$T/job3/job.json")"
# the job resumed with other values, or none, is refused: its shards hold the first ones
expect_rc "batch resume, other per-column values" 1 'holds a job with' "$WMEL" batch "$T/list.txt" -o "$T/job3" --hf-config "$T/clvp.json" -q
expect_rc "batch resume, no per-column values" 1 'with cols' "$WMEL" batch "$T/list.txt" -o "$T/job3" --preset gemma4 -q
# --cmvn on stream and batch: Kaldi statistics (text), one vector per column
python3 - "$T/cmvn.ark" <<'PYEOF'
import sys
mean = [10.0 + 0.1 * j for j in range(80)]
var = [1.5 + 0.02 * j for j in range(80)]
n = 1000.0
rows = [[m * n for m in mean] + [n], [(v + m * m) * n for m, v in zip(mean, var)] + [0.0]]
open(sys.argv[1], "w").write(" [\n" + "\n".join("  " + " ".join(repr(x) for x in r) for r in rows) + " ]\n")
PYEOF
expect_ok "firered cmvn mel" "$WMEL" mel "$S" -o "$T/fr1.npy" --preset firered --cmvn "$T/cmvn.ark"
expect_ok "firered cmvn stream" "$WMEL" stream -o "$T/fr2.npy" --preset firered --cmvn "$T/cmvn.ark" < "$S"
expect_ok "firered stream" "$WMEL" stream -o "$T/fr3.npy" --preset firered < "$S"
cmp -s "$T/fr2.npy" "$T/fr3.npy" && bad "stream --cmvn: no change" || ok
printf '%s\n' "$S" >"$T/list1.txt"
expect_ok "firered cmvn batch" "$WMEL" batch "$T/list1.txt" -o "$T/job4" --preset firered --cmvn "$T/cmvn.ark" -q
python3 - "$T/job4" "$T/fr1.npy" <<'PYEOF' && ok || bad "batch --cmvn: not wmel mel's bytes"
import glob, sys, tarfile
with tarfile.open(sorted(glob.glob(sys.argv[1] + "/*.tar"))[0]) as t:
    m = [m for m in t.getmembers() if m.name.endswith(".npy")]
    sys.exit(0 if t.extractfile(m[0]).read() == open(sys.argv[2], "rb").read() else 1)
PYEOF
expect_rc "stream cmvn, wrong count" 1 'per-column affine takes 64' "$WMEL" stream -o "$T/x.npy" --preset wespeaker --n-mels 64 --cmvn "$T/cmvn.ark" < "$S"
expect_rc "stream cmvn, stacked rows" 2 'stream.s frames are unstacked' "$WMEL" stream -o "$T/x.npy" --preset funasr --cmvn "$T/cmvn.ark" < "$S"
expect_rc "cmvn with hf-config on stream" 2 'both give the per-column affine' "$WMEL" stream -o "$T/x.npy" --hf-config "$T/clvp.json" --cmvn "$T/cmvn.ark" < "$S"
# inspect: the reference's stages and the backend's output both with the per-column affine
# (Kaldi statistics; CLVP's mel_norms; FunASR's am.mvn over the LFR rows, cols_stacked)
cat >"$T/d.py" <<'PYEOF'
import ast, struct, sys
def npy(path):
    b = open(path, "rb").read()
    hl = struct.unpack("<H", b[8:10])[0]
    h = ast.literal_eval(b[10:10 + hl].decode())
    n = 1
    for d in h["shape"]:
        n *= d
    c = "f" if h["descr"] == "<f4" else "d"
    return h["shape"], struct.unpack("<%d%s" % (n, c), b[10 + hl:10 + hl + n * struct.calcsize(c)])
(sa, a), (sb, b) = npy(sys.argv[1]), npy(sys.argv[2])
d = max(abs(x - y) for x, y in zip(a, b))
print(sa, sb, d)
sys.exit(0 if sa == sb and len(a) > 0 and d <= float(sys.argv[3]) else 1)
PYEOF
python3 - "$T/am.mvn" <<'PYEOF'
import sys
n = 560
sh = " ".join("%.6g" % (-8.0 - 0.01 * j) for j in range(n))
sc = " ".join("%.6g" % (0.25 + 0.001 * j) for j in range(n))
open(sys.argv[1], "w").write("<Nnet>\n<Splice> %d %d\n[ 0 ]\n<AddShift> %d %d\n<LearnRateCoef> 0 [ %s ]\n"
                             "<Rescale> %d %d\n<LearnRateCoef> 0 [ %s ]\n</Nnet>\n" % (n, n, n, n, sh, n, n, sc))
PYEOF
expect_ok "cmvn on inspect" "$WMEL" inspect "$S" -o "$T/fr.html" --preset firered --cmvn "$T/cmvn.ark" --stages "$T/frs" --backend cpu -q
python3 "$T/d.py" "$T/frs/features.npy" "$T/frs/cpu/features.npy" 2e-5 >/dev/null && ok || bad "inspect --cmvn: the reference is not the backend's"
python3 "$T/d.py" "$T/fr1.npy" "$T/frs/cpu/features.npy" 0 >/dev/null && ok || bad "inspect --cmvn: the backend's output is not wmel mel --cmvn's"
grep -q 'x col_scale\[c\] + col_shift\[c\] (--cmvn, 80 columns)' "$T/fr.html" && ok || bad "inspect --cmvn: the page does not say it"
expect_ok "per-column on inspect" "$WMEL" inspect "$S" -o "$T/cv.html" --hf-config "$T/clvp.json" --stages "$T/cvs" --backend cpu -q
python3 "$T/d.py" "$T/cvs/features.npy" "$T/cvs/cpu/features.npy" 2e-5 >/dev/null && ok || bad "inspect --hf-config mel_norms: the reference is not the backend's"
python3 "$T/d.py" "$T/c2.npy" "$T/cvs/cpu/features.npy" 0 >/dev/null && ok || bad "inspect --hf-config mel_norms: not wmel mel's output"
grep -q "the configuration's per-column values, 80 columns" "$T/cv.html" && ok || bad "inspect --hf-config: the page does not say it"
expect_ok "am.mvn on inspect" "$WMEL" inspect "$S" -o "$T/fa.html" --preset funasr --cmvn "$T/am.mvn" --stages "$T/fas" --backend cpu -q
python3 "$T/d.py" "$T/fas/features.npy" "$T/fas/cpu/features.npy" 2e-5 >/dev/null && ok || bad "inspect funasr am.mvn: the reference is not the backend's"
expect_ok "am.mvn on mel" "$WMEL" mel "$S" -o "$T/fa.npy" --preset funasr --cmvn "$T/am.mvn"
python3 "$T/d.py" "$T/fa.npy" "$T/fas/cpu/features.npy" 0 >/dev/null && ok || bad "inspect funasr am.mvn: not wmel mel's output"
grep -q '(--cmvn, 560 columns, over each stacked row)' "$T/fa.html" && ok || bad "inspect am.mvn: the page does not say it"
expect_rc "am.mvn, wrong count on inspect" 1 'per-column affine takes 560' "$WMEL" inspect "$S" -o "$T/x.png" --preset funasr --cmvn "$T/cmvn.ark"
[ ! -e "$T/x.npy" ] && [ ! -e "$T/x.png" ] && ok || bad "a refused per-column configuration left an output"
# compare: both sides computed with them (wmel: and oracle:), a file held to that plan's oracle
expect_ok "compare --hf-config" "$WMEL" compare "$T/c2.npy" "oracle:$S" --hf-config "$T/clvp.json"
grep -q "hf-config" "$T/out" && ok || bad "compare --hf-config: the summary names no configuration: $(head -3 "$T/out")"
above() { local d=$1; shift; "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" = 1 ] && grep -q 'ABOVE tol' "$T/out"; then ok; else bad "$d: exit $rc: $(tail -1 "$T/out") $(cat "$T/err")"; fi; }
above "compare --hf-config, the values missing" "$WMEL" compare "$T/c1.npy" "oracle:$S" --hf-config "$T/clvp.json"
expect_ok "compare --cmvn" "$WMEL" compare "$T/fr1.npy" "oracle:$S" --preset firered --cmvn "$T/cmvn.ark"
expect_ok "compare --cmvn, wmel: and oracle:" "$WMEL" compare "wmel:$S" "oracle:$S" --preset firered --cmvn "$T/cmvn.ark"
above "compare --cmvn, without it" "$WMEL" compare "$T/fr3.npy" "oracle:$S" --preset firered --cmvn "$T/cmvn.ark"

echo "test_hf_config_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
