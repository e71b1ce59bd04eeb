#!/bin/sh
# Runs `make T` for each target named, one after another, whatever the others did, and ends
# with each target's wall time and status and one summary line (`N passed, N failed`); the
# exit status is 1 when any failed. `make test-all` runs its targets through it.
# Usage: sh tools/timed-targets.sh MAKE TARGET...
make=$1
shift
table=""
pass=0
fail=0
t_all=$(date +%s)
for t in "$@"; do
    t0=$(date +%s)
    if $make --no-print-directory "$t"; then
        st=passed
        pass=$((pass + 1))
    else
        st=FAILED
        fail=$((fail + 1))
    fi
    dt=$(($(date +%s) - t0))
    table="$table$(printf '%-16s %6d s  %s' "$t" "$dt" "$st")
"
    echo "== $t: $st in $dt s (load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))"
done
echo "== the targets' times (wall seconds)"
printf '%s' "$table"
echo "$pass passed, $fail failed in $(($(date +%s) - t_all)) s"
[ "$fail" = 0 ]
