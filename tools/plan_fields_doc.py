#!/usr/bin/env python3
"""plan_fields_doc.py -- docs/plan-options.md and docs/cli.md's plan options from the table of
plan options (src/fe/plan_fields.h).

usage: plan_fields_doc.py [--check]

Writes the page (every option of wmel_plan_set: its name, the command line's option, the
value's kind, the values it takes, the front-ends that take it, what it does) and the plan
options' rows of docs/cli.md's batch, inspect, compare and stream tables (one row a group,
as their help prints them), or with --check exits 1
when a page on disk is not what the table gives. tests/api/test_plan_fields.c compares the
page with the compiled table (wmel_plan_field_info) row for row; tests/docs/test_cli_help.py
compares docs/cli.md with each command's --help.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "src", "fe", "plan_fields.h")
PAGE = os.path.join(ROOT, "docs", "plan-options.md")
CLI_PAGE = os.path.join(ROOT, "docs", "cli.md")
# docs/cli.md's sections that list the plan options as `wmel mel`'s, and how (cli/main.c's
# help_text): "brief" a row a group, "frames" the same without the finish's options (wmel
# stream refuses them). `wmel mel`'s own rows say more than the table's line (links,
# examples); test_cli_help holds them to the help, which the table prints.
CLI_SECTIONS = {"batch": "brief", "inspect": "brief", "compare": "brief", "stream": "frames"}

# WMEL_FRONTEND_* bits, in the order the page names them (nemo-legacy is nemo's)
FAMILIES = (("whisper", 0), ("nemo", 1), ("kaldi", 2), ("seamless", 3))
KINDS = {"STR": "word", "BOOL": "bool", "INT": "integer", "NUM": "number", "GUARD": "guard"}
STR = r'"((?:[^"\\]|\\.)*)"'
# the range column: R(lo, hi), R0(lo, hi), RU(lo, hi), RGE(lo), RB or NR (plan_fields.h)
RANGE = r"(R0?U?\([^,()]+, [^,()]+\)|RGE\([^,()]+\)|RB|NR)"
ROW = re.compile(r"^X\((\w+), (\w+), (\w+), (\w+), ([^\"]*?), " + STR + ", " + RANGE + ", " + STR + ", " + STR +
                 r"\)")

INTRO = """# Plan options

The options of a front-end plan, in the order `wmel_plan_set()` applies them and a plan's
JSON writes them: `wmel mel --frontend F --NAME VALUE` (the name with `-` for `_`), Python's
`wmel.features(..., NAME=VALUE)`, a plan's JSON key (docs/frontends.md, "Presets") and C's
`wmel_plan_set(plan, "NAME", "VALUE", ...)` all take them. `wmel_plan_field_count()` and
`wmel_plan_field_info(i)` (include/wmel.h) give the same records at run time. What a field
of `wmel_frontend_plan` means, and what each family's preset holds: docs/frontends.md.

A switch on the command line (`--use-energy`) takes no value there (it means 1); a bool
elsewhere is 1, 0, true or false. Numbers are read by strtod. Options are applied in this
order whatever the order given; `wmel_plan_check()` then checks the whole plan.

This page is generated from src/fe/plan_fields.h by tools/plan_fields_doc.py (test_plan_fields
fails when the two disagree).

| option | command line | kind | values | front-ends | what it does |
|---|---|---|---|---|---|
"""


def c_string(s):
    return re.sub(r"\\(.)", r"\1", s)


def masks(text):
    """{ALL: 0x1f, ...} from the header's #define WMEL__PF_X 0x..u lines."""
    return {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"#define WMEL__PF_(\w+) (0x[0-9a-f]+)u", text)}


def range_text(rng):
    """The values text a range column starts with (plan_fields.h's WMEL__PF_R and the like)."""
    if rng == "NR":
        return ""
    if rng == "RB":
        return "1|0"
    if rng.startswith("RGE("):
        return ">= " + rng[4:-1]
    m = re.match(r"(R0?U?)\(([^,]+), ([^)]+)\)", rng)
    return ("0, " if m.group(1) == "R0" else "") + m.group(2) + ".." + m.group(3)


