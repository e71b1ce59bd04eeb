#!/usr/bin/env bash
# test_batch.sh -- `wmel batch` end to end on a generated corpus (ffmpeg): shards, index,
# errors, exit statuses, byte-identical output for any --jobs, resume after kill -9
# (a FIFO in the manifest holds the job at a known item), refused parameter changes,
# disk full in a private tmpfs (root only), peak memory on hour-long inputs (not under
# sanitizers). Needs: $WMEL (the command), ffmpeg, python3 (stdlib only).
set -u
: "${WMEL:?}"
command -v ffmpeg >/dev/null || { echo "skipped: no ffmpeg"; exit 77; }
"$WMEL" --version | grep -q ffmpeg || { echo "skipped: wmel built without FFmpeg"; exit 77; }
T=$(mktemp -d)
KILLPID=
trap '[ -n "$KILLPID" ] && kill -9 $KILLPID 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local d=$1; shift; if "$@"; then ok; else bad "$d"; fi; }
SRC=$(dirname "$0")/../../data/speech_en.wav
ff() { ffmpeg -nostdin -loglevel error -y "$@"; }

# the corpus: 12 good inputs in five formats at 44.1/48 kHz stereo, and 4 broken ones
C=$T/corpus
mkdir -p "$C/sub"
ff -i "$SRC" -ar 44100 -ac 2 "$C/a.flac"
ff -i "$SRC" -ar 48000 -ac 2 "$C/b.mp3"
ff -i "$SRC" -ar 48000 -ac 2 -c:a libopus "$C/c.opus"
ff -i "$SRC" -ar 44100 -ac 2 -c:a aac "$C/d.m4a"
ff -i "$SRC" -ar 48000 -ac 2 "$C/sub/e.wav"
ff -f lavfi -i "sine=f=300:d=41" -ar 44100 -ac 2 "$C/sub/long.flac"
ff -f lavfi -i "anoisesrc=d=3:a=0.1" -ar 48000 -ac 2 "$C/noise.mp3"
ff -f lavfi -i "sine=f=900:d=0.005" -ar 16000 -ac 1 "$C/tiny.wav"  # 80 samples: too short
cp "$SRC" "$C/sub/x.y z.wav"
for i in 1 2 3 4 5; do cp "$C/a.flac" "$C/copy$i.flac"; done
echo "not audio at all" > "$C/junk.wav"
: > "$C/empty.mp3"
ls "$C"/a.flac "$C"/b.mp3 >/dev/null || { bad "corpus generation"; exit 1; }
cat > "$C/list.txt" <<EOF
a.flac
b.mp3
junk.wav
c.opus
d.m4a
sub/e.wav

sub/long.flac
empty.mp3
noise.mp3
tiny.wav
sub/x.y z.wav
missing.flac
copy1.flac
copy2.flac
copy3.flac
copy4.flac
copy5.flac
EOF
N_ITEMS=17 N_BAD=3
# tiny.wav: 80 samples is enough for pad30 (padded to 30 s), too short for full/windows

# 1. pad30, shards of 4, two jobs: exit 3, every item once, errors listed
"$WMEL" batch "$C/list.txt" -o "$T/p2" --shard-size 4 --jobs 2 --quiet 2>"$T/err"
check "exit 3 with failures (got $?)" test $? -eq 3
check "quiet: nothing on stderr" test ! -s "$T/err"
check "5 shards" test "$(ls "$T/p2" | grep -c '^shard-00000[0-4]\.tar$')" -eq 5
check "no temporary files left" test -z "$(ls -A "$T/p2" | grep tmp)"
members() { for s in "$1"/shard-*.tar; do tar tf "$s"; done; }
check "two members per good item" test "$(members "$T/p2" | wc -l)" -eq $(( 2 * (N_ITEMS - N_BAD) ))
check "no member twice" test -z "$(members "$T/p2" | sort | uniq -d)"
check "index lines" test "$(wc -l < "$T/p2/index.jsonl")" -eq $((N_ITEMS - N_BAD))
check "errors lines" test "$(wc -l < "$T/p2/errors.jsonl")" -eq $N_BAD
for k in junk empty missing; do
  check "error for $k" grep -q "\"key\": \"$k\"" "$T/p2/errors.jsonl"
