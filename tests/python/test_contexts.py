"""test_contexts.py -- the package's shared contexts stay bounded: calls with ever new
option sets (wmel.features, wmel.kaldi.fbank, Stream, SlidingBuffer) leave the process's
thread count and resident memory flat, while a context in use survives its eviction."""
import os
import threading

import numpy as np
import pytest

import wmel
import wmel.kaldi as K
from wmel import _ctxcache

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")

MB = 2 ** 20
RSS_BOUND = 50 * MB          # growth allowed over a whole loop (allocator slack, caches)
PER_CTX_THREADS = 3          # threads=4: a context starts at most 3 workers


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _clip(n, seed=0):
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


def _flat(loop, n, thread_bound, check_every=250):
    """Runs loop(i) for i < n; the thread count may grow by thread_bound and the RSS by
    RSS_BOUND over the start, checked as it goes (so an unbounded growth stops early)."""
    loop(-1)  # the first use's one-off costs (imports, tables, allocator arenas)
    t0, r0 = _threads(), _rss()
    for i in range(n):
        loop(i)
        if i % check_every == check_every - 1 or i == n - 1:
            dt, dr = _threads() - t0, _rss() - r0
            assert dt <= thread_bound, f"after {i + 1} option sets: {dt} more threads"
            assert dr < RSS_BOUND, f"after {i + 1} option sets: RSS +{dr / MB:.1f} MB"
    return _threads() - t0, _rss() - r0


def test_cache_is_bounded():
    x = _clip(1600)
    for i in range(3 * _ctxcache.MAX_CONTEXTS):
        wmel.features(x, "kaldi", scale=1000.0 + i)
    assert _ctxcache.size() <= _ctxcache.MAX_CONTEXTS


def test_features_distinct_scales_flat():
    # 10,000 option sets on a short clip: the tables of every context, were they kept,
    # come to about 2 GB
    x = _clip(1600)
    _flat(lambda i: wmel.features(x, "kaldi", scale=32768 * (1 + i * 1e-6)), 10_000,
          thread_bound=_ctxcache.MAX_CONTEXTS * PER_CTX_THREADS)


def test_features_worker_threads_flat():
    # a 3 s clip with threads=4 starts the workers of each context (3 per context)
    x = _clip(48000)
    dt, _ = _flat(lambda i: wmel.features(x, "kaldi", scale=32768 * (1 + i * 1e-6), threads=4),
                  400, thread_bound=_ctxcache.MAX_CONTEXTS * PER_CTX_THREADS, check_every=50)
    assert dt <= _ctxcache.MAX_CONTEXTS * PER_CTX_THREADS


def test_kaldi_fbank_distinct_options_flat():
    w = _clip(1600)[None] * 32768
    _flat(lambda i: K.fbank(w, low_freq=20.0 + i * 1e-3), 2_000,
          thread_bound=_ctxcache.MAX_CONTEXTS * PER_CTX_THREADS)


@pytest.mark.parametrize("kind", ["Stream", "SlidingBuffer"])
def test_live_objects_distinct_options_flat(kind):
    x = _clip(1600)

    def loop(i):
        o = getattr(wmel, kind)("kaldi", scale=32768 * (1 + i * 1e-6))
        o.push(x)
        o.finish() if kind == "Stream" else o.features()

    _flat(loop, 5_000, thread_bound=_ctxcache.MAX_CONTEXTS * PER_CTX_THREADS)


def test_live_objects_outlive_eviction():
    # a Stream and a SlidingBuffer keep their context after the cache has dropped it: their
    # results stay those of the offline call on the same samples, bit for bit
    x, y = _clip(4000, 1), _clip(3000, 2)
    s = wmel.Stream("kaldi", scale=12345.0)
    b = wmel.SlidingBuffer("kaldi", scale=12345.0)
    parts = [s.push(x)]
    b.push(x)
    for i in range(2 * _ctxcache.MAX_CONTEXTS):  # evicts the contexts of s and b
        wmel.features(y, "kaldi", scale=2000.0 + i)
    parts += [s.push(y), s.finish()]
    b.push(y)
    whole = wmel.features(np.concatenate([x, y]), "kaldi", scale=12345.0)
    assert np.array_equal(np.concatenate(parts), whole)
    assert np.array_equal(b.features(), whole)


def test_evicted_context_in_use_by_other_threads():
    # threads computing with ever new option sets while others evict: every result
    # equals the one computed alone
    x = _clip(16000)
    want = {i: wmel.features(x, "kaldi", scale=1000.0 + i) for i in range(40)}
    errors = []

    def work(k):
        try:
            for r in range(3):
                for i in range(k, 40, 4):
                    got = wmel.features(x, "kaldi", scale=1000.0 + i)
                    if not np.array_equal(got, want[i]):
                        errors.append(i)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors


def test_backend_info_names_the_context_features_use():
    # asked for by name: the CPU, its kernel, the reason; the same ctx features() then takes
    info = wmel.backend_info("nemo", backend="cpu")
    assert info["backend"] == "cpu" and info["kernel"].startswith("cpu-"), info
    assert info["reason"] == "asked for by name", info
    n0 = _ctxcache.size()
    x = np.zeros(1600, np.float32)
    wmel.features(x, "nemo", backend="cpu")
    assert _ctxcache.size() == n0  # backend_info made the context features() used
    # AUTO says why (no device on this machine, or a device timed against the CPU)
    auto = wmel.backend_info(plan="kaldi")
    assert auto["reason"].startswith("AUTO: " + auto["backend"]), auto
    # bad arguments: the same errors as features()
    with pytest.raises(ValueError):
        wmel.backend_info("nemo", backend="gpu")