def fields(text):
    m = masks(text)
    out = []
    for line in text.splitlines():
        r = ROW.match(line)
        if r:
            name, kind, group, fes, flags, arg, rng, values, doc = r.groups()
            out.append(dict(name=name, kind=KINDS[kind], fes=m[fes], switch="SW" in flags,
                            finish="FIN" in flags, own_help="OWN_HELP" in flags, group=group,
                            arg=c_string(arg), values=range_text(rng) + c_string(values), doc=c_string(doc)))
    return out


def families(mask):
    if mask & 0x1F == 0x1F:
        return "all"
    return ", ".join(n for n, bit in FAMILIES if mask & (1 << bit))


def cell(s):
    return s.replace("|", "\\|")


def cli_opt(f):
    return "--" + f["name"].replace("_", "-") + ("" if f["switch"] else " " + f["arg"])


def row(f):
    cli = cli_opt(f)
    return "| `%s` | `%s` | %s | %s | %s | %s |" % (f["name"], cli, f["kind"], cell(f["values"]),
                                                   families(f["fes"]), cell(f["doc"]))


def table_fields():
    with open(HEADER, encoding="utf-8") as fh:
        fs = fields(fh.read())
    if not fs:
        sys.exit("plan_fields_doc.py: no X(...) line in " + HEADER)
    return fs


def page(fs):
    return INTRO + "".join(row(f) + "\n" for f in fs)


def cli_rows(fs, how):
    """docs/cli.md's rows of the plan options of a section (CLI_SECTIONS)."""
    fs = [f for f in fs if not f["own_help"] and not (how == "frames" and f["finish"])]
    groups = []
    for f in fs:
        if not groups or groups[-1][0] != f["group"]:
            groups.append((f["group"], []))
        groups[-1][1].append(f)
    return ["| %s | as for `wmel mel` ([plan-options.md](plan-options.md)) |" % ", ".join("`%s`" % cli_opt(f) for f in g)
            for _, g in groups]


def cli_page(fs, text):
    """docs/cli.md with the plan options' rows of each section of CLI_SECTIONS written from the
    table: a section's rows that name plan options only are replaced, where the first stood."""
    opts = {cli_opt(f).split(" ")[0] for f in fs if not f["own_help"]}
    out, section = [], None
    for line in text.splitlines(keepends=True):
        m = re.match(r"^###\s+wmel\s+(\w+)\s*$", line)
        if m or line.startswith("#"):
            section = m.group(1) if m else None
            done = False
        if section in CLI_SECTIONS and line.startswith("| `"):
            first = re.split(r"(?<!\\)\|", line)[1]
            names = re.findall(r"`(--[\w-]+)", first)
            if names and all(n in opts for n in names):
                if not done:
                    out.extend(r + "\n" for r in cli_rows(fs, CLI_SECTIONS[section]))
                    done = True
                continue
        out.append(line)
    return "".join(out)


def main():
    fs = table_fields()
    text = page(fs)
    with open(CLI_PAGE, encoding="utf-8") as fh:
        cli_old = fh.read()
    cli_new = cli_page(fs, cli_old)
    if sys.argv[1:] == ["--check"]:
        with open(PAGE, encoding="utf-8") as fh:
            if fh.read() != text:
                sys.exit("docs/plan-options.md is not the table's: run python3 tools/plan_fields_doc.py")
        if cli_new != cli_old:
            sys.exit("docs/cli.md's plan options are not the table's: run python3 tools/plan_fields_doc.py")
        print("docs/plan-options.md, docs/cli.md: the table's")
        return
    with open(PAGE, "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(CLI_PAGE, "w", encoding="utf-8") as fh:
        fh.write(cli_new)
    print("docs/plan-options.md: %d options; docs/cli.md: the plan options of %s" % (text.count("\n| `"),
                                                                                      ", ".join(CLI_SECTIONS)))


if __name__ == "__main__":
    main()