done
check "missing file message" grep -q 'missing.flac: cannot open' "$T/p2/errors.jsonl"
check "keys: folders kept, dots and spaces made safe" grep -q '"key": "sub/x_y_z"' "$T/p2/index.jsonl"
check "shard 0 holds items 0-3 minus junk" test "$(tar tf "$T/p2/shard-000000.tar" | tr '\n' ' ')" = "a.npy a.json b.npy b.json c.npy c.json "
check "job.json" grep -q '"mode": "pad30", "n_mels": 80, "shard_size": 4, "items": 17' "$T/p2/job.json"
# the items equal `wmel mel --pad-30s` / `wmel windows` / `wmel mel` of the same files
# (the CPU backend: `wmel batch`'s default; an emulator or GPU build's `wmel mel` would
# otherwise run on the CUDA backend, ~1e-7 away)
"$WMEL" mel "$C/c.opus" --pad-30s --backend cpu -o "$T/c30.npy"
tar xOf "$T/p2/shard-000000.tar" c.npy > "$T/c_item.npy"
check "pad30 item == wmel mel --pad-30s" cmp -s "$T/c30.npy" "$T/c_item.npy"
tar xOf "$T/p2/shard-000000.tar" c.json > "$T/c.json"
check "item json" grep -q '^{"key": "c", "path": "c.opus", "samples": 111862, "seconds": 6.991375, "shape": \[80, 3000\], "mode": "pad30", "n_mels": 80, "wmel": "' "$T/c.json"

# 2. --jobs 1 and the default (all cores) write the same bytes as --jobs 2
"$WMEL" batch "$C/list.txt" -o "$T/p1" --shard-size 4 --jobs 1 --quiet
check "jobs 1: exit 3" test $? -eq 3
check "jobs 1 == jobs 2" diff -r "$T/p1" "$T/p2"
"$WMEL" batch "$C/list.txt" -o "$T/p0" --shard-size 4 -q
check "jobs 0 == jobs 2" diff -r "$T/p0" "$T/p2"

# 3. full and windows modes, 128 mels, against the single-file commands
for m in full windows; do
  "$WMEL" batch "$C/list.txt" -o "$T/$m" --mode $m --n-mels 128 --shard-size 6 --jobs 2 -q
  check "$m: exit 3" test $? -eq 3
  check "$m: tiny.wav fails" grep -q '"key": "tiny"' "$T/$m/errors.jsonl"
  check "$m: 4 errors" test "$(wc -l < "$T/$m/errors.jsonl")" -eq 4
done
"$WMEL" mel "$C/sub/long.flac" --n-mels 128 --backend cpu -o "$T/long_full.npy"
tar xOf "$T/full/shard-000001.tar" sub/long.npy > "$T/long_item.npy"
check "full item == wmel mel" cmp -s "$T/long_full.npy" "$T/long_item.npy"
"$WMEL" windows "$C/sub/long.flac" --n-mels 128 --backend cpu -o "$T/long_win.npy"
tar xOf "$T/windows/shard-000001.tar" sub/long.npy > "$T/long_witem.npy"
check "windows item == wmel windows" cmp -s "$T/long_win.npy" "$T/long_witem.npy"

# 4. resume after kill -9: a FIFO at item 9 (tiny.wav) holds the job there (shards 0 and 1 are
# complete, shard 2 half written); then the FIFO becomes a real file and the rerun
# must produce exactly the uninterrupted job's files
R=$T/resume
cp -r "$C" "$R"
rm "$R/tiny.wav" && mkfifo "$R/tiny.wav"
"$WMEL" batch "$R/list.txt" -o "$T/r" --shard-size 4 --jobs 1 -q &
KILLPID=$!
for i in $(seq 1 600); do [ -e "$T/r/shard-000001.tar" ] && break; sleep 0.1; done
sleep 0.5
check "resume: still running at the FIFO" kill -0 $KILLPID
kill -9 $KILLPID; wait $KILLPID 2>/dev/null; KILLPID=
check "resume: shards 0, 1 done before the kill" test -e "$T/r/shard-000001.tar"
check "resume: shard 2 not there" test ! -e "$T/r/shard-000002.tar"
check "resume: its partial file is a temporary" test -n "$(ls -A "$T/r" | grep '^shard-000002\.tar\.tmp\.')"
check "resume: no index yet" test ! -e "$T/r/index.jsonl"
rm "$R/tiny.wav" && cp "$C/tiny.wav" "$R/tiny.wav"
before=$(stat -c %Y.%i "$T/r/shard-000000.tar")
"$WMEL" batch "$R/list.txt" -o "$T/r" --shard-size 4 --jobs 2 2>"$T/err"
check "resume: exit 3 for the whole job" test $? -eq 3
grep -q "2 shard(s) already complete" "$T/err" && ok || bad "resume: summary: $(cat "$T/err")"
check "resume: complete shards not redone" test "$(stat -c %Y.%i "$T/r/shard-000000.tar")" = "$before"
check "resume: output == the uninterrupted job's" diff -r "$T/r" "$T/p2"
"$WMEL" batch "$R/list.txt" -o "$T/r" --shard-size 4 -q
check "rerun of a finished job: exit 3, nothing changed" test $? -eq 3
check "rerun: still identical" diff -r "$T/r" "$T/p2"

