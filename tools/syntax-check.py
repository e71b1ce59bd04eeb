#!/usr/bin/env python3
"""syntax-check.py BUILD [-j N] -- the compiler's warnings on every translation unit of a
configured build that its build did not compile.

Reads BUILD/compile_commands.json (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON) and
runs each C or C++ unit whose object file is absent with the same command and flags, the
output replaced by -fsyntax-only: the front end's diagnostics (every -Wall -Wextra warning
clang gives, as errors under -Werror) without code generation, a fraction of a compile.
`make test-all`'s clang run builds only the programs its tests run and checks the rest so.
Prints a line per failure with the compiler's messages and a summary line; exit status 1
when any unit fails, 2 when the database is missing."""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys


def units(build):
    path = os.path.join(build, "compile_commands.json")
    try:
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"syntax-check: cannot read {path}: {e} (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)")
    for e in entries:
        args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
        if not e["file"].endswith((".c", ".cc", ".cpp", ".cu")) or "-o" not in args:
            continue
        i = args.index("-o")
        obj = os.path.join(e["directory"], args[i + 1])
        if e["file"].endswith(".cu") and "nvcc" in os.path.basename(args[0]):
            continue  # the CUDA compiler has no -fsyntax-only
        yield e["directory"], e["file"], obj, args[:i] + args[i + 2:] + ["-fsyntax-only"]


def check(unit):
    cwd, src, _, args = unit
    r = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return src, r.returncode, r.stdout


def main():
    argv = sys.argv[1:]
    jobs = 2
    if "-j" in argv:
        k = argv.index("-j")
        jobs = int(argv[k + 1])
        del argv[k:k + 2]
    if len(argv) != 1:
        sys.exit(__doc__)
    todo = [u for u in units(argv[0]) if not os.path.exists(u[2])]
    bad = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for src, rc, out in ex.map(check, todo):
            if rc != 0 or out.strip():
                bad += rc != 0
                print(f"syntax-check: {src}: {'FAILED' if rc else 'warnings'}\n{out}", end="" if out.endswith("\n") else "\n")
    print(f"syntax-check: {len(todo)} units not built checked with -fsyntax-only, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
