#!/usr/bin/env python3
"""amalgamate.py -- the core library as one C file and one header, for vendoring:

    python3 tools/amalgamate.py [OUT_DIR]        (default dist/; `make amalgamation`)

writes OUT_DIR/wmel.c and OUT_DIR/wmel.h, built with one `cc -O2 -c wmel.c` (gcc or
clang, C11 with GNU vector extensions) and linked with -lpthread -lm.

What goes in: every source under src/ but the parts with optional dependencies (FFmpeg's
decoder src/io/decode.c, the CUDA backend src/cuda/, the Vulkan backend src/vulkan/), and the built-in presets (presets/*.json
embedded as cmake/embed_presets.cmake embeds them). Without cJSON the stem's loaders return
WMEL_ERR_NOT_BUILT; without OpenBLAS the stem's GEMM is wmel's own.

One translation unit:
  * Headers with an include guard are written once, where first included; the .inc files
    (and the unguarded gelu_body.h) are written at each inclusion.
  * Each source is a section. The names a section defines at file scope (static functions
    and variables, typedefs, struct/union/enum tags, enumerators) that another section
    defines too or exports, or that a later section uses for its own (a local would shadow
    it), are renamed inside it (#define NAME NAME__<file>, #undef after); names the headers
    use are never renamed. Every macro the section defines is #undef'd at its end.
  * The per-ISA files (CMakeLists.txt's wmel_isa_sources calls, read here: src/cpu/x86/,
    src/cpu/arm/) are compiled there with per-file flags (cmake/isa.cmake); here each x86
    one is a section between target pragmas (gcc: push_options / target / pop_options;
    clang: attribute push target ... pop), with WMEL_TARGET_<LEVEL> defined so that its
    guard takes it. The CPU check at run time (src/cpu/cpu.c) still picks the level.
  * Multiply-add contraction is off for the whole file (the same bits on every level:
    docs/determinism.md), on only in the sections the CMake build compiles with CONTRACT.
  * Feature-test macros (_GNU_SOURCE ...) are set once at the top.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Sources with optional dependencies, left out of the one file.
EXCLUDED = ["src/io/decode.c"]
EXCLUDED_DIRS = ["src/cuda/", "src/vulkan/"]

# The levels' target strings (gcc and clang): cmake/isa.cmake's -m flags.
X86_LEVELS = {
    "avx2": "avx2,fma",
    "avx512": "avx512f,avx512vl,avx512dq,fma",
}


def isa_files():
    """The per-ISA files as CMakeLists.txt lists them, wmel_isa_sources(LEVEL [CONTRACT]
    [TUNE CPU] FILE...): (file, level, contraction on, gcc's extra target option)."""
    text = re.sub(r"#[^\n]*", "", read(os.path.join(ROOT, "CMakeLists.txt")))
    out = []
    for m in re.finditer(r"wmel_isa_sources\(([^)]*)\)", text):
        args = m.group(1).split()
        level, args = args[0], args[1:]
        contract = "CONTRACT" in args
        tune = args[args.index("TUNE") + 1] if "TUNE" in args else ""
        files = [a for i, a in enumerate(args)
                 if a not in ("CONTRACT", "TUNE") and not (i > 0 and args[i - 1] == "TUNE")]
        if level not in X86_LEVELS and level != "neon":
            fail(f"CMakeLists.txt: wmel_isa_sources level {level}: unknown here (tools/amalgamate.py)")
        out += [(f, level, contract, "tune=" + tune if tune else "") for f in files]
    if not out:
        fail("CMakeLists.txt: no wmel_isa_sources(...) found")
    return out

PUBLIC_HEADERS = ["include/wmel.h", "include/wmel_fx.h"]
FEATURE_MACROS = ("_GNU_SOURCE", "_POSIX_C_SOURCE", "_DEFAULT_SOURCE", "_XOPEN_SOURCE")

INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"[^\n]*$', re.M)
DEFINE_RE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.M)
GUARD_RE = re.compile(r"\s*#[ \t]*(?:ifndef[ \t]+(\w+)[ \t]*\n[ \t]*#[ \t]*define[ \t]+\1\b|pragma[ \t]+once)")


def guarded(text):
    """Whether a header's first directive, after its leading comments, is an include guard."""
    t = text
    while True:
        t = t.lstrip()
        if t.startswith("/*"):
            t = t[t.find("*/") + 2:]
        elif t.startswith("//"):
            t = t[t.find("\n") + 1:]
        else:
            break
    return GUARD_RE.match(t) is not None


