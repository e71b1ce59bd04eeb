"""test_interrupt.py -- Ctrl-C in the long calls of the extension: wmel.batch(),
wmel.load_audio(path) and wmel.windows(path) run with the GIL released; SIGINT sent to a
child Python process in the middle of each must end the call with KeyboardInterrupt
within LATENCY seconds, and an interrupted batch must leave its folder resumable: the
rerun gives the files of an uninterrupted job byte for byte. Also item_timeout: an input
that decodes for hours is listed as timed out and the job goes on."""
import os
import pathlib
import signal
import struct
import subprocess
import sys
import threading
import time

import pytest

import wmel
from batch_corpus import ROOT, have_ffmpeg

pytestmark = pytest.mark.skipif(not have_ffmpeg(), reason="needs ffmpeg and an FFmpeg build of wmel")

LATENCY = 0.5  # seconds from SIGINT to KeyboardInterrupt in the caller
SPEECH = ROOT / "data" / "speech_en.wav"


def wav_header(data_bytes: int) -> bytes:
    """A 16 kHz mono PCM16 WAV header announcing data_bytes of samples."""
    return (b"RIFF" + struct.pack("<I", min(data_bytes + 36, 0xFFFFFFFF)) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
            + b"data" + struct.pack("<I", min(data_bytes, 0xFFFFFFFF)))


# The child sets SIGINT's disposition itself: a suite run as a background job or under
# nohup starts its children with SIGINT ignored, and Python then installs no handler.
CHILD = r"""
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path[:0] = {path!r}
import wmel
{setup}
print("ready", flush=True)
try:
    {call}
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", repr(time.monotonic()), flush=True)
"""


def interrupt_child(call: str, setup: str = "", after: float = 1.0, feed=None):
    """Runs `call` in a child Python, sends SIGINT `after` seconds once it is ready, and
    returns (stdout lines, seconds from the signal to the KeyboardInterrupt)."""
    code = CHILD.format(path=[p for p in sys.path if p], setup=setup, call=call)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        if feed:
            threading.Thread(target=feed, daemon=True).start()
        time.sleep(after)
        assert p.poll() is None, "the call ended before the signal"
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    lines = out.split("\n")
    assert lines[0].startswith("interrupted"), f"no KeyboardInterrupt: {out!r}"
    return lines, float(lines[0].split()[1]) - sent


def slow_fifo(path: pathlib.Path, stop: threading.Event):
    """Writes a WAV that announces an hour into the FIFO, one second of audio every 50 ms,
    until stop is set or the reader goes."""
    def feed():
        try:
            with open(path, "wb") as f:
                f.write(wav_header(3600 * 32000))
                sec = bytes(32000)
                while not stop.is_set():
                    f.write(sec)
                    f.flush()
                    time.sleep(0.05)
        except (BrokenPipeError, OSError):
            pass
    return feed


@pytest.mark.parametrize("call", ["wmel.load_audio(PATH)", "list(wmel.windows(PATH))"])
def test_ctrl_c_in_a_decode(tmp_path, call):
    fifo = tmp_path / "slow.wav"
    os.mkfifo(fifo)
    stop = threading.Event()
    try:
        lines, latency = interrupt_child(call.replace("PATH", repr(str(fifo))), after=1.0,
                                         feed=slow_fifo(fifo, stop))
    finally:
        stop.set()
    assert latency < LATENCY, f"{call}: KeyboardInterrupt {latency:.3f} s after SIGINT"


def corpus(d: pathlib.Path, n: int) -> pathlib.Path:
    """n items (JSON Lines, distinct keys) over the bundled speech: long enough a job
    that a signal 0.5 s in lands in the middle."""
    lines = "".join(f'{{"path": "{SPEECH}", "key": "k{i:04d}"}}\n' for i in range(n))
    m = d / "m.jsonl"
    m.write_text(lines)
    return m


def tree(d: pathlib.Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and p.name != ".lock"}


@pytest.mark.parametrize("mode", ["pad30", "windows"])
def test_ctrl_c_in_batch_then_resume(tmp_path, mode):
    m = corpus(tmp_path, 300)
    out = tmp_path / "out"
    call = f"wmel.batch({str(m)!r}, {str(out)!r}, mode={mode!r}, jobs=2, shard_size=5)"
    lines, latency = interrupt_child(call, after=0.5)
    assert latency < LATENCY, f"batch: KeyboardInterrupt {latency:.3f} s after SIGINT"
    names = os.listdir(out)
    assert not [n for n in names if ".tmp." in n], names  # the shard in progress is gone
    shards = [n for n in names if n.startswith("shard-")]
    assert len(shards) < 60, "all 60 shards done: the signal missed the job"
    assert "index.jsonl" not in names  # as after SIGINT: only complete shards, no index yet
    r = wmel.batch(m, out, mode=mode, jobs=2, shard_size=5)
    assert r.shards_skipped == len(shards) and r.exit_status == 0
    ref = tmp_path / "ref"
    wmel.batch(m, ref, mode=mode, jobs=2, shard_size=5)
    a, b = tree(out), tree(ref)
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a), "resumed != uninterrupted"


def test_item_timeout(tmp_path):
    stuck = tmp_path / "stuck.wav"
    n = 4 * 1024**3 - 44  # 37 hours of silence in a sparse file
    stuck.write_bytes(wav_header(n))
    os.truncate(stuck, 4 * 1024**3)
    t0 = time.monotonic()
    r = wmel.batch([str(SPEECH), str(stuck)], tmp_path / "o", item_timeout=1, jobs=2)
    assert time.monotonic() - t0 < 30
    assert (r.items, r.written, r.failed, r.exit_status) == (2, 1, 1, 3)
    err = (tmp_path / "o" / "errors.jsonl").read_text()
    assert "timed out after 1 s" in err and "stuck" in err
    with pytest.raises(ValueError, match="item_timeout"):
        wmel.batch([str(SPEECH)], tmp_path / "o2", item_timeout=-1)
    with pytest.raises(TypeError, match="item_timeout"):
        wmel.batch([str(SPEECH)], tmp_path / "o2", item_timeout="1")
