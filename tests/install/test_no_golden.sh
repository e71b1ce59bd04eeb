#!/usr/bin/env bash
# test_no_golden.sh SRC -- a clone without ../shared builds and skips by name: configured with
# the conformance data absent (-DWMEL_GOLDEN=/nonexistent) and the CUDA backend on the
# emulator (so that the CUDA tests are made), every test that reads the data is disabled,
# not left to fail: each cuda-labelled test but test_cuda_auto (it times a synthetic clip),
# and each test handed the data's folder (GOLDEN=, --golden, its audio/) but those that skip
# themselves without it (test_docs, test_same_bits). The configure only: seconds.
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! cmake -S "$src" -B "$tmp/b" -DWMEL_GOLDEN=/nonexistent -DWMEL_CUDA=EMU >"$tmp/log" 2>&1; then
  tail -20 "$tmp/log"
  echo "FAIL: the configure without the conformance data failed"
  exit 1
fi
grep -q "no conformance data at /nonexistent" "$tmp/log" || { cat "$tmp/log"; echo "FAIL: the configure did not say the data is absent"; exit 1; }
(cd "$tmp/b" && ctest --show-only=json-v1) >"$tmp/tests.json" 2>"$tmp/err" || { cat "$tmp/err"; echo "FAIL: ctest --show-only"; exit 1; }
python3 - "$tmp/tests.json" "$tmp/log" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
log = open(sys.argv[2]).read()
SELF_SKIP = {"test_docs", "test_same_bits", "test_cuda_auto"}
bad, cuda = [], 0
for t in tests:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    name, labels = t["name"], props.get("LABELS") or []
    reads = "cuda" in labels or any("/nonexistent" in w for w in t.get("command", []) + (props.get("ENVIRONMENT") or []))
    cuda += "cuda" in labels
    if not reads or name in SELF_SKIP:
        continue
    if not props.get("DISABLED"):
        bad.append(f"{name}: reads the conformance data but is not disabled")
    elif f" {name} " not in log.replace("\n", " ") + " ":
        bad.append(f"{name}: disabled but not named by the configure")
for b in bad:
    print("FAIL:", b)
if cuda < 6:
    print(f"FAIL: only {cuda} cuda-labelled tests made (the emulator's CUDA tests expected)")
    bad.append("cuda")
print(f"{len(tests)} tests, {cuda} labelled cuda; {len(bad)} problem(s)")
sys.exit(1 if bad else 0)
PY