def rel(path):
    return os.path.relpath(path, ROOT).replace(os.sep, "/")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def fail(msg):
    sys.exit("amalgamate.py: " + msg)


def core_sources(isa_list):
    """The generic sources, sorted (the per-ISA files of isa_list are not among them)."""
    isa = {f for f, _, _, _ in isa_list}
    found = []
    for d, _, files in os.walk(os.path.join(ROOT, "src")):
        for n in files:
            if n.endswith(".c"):
                found.append(rel(os.path.join(d, n)))
    found.sort()
    for f in isa:
        if f not in found:
            fail(f"{f} (wmel_isa_sources in CMakeLists.txt) is not in src/")
    for f in found:
        if (f.startswith("src/cpu/x86/") or f.startswith("src/cpu/arm/")) and f not in isa:
            fail(f"{f}: a per-ISA file not in CMakeLists.txt's wmel_isa_sources")
    generic = [f for f in found if f not in isa and f not in EXCLUDED
               and not any(f.startswith(d) for d in EXCLUDED_DIRS)]
    return generic


def presets_source():
    """presets/*.json as a C source, as cmake/embed_presets.cmake writes presets_gen.c."""
    pdir = os.path.join(ROOT, "presets")
    files = sorted(n for n in os.listdir(pdir) if n.endswith(".json"))
    body = ["/* The built-in presets: the .json files of presets/, as cmake/embed_presets.cmake embeds them */\n"]
    table = []
    for i, n in enumerate(files):
        name = n[:-5]
        if not re.match(r"^[a-z0-9][a-z0-9_.-]*$", name):
            fail(f"preset file name {name}: lower-case letters, digits, '-', '_' and '.' only")
        with open(os.path.join(pdir, n), "rb") as f:
            data = f.read()
        hexes = ["0x%02x," % b for b in data]
        lines = ["".join(hexes[k:k + 16]) for k in range(0, len(hexes), 16)]
        body.append("static const char wmel__preset_%d[] = {\n  %s0};\n" % (i, "\n  ".join(lines) + ("\n  " if lines else "")))
        table.append('    {"%s", wmel__preset_%d},\n' % (name, i))
    body.append("\nconst wmel__preset_src wmel__presets[] = {\n%s    {0, 0}};\nconst size_t wmel__n_presets = %d;\n"
                % ("".join(table), len(files)))
    return "".join(body)


# ---------------------------------------------------------------------------------------
# File-scope names of a piece of C (the project's own sources: a small scanner, not a parser)

C_KEYWORDS = set("""auto break case char const continue default do double else enum extern float for
goto if inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary
_Noreturn _Static_assert _Thread_local __inline __inline__ __restrict __restrict__ __extension__
__attribute__ __asm__ asm __typeof__ typeof size_t""".split())

TOKEN_RE = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")


