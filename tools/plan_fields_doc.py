#!/usr/bin/env python3
"""plan_fields_doc.py -- docs/plan-options.md from the table of plan options (src/fe/plan_fields.h).

usage: plan_fields_doc.py [--check]

Writes the page (every option of wmel_plan_set: its name, the command line's option, the
value's kind, the values it takes, the front-ends that take it, what it does), or with
--check exits 1 when the page on disk is not what the table gives. tests/api/test_plan_fields.c
compares the page with the compiled table (wmel_plan_field_info) row for row.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "src", "fe", "plan_fields.h")
PAGE = os.path.join(ROOT, "docs", "plan-options.md")

# WMEL_FRONTEND_* bits, in the order the page names them (nemo-legacy is nemo's)
FAMILIES = (("whisper", 0), ("nemo", 1), ("kaldi", 2), ("seamless", 3))
KINDS = {"STR": "word", "BOOL": "bool", "INT": "integer", "NUM": "number", "GUARD": "guard"}
STR = r'"((?:[^"\\]|\\.)*)"'
ROW = re.compile(r"^X\((\w+), (\w+), (\w+), (\w+), ([^\"]*?), " + STR + ", " + STR + ", " + STR + r"\)")

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


def fields(text):
    m = masks(text)
    out = []
    for line in text.splitlines():
        r = ROW.match(line)
        if r:
            name, kind, _group, fes, flags, arg, values, doc = r.groups()
            out.append(dict(name=name, kind=KINDS[kind], fes=m[fes], switch="SW" in flags,
                            arg=c_string(arg), values=c_string(values), doc=c_string(doc)))
    return out


def families(mask):
    if mask & 0x1F == 0x1F:
        return "all"
    return ", ".join(n for n, bit in FAMILIES if mask & (1 << bit))


def cell(s):
    return s.replace("|", "\\|")


def row(f):
    cli = "--" + f["name"].replace("_", "-") + ("" if f["switch"] else " " + f["arg"])
    return "| `%s` | `%s` | %s | %s | %s | %s |" % (f["name"], cli, f["kind"], cell(f["values"]),
                                                   families(f["fes"]), cell(f["doc"]))


def page():
    with open(HEADER, encoding="utf-8") as fh:
        fs = fields(fh.read())
    if not fs:
        sys.exit("plan_fields_doc.py: no X(...) line in " + HEADER)
    return INTRO + "".join(row(f) + "\n" for f in fs)


def main():
    text = page()
    if sys.argv[1:] == ["--check"]:
        with open(PAGE, encoding="utf-8") as fh:
            if fh.read() != text:
                sys.exit("docs/plan-options.md is not the table's: run python3 tools/plan_fields_doc.py")
        print("docs/plan-options.md: the table's")
        return
    with open(PAGE, "w", encoding="utf-8") as fh:
        fh.write(text)
    print("docs/plan-options.md: %d options" % (text.count("\n| `")))


if __name__ == "__main__":
    main()
