#!/bin/sh
# The smoke runs start with the same inputs on every clone only while no two seeds of a
# corpus share a size: libFuzzer runs its seeds by size, and ties in the order the folder
# lists them, which differs between clones. Fails naming the seeds that tie.
bad=0
for d in "${1:?the corpus folder}"/*/; do
    ties=$(for f in "$d"*; do printf '%s %s\n' "$(wc -c < "$f")" "${f##*/}"; done | sort -n |
           awk '$1 == last { print prev " and " $2 " (" $1 " bytes)" } { last = $1; prev = $2 }')
    if [ -n "$ties" ]; then
        echo "$d: seeds of one size (pad one, as make_seeds.py does): $ties"
        bad=1
    fi
done
[ $bad = 0 ] && echo "every corpus's seeds differ in size"
exit $bad
