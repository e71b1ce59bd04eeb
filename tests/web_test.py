#!/usr/bin/env python3
"""The page (web/) in headless Chromium against the native library (make test-web).

Serves the built page folder (build-wasm/web: index.html, app.js, wmel.mjs, wmel.wasm,
speech_en.wav) on 127.0.0.1 at a free port, drives Chromium through the DevTools protocol
on a pipe (--remote-debugging-pipe: no port, no pip package), opens
index.html?sample&preset=P for each preset asked for, and checks:
  - the page's .npy (window.wmelLast.npy: the bytes its download button saves), its shape
    and the FNV-1a digest of its values written in the page's #result equal the native
    `wmel mel --preset P` .npy byte for byte (the wasm build and the native C levels give the same bits,
    docs/determinism.md);
  - a screenshot of the canvas is drawn: many distinct colours, not one background;
  - the download is named after the audio file and the preset (speech_en.P.npy);
  - the microphone path (Chromium's fake capture device): the AudioWorklet feeds the
    module's stream, frames are drawn while recording, Stop gives the recording's features;
  - the file input: speech_en.wav, then a 44.1 kHz stereo WAV (made here from it): its .npy
    equal to the native command's for the same file byte for byte (the module's WAV reader,
    not the browser's resampler), then a text file named notes.wav: the error names
    notes.wav and the earlier picture, shape, summary and download are taken away;
  - index.html opened as a file:// URL: the note saying to serve the folder over HTTP is
    shown and the controls stay disabled;
  - the DevTools pipe works whether the caller left descriptors 3 and 4 closed or open
    (this script run again with --pipe-check each way).

usage: web_test.py WEB_DIR NATIVE_WMEL OUT_DIR [preset ...]   (default: whisper nemo kaldi)
       web_test.py --pipe-check OUT_DIR   (Chromium started and asked its version; exit 0 if it answers)
Exit 0 when every check holds, 1 otherwise; one summary line at the end.
"""
import base64
import fcntl
import functools
import http.server
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
import zlib


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def read_npy(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:6] != b"\x93NUMPY":
        raise ValueError(path + ": not a .npy")
    if raw[6] == 1:
        hl, at = struct.unpack("<H", raw[8:10])[0], 10
    else:
        hl, at = struct.unpack("<I", raw[8:12])[0], 12
    hdr = raw[at:at + hl].decode("latin1")
    if "'<f4'" not in hdr or "'fortran_order': False" not in hdr:
        raise ValueError(path + ": not float32 C order: " + hdr)
    shape = tuple(int(x) for x in hdr.split("'shape': (")[1].split(")")[0].split(",") if x.strip())
    return shape, raw[at + hl:]