def strip_c(text):
    """Comments, string and character literals and preprocessor lines removed."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if at_line_start and c == "#":
            # a preprocessor line, with its continuations (comments inside are dropped too)
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    i += 2
                    continue
                if text.startswith("/*", i):
                    j = text.find("*/", i + 2)
                    i = n if j < 0 else j + 2
                    continue
                i += 1
            continue
        at_line_start = False
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(' "" ')
            i = j + 1
        else:
            if c == "\n":
                at_line_start = True
            out.append(c)
            i += 1
    return "".join(out)


def drop_attributes(toks):
    out, i = [], 0
    while i < len(toks):
        if toks[i] in ("__attribute__", "__asm__", "asm") and i + 1 < len(toks) and toks[i + 1] == "(":
            depth, i = 0, i + 1
            while i < len(toks):
                depth += toks[i] == "("
                depth -= toks[i] == ")"
                i += 1
                if depth == 0:
                    break
            continue
        out.append(toks[i])
        i += 1
    return out


def ident(t):
    return re.match(r"[A-Za-z_]\w*$", t) is not None and t not in C_KEYWORDS


def file_scope_names(text):
    """(local, exported): names defined at file scope with internal linkage or none (static
    functions and variables, typedefs, tags, enumerators), and names with external linkage."""
    toks = drop_attributes(TOKEN_RE.findall(strip_c(text)))
    local, exported = set(), set()
    i, n = 0, len(toks)
    decl = []

    def enumerators(j):  # toks[j] == "{" of an enum body; returns the index after "}"
        depth, expect = 0, True
        while j < n:
            t = toks[j]
            if t in "{([":
                depth += 1
                if depth == 1:
                    expect = True
            elif t in "})]":
                depth -= 1
                if depth == 0:
                    return j + 1
            elif depth == 1 and t == ",":
                expect = True
            elif depth == 1 and expect and ident(t):
                local.add(t)
                expect = False
            j += 1
        return j

    def skip_block(j):  # toks[j] is an opening bracket
        depth = 0
        while j < n:
            if toks[j] in "{([":
                depth += 1
            elif toks[j] in "})]":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        return j

    def end_decl(d):
        if not d:
            return
        if d[0] == "typedef":
            # typedef ... (*NAME)(...);  or  typedef ... NAME;  or  typedef ... NAME[...];
            for k in range(len(d) - 2):
                if d[k] == "(" and d[k + 1] == "*" and ident(d[k + 2]):
                    local.add(d[k + 2])
                    return
            names = [t for t in d if ident(t)]
            if names:
                local.add(names[-1])
            return
        is_static = "static" in d
        for k, t in enumerate(d):
            if ident(t) and k + 1 < len(d) and d[k + 1] in ("(", "[", "=", ";", ","):
                (local if is_static else exported).add(t)
                return
            if ident(t) and k + 1 == len(d):
                (local if is_static else exported).add(t)
                return

    while i < n:
        t = toks[i]
        if t == ";":
            end_decl(decl)
            decl = []
            i += 1
        elif t == "{":
            if decl and decl[-1] == ")":
                # a function definition
                end_decl(decl + [";"])
                decl = []
                i = skip_block(i)
            else:
                # struct/union/enum body or an initializer
                if len(decl) >= 2 and decl[-2] in ("struct", "union", "enum") and ident(decl[-1]):
                    local.add(decl[-1])
                if decl and (decl[-1] == "enum" or (len(decl) >= 2 and decl[-2] == "enum")):
                    j = enumerators(i)
                else:
                    j = skip_block(i)
                decl.append("{}")
                i = j
        elif t in "([":
            j = skip_block(i)
            inner = toks[i + 1:j - 1]
            decl.extend([t, inner[0] if inner else "", ")" if t == "(" else "]"])
            i = j
            if (len(decl) == 4 and decl[1] == "(" and ident(decl[0]) and j < n
                    and (re.match(r"[A-Za-z_]", toks[j]) or toks[j] == "}")):
                # NAME(A, B, ...) at file scope with no ';': a macro defining things; each
                # argument that is one identifier is taken for a name it defines
                args, cur, depth = [], [], 0
                for u in inner:
                    depth += u in "([{"
                    depth -= u in ")]}"
                    if u == "," and depth == 0:
                        args.append(cur)
                        cur = []
                    else:
                        cur.append(u)
                args.append(cur)
                local.update(a[0] for a in args if len(a) == 1 and ident(a[0]))
                decl = []
        else:
            decl.append(t)
            i += 1
    return local, exported


# ---------------------------------------------------------------------------------------
# Expansion of a source's includes

class Amalgamation:
    def __init__(self):
        self.done_headers = set()   # guarded headers already written
        self.in_target = False      # inside a target-pragma section
        self.public = {os.path.join(ROOT, h) for h in PUBLIC_HEADERS}

    def resolve(self, name, frm):
        for base in (os.path.dirname(frm), os.path.join(ROOT, "src"), os.path.join(ROOT, "include")):
            p = os.path.normpath(os.path.join(base, name))
            if os.path.isfile(p):
                return p
        fail(f'{rel(frm)}: #include "{name}" not found')

    def expand(self, path, own, headers, macros_from):
        """path's text with its quoted includes expanded. own: the text that belongs to the
        section (path and the unguarded files it includes), for the names and macros;
        headers: the guarded headers' text written inside it."""
        text = read(path)
        out = []
        pos = 0
        for m in INCLUDE_RE.finditer(text):
            out.append(text[pos:m.start()])
            pos = m.end()
            inc = self.resolve(m.group(1), path)
            if inc in self.public:
                out.append('/* #include "%s": wmel.h, above */' % m.group(1))
                continue
            body = read(inc)
            if guarded(body):
                if inc in self.done_headers:
                    out.append('/* #include "%s": above */' % m.group(1))
                    continue
                if self.in_target:
                    fail(f"{rel(inc)} first included by a per-ISA section ({rel(path)}): include it from a generic source first")
                self.done_headers.add(inc)
                sub_own = []
                sub = self.expand(inc, sub_own, headers, macros_from)
                headers.append("".join(sub_own))
                out.append("/* ---- %s ---- */\n%s%s\n%s/* ---- end of %s ---- */"
                           % (rel(inc), QUIET_BEGIN, sub, QUIET_END, rel(inc)))
            else:
                sub = self.expand(inc, own, headers, macros_from)
                out.append("/* ---- %s (included by %s) ---- */\n%s%s\n%s/* ---- end of %s ---- */"
                           % (rel(inc), rel(path), QUIET_BEGIN, sub, QUIET_END, rel(inc)))
        out.append(text[pos:])
        result = "".join(out)
        own.append(strip_includes_for_scan(text))
        return result


