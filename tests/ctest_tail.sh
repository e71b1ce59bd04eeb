#!/bin/sh
# After a failed ctest run (in its build folder): the last lines of each failed test's output,
# so that the end of a long log (what a CI page shows) says why, not only which. Exits 1.
log=Testing/Temporary/LastTest.log
failed=Testing/Temporary/LastTestsFailed.log
n=${CTEST_TAIL_LINES:-15}
if [ -f "$failed" ] && [ -f "$log" ]; then
    cut -d: -f2- "$failed" | while IFS= read -r name; do
        echo "---- the last $n lines of $name's output ----"
        awk -v want="$name" -v n="$n" '
            /^[0-9]+\/[0-9]+ Test: / { sub(/^[0-9]+\/[0-9]+ Test: /, ""); cur = $0; next }
            /^Output:$/ { on = (cur == want); k = 0; skip = 1; next }
            on && skip { skip = 0; next }
            on && /^<end of output>$/ { on = 0; next }
            on { buf[k % n] = $0; k++ }
            END { for (i = (k > n ? k - n : 0); i < k; i++) print buf[i % n] }' "$log"
    done
fi
echo "ctest: failed tests: $(cut -d: -f2- "$failed" 2>/dev/null | tr '\n' ' ')"
exit 1