def png_pixels(png):
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced RGB or RGBA PNG"""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    at, idat, w = 8, b"", 0
    while at < len(png):
        n = struct.unpack(">I", png[at:at + 4])[0]
        kind, body = png[at + 4:at + 8], png[at + 8:at + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("PNG kind not read here: depth %d colour %d" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    raw = zlib.decompress(idat)
    stride, rows, prev = w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                          **{".wasm": "application/wasm", ".mjs": "text/javascript",
                             ".js": "text/javascript", ".wav": "audio/wav"})

    def log_message(self, *args):
        pass


class Browser:
    """Chromium with the DevTools protocol on fds 3 (commands in) and 4 (replies out)"""

    def __init__(self, profile, log):
        self.log = log
        exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not exe:
            raise RuntimeError("no chromium on PATH (make deps installs Debian's chromium)")
        cmd_r, self.cmd_w = os.pipe()
        self.out_r, out_w = os.pipe()
        # The ends the browser gets, moved to 10 and above first: os.pipe() and os.dup() give
        # the lowest free numbers, which are 3 and 4 when the caller has them closed, and then
        # the dup2 onto 3 below would clobber the other end, or be a no-op that leaves the
        # descriptor close-on-exec (Chromium then finds no pipe and exits).
        cmd_r, out_w = self._high(cmd_r), self._high(out_w)

        def fds():  # in the child: the ends onto 3 and 4, inheritable; pass_fds keeps them open
            for src, dst in ((cmd_r, 3), (out_w, 4)):
                os.dup2(src, dst)
                fcntl.fcntl(dst, fcntl.F_SETFD, fcntl.fcntl(dst, fcntl.F_GETFD) & ~fcntl.FD_CLOEXEC)

        args = [exe, "--headless=new", "--remote-debugging-pipe", "--user-data-dir=" + profile,
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required", "--window-size=1200,900", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        # 3 and 4 held here while the child starts, so that Popen's own pipe (which reports a
        # failed exec) is not made on them and replaced by fds()
        hold = []
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            if fd > 4:
                os.close(fd)
                break
            hold.append(fd)
        try:
            # close_fds: every other descriptor closed in the child, after fds() ran, but 3 and 4
            self.proc = subprocess.Popen(args, close_fds=True, pass_fds=(3, 4), preexec_fn=fds,
                                         stdout=subprocess.DEVNULL, stderr=self.log)
        finally:
            for fd in hold:
                os.close(fd)
        os.close(cmd_r)
        os.close(out_w)
        self.buf, self.next_id, self.events = b"", 0, []

    @staticmethod
    def _high(fd):
        """fd moved to the lowest free descriptor from 10 up (close-on-exec), never 3 or 4"""
        h = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return h

    def _read_msg(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.out_r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe (exit %s; its messages: %s)"
                                   % (self.proc.poll(), self.log.name))
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        m = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.cmd_w, json.dumps(m).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            r = self._read_msg(deadline)
            if r.get("id") == self.next_id:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r["result"]
            self.events.append(r)

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# the canvas's pixels that are not white (the page's background), counted in the page
CANVAS_INK = ("(() => { const c = document.getElementById('plot'); const d = c.getContext('2d')"
              ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
              " for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) n++;"
              " return n; })()")
# what the page shows of a result: the status, the shape, the download button, the summary
PAGE_STATE = ("(() => ({status: document.getElementById('status').textContent,"
              " error: document.getElementById('status').className === 'error',"
              " shape: document.getElementById('shape').textContent,"
              " download: !document.getElementById('download').disabled,"
              " result: document.getElementById('result').textContent,"
              " state: document.getElementById('result').dataset.state,"
              " last: !!window.wmelLast}))()")


def stereo_44k(src, dst):
    """a 44.1 kHz stereo 16-bit WAV from a 16 kHz mono one (linear interpolation; the right
    channel at 3/4 of the left, so the downmix is a real mix): any such file serves, as the
    page and the native command read the same file"""
    import wave
    with wave.open(src, "rb") as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        x = struct.unpack("<%dh" % w.getnframes(), w.readframes(w.getnframes()))
    x = x[:16000 * 4]
    n = len(x) * 44100 // 16000
    frames = bytearray()
    for i in range(n):
        t = i * 16000 / 44100
        j = int(t)
        a = x[j] + (x[min(j + 1, len(x) - 1)] - x[j]) * (t - j)
        left = int(round(a))
        frames += struct.pack("<hh", left, int(round(0.75 * a)))
    with wave.open(dst, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(bytes(frames))


def check_files(b, sess, ev, wait_for, base, web, out, preset, failures, lines, native=None):
    """a good file through the file input, its download's name; then a text file named .wav:
    the picture, the shape, the summary and the download taken away, the error naming it"""
    b.send("Page.navigate", {"url": "%s?preset=%s" % (base, preset)}, session=sess)
    if not wait_for("(document.getElementById('status').textContent.startsWith('ready') && location.search.includes('preset=%s')) || ''"
                    % preset, 30):
        failures.append("files: the page did not get ready: %r" % ev(PAGE_STATE))
        return
    bad = os.path.join(out, "notes.wav")
    with open(bad, "w") as f:
        f.write("these are notes, not audio\n" * 40)

    def choose(path):
        obj = b.send("Runtime.evaluate", {"expression": "document.getElementById('file')"}, session=sess)["result"]["objectId"]
        b.send("DOM.setFileInputFiles", {"files": [os.path.abspath(path)], "objectId": obj}, session=sess)

    choose(os.path.join(web, "speech_en.wav"))
    good = wait_for("(() => { const e = document.getElementById('result'); return e.dataset.state === 'done' ? e.textContent : ''; })()", 30)
    st = ev(PAGE_STATE)
    # the name the download button gives its file (the link's click recorded, not followed)
    ev("HTMLAnchorElement.prototype.click = function () { window.wmelSaved = this.download; };"
       " document.getElementById('download').click(); ''")
    saved = ev("window.wmelSaved || ''")
    want = "speech_en.%s.npy" % preset
    ink = ev(CANVAS_INK)
    if not (good and st["download"] and st["shape"] and saved == want and ink > 10000):
        failures.append("files: speech_en.wav through the file input: result %r, download named %r (want %r), "
                        "%s non-white canvas pixels; the page: %r" % (good, saved, want, ink, st))
        if not good:
            return
    # a 44.1 kHz stereo WAV: the module's reader gives the native command's samples, so the
    # page's .npy is the native file byte for byte (16 kHz plans)
    if native and ev("document.getElementById('presetInfo').textContent.startsWith('16000 Hz')"):
        st44 = os.path.join(out, "speech_44k_stereo.wav")
        stereo_44k(os.path.join(web, "speech_en.wav"), st44)
        ref44 = os.path.join(out, "native_44k_stereo_%s.npy" % preset)
        subprocess.run([native, "mel", st44, "--preset", preset, "--threads", "1", "--quiet", "-o", ref44], check=True)
        with open(ref44, "rb") as f:
            ref_file = f.read()
        ev("window.wmelLast = null; ''")
        choose(st44)
        done = wait_for("(() => { const e = document.getElementById('result'); return e.dataset.state === 'done' && "
                        "window.wmelLast ? e.textContent : ''; })()", 60)
        got = ev("window.wmelLast") if done else None
        npy = base64.b64decode(got["npy"]) if got else b""
        if npy != ref_file:
            nd = -1
            if npy:
                with open(os.path.join(out, "page_44k_stereo_%s.npy" % preset), "wb") as f:
                    f.write(npy)
                _, d1 = read_npy(os.path.join(out, "page_44k_stereo_%s.npy" % preset))
                _, d2 = read_npy(ref44)
                nd = sum(1 for i in range(0, min(len(d1), len(d2)), 4) if d1[i:i + 4] != d2[i:i + 4])
            failures.append("files: a 44.1 kHz stereo WAV: the page's .npy is not the native command's (%s; %d values "
                            "differ); the page: %r" % ("no result" if not got else "shape %r" % (got["shape"],), nd,
                                                       ev(PAGE_STATE)))
        else:
            lines.append("files (%s): a 44.1 kHz stereo WAV: %s, the .npy equal to the native command's; the page "
                         "says %r" % (preset, "x".join(map(str, got["shape"])), done))
    choose(bad)
    err = wait_for("(() => { const e = document.getElementById('result'); return e.dataset.state === 'error' ? e.textContent : ''; })()", 30)
    st, ink = ev(PAGE_STATE), ev(CANVAS_INK)
    problems = []
    if not err:
        problems.append("no error state")
    if "notes.wav" not in st["status"] or not st["error"]:
        problems.append("the error does not name notes.wav: %r" % st["status"])
    if st["shape"] or st["download"] or st["last"]:
        problems.append("the earlier result is left: shape %r, download %s, window.wmelLast %s"
                        % (st["shape"], "enabled" if st["download"] else "disabled", "set" if st["last"] else "null"))
    if ink:
        problems.append("the canvas still holds %d non-white pixels" % ink)
    if problems:
        failures.append("files: a text file named notes.wav after speech_en.wav: " + "; ".join(problems))
    else:
        lines.append("files (%s): speech_en.wav saved as %s; then notes.wav (text): %r, the picture, shape "
                     "and download cleared" % (preset, saved, st["status"]))


def check_file_url(b, sess, ev, wait_for, web, failures, lines):
    """index.html opened as a file: the note saying to serve the folder over HTTP is shown,
    and the controls stay disabled"""
    url = "file://" + os.path.abspath(os.path.join(web, "index.html"))
    b.send("Page.navigate", {"url": url}, session=sess)
    shown = wait_for("(() => { const e = document.getElementById('serve');"
                     " return location.protocol === 'file:' && e && !e.hidden && e.offsetHeight > 0 ? e.innerText : ''; })()", 15)
    live = ev("['preset', 'sample', 'file', 'record'].filter((id) => !document.getElementById(id).disabled).join(' ')")
    if not shown or "http.server --bind 127.0.0.1" not in shown or live:
        failures.append("file://: the note to serve the folder %s; controls enabled: %r"
                        % ("reads %r" % shown if shown else "is not shown", live))
    else:
        lines.append("file://: the note is shown (%s...), the controls disabled" % " ".join(shown.split())[:60])


def pipe_check(out):
    """--pipe-check: Chromium started and asked its version over the pipe; exit 0 when it answers"""
    log = open(os.path.join(out, "chromium-pipe.log"), "w")
    profile = os.path.join(out, "chromium-profile-pipe")
    shutil.rmtree(profile, ignore_errors=True)
    b = Browser(profile, log)
    try:
        print(b.send("Browser.getVersion", timeout=30)["product"])
    finally:
        b.close()
    return 0


def check_pipe(out, failures, lines):
    """the DevTools pipe whatever the caller left on descriptors 3 and 4: closed (the pipes'
    own ends then land there), and open to something else (as make's jobserver leaves them)"""
    null = os.open(os.devnull, os.O_RDWR)

    def occupy():
        os.dup2(null, 3)
        os.dup2(null, 4)

    me = [sys.executable, os.path.abspath(__file__), "--pipe-check", out]
    for what, kw in (("3 and 4 closed", {}), ("3 and 4 open", {"pass_fds": (3, 4), "preexec_fn": occupy})):
        try:
            r = subprocess.run(me, capture_output=True, text=True, timeout=90, **kw)
            ok, said = r.returncode == 0, (r.stdout + r.stderr).strip()
        except subprocess.TimeoutExpired:
            ok, said = False, "no answer in 90 s"
        if ok:
            lines.append("pipe, descriptors %s: %s" % (what, said))
        else:
            failures.append("pipe, descriptors %s: Chromium did not answer: %s" % (what, said[-400:]))
    os.close(null)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--pipe-check":
        return pipe_check(sys.argv[2])
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    web, native, out = sys.argv[1], sys.argv[2], sys.argv[3]
    presets = sys.argv[4:] or ["whisper", "nemo", "kaldi"]
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=web))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/index.html" % server.server_address[1]
    profile = os.path.join(out, "chromium-profile")
    shutil.rmtree(profile, ignore_errors=True)
    log = open(os.path.join(out, "chromium.log"), "w")
    b = Browser(profile, log)
    failures, lines = [], []
    try:
        targets = b.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        sess = b.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        b.send("Page.enable", session=sess)
        b.send("Runtime.enable", session=sess)
        for preset in presets:
            ref_npy = os.path.join(out, "native_%s.npy" % preset)
            subprocess.run([native, "mel", os.path.join(web, "speech_en.wav"), "--preset", preset,
                            "--threads", "1", "--quiet", "-o", ref_npy], check=True)
            ref_shape, ref_bytes = read_npy(ref_npy)
            with open(ref_npy, "rb") as f:
                ref_file = f.read()
            b.send("Page.navigate", {"url": "%s?sample&preset=%s" % (base, preset)}, session=sess)
            state, deadline = None, time.time() + 60
            while time.time() < deadline:
                r = b.send("Runtime.evaluate", {"expression":
                           "(() => { const e = document.getElementById('result');"
                           " return e && location.search.includes('preset=%s') ? e.dataset.state + '|' + e.textContent : ''; })()" % preset,
                           "returnByValue": True}, session=sess)
                v = r["result"].get("value") or ""
                state = v.split("|", 1)
                if state[0] in ("done", "error"):
                    break
                time.sleep(0.1)
            if not state or state[0] != "done":
                failures.append("%s: the page gave no result: %s" % (preset, state))
                continue
            got = b.send("Runtime.evaluate", {"expression": "window.wmelLast", "returnByValue": True},
                         session=sess)["result"]["value"]
            npy = base64.b64decode(got["npy"])
            page_npy = os.path.join(out, "page_%s.npy" % preset)
            with open(page_npy, "wb") as f:
                f.write(npy)
            page_shape, data = read_npy(page_npy)
            ok_file = npy == ref_file
            if not ok_file:
                failures.append("%s: the page's .npy is not the native command's file byte for byte" % preset)
            ok_shape = tuple(got["shape"]) == ref_shape and page_shape == ref_shape
            ok_bytes = data == ref_bytes
            dom_digest = b.send("Runtime.evaluate", {"expression": "document.getElementById('result').dataset.digest",
                                "returnByValue": True}, session=sess)["result"].get("value")
            ok_digest = dom_digest == fnv1a64(ref_bytes) and dom_digest in state[1]
            ok_name = got.get("filename") == "speech_en.%s.npy" % preset
            if not ok_name:
                failures.append("%s: the download is named %r, not speech_en.%s.npy" % (preset, got.get("filename"), preset))
            if not (ok_shape and ok_bytes and ok_digest):
                nd = sum(1 for i in range(0, min(len(data), len(ref_bytes)), 4) if data[i:i + 4] != ref_bytes[i:i + 4])
                failures.append("%s: the page's features differ from the native .npy: shape %s vs %s, "
                                "%d of %d values differ, digest %s vs %s" % (preset, got["shape"], ref_shape, nd,
                                len(ref_bytes) // 4, dom_digest, fnv1a64(ref_bytes)))
            # the picture: the canvas's box, captured
            box = b.send("Runtime.evaluate", {"expression":
                         "(() => { const r = document.getElementById('plot').getBoundingClientRect();"
                         " return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()",
                         "returnByValue": True}, session=sess)["result"]["value"]
            shot = b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip":
                          {"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1}},
                          session=sess)["data"]
            png = base64.b64decode(shot)
            with open(os.path.join(out, "page_%s.png" % preset), "wb") as f:
                f.write(png)
            w, h, bpp, rows = png_pixels(png)
            colours = set()
            for y in range(0, h, 3):
                row = rows[y]
                for x in range(0, w, 3):
                    colours.add(row[x * bpp:x * bpp + 3])
            white = sum(1 for y in range(0, h, 3) for x in range(0, w, 3) if rows[y][x * bpp:x * bpp + 3] == b"\xff\xff\xff")
            total = len(range(0, h, 3)) * len(range(0, w, 3))
            if len(colours) < 50 or white > 0.6 * total:
                failures.append("%s: the canvas looks blank: %d colours, %d of %d sampled pixels white"
                                % (preset, len(colours), white, total))
            lines.append("%s: %s, %d values, .npy %s the native file, digest %s, kernel %s; picture %dx%d, %d colours"
                         % (preset, "x".join(map(str, got["shape"])), len(data) // 4,
                            "equal to" if ok_file else "NOT equal to", dom_digest, got["kernel"], w, h, len(colours)))
        # the microphone: Chromium's fake capture device (a beep), through the AudioWorklet and
        # wm.stream(); the frames drawn while recording, then the recording's features
        rec_preset = presets[0]
        b.send("Page.navigate", {"url": "%s?preset=%s" % (base, rec_preset)}, session=sess)

        def ev(expr):
            return b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                          session=sess)["result"].get("value")

        def wait_for(expr, secs):
            end = time.time() + secs
            while time.time() < end:
                v = ev(expr)
                if v:
                    return v
                time.sleep(0.1)
            return None

        ready = wait_for("(document.getElementById('status').textContent.startsWith('ready') && location.search.includes('preset=%s')) || ''"
                         % rec_preset, 30)
        live = None
        if ready:
            ev("document.getElementById('record').click()")
            live = wait_for("(() => { const t = document.getElementById('status').textContent;"
                            " const m = /recording: (\\d+) frames/.exec(t); return m && +m[1] > 50 ? t : ''; })()", 20)
            ev("document.getElementById('stop').click()")
        done = wait_for("(() => { const e = document.getElementById('result'); return e.dataset.state !== 'idle' ? e.dataset.state + '|' + e.textContent : ''; })()", 20)
        if not (ready and live and done and done.startswith("done|")):
            failures.append("microphone: ready %r, while recording %r, after stop %r; the status: %r"
                            % (bool(ready), live, done, ev("document.getElementById('status').textContent")))
        else:
            shape = ev("window.wmelLast.shape")
            lines.append("microphone (%s, Chromium's fake device): %s while recording; the recording's features %s"
                         % (rec_preset, live, "x".join(map(str, shape))))
        check_files(b, sess, ev, wait_for, base, web, out, rec_preset, failures, lines, native)
        check_file_url(b, sess, ev, wait_for, web, failures, lines)
    finally:
        b.close()
        server.shutdown()
    check_pipe(out, failures, lines)
    for line in lines:
        print("  " + line)
    for f in failures:
        print("FAIL " + f)
    print("test-web: %d presets, %d failures, %.1f s (%s)" % (len(presets), len(failures), time.time() - t0,
          "pass" if not failures else "FAIL"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