# An included file's static inline functions that its includer leaves unused are no warning
# in a separate build (clang warns of them in the main file only); nor here.
QUIET_BEGIN = """#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-function"
#endif
"""
QUIET_END = """#if defined(__clang__)
#pragma clang diagnostic pop
#endif
"""


def strip_includes_for_scan(text):
    return INCLUDE_RE.sub("", text)


def drop_feature_macros(text):
    def repl(m):
        return "/* %s: set at the top of wmel.c */" % m.group(1)
    return re.sub(r"^[ \t]*#[ \t]*define[ \t]+(%s)\b[^\n]*$" % "|".join(FEATURE_MACROS), repl, text, flags=re.M)


def target_begin(level, contract, extra):
    tgt = X86_LEVELS[level]
    gcc_tgt = tgt + ("," + extra if extra else "")
    lines = ["#if defined(__x86_64__)",
             "#define WMEL_TARGET_%s 1" % level.upper(),
             "#if defined(__clang__)",
             '#pragma clang attribute push(__attribute__((target("%s"))), apply_to = function)' % tgt]
    if contract:
        lines.append("#pragma clang fp contract(fast)")
    lines += ["#else", "#pragma GCC push_options", '#pragma GCC target("%s")' % gcc_tgt]
    if contract:
        lines.append('#pragma GCC optimize("fp-contract=fast")')
    lines += ["#endif", "#endif"]
    return "\n".join(lines) + "\n"


def target_end(level, contract):
    lines = ["#if defined(__x86_64__)", "#undef WMEL_TARGET_%s" % level.upper(), "#if defined(__clang__)"]
    if contract:
        lines.append("#pragma clang fp contract(off)")
    lines += ["#pragma clang attribute pop", "#else", "#pragma GCC pop_options", "#endif", "#endif"]
    return "\n".join(lines) + "\n"


def version():
    m = re.search(r'#define WMEL_VERSION_STRING "([^"]+)"', read(os.path.join(ROOT, "include/wmel.h")))
    return m.group(1) if m else "?"


