#!/usr/bin/env python3
"""run_docs.py -- runs the examples of README.md, docs/*.md and bench/results/*.md against
a build, so that the documentation cannot drift from the software (docs/testing.md, "The
docs test").

A fenced block's info string says what to do with it:
  ```sh test [needs=ffmpeg,png,safetensors,golden,python]   run with bash -e -o pipefail in a fresh folder
                                            (a block of any language that names a .safetensors
                                            file or golden/ must declare that need)
  ```sh no-test: REASON                     not run; the reason is required
  ```c test                                 compiled against the build and run
  ```python test                            run with a Python that imports wmel, if any
Any other ```sh / ```bash / ```shell / ```console block fails the test: every shell
command a user is meant to run is either run here or exempt for a stated reason. The
relative links between the pages (file and #anchor) are checked too.

Each block runs in its own temporary folder holding data/ (the repository's) and golden/
(../shared/golden), with the build's wmel first on PATH. A failure is reported as
FILE:LINE with the block's output; the exit status is 1 if any block failed.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SHELLS = {"sh", "bash", "shell", "console", "zsh"}
FENCE = re.compile(r"^(\s*)(```+)\s*(.*)$")
TIMEOUT_S = 120


class Block:
    def __init__(self, path, line, indent, info, text):
        self.path, self.line, self.indent, self.info, self.text = path, line, indent, info, text
        words = info.split()
        self.lang = words[0].lower() if words else ""
        self.rest = info[len(words[0]):].strip() if words else ""

    @property
    def where(self):
        return f"{self.path}:{self.line}"


def blocks_of(path, rel):
    """Fenced blocks of one markdown file, with the line of their opening fence."""
    out, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            m = FENCE.match(line)
            if cur is None:
                if m:
                    cur = (n, m.group(1), m.group(2), m.group(3).strip(), [])
                continue
            if m and m.group(2) == cur[2] and not m.group(3).strip():
                out.append(Block(rel, cur[0], cur[1], cur[3], "\n".join(cur[4]) + "\n"))
                cur = None
                continue
            ind = cur[1]
            cur[4].append(line[len(ind):] if line.startswith(ind) else line.lstrip())
    if cur is not None:
        out.append(Block(rel, cur[0], cur[1], "unclosed", ""))
    return out


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    h = heading.strip().lower()
    h = re.sub(r"[`*_]", lambda m: "_" if m.group(0) == "_" else "", h)
    return "".join(c for c in h if c.isalnum() or c in "-_ ").replace(" ", "-")


def anchors_of(path):
    seen, out, fenced = {}, set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if FENCE.match(line):
                fenced = not fenced
                continue
            if fenced:
                continue
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                s = slug(m.group(1))
                k = seen.get(s, 0)
                seen[s] = k + 1
                out.add(s if k == 0 else f"{s}-{k}")
    return out


def check_links(path, rel, errors):
    base = os.path.dirname(path)
    fenced = False
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = re.sub(r"`[^`]*`", "", line)
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(base, file_part)) if file_part else path
            if not os.path.exists(dest):
                errors.append(f"{rel}:{n}: link to a missing file: {target}")
                continue
            if anchor and dest.endswith(".md") and anchor not in anchors_of(dest):
                errors.append(f"{rel}:{n}: link to a missing heading: {target}")


def needs_of(block):
    m = re.search(r"\bneeds=([\w,-]+)", block.rest)
    return [x for x in m.group(1).split(",") if x] if m else []


# What a block's text shows it reads, and the need that says so: a block that reads a
# safetensors file fails where wmel was built without cJSON, one that reads golden/ where
# ../shared is absent; each must declare it, whatever this build has, so that the block
# skips there with the reason instead of failing.
IMPLIED = (("safetensors", re.compile(r"\.safetensors\b"), "a .safetensors file"),
           ("golden", re.compile(r"(?<![\w./-])golden/"), "golden/ (../shared/golden)"))


def undeclared(block):
    """The needs a block's text implies but its info string does not declare."""
    have = needs_of(block)
    return [(need, what) for need, pattern, what in IMPLIED if need not in have and pattern.search(block.text)]


def make_dir(args):
    d = tempfile.mkdtemp(prefix="wmel-docs-")
    os.symlink(os.path.join(args.source, "data"), os.path.join(d, "data"))
    if args.golden and os.path.isdir(args.golden):
        os.symlink(args.golden, os.path.join(d, "golden"))
    return d


def env_for(args):
    env = dict(os.environ)
    if args.wmel:
        env["PATH"] = os.path.dirname(args.wmel) + os.pathsep + env.get("PATH", "")
    return env


def run(cmd, cwd, env, stdin_text=None):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, input=stdin_text, capture_output=True,
                           text=True, timeout=TIMEOUT_S)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out + f"\n(timed out after {TIMEOUT_S} s)"


