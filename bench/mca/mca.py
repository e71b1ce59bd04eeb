#!/usr/bin/env python3
"""mca.py -- cycles per group of frames of a CPU kernel, estimated with llvm-mca from the
kernel's exact dynamic instruction stream (not a test; no timing on the machine itself).

Method, the same for every ISA:
  1. bench/mca/mca_driver.c, linked statically (fixed addresses) against a build's
     libwmel.a, calls the kernel's block function on NF frames (80 mels) between two
     marker functions;
  2. it runs under qemu-user (qemu-aarch64, or qemu-x86_64 -cpu max for AVX2) with the
     execution log (-d in_asm,exec,nochain): every translated block's instruction
     addresses, and every block executed, in order;
  3. the blocks executed between the markers, expanded to their instructions and
     disassembled with llvm-objdump, are the exact instruction stream of that call (its
     count per frame is printed: qemu's own count, without plugins);
  4. llvm-mca (-iterations=1) schedules that stream on each CPU model: total cycles /
     groups. llvm-mca assumes every load hits L1, predicts every branch, and uses the
     scheduling model LLVM has for the -mcpu (see --models).

  mca.py --build build-aarch64 --level neon --mcpu neoverse-n1,neoverse-v1,apple-m1
  mca.py --build build-mca-x86 --level avx2 --mcpu znver3
  mca.py --build build-aarch64 --level fe-neon --mcpu neoverse-n1   (the front-end plans' kernel)
"""
import argparse
import bisect
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LEVELS = ("c", "avx2", "avx512", "neon")
LEVELS_ALL = LEVELS + tuple("fe-" + x for x in LEVELS)  # fe-: the front-end plans' kernel (kaldi)


