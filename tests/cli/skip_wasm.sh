#!/bin/sh
# skip_wasm.sh SCRIPT -- the command's script tests under Emscripten (tests/CMakeLists.txt):
# skipped with the reason (77).
echo "$(basename "$1" .sh): skipped: the command runs in node on NODERAWFS, whose files are not a process's (/dev/stdout, FIFOs, outputs replaced in place) and wmel batch has no worker threads under WebAssembly"
exit 77