def have(need, args, state):
    if need == "golden":
        return bool(args.golden) and os.path.isdir(args.golden)
    if need in ("ffmpeg", "png", "safetensors"):  # the features `wmel --version` lists
        if "version" not in state:  # the command's, or (Python's blocks alone) the package's
            if args.wmel:
                rc, out = run([args.wmel, "--version"], None, None)
            else:
                py = python_with_wmel(args, state)
                rc, out = run([py, "-c", "import wmel; print(wmel.version())"], tempfile.gettempdir(), None) \
                    if py else (1, "")
            state["version"] = out.replace("(", " ").replace(")", " ").split() if rc == 0 else []
        return need in state["version"]
    if need == "python":
        return python_with_wmel(args, state) is not None
    raise ValueError(f"unknown need '{need}' (ffmpeg, png, safetensors, golden, python)")


def python_with_wmel(args, state):
    if "python" not in state:
        state["python"] = None
        for py in ([args.python] if args.python else []) + ["python3"]:
            py = shutil.which(py) if py else None
            if py:
                py = os.path.abspath(py)
                rc, _ = run([py, "-c", "import wmel"], tempfile.gettempdir(), None)
                if rc == 0:
                    state["python"] = py
                    break
    return state["python"]


def run_block(b, args, state):
    """Returns (status, detail): status 'ok', 'skip' or 'fail'."""
    if b.lang in SHELLS and not args.wmel:
        return "skip", "no wmel given (--wmel)"
    missing = [n for n in needs_of(b) if not have(n, args, state)]
    if missing:
        return "skip", "needs " + ",".join(missing)
    d = make_dir(args)
    env = env_for(args)
    try:
        if b.lang in SHELLS:
            rc, out = run(["bash", "-e", "-o", "pipefail", "-c", b.text], d, env)
        elif b.lang == "c":
            if not args.lib:
                return "skip", "no shared library to link (--lib)"
            src = os.path.join(d, "example.c")
            with open(src, "w") as f:
                f.write(b.text)
            libdir = os.path.dirname(os.path.abspath(args.lib))
            cc = [args.cc, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE",
                  "-Wall", "-Wextra", "-Werror", *args.cflags.split(),
                  "-I", os.path.join(args.source, "include"), src, "-o", os.path.join(d, "example"),
                  os.path.abspath(args.lib), f"-Wl,-rpath,{libdir}", "-lm", "-lpthread"]
            rc, out = run(cc, d, env)
            if rc == 0:
                rc, out = run([os.path.join(d, "example")], d, env)
        elif b.lang == "python":
            py = python_with_wmel(args, state)
            if py is None:
                return "skip", "no Python that imports wmel"
            rc, out = run([py, "-"], d, env, stdin_text=b.text)
        else:
            return "fail", f"'{b.lang} test' blocks cannot be run (sh, c, python)"
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return ("ok", "") if rc == 0 else ("fail", f"exit status {rc}\n{out.rstrip()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", help="markdown files (default: README.md, docs/*.md and bench/results/*.md of --source)")
    ap.add_argument("--wmel", default=None, help="the built wmel command (needed for sh blocks)")
    ap.add_argument("--source", default=os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
    ap.add_argument("--golden", default=None, help="../shared/golden")
    ap.add_argument("--lib", default=None, help="the built shared libwmel (C examples)")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--cflags", default="", help="extra compile and link flags for C examples")
    ap.add_argument("--python", default=None, help="a Python that imports wmel")
    ap.add_argument("--only", default=None, help="run only blocks of this language (sh, c, python)")
    args = ap.parse_args()
    args.source = os.path.abspath(args.source)
    if args.golden:
        args.golden = os.path.abspath(args.golden)
    if args.wmel:
        args.wmel = os.path.abspath(args.wmel)
    if not args.files:
        args.files = [os.path.join(args.source, "README.md")] + sorted(
            glob.glob(os.path.join(args.source, "docs", "*.md"))) + sorted(
            glob.glob(os.path.join(args.source, "bench", "results", "*.md")))

    errors, state, counts = [], {}, {"ok": 0, "skip": 0, "fail": 0}
    for path in args.files:
        rel = os.path.relpath(path, args.source)
        if args.only is None:
            check_links(path, rel, errors)
        for b in blocks_of(path, rel):
            if b.info == "unclosed":
                errors.append(f"{b.where}: unclosed code fence")
                continue
            runnable = re.match(r"^test\b", b.rest) is not None
            if b.lang in SHELLS and not runnable:
                m = re.match(r"^no-test:\s*(\S.*)$", b.rest)
                if not m:
                    errors.append(f"{b.where}: a ```{b.lang} block must be marked 'test' or "
                                  f"'no-test: REASON' (docs/testing.md), got '{b.info}'")
                continue
            if not runnable:
                if "test" in b.rest.split():
                    errors.append(f"{b.where}: 'test' must follow the language directly")
                continue
            for need, what in undeclared(b):
                errors.append(f"{b.where}: the block reads {what} but does not say needs={need} "
                              f"(it would fail, not skip, where that is absent)")
            lang = "sh" if b.lang in SHELLS else b.lang
            if args.only and lang != args.only:
                continue
            status, detail = run_block(b, args, state)
            counts[status] += 1
            if status == "fail":
                errors.append(f"{b.where}: block failed: {detail}")
            elif status == "skip":
                print(f"{b.where}: skipped ({detail})")
            else:
                print(f"{b.where}: ok")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"docs: {counts['ok']} blocks ran, {counts['skip']} skipped, "
          f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