def tool(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    sys.exit("mca.py: none of %s found" % ", ".join(names))


def elf_arch(path):
    with open(path, "rb") as f:
        head = f.read(20)
    return "aarch64" if head[18:20] == b"\xb7\x00" else "x86_64"  # e_machine 183: AArch64


def build_driver(build, arch, out):
    lib = os.path.join(build, "libwmel.a")
    if not os.path.exists(lib):
        sys.exit("mca.py: %s not found (build the library there first)" % lib)
    cc = "aarch64-linux-gnu-gcc" if arch == "aarch64" else "gcc"
    cmd = [cc, "-std=c11", "-O2", "-static", "-no-pie", "-I", os.path.join(ROOT, "include"),
           "-I", os.path.join(ROOT, "src"), os.path.join(HERE, "mca_driver.c"), lib,
           "-lm", "-lpthread", "-o", out]
    subprocess.run(cmd, check=True)


def symbols(objdump, exe):
    out = subprocess.run([objdump, "-t", exe], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[-1] in ("mca_mark_begin", "mca_mark_end"):
            syms[f[-1]] = int(f[0], 16)
    return syms


def disassembly(objdump, exe):
    """address -> instruction text that llvm-mca can parse (branch targets made '.')."""
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", exe],
                         capture_output=True, text=True, check=True).stdout
    ins = {}
    pat = re.compile(r"^\s*([0-9a-f]+):\s+(.*)$")
    for line in out.splitlines():
        m = pat.match(line)
        if not m:
            continue
        text = re.sub(r"\s*<[^>]*>", "", m.group(2))
        text = re.sub(r"\s+#\s.*$", "", text)  # x86 comments
        text = re.sub(r"\s*//.*$", "", text)   # aarch64 comments
        # direct branch, call, adr(p) and literal-load targets: an absolute address
        text = re.sub(r"(?<=[\s,])(0x)?[0-9a-f]{5,}$", ".", text.strip())
        ins[int(m.group(1), 16)] = text.strip()
    return ins


def trace(qemu, exe, level, nf, log):
    args = [qemu] + (["-cpu", "max"] if qemu.endswith("x86_64") else []) + [
        "-d", "in_asm,exec,nochain", "-D", log, exe, level, str(nf)]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("mca.py: driver failed: %s %s" % (r.stdout, r.stderr))
    return r.stdout.strip()


def stream(log, syms, addrs):
    """The instruction addresses executed between the markers, in order. A translated
    block is taken as its byte range from qemu's log (its first address to the end of its
    last line's bytes; qemu's own x86 disassembly does not know every AVX instruction,
    its bytes are right), and its instructions are llvm-objdump's in that range."""
    tbs, seq = {}, []
    cur = None
    line_re = re.compile(r"^0x([0-9a-f]+):((?:\s+[0-9a-f]{2}\b)+|\s+[0-9a-f]{8}\b)")
    exe = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
    with open(log, errors="replace") as f:
        for line in f:
            m = line_re.match(line)
            if m:
                a = int(m.group(1), 16)
                nbytes = sum(len(t) // 2 for t in m.group(2).split())
                if cur is None:
                    cur = a
                tbs[cur] = a + nbytes
                continue
            cur = None
            m = exe.match(line)
            if m:
                seq.append(int(m.group(1), 16))
    b, e = syms["mca_mark_begin"], syms["mca_mark_end"]
    starts = [i for i, pc in enumerate(seq) if pc == b]
    ends = [i for i, pc in enumerate(seq) if pc == e]
    if not starts or not ends:
        sys.exit("mca.py: markers not found in the execution log")
    i0, i1 = starts[-1], ends[-1]
    # from the return of mca_mark_begin to the call of mca_mark_end
    out = []
    for pc in seq[i0 + 1:i1]:
        if pc not in tbs:
            sys.exit("mca.py: block 0x%x executed but not in the log" % pc)
        j = bisect.bisect_left(addrs, pc)
        while j < len(addrs) and addrs[j] < tbs[pc]:
            out.append(addrs[j])
            j += 1
    return out


def mca(llvm_mca, triple, cpu, asm):
    r = subprocess.run([llvm_mca, "-mtriple=" + triple, "-mcpu=" + cpu, "-iterations=1",
                        "-all-stats=false", asm], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("mca.py: llvm-mca failed (%s): %s" % (cpu, r.stderr[-2000:]))
    m = re.search(r"Total Cycles:\s+(\d+)", r.stdout)
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="a build folder with libwmel.a")
    ap.add_argument("--level", required=True, choices=LEVELS_ALL,
                    help="Whisper's kernel at a level, or fe-LEVEL: the front-end plans' frame kernel "
                         "on the kaldi preset")
    ap.add_argument("--mcpu", required=True, help="comma-separated llvm-mca -mcpu values")
    ap.add_argument("--frames", type=int, default=16, help="frames per call (default 16)")
    ap.add_argument("--keep", help="folder to keep the driver, log and stream in")
    a = ap.parse_args()
    llvm_mca = tool("llvm-mca-16", "llvm-mca")
    objdump = tool("llvm-objdump-16", "llvm-objdump")
    tmp = a.keep or tempfile.mkdtemp(prefix="wmel-mca-")
    os.makedirs(tmp, exist_ok=True)
    exe = os.path.join(tmp, "mca-driver-" + a.level)
    # the library's architecture (its first member's ELF header) decides the driver's
    lib = os.path.join(a.build, "libwmel.a")
    first = subprocess.run(["ar", "t", lib], capture_output=True, text=True, check=True).stdout.split()[0]
    subprocess.run(["ar", "x", os.path.abspath(lib), first], cwd=tmp, check=True)
    arch = elf_arch(os.path.join(tmp, first))
    build_driver(a.build, arch, exe)
    qemu = tool("qemu-aarch64" if arch == "aarch64" else "qemu-x86_64")
    log = os.path.join(tmp, "exec.log")
    said = trace(qemu, exe, a.level, a.frames, log)
    ins = disassembly(objdump, exe)
    seq = stream(log, symbols(objdump, exe), sorted(ins))
    lines = [ins[pc] for pc in seq if pc in ins]
    missing = len(seq) - len(lines)
    asm = os.path.join(tmp, "stream-%s.s" % a.level)
    with open(asm, "w") as f:
        f.write("\n".join(lines) + "\n")
    triple = "aarch64-linux-gnu" if arch == "aarch64" else "x86_64-linux-gnu"
    print("%s (%s): %s; %d instructions executed for %d frames: %.0f per frame%s" % (
        a.level, arch, said, len(seq), a.frames, len(seq) / a.frames,
        " (%d not disassembled)" % missing if missing else ""))
    print("%-14s %12s %16s %16s" % ("mcpu", "cycles", "per frame", "per 4 frames"))
    for cpu in a.mcpu.split(","):
        cyc = mca(llvm_mca, triple, cpu, asm)
        print("%-14s %12d %16.1f %16.0f" % (cpu, cyc, cyc / a.frames, 4 * cyc / a.frames))


if __name__ == "__main__":
    main()
