#!/bin/sh
# fe_ab.sh A B [LEVELS] [ROUNDS] -- every built-in preset (and Whisper) through two builds'
# wmel-fe-bench side by side: for each ISA level (default "c avx2"; add avx512 or neon where
# the CPU has them) ROUNDS rounds (default 3), A and B alternating within each round, each
# run the median CPU time of 9 whole one-thread calls on 30 s of audio; prints per preset
# and level the median over the rounds of A and of B and the ratio B / A, with the CPU
# model and /proc/loadavg before and after (not a test).
#   A, B: wmel-fe-bench binaries (e.g. a copy from the commit before a change, and build/'s)
set -eu
a=${1:?usage: fe_ab.sh A B [LEVELS] [ROUNDS]} b=${2:?usage: fe_ab.sh A B [LEVELS] [ROUNDS]}
levels=${3:-c avx2} rounds=${4:-3}
presets=$("$(dirname "$0")/../build/wmel" presets 2>/dev/null | awk '$1 != "original:" && NF {print $1}' | paste -sd, -) ||
  presets=whisper,nemo,kaldi,seamless
[ -n "$presets" ] || presets=whisper,nemo,kaldi,seamless
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$rounds" ]; do
  for lv in $levels; do
    for side in A B; do
      bin=$a; [ $side = B ] && bin=$b
      "$bin" --no-stages --seconds 30 --reps 9 --preset "$presets" --isa "$lv" 2>/dev/null |
        awk -v s=$side -v l="$lv" '$1 == "whole" {print l, $2, s, $3}' >>"$tmp"
    done
  done
  r=$((r + 1))
done
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-26s %10s %10s %7s\n' level preset "A ms" "B ms" "B/A"
awk '{k = $1 " " $2; v[k, $3] = v[k, $3] " " $4; keys[k] = 1}
     function med(s,   n, x, i, j, t) { n = split(s, x, " ");
       for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }
       return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
     END { for (k in keys) { split(k, p, " "); ma = med(v[k, "A"]); mb = med(v[k, "B"]);
             printf "%-6s %-26s %10.2f %10.2f %7.3f\n", p[1], p[2], ma, mb, (ma > 0 ? mb / ma : 0) } }' "$tmp" | sort
