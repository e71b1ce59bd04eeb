#!/usr/bin/env bash
# test_inspect.sh -- `wmel inspect` and `wmel compare` from the command line (run by CTest in
# every build, so under ASan+UBSan too): the page and the stage files are written, usage
# errors exit 2 with one line, compare finds an injected cell and exits 1 above --tol (in
# 3 hours of frames too, its page as small as inspect's), a shape it cannot reconcile is
# named, wmel vs oracle names the stage. numpy is not needed:
# .npy files are patched with python3's standard library.
set -u
WMEL=${WMEL:?set WMEL to the wmel binary}
GOLDEN=${GOLDEN:?set GOLDEN to ../shared/golden}
SPEECH="$GOLDEN/audio/speech_en.wav"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { :; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
status() { "$@" >"$T/out" 2>"$T/err"; echo $?; }

# inspect: the page, the stage files, the backend's files
[ "$(status "$WMEL" inspect "$SPEECH" -o "$T/r.html" --stages "$T/st" --backend cpu -q)" = 0 ] || bad "inspect: $(cat "$T/err")"
for f in samples frames power mel log features cpu/log cpu/features; do
  [ -s "$T/st/$f.npy" ] || bad "no $f.npy"
done
head -c 6 "$T/st/frames.npy" | grep -q NUMPY || bad "frames.npy is not .npy"
grep -q "'descr': '<f8', 'fortran_order': False, 'shape': (699, 400)" "$T/st/frames.npy" || bad "frames.npy header"
grep -q "'shape': (201, 699)" "$T/st/power.npy" || bad "power.npy shape"
grep -q 'W.push({id:"features"' "$T/r.html" || bad "no features picture in the page"
grep -q 'W.push({id:"b_diff"' "$T/r.html" || bad "no backend difference picture"
grep -Eiq '(https?:|\b(src|href)\s*=)' "$T/r.html" && bad "the page names a URL or resource"
# a zoomed span at full resolution
[ "$(status "$WMEL" inspect "$SPEECH" -o "$T/z.html" --start 1 --duration 0.5 --stages "$T/z")" = 0 ] || bad "zoom: $(cat "$T/err")"
grep -q "'shape': (80, 50)" "$T/z/log.npy" || bad "zoom: log.npy is not (80, 50)"
grep -q "50 frames shown of 699" "$T/err" || bad "zoom: not at full resolution: $(cat "$T/err")"

# a long input: decimated, and the page stays under 5 MB (its budget does not grow with
# the length: an hour measured 4.6 MB, docs/inspect.md)
python3 - "$SPEECH" "$T/long.wav" <<'EOF'
import sys, wave
w = wave.open(sys.argv[1]); d = w.readframes(w.getnframes()); w.close()
o = wave.open(sys.argv[2], "wb"); o.setnchannels(1); o.setsampwidth(2); o.setframerate(16000)
o.writeframes((d * (600 * 32000 // len(d) + 1))[:600 * 32000]); o.close()
EOF
[ "$(status "$WMEL" inspect "$T/long.wav" -o "$T/long.html")" = 0 ] || bad "10 min: $(cat "$T/err")"
grep -q "of 60000, decimated" "$T/err" || bad "10 min: not decimated: $(cat "$T/err")"
[ "$(stat -c %s "$T/long.html")" -le 5000000 ] || bad "10 min: page over 5 MB"
rm -f "$T/long.wav"

# usage errors: exit 2, one line
for args in "inspect" "inspect $SPEECH" "inspect $SPEECH -o $T/u.html --frontend bogus" \
            "inspect $SPEECH -o $T/u.html --n-mels 64" \
            "inspect $SPEECH -o $T/u.html --start -1" "inspect $SPEECH -o $T/u.html --duration 0" \
            "inspect $SPEECH -o $T/u.html --start 99" "inspect $SPEECH -o $T/u.html --bogus" \
            "compare $T/st/log.npy" "compare a.npy b.npy --tol x" "compare a.npy b.npy c.npy"; do
  # shellcheck disable=SC2086
  s=$(status "$WMEL" $args)
  [ "$s" = 2 ] || bad "'$args': exit $s, not 2"
  [ "$(wc -l < "$T/err")" = 1 ] || bad "'$args': not one line: $(cat "$T/err")"
  [ -e "$T/u.html" ] && bad "'$args' left a page"
done
grep -q "frontend takes whisper, nemo, nemo-legacy, kaldi or seamless" <("$WMEL" inspect "$SPEECH" -o "$T/u.html" --frontend bogus 2>&1) || bad "no list of front-ends"
[ "$(status "$WMEL" inspect /nonexistent.wav -o "$T/u.html")" = 1 ] || bad "missing input: not exit 1"

# compare: the injected cell, at (mel 37, frame 412), + 0.25
"$WMEL" mel "$SPEECH" -o "$T/a.npy" -q || bad "mel"
python3 - "$T/a.npy" "$T/b.npy" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
hl = d[8] | d[9] << 8
at = 10 + hl + 4 * (37 * 699 + 412)
v, = struct.unpack_from("<f", d, at)
struct.pack_into("<f", d, at, v + 0.25)
open(sys.argv[2], "wb").write(d)
EOF
[ "$(status "$WMEL" compare "$T/a.npy" "$T/b.npy" --tol 1e-3 -o "$T/c.html")" = 1 ] || bad "injected cell: not exit 1: $(cat "$T/err")"
grep -Eq "worst cell +frame 412 \(4.120 s\), mel 37 " "$T/out" || bad "worst cell misplaced: $(cat "$T/out")"
grep -Eq "max \|A-B\| +0.25$" "$T/out" || bad "max not 0.25: $(cat "$T/out")"
grep -q 'W.push({id:"d"' "$T/c.html" || bad "no difference picture"
[ "$(status "$WMEL" compare "$T/a.npy" "$T/b.npy" --tol 0.3)" = 0 ] || bad "within --tol 0.3: not exit 0"
# --axes F: times and frequencies of another front-end (kaldi: frame centres 12.5 ms in,
# filter centres on Kaldi's mel scale from 20 Hz); bad names are usage errors
[ "$(status "$WMEL" compare "$T/a.npy" "$T/b.npy" --tol 1e-3 --axes kaldi -o "$T/ck.html")" = 1 ] || bad "--axes kaldi: not exit 1: $(cat "$T/err")"
grep -Eq "worst cell +frame 412 \(4.133 s\), mel 37 \(1618 Hz\)" "$T/out" || bad "--axes kaldi: worst cell: $(cat "$T/out")"
grep -q 'W.push({id:"d"' "$T/ck.html" || bad "--axes kaldi: no difference picture"
[ "$(status "$WMEL" compare "$T/a.npy" "$T/b.npy" --axes bogus)" = 2 ] || bad "--axes bogus: not exit 2"
# a long compare: 3 hours of frames (80 x 1,080,000, written sparse: zeros cost no disk),
# B with one cell + 0.25 at frame 1000, which the page's every-305th-frame overview skips.
# The page keeps inspect's bound (5 MB, not 1.4 GB), the statistics still cover every
# frame: the planted cell is the worst one, and the exit status says above --tol
python3 - "$T/la.npy" "$T/lb.npy" <<'EOF2'
import struct, sys
def write(path, plant):
    mels, frames = 80, 1080000
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (mels, frames)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
        start = f.tell()
        f.truncate(start + 4 * mels * frames)
        if plant:
            f.seek(start + 4 * (37 * frames + 1000))
            f.write(struct.pack("<f", 0.25))
write(sys.argv[1], False)
write(sys.argv[2], True)
EOF2
# (its peak RSS too: the inputs are 0.69 GB; it was 2.4 GB when it held float64 copies)
rss_kb=$(python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1] + "/out", "w"), stderr=open(sys.argv[1] + "/err", "w"))
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
  "$T" "$WMEL" compare "$T/la.npy" "$T/lb.npy" --tol 1e-3 -o "$T/long.html")
[ "${rss_kb% *}" = 1 ] || bad "3 h compare: not exit 1: $(cat "$T/err")"
[ "${rss_kb#* }" -le 1000000 ] || bad "3 h compare: peak RSS ${rss_kb#* } kB, over 1 GB"
grep -Eq "max \|A-B\| +0.25$" "$T/out" || bad "3 h compare: max not 0.25: $(cat "$T/out")"
grep -Eq "worst cell +frame 1000 \(10.000 s\), mel 37 " "$T/out" || bad "3 h compare: worst cell misplaced: $(cat "$T/out")"
grep -q "3541 frames shown of 1080000, decimated" "$T/err" || bad "3 h compare: not decimated: $(cat "$T/err")"
grep -q "Decimated overview: 1080000 frames" "$T/long.html" || bad "3 h compare: the page does not say it is decimated"
[ "$(stat -c %s "$T/long.html")" -le 5000000 ] || bad "3 h compare: page of $(stat -c %s "$T/long.html") bytes, over 5 MB"
rm -f "$T/la.npy" "$T/lb.npy" "$T/long.html"
# the report may not replace an input
[ "$(status "$WMEL" compare "$T/a.npy" "$T/b.npy" -o "$T/b.npy")" = 2 ] || bad "-o = B: not refused"
head -c 6 "$T/b.npy" | grep -q NUMPY || bad "-o = B: B replaced"
# a shape it cannot reconcile: both named
"$WMEL" mel "$SPEECH" -o "$T/p.npy" --padding 16000 -q
[ "$(status "$WMEL" compare "$T/a.npy" "$T/p.npy")" = 2 ] || bad "shapes: not exit 2"
grep -q "(80, 699)" "$T/err" && grep -q "(80, 799)" "$T/err" || bad "shapes not named: $(cat "$T/err")"
# wmel vs the float64 oracle: within 5e-7, the stage named
[ "$(status "$WMEL" compare "wmel:$SPEECH" "oracle:$SPEECH" --tol 5e-7 --backend cpu)" = 0 ] || bad "wmel vs oracle: $(cat "$T/out" "$T/err")"
grep -q "comes from the spectral stages up to log" "$T/out" || bad "stage not named: $(cat "$T/out")"
# an IMPL the command does not compute is refused (exit 2), naming the command that computes
# it; no other program is started (WMEL_PYTHON, which named the interpreter, is not used)
WMEL_PYTHON=/nonexistent/python "$WMEL" compare "hf:$SPEECH" "oracle:$SPEECH" --note "it's" >"$T/out" 2>"$T/err"
s=$?
[ "$s" = 2 ] || bad "hf: not refused: exit $s"
grep -q "compare: hf:AUDIO: a source only the Python package reads (pip install .): run python3 -m wmel.compare hf:$SPEECH oracle:$SPEECH --note 'it'\\\\''s'\$" "$T/err" || bad "hf: refusal does not name the command: $(cat "$T/err")"
[ ! -s "$T/out" ] || bad "hf: refused, yet printed: $(cat "$T/out")"
for src in "$T/z.npz:feats" "$T/t.pt"; do
  [ "$(status "$WMEL" compare "$src" "$T/a.npy")" = 2 ] || bad "$src: not refused"
  grep -q "a source only the Python package reads (pip install .): run python3 -m wmel.compare " "$T/err" || bad "$src: $(cat "$T/err")"
done


# the other front-ends: their own stages, shapes and layouts, and the last stage equal to
# `wmel mel --frontend F` (float32) within 2e-5 (read with the standard library)
npy_max_diff() {
  python3 - "$1" "$2" <<'EOF'
import struct, sys
def load(p):
    d = open(p, "rb").read()
    hl = d[8] | d[9] << 8
    h = d[10:10 + hl].decode()
    c = "d" if "'<f8'" in h else "f"
    n = (len(d) - 10 - hl) // struct.calcsize(c)
    return h.split("'shape': ")[1].split(")")[0] + ")", struct.unpack_from("<%d%s" % (n, c), d, 10 + hl)
sa, a = load(sys.argv[1]); sb, b = load(sys.argv[2])
print(sa, sb, max(abs(x - y) for x, y in zip(a, b)) if sa == sb else "shapes differ")
EOF
}
for spec in "nemo:padded windowed power mel log features preemph samples:(80, 700)" \
            "nemo-legacy:padded windowed power mel log features preemph:(80, 700)" \
            "kaldi:frames dc preemph windowed power mel log features:(697, 80)" \
            "seamless:frames dc preemph windowed power mel log normalised features:(349, 160)"; do
  fe=${spec%%:*}; rest=${spec#*:}; files=${rest%%:*}; shape=${rest#*:}
  [ "$(status "$WMEL" inspect "$SPEECH" -o "$T/$fe.html" --frontend "$fe" --stages "$T/$fe" --backend cpu -q)" = 0 ] \
    || bad "$fe: $(cat "$T/err")"
  for f in $files cpu/features; do [ -s "$T/$fe/$f.npy" ] || bad "$fe: no $f.npy"; done
  grep -q "'shape': (257, " "$T/$fe/power.npy" || bad "$fe: power.npy is not (257, n_frames)"
  grep -q 'W.push({id:"features"' "$T/$fe.html" || bad "$fe: no features picture"
  grep -q 'W.push({id:"b_diff"' "$T/$fe.html" || bad "$fe: no backend difference picture"
  "$WMEL" mel "$SPEECH" --frontend "$fe" -o "$T/$fe.mel.npy" -q || bad "$fe: wmel mel"
  read -r sa sa2 sb sb2 d < <(npy_max_diff "$T/$fe/features.npy" "$T/$fe.mel.npy")
  [ "$sa $sa2" = "$shape" ] || bad "$fe: features.npy shape $sa $sa2, not $shape"
  python3 -c "import sys; sys.exit(0 if float('$d') < 2e-5 else 1)" 2>/dev/null || bad "$fe: features vs wmel mel: $d"
  read -r sa sa2 sb sb2 d < <(npy_max_diff "$T/$fe/cpu/features.npy" "$T/$fe.mel.npy")
  [ "$d" = "0.0" ] || bad "$fe: cpu/features.npy is not wmel mel's output: $d"
done
grep -q "'shape': (697, 400)" "$T/kaldi/dc.npy" || bad "kaldi: dc.npy is not (697, 400)"
grep -q "'shape': (111862,)" "$T/nemo/preemph.npy" || bad "nemo: preemph.npy is not the signal"
# a zoomed kaldi span: frames whose centres (t * 10 ms + 12.5 ms) lie in [1, 1.5) s
[ "$(status "$WMEL" inspect "$SPEECH" -o "$T/kz.html" --frontend kaldi --start 1 --duration 0.5 --stages "$T/kz" -q)" = 0 ] \
  || bad "kaldi zoom: $(cat "$T/err")"
grep -q "'shape': (50, 80)" "$T/kz/features.npy" || bad "kaldi zoom: features.npy is not (50, 80)"
# compare with another front-end: IMPL:AUDIO refused, naming the command; .npy files compared
# here with that front-end's rules (the Python module's alignment and statistics are these)
"$WMEL" compare "wmel:$SPEECH" "oracle:$SPEECH" --frontend kaldi >"$T/out" 2>"$T/err"
[ $? = 2 ] || bad "compare --frontend kaldi wmel:AUDIO: not exit 2"
grep -q "compare: wmel:AUDIO with --frontend kaldi: a source only the Python package reads (pip install .): run python3 -m wmel.compare wmel:$SPEECH oracle:$SPEECH --frontend kaldi\$" "$T/err" || bad "kaldi refusal: $(cat "$T/err")"
"$WMEL" mel "$SPEECH" --frontend kaldi -o "$T/k.npy" -q || bad "kaldi mel"
[ "$(status "$WMEL" compare "$T/k.npy" "$T/k.npy" --frontend kaldi --tol 0)" = 0 ] || bad "kaldi self-compare: $(cat "$T/out" "$T/err")"
grep -q "^front-end: kaldi$" "$T/out" && grep -q "A: transposed (n_frames, n_mels) -> (n_mels, n_frames) to compare" "$T/out" \
  || bad "kaldi self-compare: $(cat "$T/out")"

if [ "$fails" -gt 0 ]; then echo "test_inspect: $fails failure(s)"; exit 1; fi
echo "test_inspect: ok"
