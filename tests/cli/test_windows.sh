#!/usr/bin/env bash
# test_windows.sh -- what is Windows' own in the command (a Windows build, under wine):
# UTF-8 names with non-ASCII characters (UTF-16 at the system), the atomic replace of an
# existing output (MoveFileExW), no temporary file left by a refused run, the same-file
# check without inodes, binary standard output, wmel batch on WAV inputs. WMEL: the command (a wrapper running
# wmel.exe under wine); SRC: the source tree (data/speech_en.wav).
set -u
# wine maps names through the locale: UTF-8 names need a UTF-8 locale, whatever the caller's
# environment (a bare container or `env -i` has none; C.UTF-8 is always there)
export LC_ALL=C.UTF-8
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cp "$SRC/data/speech_en.wav" plain.wav
mkdir "données"
cp plain.wav "données/ñ.wav"
no_temps() { # no NAME.tmp.XXXXXX left in the folder
  local left
  left=$(ls -A "$1" | grep '\.tmp\.' || true)
  [ -z "$left" ] || fail "$2: temporaries left in $1: $left"
}

# a UTF-8 folder and name, in and out: the bytes of the ASCII-named run
"$WMEL" mel plain.wav -o plain.npy || fail "mel plain.wav"
"$WMEL" mel "données/ñ.wav" -o "données/ñ.npy" || fail "mel données/ñ.wav"
[ -s "données/ñ.npy" ] || fail "no données/ñ.npy (ls: $(ls données))"
cmp -s plain.npy "données/ñ.npy" || fail "données/ñ.npy differs from plain.npy"
no_temps "données" "first write"

# an existing output replaced (MoveFileExW with MOVEFILE_REPLACE_EXISTING)
"$WMEL" mel plain.wav --preset nemo -o nemo.npy || fail "mel --preset nemo"
cmp -s plain.npy nemo.npy && fail "nemo.npy equals the Whisper output: the test cannot tell"
"$WMEL" mel "données/ñ.wav" --preset nemo -o "données/ñ.npy" || fail "replacing données/ñ.npy"
cmp -s nemo.npy "données/ñ.npy" || fail "the replaced données/ñ.npy is not the new output"
no_temps "données" "replace"

# Windows' own separator: the temporary goes beside the output, in its folder
"$WMEL" mel plain.wav -o 'données\back.npy' || fail "mel -o données\\back.npy"
cmp -s plain.npy "données/back.npy" || fail "données\\back.npy is not the output"
no_temps "données" "backslash name"
no_temps "." "backslash name"

# a refused run: the message says why, the old output stays, no temporary is left
printf 'ID3 not audio' > "données/clip.mp3"
msg=$("$WMEL" mel "données/clip.mp3" -o "données/ñ.npy" 2>&1) && fail "an MP3 was taken"
case $msg in *"no decoder for other formats"*) ;; *) fail "MP3 refusal: $msg" ;; esac
case $msg in *"données/clip.mp3"*) ;; *) fail "the refusal does not name données/clip.mp3: $msg" ;; esac
cmp -s nemo.npy "données/ñ.npy" || fail "a refused run changed données/ñ.npy"
no_temps "données" "refused run"

# a missing input named in UTF-8
msg=$("$WMEL" mel "données/absent.wav" -o "données/absent.npy" 2>&1) && fail "a missing input was taken"
case $msg in *"données/absent.wav"*) ;; *) fail "missing input message: $msg" ;; esac
[ -e "données/absent.npy" ] && fail "a failed run left données/absent.npy"
no_temps "données" "missing input"

# the output is the input: refused (no inodes on Windows: volume and file index)
msg=$("$WMEL" mel "données/ñ.wav" -o "données/ñ.wav" 2>&1) && fail "the input was overwritten"
case $msg in *"same file"*) ;; *) fail "same-file refusal: $msg" ;; esac
cmp -s plain.wav "données/ñ.wav" || fail "données/ñ.wav changed"

# standard output in binary mode: no CR added before LF bytes
"$WMEL" mel plain.wav -o - > stdout.npy || fail "mel -o -"
cmp -s plain.npy stdout.npy || fail "-o - differs from the file output (text mode?)"

# wmel batch on WAV inputs, a UTF-8 name among them: the shard, the index, a rerun that
# finds the shard complete (the job folder's lock is LockFileEx, its renames MoveFileExW)
printf 'plain.wav\ndonnées/ñ.wav\n' > list.txt
"$WMEL" batch list.txt -o job 2> batch.err || fail "wmel batch: $(cat batch.err)"
[ -s job/shard-000000.tar ] || fail "wmel batch wrote no shard (ls: $(ls -A job 2>&1))"
[ "$(wc -l < job/index.jsonl 2>/dev/null)" = 2 ] || fail "index.jsonl: $(cat job/index.jsonl 2>&1)"
no_temps job "wmel batch"
"$WMEL" batch list.txt -o job 2> batch.err || fail "wmel batch rerun: $(cat batch.err)"
grep -q "1 shard(s) already complete" batch.err || fail "the rerun did not find the shard: $(cat batch.err)"

# a command left out of the Windows build says so
msg=$("$WMEL" vectors --preset whisper -o pack 2>&1)
rc=$?
[ "$rc" = 2 ] || fail "wmel vectors: exit $rc, want 2"
case $msg in *"not in this Windows build"*) ;; *) fail "wmel vectors: $msg" ;; esac

if [ "$fails" = 0 ]; then
  echo "test_windows: UTF-8 names, atomic replace, refusals, binary stdout, wmel batch: all passed"
  exit 0
fi
echo "test_windows: $fails failure(s)"
exit 1
