#!/usr/bin/env python3
"""test_cli_help.py -- `wmel --help` and each subcommand's `--help` against docs/cli.md.

For every command of docs/cli.md ("### wmel COMMAND" sections), the options in the first
column of its table must be exactly the options `wmel COMMAND --help` prints, both ways:
an option in the help that the page does not list fails, and so does an option on the
page that the help does not print. `wmel --help` must print every option of every
command (bench's through `wmel bench --help`) and nothing the page does not list.

usage: test_cli_help.py WMEL docs/cli.md
"""
import re
import subprocess
import sys

OPT = r"--?[A-Za-z][\w-]*"


def help_options(text):
    """Options a help text offers: the leading options of its option lines
    ("  -o, --output FILE  ...") and the bracketed ones of usage lines ("[--reps N]")."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^\s+(-.*)$", line)
        if m:
            head = m.group(1)
            # leading "-a, --bee ARG" part: option tokens separated by ", "
            for tok in re.finditer(r"(?:^|,\s*)(" + OPT + ")", head):
                opts.add(tok.group(1))
        for tok in re.finditer(r"\[(" + OPT + ")", line):
            opts.add(tok.group(1))
    return opts


def doc_sections(path):
    """{command: set of options} from the '### wmel COMMAND' tables of docs/cli.md
    ('' for '### wmel' itself)."""
    out, cur = {}, None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^###\s+wmel(?:\s+(\w+))?\s*$", line)
        if m:
            cur = m.group(1) or ""
            out[cur] = set()
            continue
        if line.startswith("#"):
            cur = None
            continue
        if cur is not None and line.startswith("|"):
            first = re.split(r"(?<!\\)\|", line)[1]
            if set(first.strip()) <= set("-: "):
                continue  # the separator row
            for code in re.findall(r"`([^`]*)`", first):
                m2 = re.match(OPT, code)
                if m2:
                    out[cur].add(m2.group(0))
    return out


def wmel_help(wmel, *args):
    p = subprocess.run([wmel, *args, "--help"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: wmel {' '.join(args)} --help exited {p.returncode}: {p.stderr}")
    return p.stdout


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    wmel, page = sys.argv[1], sys.argv[2]
    docs = doc_sections(page)
    expected = {"", "mel", "decode", "windows", "stem", "batch", "inspect", "compare", "stream", "presets", "devices", "diagnose", "probes", "vectors", "bench"}
    bad = []
    if set(docs) != expected:
        bad.append(f"{page}: sections for {sorted(expected)} expected, found {sorted(docs)}")
    for cmd in sorted(expected - {""}):
        if cmd not in docs:
            continue
        got = help_options(wmel_help(wmel, cmd)) - {"-h", "--help"}
        for o in sorted(got - docs[cmd]):
            bad.append(f"wmel {cmd} --help offers {o}, which {page} does not list under 'wmel {cmd}'")
        for o in sorted(docs[cmd] - got):
            bad.append(f"{page} lists {o} under 'wmel {cmd}', which wmel {cmd} --help does not offer")
        print(f"wmel {cmd}: {len(got)} options, {len(docs[cmd])} documented")
    top = wmel_help(wmel)
    top_opts = help_options(top) | {o for o in ("-h", "--help", "--version") if o in top}
    documented = set().union(*[docs[c] for c in docs if c != "bench"])
    for o in sorted(documented - top_opts):
        bad.append(f"wmel --help does not show {o}, which {page} documents")
    for o in sorted(top_opts - set().union(*docs.values())):
        bad.append(f"wmel --help offers {o}, which {page} does not document")
    for b in bad:
        print("FAIL:", b)
    print("cli help: " + ("ok" if not bad else f"{len(bad)} difference(s)"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