# an interrupt (Ctrl-C, SIGTERM) removes the shard in progress; the rerun completes the job
R2=$T/resume2
cp -r "$C" "$R2"
rm "$R2/tiny.wav" && mkfifo "$R2/tiny.wav"
"$WMEL" batch "$R2/list.txt" -o "$T/r2" --shard-size 4 --jobs 1 -q &
KILLPID=$!
for i in $(seq 1 600); do [ -n "$(ls -A "$T/r2" 2>/dev/null | grep '^shard-000002\.tar\.tmp\.')" ] && break; sleep 0.1; done
check "interrupt: shard 2 in progress" test -n "$(ls -A "$T/r2" | grep '^shard-000002\.tar\.tmp\.')"
kill -INT $KILLPID; wait $KILLPID; rc=$?; KILLPID=
check "interrupt: killed by SIGINT (status $rc)" test $rc -eq 130
check "interrupt: no temporary file left" test -z "$(ls -A "$T/r2" | grep tmp)"
rm "$R2/tiny.wav" && cp "$C/tiny.wav" "$R2/tiny.wav"
"$WMEL" batch "$R2/list.txt" -o "$T/r2" --shard-size 4 -q
check "interrupt: rerun == uninterrupted" diff -r "$T/r2" "$T/p2"

# 5. a different job in the same folder is refused, untouched
"$WMEL" batch "$C/list.txt" -o "$T/p2" --mode full --shard-size 4 -q 2>"$T/err"
check "other mode refused: exit 1" test $? -eq 1
grep -q "mode" "$T/err" && ok || bad "other mode: message: $(cat "$T/err")"
"$WMEL" batch "$C/list.txt" -o "$T/p2" --shard-size 5 -q 2>"$T/err"
check "other shard size refused" test $? -eq 1
head -5 "$C/list.txt" > "$C/list5.txt"
"$WMEL" batch "$C/list5.txt" -o "$T/p2" --shard-size 4 -q 2>"$T/err"
check "other manifest refused" test $? -eq 1
grep -q "another manifest" "$T/err" && ok || bad "other manifest: message: $(cat "$T/err")"
check "refused runs changed nothing" diff -r "$T/p1" "$T/p2"

