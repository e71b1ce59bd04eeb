#!/usr/bin/env bash
# compare.sh BASE [BUILD] -- every output of the library at BASE (a commit) and in this tree,
# side by side: wmel-digest (tests/digest/wmel_digest.c, this tree's version, built against
# each) over the goldens, at every ISA level the CPU runs, 1-3 threads, the CPU and float64
# backends, streams, the sliding buffer and the 30 s windows; then the command line (mel for
# each front-end, --fixed-point, stream, windows, batch shards) through tests/digest/cli.sh.
# Prints the lines that differ and "N same, N differ"; exit 0 when none differ.
#   BUILD: this tree's build folder (default build-digest); BASE's goes to BUILD-base.
#   DIGEST_QUICK=1: fewer thread counts and lengths (about a third of the time).
set -euo pipefail
base=${1:?usage: compare.sh BASE [BUILD]}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$root/build-digest}
case $build in /*) ;; *) build=$root/$build ;; esac
golden=$root/../shared/golden/audio
jobs=$(nproc 2>/dev/null || echo 2)
q=""; [ "${DIGEST_QUICK:-0}" = 1 ] && q=--quick
tmp=$(mktemp -d)
# BASE's tree at a fixed place beside its build, so that a later run reuses the build
bsrc=$build-base-src
trap 'git -C "$root" worktree remove --force "$bsrc" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

git -C "$root" worktree remove --force "$bsrc" >/dev/null 2>&1 || rm -rf "$bsrc"
git -C "$root" worktree prune
git -C "$root" worktree add -q --detach "$bsrc" "$base"
# the older tree gets this tree's digest program
mkdir -p "$bsrc/tests/digest"
cp "$root/tests/digest/wmel_digest.c" "$root/tests/digest/digest.cmake" "$bsrc/tests/digest/"
grep -q "digest/digest.cmake" "$bsrc/tests/CMakeLists.txt" ||
  echo 'include(${CMAKE_CURRENT_SOURCE_DIR}/digest/digest.cmake)' >>"$bsrc/tests/CMakeLists.txt"

for side in base new; do
  if [ $side = base ]; then src=$bsrc; b=$build-base; else src=$root; b=$build; fi
  cmake -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=Release -DWMEL_WERROR=ON -DWMEL_CUDA=OFF >"$tmp/$side.cmake.log" 2>&1 ||
    { tail -20 "$tmp/$side.cmake.log"; exit 2; }
  cmake --build "$b" -j "$jobs" --target wmel_digest wmel_cli >"$tmp/$side.build.log" 2>&1 ||
    { tail -30 "$tmp/$side.build.log"; exit 2; }
  files=()
  for f in speech_en.wav jfk.flac clipped.wav exact_30s.wav short_0p1s.wav silence.wav sweep.wav; do
    [ -f "$golden/$f" ] && files+=("$golden/$f")
  done
  st=$root/../shared/golden/ref/stem_tiny_f32.safetensors
  stem=(); [ -f "$st" ] && stem=(--stem "$st")
  "$b/wmel-digest" $q "${stem[@]}" "${files[@]}" >"$tmp/$side.lib"
  bash "$root/tests/digest/cli.sh" "$b/wmel" "$golden" "$tmp/$side.cli" >"$tmp/$side.clidigest"
  cat "$tmp/$side.lib" "$tmp/$side.clidigest" >"$tmp/$side.all"
  echo "$side: $(wc -l <"$tmp/$side.all") lines ($(git -C "$src" rev-parse --short HEAD)$([ $side = new ] && ! git -C "$src" diff --quiet HEAD && echo ' + changes'))"
done

awk '
function key(l) { sub(/ [^ ]+ [^ ]+ [^ ]+ [^ ]+$/, "", l); return l }
NR == FNR { b[key($0)] = $0; next }
{ k = key($0); seen[k] = 1
  if (!(k in b)) { differ++; print "new case: " $0 }
  else if (b[k] == $0) same++
  else { differ++; print "differs: " k; print "  base: " b[k]; print "  new:  " $0 } }
END { for (k in b) if (!(k in seen)) { missing++; print "missing from new: " b[k] }
      printf "%d same, %d differ, %d missing\n", same, differ, missing
      exit (differ || missing) ? 1 : 0 }' "$tmp/base.all" "$tmp/new.all"
