#!/bin/bash
# integer_only.sh SRC_DIR HEADER: the integer front-end's sources use no floating point
# (no float/double type, no floating literal), no libm and no header beyond
# <stdint.h>/<stddef.h>/<string.h> and its own.
set -u
dir=$1; hdr=$2; fail=0
files=$(ls "$dir"/*.c "$dir"/*.h "$hdr")
# comments stripped (they may say "float64"), then the tokens
for f in $files; do
  code=$(sed -e 's://.*$::' "$f" | perl -0pe 's{/\*.*?\*/}{}gs')
  if grep -nwE 'float|double|long double|_Float[0-9]+' <<<"$code"; then
    echo "FAIL: $f uses a floating-point type"; fail=1
  fi
  if grep -nE '[0-9]\.[0-9]*([eE][-+]?[0-9]+)?[fF]?\b|[0-9][eE][-+]?[0-9]+' <<<"$code" | grep -v '^\s*#' ; then
    echo "FAIL: $f has a floating literal"; fail=1
  fi
  bad=$(grep -oE '#\s*include\s*[<"][^>"]+[>"]' <<<"$code" | grep -vE '<(stdint|stddef|string)\.h>|"(wmel_fx|fx_ops|fx_tables)\.h"')
  if [ -n "$bad" ]; then echo "FAIL: $f includes $bad"; fail=1; fi
  if grep -nwE '(malloc|calloc|realloc|free|printf|abort|exit|sqrt|log10|log2|exp|pow)\s*\(' <<<"$code"; then
    echo "FAIL: $f calls the heap, stdio or libm"; fail=1
  fi
done
[ $fail = 0 ] && echo "integer only: $(echo $files | wc -w) files"
exit $fail