# 5b. a job never takes over files it did not record: a non-empty OUTDIR without job.json
# is refused whatever the new job is; so are shards and parts job.json does not account for
printf 'a.flac\nb.mp3\n' > "$C/good.txt"
"$WMEL" batch "$C/good.txt" -o "$T/oj" --shard-size 1 -q
check "adopt: first job exit 0" test $? -eq 0
cp -r "$T/oj" "$T/oj.before"
rm "$T/oj/job.json"
"$WMEL" batch "$C/good.txt" -o "$T/oj" --shard-size 1 --mode full --n-mels 128 -q 2>"$T/err"
check "no job.json, other mode and n_mels: exit 1" test $? -eq 1
grep -q "is not empty and holds no job.json (.*shard-000000.tar" "$T/err" && ok || bad "no job.json: message: $(cat "$T/err")"
grep -q "use a new output folder (-o), or remove this one to start over" "$T/err" && ok || bad "no job.json: the way out: $(cat "$T/err")"
check "no job.json: nothing written" test ! -e "$T/oj/job.json"
"$WMEL" batch "$C/list5.txt" -o "$T/oj" --shard-size 1 -q 2>"$T/err"
check "no job.json, other manifest: exit 1" test $? -eq 1
"$WMEL" batch "$C/good.txt" -o "$T/oj" --shard-size 1 -q 2>"$T/err"
check "no job.json, even the same job: exit 1" test $? -eq 1
rm -rf "$T/oj" && cp -r "$T/oj.before" "$T/oj"
"$WMEL" batch "$C/good.txt" -o "$T/oj" --shard-size 1 --n-mels 128 -q 2>"$T/err"
check "job.json with other n_mels: exit 1" test $? -eq 1
grep -q "holds a job with n_mels 80 (now 128)" "$T/err" && ok || bad "n_mels: message: $(cat "$T/err")"
cp "$T/oj/shard-000000.tar" "$T/oj/shard-000005.tar"
cp "$T/oj/.parts/000001.index.jsonl" "$T/oj/.parts/000007.index.jsonl"
"$WMEL" batch "$C/good.txt" -o "$T/oj" --shard-size 1 -q 2>"$T/err"
check "stray shard and part: exit 1" test $? -eq 1
grep -q "does not account for: .*shard-000005.tar" "$T/err" && ok || bad "stray shard: message: $(cat "$T/err")"
grep -q ".parts/000007.index.jsonl" "$T/err" && ok || bad "stray part: message: $(cat "$T/err")"
rm "$T/oj/shard-000005.tar" "$T/oj/.parts/000007.index.jsonl"
echo notes > "$T/oj/notes.txt"
"$WMEL" batch "$C/good.txt" -o "$T/oj" --shard-size 1 -q 2>"$T/err"
check "stray file: exit 1" test $? -eq 1
grep -q "does not account for: notes.txt; remove them" "$T/err" && ok || bad "stray file: message: $(cat "$T/err")"
rm "$T/oj/notes.txt"
"$WMEL" batch "$C/good.txt" -o "$T/oj" --shard-size 1 -q
check "strays removed: the job resumes (exit 0)" test $? -eq 0
check "strays removed: unchanged" diff -r "$T/oj" "$T/oj.before"
mkdir -p "$T/oe/.parts" && : > "$T/oe/.lock" && : > "$T/oe/job.json.tmp.AbC123"
"$WMEL" batch "$C/good.txt" -o "$T/oe" --shard-size 1 -q
check "a folder left before job.json was written is taken (exit 0)" test $? -eq 0
check "... and equals a fresh job" diff -r "$T/oe" "$T/oj.before"

# 5c. --item-timeout: a WAV header before a 4 GiB sparse tail (37 hours of silence to
# decode) is stopped and listed as timed out; the rest of the job goes on, every mode
python3 -c '
import struct, sys
n = 4 * 1024**3 - 44
h = (b"RIFF" + struct.pack("<I", n + 36) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
     + b"data" + struct.pack("<I", n))
open(sys.argv[1], "wb").write(h)' "$C/stuck.wav"
truncate -s 4G "$C/stuck.wav"
printf 'a.flac\nstuck.wav\nb.mp3\n' > "$C/stuck.txt"
for m in pad30 full windows; do
  t0=$(date +%s)
  "$WMEL" batch "$C/stuck.txt" -o "$T/stuck_$m" --mode $m --item-timeout 1 --jobs 2 -q 2>"$T/err"
  rc=$?; t1=$(date +%s)
  check "item timeout $m: exit 3 (got $rc: $(cat "$T/err"))" test $rc -eq 3
  check "item timeout $m: done in $((t1 - t0)) s (< 30)" test $((t1 - t0)) -lt 30
  grep -q '"key": "stuck", "error": "stuck.wav: timed out after 1 s"' "$T/stuck_$m/errors.jsonl" && ok || bad "item timeout $m: errors.jsonl: $(cat "$T/stuck_$m/errors.jsonl")"
  check "item timeout $m: the other two items written" test "$(wc -l < "$T/stuck_$m/index.jsonl")" -eq 2
done
rm -f "$C/stuck.wav"
"$WMEL" batch "$C/list5.txt" -o "$T/u" --item-timeout soon 2>"$T/err"
check "bad --item-timeout: exit 2" test $? -eq 2
grep -q "item-timeout takes seconds" "$T/err" && ok || bad "bad --item-timeout: message: $(cat "$T/err")"

