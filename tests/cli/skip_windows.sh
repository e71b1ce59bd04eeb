#!/bin/sh
# skip_windows.sh SCRIPT -- the command's POSIX script tests in a Windows build
# (tests/CMakeLists.txt): skipped with the reason (77); tests/cli/test_windows.sh runs there.
echo "$(basename "$1" .sh): skipped: a Windows build (under wine) has no /dev/stdout, FIFOs, symbolic links or POSIX permissions, and no wmel batch, vectors or bench; test_windows_cli covers its names, outputs and refusals"
exit 77
