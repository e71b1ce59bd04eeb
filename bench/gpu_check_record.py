#!/usr/bin/env python3
"""gpu_check_record.py OUT RESULTS_DIR [--build B] [--mode ON|EMU] [--load0 L] [--args TEXT] --
the dated record of one bench/gpu_check.sh run, written from what the run printed and logged in
OUT (summary.txt, cuda_bench.txt, vk_batch_<front-end>_<backend>.txt, cuda_stem_bench.txt,
ctest.log, pytest.log, exit_status): RESULTS_DIR/<date>-gpu-check-<gpu>.md (bench/results'
header: date, what made it, the machine and its load, what was absent; the figures as tables;
the suites; the summary as printed). An existing record is never replaced: a second run of the
day gets -2, -3, ... Prints the record's path."""
import argparse
import datetime
import os
import re
import sys

FRONTENDS = {"whisper": "Whisper", "nemo": "NeMo", "kaldi": "Kaldi"}
BACKENDS = {"cpu": "CPU", "cuda": "CUDA", "f64": "Vulkan float64", "ff": "Vulkan float-float"}


def read(out, name):
    try:
        with open(os.path.join(out, name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def machine(summary, mode):
    """(gpu name, its memory or '', slug for the file name)."""
    if mode == "EMU":
        return "the CUDA emulator", "", "emu"
    m = re.search(r"^GPU 0: (.+?) \(UUID", summary, re.M)
    name = m.group(1).strip() if m else "an unnamed GPU"
    mem = re.search(r"^memory: (.+)$", summary, re.M)
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"^nvidia\s+", "", name.lower())).strip("-") or "gpu"
    return name, mem.group(1).strip() if mem else "", slug


def header_lines(summary, args, gpu, mem, exit_status):
    cpu = re.search(r"^model name\s*:\s*(.+)$", summary, re.M)
    cores = re.search(r"^cores (\d+)$", summary, re.M)
    nvcc = re.search(r"^nvcc release [0-9.]+, V([0-9.]+)", summary, re.M)
    torch = re.search(r"^torch (\S+)", summary, re.M)
    loads = [float(x) for x in re.findall(r"; load ([0-9.]+) ", summary)]
    absent = re.findall(r"^absent: (.+)$", summary, re.M)
    parts = [(gpu if gpu.startswith("the ") else f"one {gpu}") + (f" ({mem})" if mem else "")]
    if nvcc:
        parts.append(f"nvcc {nvcc.group(1)}")
    parts.append(f"torch {torch.group(1)}" if torch else "no torch")
    where = f"{cores.group(1) if cores else '?'} cores of {cpu.group(1).strip() if cpu else 'an unnamed processor'}"
    load = f"load {args.load0} at the start" + (f", {min(loads):.2f}-{max(loads):.2f} at the steps" if loads else "")
    return [
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Made by: `bench/gpu_check.sh {args.build}`"
        + "".join(f" (`{w}`)" for w in [" ".join(args.args.split())] if w)
        + (" (`WMEL_CUDA_MODE=EMU`: a dry run, not GPU numbers)" if args.mode == "EMU" else "")
        + ", written by the script (bench/gpu_check_record.py) from its summary as printed",
        f"- Machine: {', '.join(parts)}; {where}; {load}",
        "- Absent on the machine: " + ("; ".join(absent) if absent else "nothing the steps need"),
        f"- Exit status: {exit_status}",
        "- Linked from: none yet (the page that quotes a figure links this record)",
    ]


def cuda_bench(text):
    """cuda_bench.py's table as markdown (with or without torch's column), else []."""
    rows, out = [], []
    for line in text.splitlines():
        w = line.split()
        if len(w) in (6, 8) and re.fullmatch(r"[a-z_0-9]+", w[0]) and w[1].isdigit() and w[0] != "case":
            rows.append(w)
    if not rows:
        return out
    torch = len(rows[0]) == 8
    out.append("| case | clips | seconds | wmel ms | " + ("torch ms | torch / wmel | " if torch else "")
               + "target ms | met |")
    out.append("|---" * (8 if torch else 6) + "|")
    out += ["| " + " | ".join(r) + " |" for r in rows]
    dev = re.search(r"^device: .*$", text, re.M)
    if dev:
        out += ["", dev.group(0).strip()]
    note = re.search(r"^NOTE: .*$", text, re.M)
    if note:
        out += ["", note.group(0).strip()]
    return out