# 5d. --item-timeout during the shard write: a plan at the output cap (2^20 frames of 64
# mels: 2^26 values, a 256 MiB member) from a 1 s input, whose decode and compute fit in
# the limit (the same input and limit with 100 frames is written) while its write does
# not: the item is listed as timed out and the shard keeps none of its bytes. A limit the
# small plan misses (a loaded machine) is raised, up to where the write would fit.
ff -f lavfi -i "sine=f=440:d=1" -ar 16000 -ac 1 "$C/one.wav"
printf 'one.wav\n' > "$C/one.txt"
printf '{"frontend":"kaldi","n_mels":64,"n_frames":1048576}' > "$T/big.json"
printf '{"frontend":"kaldi","n_mels":64,"n_frames":100}' > "$T/small.json"
t0=$(date +%s%N)
"$WMEL" batch "$C/one.txt" -o "$T/wbig" --plan "$T/big.json" -q 2>"$T/err"
rc=$?; t_big=$((($(date +%s%N) - t0) / 1000000))
check "write limit: the unlimited job exits 0 (got $rc: $(cat "$T/err"))" test $rc -eq 0
python3 - "$T/wbig/shard-000000.tar" <<'PYEOF' && ok || bad "write limit: the unlimited shard"
import sys, tarfile
m = {t.name: t.size for t in tarfile.open(sys.argv[1])}
assert sorted(m) == ["one.json", "one.npy"] and m["one.npy"] == 128 + 4 * (1 << 26), m
PYEOF
rm -rf "$T/wbig"
lim=
for l in 0.05 0.2; do
  "$WMEL" batch "$C/one.txt" -o "$T/wsmall_$l" --plan "$T/small.json" --item-timeout $l -q 2>/dev/null
  if [ $? -eq 0 ] && [ "$t_big" -gt "$(python3 -c "print(int(4000 * $l))")" ]; then lim=$l; break; fi
done
if [ -z "$lim" ]; then
  echo "write limit: skipped (the 256 MiB job took $t_big ms; no limit fits the decode and not the write)"
else
  "$WMEL" batch "$C/one.txt" -o "$T/wlim" --plan "$T/big.json" --item-timeout $lim -q 2>"$T/err"
  rc=$?
  check "write limit $lim s: exit 3 (got $rc: $(cat "$T/err"))" test $rc -eq 3
  grep -q "\"key\": \"one\", \"error\": \"one.wav: timed out after $lim s\"" "$T/wlim/errors.jsonl" && ok || bad "write limit: errors.jsonl: $(cat "$T/wlim/errors.jsonl")"
  check "write limit: nothing in index.jsonl" test ! -s "$T/wlim/index.jsonl"
  check "write limit: the shard cut back to the tar's end ($(stat -c %s "$T/wlim/shard-000000.tar") bytes)" \
    test "$(stat -c %s "$T/wlim/shard-000000.tar")" -le 1024
  python3 -c 'import sys, tarfile; assert tarfile.open(sys.argv[1]).getnames() == []' "$T/wlim/shard-000000.tar" \
    && ok || bad "write limit: the shard is not an empty tar"
fi
# an item whose features pass float32's range on the way out (log none x 1e30): listed,
# nothing of it in the shard, the job goes on to the next item
printf '{"frontend":"kaldi","log":"none","post_scale":1e30}' > "$T/over.json"
printf 'one.wav\njunk.wav\n' > "$C/over.txt"
"$WMEL" batch "$C/over.txt" -o "$T/wover" --plan "$T/over.json" -q 2>"$T/err"
rc=$?
check "past float32: exit 3 (got $rc: $(cat "$T/err"))" test $rc -eq 3
grep -q '"key": "one", "error": "one.wav: values past float32.s range' "$T/wover/errors.jsonl" && ok || bad "past float32: errors.jsonl: $(cat "$T/wover/errors.jsonl")"
check "past float32: both items listed" test "$(wc -l < "$T/wover/errors.jsonl")" -eq 2
python3 -c 'import sys, tarfile; assert tarfile.open(sys.argv[1]).getnames() == []' "$T/wover/shard-000000.tar" \
  && ok || bad "past float32: the shard is not an empty tar"
rm -rf "$T"/wsmall_* "$T/wlim" "$T/wover" "$C/one.wav"

