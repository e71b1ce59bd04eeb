#!/bin/sh
# isolated.sh CMD... -- runs CMD in a private mount namespace where the machine's FFmpeg,
# OpenBLAS and cJSON shared libraries are empty files and /usr/include is empty: the
# -dev packages and their libraries are out of reach, so an installed wheel must bring
# its own. Needs root (as `make test` runs); elsewhere it says so and runs CMD as it is.
if [ "$(id -u)" != 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "isolated.sh: no private mount namespace here: the machine's libraries stay visible"
  WMEL_WHEEL_ISOLATED=0 exec "$@"
fi
exec unshare --mount --propagation private sh -c '
  set -e
  empty=$(mktemp) dir=$(mktemp -d) n=0
  for f in /usr/lib/*-linux-gnu/libav*.so* /usr/lib/*-linux-gnu/libsw*.so* \
           /usr/lib/*-linux-gnu/libpostproc*.so* /usr/lib/*-linux-gnu/libopenblas*.so* \
           /usr/lib/*-linux-gnu/openblas*/*.so* /usr/lib/*-linux-gnu/libcjson*.so*; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then mount --bind "$empty" "$f"; n=$((n + 1)); fi
  done
  mount --bind "$dir" /usr/include
  echo "isolated.sh: $n system libraries hidden, /usr/include empty"
  WMEL_WHEEL_ISOLATED=1 exec "$@"' sh "$@"
