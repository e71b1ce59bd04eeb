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
# After each target a line `== so far (N s since the start): T S, ...` gives every finished
# target's seconds, so that the end of a run's output says where its time went even when the
# run is stopped from outside (TERM or INT prints it once more and exits 143).
# Each row gives the disk space left after the target (GiB free where the checkout lies), so
# that a run which fills the disk shows where; DISK_NEED_GB (default 0: no check) is the space
# the targets need, and a run that starts with less says so at once, before any target.
# Usage: [PREPARE=CMD PREPARE_BEFORE="T..."] sh tools/timed-targets.sh MAKE TARGET...
make=$1
shift
logs=${TIMED_LOGS:-build-logs}
mkdir -p "$logs"
table=""
pass=0
fail=0
t_all=$(date +%s)
# free_gb: GiB free on the file system of the current folder
free_gb() { df -Pk . 2>/dev/null | awk 'NR == 2 { printf "%.1f", $4 / 1048576 }'; }
need=${DISK_NEED_GB:-0}
echo "== $(free_gb) GiB free on $(df -P . 2>/dev/null | awk 'NR == 2 { print $6 }') at the start; the targets need about $need GiB"
if [ "$need" -gt 0 ] && [ "$(free_gb | cut -d. -f1)" -lt "$need" ]; then
    echo "== WARNING: less disk space free than these targets need ($(free_gb) < $need GiB): the" \
         "builds and the venvs (torch's wheels) may fill it; free space, or run the targets one by one"
fi
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
so_far=""
# stopped from outside (a CI time limit): the parts' times so far, then the signal's status
trap 'echo "== stopped after $(($(date +%s) - t_all)) s; the parts done:${so_far%,}"; exit 143' TERM INT
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
    table="$table$(printf '%-16s %6d s  %-7s %6s  %s' prepare "$dt" "$st" "$(free_gb)" "waited $(($(date +%s) - t_w)) s for it (not a part: its targets redo what it missed)")
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
    table="$table$(printf '%-16s %6d s  %-7s %6s  %s' "$t" "$dt" "$st" "$(free_gb)" "$(tests_of "$logs/$t.log")")
"
    so_far="$so_far $t $dt,"
    echo "== $t: $st in $dt s (load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null); $(free_gb) GiB free)"
    echo "== so far ($(($(date +%s) - t_all)) s since the start):${so_far%,}"
done
trap - TERM INT
prepare_wait
echo "== the targets' times (wall seconds) and tests, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(nproc 2>/dev/null) cores"
printf '%-16s %8s  %-7s %6s  %s\n' part seconds status 'GiB' tests
printf '%s' "$table"
echo "$pass passed, $fail failed in $(($(date +%s) - t_all)) s"
[ "$fail" = 0 ]