# 6. manifests: stdin, JSON Lines with keys, absolute paths; errors before any work
printf '%s\n' "$C/a.flac" "$C/b.mp3" | "$WMEL" batch - -o "$T/stdin" -q
check "stdin manifest: exit 0" test $? -eq 0
check "stdin manifest: two items" test "$(wc -l < "$T/stdin/index.jsonl")" -eq 2
printf '{"path": "a.flac", "key": "first", "text": "a transcript, ignored"}\n{"key": "second", "path": "sub/e.wav", "n": [1, {"x": null}]}\n' > "$C/m.jsonl"
"$WMEL" batch "$C/m.jsonl" -o "$T/jl" -q
check "jsonl manifest: exit 0" test $? -eq 0
check "jsonl keys" test "$(tar tf "$T/jl/shard-000000.tar" | tr '\n' ' ')" = "first.npy first.json second.npy second.json "
printf 'a.flac\nsub/../a.wav\na.mp3\n' > "$C/dup.txt"
"$WMEL" batch "$C/dup.txt" -o "$T/dup" -q 2>"$T/err"
check "duplicate keys: exit 1" test $? -eq 1
grep -q "lines 1 and 3 have the same key \"a\"" "$T/err" && ok || bad "duplicate keys: message: $(cat "$T/err")"
check "duplicate keys: nothing written" test ! -e "$T/dup"
printf '{"path": "a.flac"}\n{"path": 3}\n' > "$C/badj.jsonl"
"$WMEL" batch "$C/badj.jsonl" -o "$T/badj" -q 2>"$T/err"
check "bad jsonl: exit 1" test $? -eq 1
grep -q "line 2: \"path\" must be a string" "$T/err" && ok || bad "bad jsonl: message: $(cat "$T/err")"
printf '{"path": "a.flac", "key": "a.b"}\n' > "$C/badk.jsonl"
"$WMEL" batch "$C/badk.jsonl" -o "$T/badk" -q 2>"$T/err"
check "bad key: exit 1" test $? -eq 1
grep -q "WebDataset" "$T/err" && ok || bad "bad key: message: $(cat "$T/err")"
"$WMEL" batch "$T/nonexistent.txt" -o "$T/none" -q 2>"$T/err"
check "missing manifest: exit 1" test $? -eq 1
: > "$T/afile"
"$WMEL" batch "$C/list5.txt" -o "$T/afile/out" -q 2>"$T/err"
check "OUTDIR not creatable: exit 1" test $? -eq 1
grep -q "cannot create the output folder" "$T/err" && ok || bad "OUTDIR: message: $(cat "$T/err")"
"$WMEL" batch "$C/list5.txt" -o "$T/u" --mode bogus 2>/dev/null
check "bad --mode: exit 2" test $? -eq 2
"$WMEL" batch "$C/list5.txt" -o "$T/u" --shard-size 0 2>/dev/null
check "bad --shard-size: exit 2" test $? -eq 2
printf 'a.flac\nb.mp3\n' > "$C/good.txt"
"$WMEL" batch "$C/good.txt" -o "$T/good" -q
check "all good: exit 0" test $? -eq 0
check "all good: empty errors.jsonl" test -e "$T/good/errors.jsonl" -a ! -s "$T/good/errors.jsonl"

# manifests with a UTF-8 byte order mark (both formats), JSON lines under any name
# (found from the content, as on stdin), and an item "-" (the job's own stdin) refused
printf '\xef\xbb\xbfa.flac\nb.mp3\n' > "$C/bom.txt"
"$WMEL" batch "$C/bom.txt" -o "$T/bom" -q 2>"$T/err"
rc=$?; check "BOM, paths: exit 0 ($(cat "$T/err"))" test $rc -eq 0
check "BOM, paths: == without it" diff "$T/bom/index.jsonl" "$T/good/index.jsonl"
printf '\xef\xbb\xbf{"path": "a.flac"}\n{"path": "b.mp3"}\n' > "$C/bom.jsonl"
"$WMEL" batch "$C/bom.jsonl" -o "$T/bomj" -q 2>"$T/err"
rc=$?; check "BOM, JSON lines: exit 0 ($(cat "$T/err"))" test $rc -eq 0
check "BOM, JSON lines: same items" diff "$T/bomj/index.jsonl" "$T/good/index.jsonl"
printf '{"path": "a.flac", "key": "first"}\n{"path": "b.mp3", "key": "second"}\n' > "$C/lines.json"
"$WMEL" batch "$C/lines.json" -o "$T/ljson" -q 2>"$T/err"
rc=$?; check "JSON lines named .json: exit 0 ($(cat "$T/err"))" test $rc -eq 0
check "JSON lines named .json: keys used" test "$(tar tf "$T/ljson/shard-000000.tar" | tr '\n' ' ')" = "first.npy first.json second.npy second.json "
printf 'a.flac\n-\n' > "$C/dash.txt"
"$WMEL" batch "$C/dash.txt" -o "$T/dash" -q 2>"$T/err" < /dev/null
check "item -: exit 1" test $? -eq 1
grep -q 'line 2: "-" (standard input) cannot be an input of a batch' "$T/err" && ok || bad "item -: message: $(cat "$T/err")"
check "item -: nothing written" test ! -e "$T/dash"

