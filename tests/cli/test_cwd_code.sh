#!/usr/bin/env bash
# test_cwd_code.sh -- no child process of the wmel command runs code from the folder it is
# started in: `wmel bench` takes its Python peers from WMEL_BENCH_DIR or the source tree,
# never from ./bench/peer_python.py (a planted one there would write RAN). `wmel compare`
# starts no program (a source only Python reads is refused, naming the command): checked by
# tests/python/test_inspect.py and tests/cli/test_inspect.sh.
set -u
W=${WMEL:?set WMEL to the wmel command}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$W" bench --help >/dev/null 2>&1 || { echo "no wmel bench in this build: skipped"; exit 77; }
mkdir -p "$T/work/bench"
cat >"$T/work/bench/peer_python.py" <<PY
open("$T/RAN", "w").write("planted peer ran")
print('{"median_ms": 1, "min_ms": 1, "p95_ms": 1}')
PY
(cd "$T/work" && env -u WMEL_BENCH_DIR "$W" bench --seconds 1 --threads 1 --reps 1 --warmup 0 --n-mels 80 \
   --peers numpy >"$T/out" 2>&1)
rc=$?
fail=0
[ "$rc" = 0 ] || { echo "FAIL: wmel bench exit $rc: $(cat "$T/out")"; fail=1; }
[ ! -e "$T/RAN" ] || { echo "FAIL: wmel bench ran ./bench/peer_python.py of the working folder"; fail=1; }
# an explicit WMEL_BENCH_DIR is used as asked
(cd "$T/work" && WMEL_BENCH_DIR="$T/work/bench" WMEL_BENCH_PYTHON=python3 "$W" bench --seconds 1 --threads 1 \
   --reps 1 --warmup 0 --n-mels 80 --peers numpy >"$T/out2" 2>&1)
if command -v python3 >/dev/null; then
  [ -e "$T/RAN" ] || { echo "FAIL: WMEL_BENCH_DIR not used: $(cat "$T/out2")"; fail=1; }
fi
[ $fail = 0 ] && echo "2 passed, 0 failed" || echo "some failed"
exit $fail