LEFT_OUT = """\
 * Left out (the CMake build has them, each behind its option): decoding through FFmpeg
 * (wmel_load_audio and the decoder read WAV only, as a build without FFmpeg), the CUDA
 * and Vulkan backends (WMEL_ERR_NOT_BUILT / never picked), OpenBLAS (the stem's GEMM is wmel's own),
 * cJSON (the stem's safetensors loaders return WMEL_ERR_NOT_BUILT) and the command's PNG
 * pictures. In: WAV / raw / PCM input, every front-end and preset (the .json files of presets/
 * embedded), streaming, the sliding buffer, the integer front-end, the stem without BLAS."""


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist")
    os.makedirs(out_dir, exist_ok=True)
    ver = version()
    am = Amalgamation()

    # sections: (name, text, own text for scanning, isa entry or None)
    sections = []
    header_texts = []  # the guarded headers' own text (not scanned: their names are global)
    isa_list = isa_files()
    for f in core_sources(isa_list):
        own = []
        text = am.expand(os.path.join(ROOT, f), own, header_texts, None)
        sections.append((f, text, "".join(own), None))
    presets = presets_source()
    sections.append(("presets/", presets, presets, None))
    for f, level, contract, extra in isa_list:
        own = []
        am.in_target = level in X86_LEVELS
        text = am.expand(os.path.join(ROOT, f), own, header_texts, None)
        am.in_target = False
        sections.append((f, text, "".join(own), (level, contract, extra)))

    # names defined by more than one section (static functions and variables, typedefs,
    # tags, enumerators), or by one section and exported by another
    count = {}
    exported = {}
    scanned = []
    for name, _, own, _ in sections:
        loc, exp = file_scope_names(own)
        scanned.append(loc)
        for x in loc:
            count[x] = count.get(x, 0) + 1
        for x in exp:
            exported.setdefault(x, set()).add(name)
    clash = {x for x, c in count.items() if c > 1}
    for idx, (name, _, _, _) in enumerate(sections):
        clash |= {x for x in scanned[idx] if exported.get(x, set()) - {name}}
    # and a section's file-scope name that a later section uses for something of its own (a
    # local variable would shadow it: -Wshadow)
    # (not a name the headers use: a struct a header declares and one source defines)
    in_headers = set(TOKEN_RE.findall(strip_c("".join(header_texts))))
    for h in PUBLIC_HEADERS:
        in_headers |= set(TOKEN_RE.findall(strip_c(read(os.path.join(ROOT, h)))))
    later = set()
    for idx in range(len(sections) - 1, -1, -1):
        clash |= (scanned[idx] & later) - in_headers
        later |= set(TOKEN_RE.findall(strip_c(sections[idx][2])))
    # a macro's name is no definition (the names a macro stands for are the files' own)
    macros = set(DEFINE_RE.findall("".join(header_texts)))
    for _, _, own, _ in sections:
        macros |= set(DEFINE_RE.findall(own))
    clash -= macros

    parts = []
    parts.append("""\
/*
 * wmel.c -- wmel %s, the core library in one C file (with wmel.h beside it).
 * Generated by tools/amalgamate.py from the sources (`make amalgamation`): do not edit.
 *
 *   cc -O2 -c wmel.c          (gcc or clang; C11 with GNU C's vector extensions)
 *   cc prog.c wmel.o -lpthread -lm
 *
 * The AVX2 and AVX-512 kernels are compiled here with per-function target attributes, so
 * no -m flag is needed: the CPU is checked at run time and the best level it runs is
 * used (WMEL_MAX_ISA=c|avx2|avx512 caps it). Multiply-add contraction is off below
 * (pragmas for gcc and clang): every level gives the same bits, as the CMake build's
 * (docs/determinism.md); with another compiler add -ffp-contract=off.
 *
%s
 */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE
#endif
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

/* No multiply-add contraction (-ffp-contract=off): gcc's GNU modes and clang's default
 * would fuse a * b + c where the target has FMA, rounding differently from the C level. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "wmel.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h> /* once, before the target sections */
#endif
""" % (ver, LEFT_OUT))

    for idx, (name, text, own, isa) in enumerate(sections):
        loc = scanned[idx]
        own_macros = sorted(set(DEFINE_RE.findall(own)) - set(FEATURE_MACROS))
        ren = sorted(x for x in loc if x in clash and x not in own_macros)
        tag = re.sub(r"\W", "_", os.path.splitext(os.path.basename(name))[0]) if name != "presets/" else "presets"
        parts.append("\n/* ======== %s ======== */\n" % name.replace("/*", "/ *"))
        if isa and isa[0] in X86_LEVELS:
            parts.append(target_begin(*isa))
        for x in ren:
            parts.append("#define %s %s__%s\n" % (x, x, tag))
        parts.append(drop_feature_macros(text).rstrip("\n") + "\n")
        for x in ren + own_macros:
            parts.append("#undef %s\n" % x)
        if isa and isa[0] in X86_LEVELS:
            parts.append(target_end(isa[0], isa[1]))

    c_text = "".join(parts)

    h_parts = ["""\
/*
 * wmel.h -- wmel %s, the public header of the one-file library (wmel.c beside it):
 * include/wmel.h and include/wmel_fx.h. Generated by tools/amalgamate.py: do not edit.
 *
%s
 */
""" % (ver, LEFT_OUT)]
    for h in PUBLIC_HEADERS:
        t = read(os.path.join(ROOT, h))
        t = INCLUDE_RE.sub(lambda m: '/* #include "%s": above */' % m.group(1), t)
        h_parts.append("\n/* ======== %s ======== */\n%s" % (h, t))
    h_text = "".join(h_parts)

    for fn, t in (("wmel.c", c_text), ("wmel.h", h_text)):
        p = os.path.join(out_dir, fn)
        old = read(p) if os.path.exists(p) else None
        if old != t:
            with open(p, "w", encoding="utf-8") as f:
                f.write(t)
    print("amalgamate.py: %s/wmel.c (%d lines, %d sections, %d names renamed), %s/wmel.h"
          % (rel(out_dir) if out_dir.startswith(ROOT) else out_dir, c_text.count("\n"), len(sections),
             sum(len([x for x in s if x in clash]) for s in scanned),
             rel(out_dir) if out_dir.startswith(ROOT) else out_dir))


if __name__ == "__main__":
    main()
