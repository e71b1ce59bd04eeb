#!/usr/bin/env python3
"""m4_cycles.py -- an instruction profile and a Cortex-M4 cycle estimate from a qemu trace.

    qemu-system-arm ... -d in_asm,exec,nochain -D LOG ; m4_cycles.py LOG FRAMES

qemu logs each translated block's instructions (in_asm) and every block it runs (exec,
nochain: one "Trace" line per block). Each executed instruction is charged with the
Cortex-M4 timings of the Technical Reference Manual's instruction table, as a range
(low .. high): data processing and multiplies (MUL, MLA, MLS, SMULL, UMULL, SMLAL, UMLAL
are single-cycle on the M4) 1; loads 2, or 1 after another load/store (pipelined); stores 1; LDRD/
STRD 3; LDM/STM/PUSH/POP 1 + registers; divides 2..12; a taken branch 1 + P with P = 1..3
(low..high; whether a block's final branch was taken is read from the next block's address),
not taken 1. Memory is zero-wait (flash wait states, caches and the ART are not modelled).
Prints instructions and cycles per frame, by function and by kind."""
import collections
import re
import sys

log, frames = sys.argv[1], int(sys.argv[2])
tbs, order = {}, []
cur, name = None, None
ins_re = re.compile(r"^0x([0-9a-f]+):\s+([0-9a-f]+(?: [0-9a-f]+)?)\s+(\S+)\s*(.*)$")
with open(log, errors="replace") as f:
    for line in f:
        if line.startswith("IN: "):
            name, cur = line[4:].strip() or "?", []
        elif cur is not None and line.startswith("0x"):
            m = ins_re.match(line.rstrip())
            if m:
                addr, enc, mn, ops = int(m[1], 16), m[2], m[3], m[4]
                size = 4 if (" " in enc or len(enc) == 8) else 2
                cur.append((addr, size, mn, ops))
        elif cur is not None and not line.strip():
            if cur:
                tbs[cur[0][0]] = (name, cur)
            cur = None
        elif line.startswith("Trace "):
            order.append(int(line.split("[")[1].split("/")[1], 16))

MEM_SINGLE = re.compile(r"^(ldr|str)(b|h|sb|sh|ex|t)?(\.w|\.n)?$")


def kind(mn, ops):
    base = mn.split(".")[0]
    if base.startswith(("ldrd", "strd")):
        return "ldrd/strd"
    if base in ("push", "pop") or base.startswith(("ldm", "stm")):
        return "ldm/stm"
    if MEM_SINGLE.match(mn) or re.match(r"^(ldr|str)(b|h|sb|sh)?(eq|ne|cs|cc|mi|pl|hi|ls|ge|lt|gt|le)?$", base):
        return "load" if base.startswith("ldr") else "store"
    if base in ("mla", "mls"):
        return "mla"
    if re.match(r"^(mul|muls|smull|umull|smlal|umlal|smul..|smla..|smmul|smmla|umaal)", base):
        return "mul"
    if base in ("sdiv", "udiv"):
        return "div"
    if re.match(r"^(b|bl|blx|bx|cbz|cbnz)(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?$", base):
        return "branch"
    return "alu"


per_fn = collections.Counter()
cyc_fn_lo, cyc_fn_hi = collections.Counter(), collections.Counter()
per_kind = collections.Counter()
taken_n = 0
for i, pc in enumerate(order):
    if pc not in tbs:
        continue
    fn, insns = tbs[pc]
    nxt = order[i + 1] if i + 1 < len(order) else None
    prev_mem = False
    for j, (addr, size, mn, ops) in enumerate(insns):
        k = kind(mn, ops)
        per_fn[fn] += 1
        per_kind[k] += 1
        lo = hi = 1
        if k == "load":
            lo = hi = 1 if prev_mem else 2
        elif k == "ldrd/strd":
            lo = hi = 3
        elif k == "ldm/stm":
            n = ops.count(",") + 1 if "{" in ops else 2
            lo = hi = 1 + n
            if "pc" in ops:
                lo, hi = lo + 1, hi + 3
        elif k == "div":
            lo, hi = 2, 12
        last = j == len(insns) - 1
        if last and (k == "branch" or ("pc" in ops and k in ("ldm/stm", "load"))):
            taken = nxt is not None and nxt != addr + size
            if k == "branch" and taken:
                lo, hi = 2, 4
                taken_n += 1
        cyc_fn_lo[fn] += lo
        cyc_fn_hi[fn] += hi
        prev_mem = k in ("load", "store")

tot, clo, chi = sum(per_fn.values()), sum(cyc_fn_lo.values()), sum(cyc_fn_hi.values())
print(f"{tot / frames:,.0f} instructions, {clo / frames:,.0f} .. {chi / frames:,.0f} cycles a frame "
      f"(CPI {clo / tot:.2f} .. {chi / tot:.2f}), {frames} frames")
print("by function (instructions / cycles a frame):")
for fn, n in per_fn.most_common(12):
    print(f"  {fn:<24} {n / frames:>9,.0f}  {cyc_fn_lo[fn] / frames:>9,.0f} .. {cyc_fn_hi[fn] / frames:,.0f}")
print("by kind (share of instructions): " + ", ".join(
    f"{k} {100 * n / tot:.1f} %" for k, n in per_kind.most_common()) + f"; taken branches {100 * taken_n / tot:.1f} %")