# 7. progress on a terminal (util-linux script gives the command a pty)
if command -v script >/dev/null; then
  script -qec "'$WMEL' batch '$C/list.txt' -o '$T/tty' --shard-size 4" /dev/null > "$T/tty.out" 2>&1
  grep -q "17/17 files .* h of audio .*x realtime  ETA .* 3 failed" "$T/tty.out" && ok ||
    bad "progress line: $(tr '\r' '\n' < "$T/tty.out" | tail -3)"
else
  echo "no script(1): progress line not checked"
fi

# 8. disk full: a 3 MB tmpfs in a private mount namespace (root only); shard 0 fits,
# shard 1 does not: exit 1, shard 0 whole, no shard 1, no temporary file left
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  mkdir -p "$T/small"
  # shards of 2 pad30 items (~1.9 MB each): shard 1 overflows the 3 MB
  printf 'a.flac\nb.mp3\nc.opus\nd.m4a\nsub/e.wav\nnoise.mp3\n' > "$C/six.txt"
  unshare -m bash -c '
    mount -t tmpfs -o size=3m wmel-test "$2" || exit 99
    "$1" batch "$3" -o "$2/out" --shard-size 2 --jobs 2 -q 2>"$4/full.err"; echo $? > "$4/full.rc"
    ls -A "$2/out" > "$4/full.ls"
    tar tf "$2/out/shard-000000.tar" > "$4/full.tar0" 2>&1
    umount "$2"' _ "$WMEL" "$T/small" "$C/six.txt" "$T"
  check "disk full: exit 1" test "$(cat "$T/full.rc")" = 1
  grep -q "No space left on device" "$T/full.err" && ok || bad "disk full: message: $(cat "$T/full.err")"
  check "disk full: shard 0 whole" test "$(tr '\n' ' ' < "$T/full.tar0")" = "a.npy a.json b.npy b.json "
  check "disk full: no partial shard 1" test -z "$(grep -e 'shard-000001' -e 'tmp' "$T/full.ls")"
  check "disk full: no index" test -z "$(grep index.jsonl "$T/full.ls")"
  check "disk full: the real folder untouched" test -z "$(ls -A "$T/small")"
else
  echo "not root or no unshare: disk-full test not run"
fi

# 9. memory on hour-long inputs (bounded: 64 MB + 32 MB per job), not under sanitizers
if [ "${WMEL_SANITIZED:-OFF}" = ON ] || [ "${WMEL_SANITIZED:-OFF}" = 1 ]; then
  echo "sanitizer build: memory not measured"
else
  ff -f lavfi -i "sine=f=220:d=3600" -af "volume=0.5" -ar 44100 -ac 2 -c:a flac "$T/hour.flac"
  printf '{"path": "%s", "key": "h1"}\n{"path": "%s", "key": "h2"}\n' "$T/hour.flac" "$T/hour.flac" > "$T/hours.jsonl"
  for m in pad30 full windows; do
    rss=$(python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:])
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' \
      "$WMEL" batch "$T/hours.jsonl" -o "$T/hours_$m" --mode $m --jobs 2 -q)
    echo "peak RSS, two 1-hour FLAC inputs, --mode $m --jobs 2: ${rss#* } MB (bound 128 MB)"
    check "hour-long $m: exit 0" test "${rss% *}" -eq 0
    check "hour-long $m: peak RSS ${rss#* } MB <= 128 MB" test "${rss#* }" -le 128
    rm -rf "$T/hours_$m"
  done
fi

echo "test_batch: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