def vk_batch(out_dir):
    """The many-clips step's files as one table row a (front-end, backend); [] when none ran."""
    rows, title = [], ""
    for fe, fe_name in FRONTENDS.items():
        for be, be_name in BACKENDS.items():
            text = read(out_dir, f"vk_batch_{fe}_{be}.txt")
            if not text:
                continue
            head = re.search(r"^\S+ \S+ \((\S+)\), (\d+) clips, ([0-9.]+) s of audio", text, re.M)
            batch = re.search(r"one batch call\s+wall\s+([0-9.]+) ms.*\(([0-9.]+) us a frame\)", text)
            single = re.search(r"single calls\s+wall\s+([0-9.]+) ms", text)
            same = re.search(r"bytes (identical|DIFFER)", text)
            if head and batch and single:
                title = f"{head.group(2)} clips ({head.group(3)} s of audio) from host memory"
                rows.append(f"| {fe_name} | {be_name} | {head.group(1)} | {batch.group(1)} ms | {single.group(1)} ms "
                            f"| {batch.group(2)} µs | {same.group(1) if same else '?'} |")
            else:
                why = text.strip().splitlines()[-1] if text.strip() else "no output"
                rows.append(f"| {fe_name} | {be_name} | did not run: {why.replace('|', '/')} | | | | |")
    if not rows:
        return "", []
    return title, ["| front-end | backend | kernel | one batch call, wall | single calls, wall "
                   "| calling thread a frame (batch) | bytes |", "|---|---|---|---|---|---|---|"] + rows


def suites(out_dir):
    out = []
    ctest = read(out_dir, "ctest.log")
    if ctest:
        tally = re.search(r"^\d+% tests passed.*$", ctest, re.M)
        out.append("- CTest: " + (tally.group(0) if tally else "cut short (no tally: STEP_S)"))
        failed = re.findall(r"^\s+\d+ - (\S+) \(Failed\)", ctest, re.M)
        if failed:
            out.append("  - failed: " + ", ".join(f"`{t}`" for t in failed))
        lines = [ln.strip() for ln in re.findall(r"^FAIL.*$", ctest, re.M)][:20]
        out += [f"    - {ln}" for ln in lines]
        notrun = re.findall(r"^\s+\d+ - (\S+) \((Skipped|Disabled|Not Run)\)", ctest, re.M)
        if notrun:
            out.append("  - did not run: " + ", ".join(f"`{t}` ({why.lower()})" for t, why in notrun))
    pytest = read(out_dir, "pytest.log")
    if pytest:
        summary = [ln for ln in pytest.strip().splitlines() if re.match(r"^=+ .*\b(passed|failed|error)", ln)]
        if summary:
            out.append("- pytest: " + summary[-1].strip("= "))
        else:  # cut short: the tests counted from pytest -v's lines
            n = {k: len(re.findall(rf" {k}\b", pytest)) for k in ("PASSED", "SKIPPED", "FAILED", "ERROR")}
            out.append(f"- pytest: cut short (STEP_S): {n['PASSED']} passed, {n['SKIPPED']} skipped, "
                       f"{n['FAILED']} failed, {n['ERROR']} errors by then")
        bad = sorted(set(re.findall(r"(tests/python/\S+::\S+) (?:FAILED|ERROR)\b", pytest)) |
                     set(re.findall(r"(?:FAILED|ERROR) (tests/python/\S+::\S+)", pytest)))
        out += [f"  - failed: `{t}`" for t in bad[:30]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("results_dir")
    ap.add_argument("--build", default="build-cuda")
    ap.add_argument("--mode", default="ON")
    ap.add_argument("--load0", default="?")
    ap.add_argument("--args", default="")
    args = ap.parse_args()
    summary = read(args.out, "summary.txt")
    if not summary:
        print(f"gpu_check_record: no {os.path.join(args.out, 'summary.txt')}", file=sys.stderr)
        return 1
    gpu, mem, slug = machine(summary, args.mode)
    exit_status = read(args.out, "exit_status").strip() or "?"
    article = "" if gpu.startswith("the ") else "an " if re.match(r"(?i)[aeiou]|nvidia", gpu) else "a "
    lines = [f"# bench/gpu_check.sh on {article}{gpu}", ""]
    lines += header_lines(summary, args, gpu, mem, exit_status)
    cb = cuda_bench(read(args.out, "cuda_bench.txt"))
    if cb:
        lines += ["", "## Log-Mel against torch's stft pipeline (bench/cuda_bench.py, CUDA events)", ""] + cb
    title, vb = vk_batch(args.out)
    if vb:
        lines += ["", f"## {title} (bench/vulkan/vk_batch_bench.c)", ""] + vb
    stem = read(args.out, "cuda_stem_bench.txt").strip()
    if stem:
        lines += ["", "## The stem (bench/cuda_stem_bench.py)", "", "```text", stem, "```"]
    su = suites(args.out)
    if su:
        lines += ["", "## The suites", ""] + su
    text = summary.rstrip().splitlines()
    if len(text) > 400:
        text = text[:400] + [f"... ({len(text) - 400} more lines in {os.path.join(args.out, 'summary.txt')})"]
    lines += ["", "## The summary as printed", "", "```text"] + [ln.replace("```", "'''") for ln in text] + ["```", ""]
    os.makedirs(args.results_dir, exist_ok=True)
    base = os.path.join(args.results_dir, f"{datetime.date.today().isoformat()}-gpu-check-{slug}")
    path, k = base + ".md", 1
    while os.path.exists(path):
        k += 1
        path = f"{base}-{k}.md"
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"record: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
