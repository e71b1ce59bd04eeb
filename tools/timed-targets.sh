#!/bin/sh
# Runs `make T` for each target named, one after another, whatever the others did, and ends
# with a table: each target's wall time, status and the tests it ran (ctest's and pytest's
# counts, read from its output), and one summary line (`N passed, N failed`); the exit status
# is 1 when any failed. `make test-all` runs its targets through it. Each target's output is
# kept in $TIMED_LOGS (default build-logs/) as TARGET.log.
# PREPARE (a command, optional) runs in the background from the start, its output in
# $TIMED_LOGS/prepare.log; it is waited for before the first target named in PREPARE_BEFORE
# (or at the end), and its time and status are a row of the table ("prepare": the time from
# its start to its end, most of it beside the other targets); its failure is said but not
# counted, since the targets that use what it prepares make the rest themselves.
# Usage: [PREPARE=CMD PREPARE_BEFORE="T..."] sh tools/timed-targets.sh MAKE TARGET...
make=$1
shift
logs=${TIMED_LOGS:-build-logs}
mkdir -p "$logs"
table=""
pass=0
fail=0
t_all=$(date +%s)
# tests_of LOG: "ctest N (F failed), pytest N (F failed)" from a target's output
tests_of() {
    awk '
      /tests passed, [0-9]+ tests? failed out of [0-9]+/ {
        for (i = 1; i <= NF; i++) if ($i == "of") { ct += $(i + 1) }
        for (i = 1; i <= NF; i++) if ($i == "failed" && $(i - 1) ~ /^tests?$/) cf += $(i - 2)
        nct++ }
      /^(=+ )?[0-9]+ (passed|failed)/ && /in [0-9.]+s/ {
        for (i = 1; i < NF; i++) {
          w = $(i + 1); gsub(/,/, "", w)
          if (w == "passed") pp += $i
          if (w == "failed" || w == "errors" || w == "error") pf += $i
          if (w == "skipped") ps += $i }
        npy++ }
      END {
        s = ""
        if (nct) s = sprintf("ctest %d", ct) (cf ? sprintf(" (%d failed)", cf) : "")
        if (npy) s = s (s ? ", " : "") sprintf("pytest %d passed", pp) (pf ? sprintf(", %d failed", pf) : "") \
                     (ps ? sprintf(", %d skipped", ps) : "")
        print (s == "" ? "-" : s) }' "$1"
}
prep_pid=""
if [ -n "${PREPARE:-}" ]; then
    rm -f "$logs/prepare.rc" "$logs/prepare.end"
    { sh -c "$PREPARE" >"$logs/prepare.log" 2>&1; echo $? >"$logs/prepare.rc"; date +%s >"$logs/prepare.end"; } &
    prep_pid=$!
fi
# prepare_wait: wait for PREPARE (once) and add its row
prepare_wait() {
    [ -n "$prep_pid" ] || return 0
    t_w=$(date +%s)
    wait "$prep_pid"
    prep_pid=""
    # not counted as a part: a target that needs what it prepares makes the rest itself (a
    # download the network refused is tried again there) and fails if that fails too
    if [ "$(cat "$logs/prepare.rc" 2>/dev/null)" = 0 ]; then st=passed; else
        st=FAILED; tail -20 "$logs/prepare.log"; fi
    dt=$(($(cat "$logs/prepare.end" 2>/dev/null || date +%s) - t_all))
    table="$table$(printf '%-16s %6d s  %-7s %s' prepare "$dt" "$st" "waited $(($(date +%s) - t_w)) s for it (not a part: its targets redo what it missed)")
"
    echo "== prepare ($PREPARE): $st, done $dt s after the start (waited $(($(date +%s) - t_w)) s)"
}
for t in "$@"; do
    case " ${PREPARE_BEFORE:-} " in *" $t "*) prepare_wait ;; esac
    t0=$(date +%s)
    # the target's status, not tee's: the pipeline's exit code goes through a file
    rm -f "$logs/$t.rc"
    { $make --no-print-directory "$t" 2>&1; echo $? > "$logs/$t.rc"; } | tee "$logs/$t.log"
    if [ "$(cat "$logs/$t.rc" 2>/dev/null)" = 0 ]; then
        st=passed
        pass=$((pass + 1))
    else
        st=FAILED
        fail=$((fail + 1))
    fi
    dt=$(($(date +%s) - t0))
    table="$table$(printf '%-16s %6d s  %-7s %s' "$t" "$dt" "$st" "$(tests_of "$logs/$t.log")")
"
    echo "== $t: $st in $dt s (load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))"
done
prepare_wait
echo "== the targets' times (wall seconds) and tests, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(nproc 2>/dev/null) cores"
printf '%-16s %8s  %-7s %s\n' part seconds status tests
printf '%s' "$table"
echo "$pass passed, $fail failed in $(($(date +%s) - t_all)) s"
[ "$fail" = 0 ]
