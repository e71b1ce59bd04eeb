"""stream_bench.py -- live audio in a whisper_streaming-style loop: every second 1 s of
audio is pushed and the features of the whole buffer are asked for; once the buffer holds
L seconds, 1 s is trimmed at the front each step (L = 5, 15, 30, 60). Per step (median):

  sliding    wmel.SlidingBuffer: push + trim + features()      (only new frames transformed)
  sl. out=   the same, features(out=...) into an array kept from step to step
  view       the same, features(copy=False): the buffer's kept features, no copy (columns
             rewritten only when the buffer's max moves)
  offline    wmel.log_mel_spectrogram(buffer)                  (wmel's full recompute,
             default threads; "offline 1t": wmel.features(buffer,
             "whisper", threads=1))
  openai     whisper.audio.log_mel_spectrogram(buffer)         (torch, when installed)
  hf         transformers WhisperFeatureExtractor(buffer)       (numpy, when installed)

the buffer lengths side by side (a step of each in turn, timed once all are full);
then the other front-ends (--frontends, default nemo, nemo-legacy, kaldi, seamless; 80 mels)
with a 15 s buffer and 1 s steps: the sliding buffer's step (push + trim + features())
against wmel.features(buffer, frontend, threads=1), the offline recompute;

and then N concurrent streams (default 500) on T threads (default 2), each stream a
SlidingBuffer of L = 15 s fed 1 s per round: the time of a round (all streams one step)
against the 1 s of audio it stands for, and the memory each stream holds.

Prints the CPU model, /proc/loadavg before and after, a markdown table.
Usage: python bench/stream_bench.py [--steps 15] [--streams 500] [--threads 2] [--rounds 5]
       [--frontends nemo,nemo-legacy,kaldi,seamless] [--no-peers]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import threading
import time

import numpy as np

import wmel

SR = 16000


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "n/a"


def peers():
    out = {}
    try:
        import torch  # noqa: F401
        import whisper.audio as wa
        torch.set_num_threads(1)
        out["openai"] = lambda x: wa.log_mel_spectrogram(torch.from_numpy(x))
    except Exception:
        pass
    try:
        from transformers import WhisperFeatureExtractor
        fe = WhisperFeatureExtractor(feature_size=80)
        out["hf"] = lambda x: fe(x, sampling_rate=SR, return_tensors="np", padding=False)
    except Exception:
        pass
    return out


def loop(audio: np.ndarray, lengths, steps: int, peer_fns) -> dict:
    """Median seconds per step of each contender, for each buffer length L. The lengths
    run side by side: every round steps each length's buffers once, in turn, so that a
    drift of the machine's speed falls on all of them alike and each step follows the
    recomputes of another length (as a transcriber's step follows the model's work);
    steps are timed once every buffer is full."""
    st = {}
    for L in lengths:
        st[L] = {"buf": wmel.SlidingBuffer(n_mels=80), "buf2": wmel.SlidingBuffer(n_mels=80),
                 "buf3": wmel.SlidingBuffer(n_mels=80), "out2": None, "pos": 0,
                 "times": {k: [] for k in ["sliding", "sl. out=", "view", "offline",
                                           "offline 1t", *peer_fns]}}
    first = max(lengths)
    for step in range(first + steps):
        for L in lengths:
            S = st[L]
            buf, buf2, buf3, times = S["buf"], S["buf2"], S["buf3"], S["times"]
            chunk = audio[S["pos"]:S["pos"] + SR]
            S["pos"] += SR
            t0 = time.perf_counter()
            buf.push(chunk)
            if len(buf) > L * SR:
                buf.trim(len(buf) - L * SR)
            f = buf.features()
            t1 = time.perf_counter()
            t2 = time.perf_counter()
            buf2.push(chunk)
            if len(buf2) > L * SR:
                buf2.trim(len(buf2) - L * SR)
            if S["out2"] is None or S["out2"].shape[1] != buf2._b.n_frames(0):
                S["out2"] = np.empty((80, buf2._b.n_frames(0)), np.float32)
            buf2.features(out=S["out2"])
            t3 = time.perf_counter()
            t4 = time.perf_counter()
            buf3.push(chunk)
            if len(buf3) > L * SR:
                buf3.trim(len(buf3) - L * SR)
            v = buf3.features(copy=False)
            t5 = time.perf_counter()
            timed = step >= first  # steady state: every buffer holds its L seconds
            if timed:
                times["sliding"].append(t1 - t0)
                times["sl. out="].append(t3 - t2)
                times["view"].append(t5 - t4)
                assert np.array_equal(S["out2"], f)
                assert np.array_equal(v, f)
            del v  # a view must be let go before the next features(copy=False)
            if timed:
                held = buf.audio
                t0 = time.perf_counter()
                ref = wmel.log_mel_spectrogram(held)
                times["offline"].append(time.perf_counter() - t0)
                assert np.array_equal(f, ref)
                t0 = time.perf_counter()
                r1 = wmel.features(held, "whisper", 80, threads=1)
                times["offline 1t"].append(time.perf_counter() - t0)
                assert np.array_equal(r1, ref)
                for name, fn in peer_fns.items():
                    t0 = time.perf_counter()
                    fn(held)
                    times[name].append(time.perf_counter() - t0)
    res = {}
    for L in lengths:
        S = st[L]
        out = {k: statistics.median(v) for k, v in S["times"].items()}
        out["frames_per_step"] = S["buf"].stats["frames_computed"] / S["buf"].stats["calls"]
        out["bytes"] = S["buf"].stats["bytes"]
        out["renorms"] = S["buf3"].stats["renorms"]
        out["view_bytes"] = S["buf3"].stats["bytes"]
        res[L] = out
    return res


def _fe(name: str):
    """(frontend, options) of a --frontends name."""
    return ("nemo", {"legacy": True}) if name == "nemo-legacy" else (name, {})


def loop_fe(audio: np.ndarray, name: str, L: int, steps: int) -> dict:
    """Median seconds per step: the sliding buffer of another front-end against
    wmel.features of the buffer on one thread."""
    fe, opts = _fe(name)
    buf = wmel.SlidingBuffer(frontend=fe, n_mels=80, **opts)
    times = {"sliding": [], "offline": []}
    frames = []
    pos = step = 0
    while step < L + steps:
        chunk = audio[pos:pos + SR]
        pos += SR
        before = buf.stats["frames_computed"]
        t0 = time.perf_counter()
        buf.push(chunk)
        if len(buf) > L * SR:
            buf.trim(len(buf) - L * SR)
        f = buf.features()
        t1 = time.perf_counter()
        if step >= L:
            times["sliding"].append(t1 - t0)
            frames.append(buf.stats["frames_computed"] - before)
            held = buf.audio
            t0 = time.perf_counter()
            ref = wmel.features(held, fe, 80, threads=1, **opts)
            times["offline"].append(time.perf_counter() - t0)
            assert np.array_equal(f, ref)
        step += 1
    out = {k: statistics.median(v) for k, v in times.items()}
    out["frames_per_step"] = statistics.median(frames)
    out["bytes"] = buf.stats["bytes"]
    return out


def concurrent(audio: np.ndarray, n_streams: int, n_threads: int, rounds: int, L: int = 15):
    """Rounds of one step for every stream; seconds per round (median), bytes per stream."""
    bufs = [wmel.SlidingBuffer(n_mels=80) for _ in range(n_streams)]
    offs = [(i * 7919 * 160) % (len(audio) - (L + rounds + 2) * SR) for i in range(n_streams)]
    per = [bufs[i::n_threads] for i in range(n_threads)]
    per_off = [offs[i::n_threads] for i in range(n_threads)]
    # fill every buffer to L seconds first (not timed)
    for b, o in zip(bufs, offs):
        b.push(audio[o:o + L * SR])
        b.features()
    round_times = []
    for r in range(rounds):
        def work(t):
            for b, o in zip(per[t], per_off[t]):
                s = o + (L + r) * SR
                b.push(audio[s:s + SR])
                b.trim(SR)
                b.features()
        th = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
        t0 = time.perf_counter()
        for t in th:
            t.start()
        for t in th:
            t.join()
        round_times.append(time.perf_counter() - t0)
    return statistics.median(round_times), statistics.median(b.stats["bytes"] for b in bufs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=15, help="measured steps per buffer length")
    ap.add_argument("--lengths", default="5,15,30,60", help="buffer lengths L in seconds")
    ap.add_argument("--streams", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--frontends", default="nemo,nemo-legacy,kaldi,seamless",
                    help="the other front-ends timed at 15 s ('' for none)")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    lengths = [int(x) for x in a.lengths.split(",")]
    n = (max(lengths) + a.steps + 4) * SR
    # speech-like: noise shaped by a slow envelope, a little silence
    env = np.repeat(np.abs(np.sin(np.arange(n // 1600 + 1) * 0.37)), 1600)[:n]
    audio = (rng.standard_normal(n) * 0.1 * env).astype(np.float32)
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical), {wmel.version()}")
    print(f"load before: {loadavg()}")
    pf = {} if a.no_peers else peers()
    print(f"peers: {', '.join(pf) or 'none installed'}")
    cols = ["sliding", "sl. out=", "view", "offline", "offline 1t"] + list(pf)
    print("\n| buffer | " + " | ".join(f"{c} (ms)" for c in cols) +
          " | offline / sliding | offline / view | offline 1t / view | view steps renormalised (all calls) |"
          " frames transformed per step | memory (with the view) |")
    print("|---" * (len(cols) + 7) + "|")
    res = loop(audio, lengths, a.steps, pf)
    first, last = res[lengths[0]], res[lengths[-1]]
    for L in lengths:
        r = res[L]
        print(f"| {L} s | " + " | ".join(f"{r[c] * 1e3:.3f}" for c in cols) +
              f" | {r['offline'] / r['sliding']:.1f}x | {r['offline'] / r['view']:.1f}x |"
              f" {r['offline 1t'] / r['view']:.1f}x | {r['renorms']} |"
              f" {r['frames_per_step']:.0f} | {r['bytes'] / 2**20:.2f} MiB ({r['view_bytes'] / 2**20:.2f} MiB) |")
    if len(lengths) > 1:
        print(f"\nper-step cost, {lengths[-1]} s buffer / {lengths[0]} s buffer: sliding "
              f"{last['sliding'] / first['sliding']:.2f}x, view {last['view'] / first['view']:.2f}x")
    print(f"\nload after the loop: {loadavg()}")
    fes = [f for f in a.frontends.split(",") if f]
    if fes:
        print("\n| front-end (15 s buffer, 1 s steps) | sliding (ms) | wmel.features, 1 thread (ms)"
              " | offline / sliding | frames transformed per step | memory |")
        print("|---" * 6 + "|")
        for name in fes:
            r = loop_fe(audio, name, 15, a.steps)
            print(f"| {name} | {r['sliding'] * 1e3:.3f} | {r['offline'] * 1e3:.3f} | "
                  f"{r['offline'] / r['sliding']:.1f}x | {r['frames_per_step']:.0f} | "
                  f"{r['bytes'] / 2**20:.2f} MiB |")
        print(f"load after the front-ends: {loadavg()}")
    if a.streams:
        t, b = concurrent(audio, a.streams, a.threads, a.rounds)
        print(f"\n{a.streams} streams (15 s buffers, 1 s steps) on {a.threads} threads: "
              f"{t * 1e3:.0f} ms per round of 1 s of audio each ({t:.3f}x real time, "
              f"{'keeps up' if t < 1 else 'falls behind'}); {b / 2**20:.2f} MiB per stream, "
              f"{a.streams * b / 2**30:.2f} GiB in all")
        print(f"load after: {loadavg()}")


if __name__ == "__main__":
    main()
