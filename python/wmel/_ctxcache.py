"""The contexts the package shares between calls: a bounded, thread-safe LRU cache.

A wmel_ctx holds its tables and, on the CPU backend, worker threads started on first use.
Calls with the same options share one; at most MAX_CONTEXTS stay cached, the least
recently used leaving first. A context leaves the cache only: every caller holds its own
reference while computing (and a Stream or SlidingBuffer for its lifetime), so it is
freed -- its threads joined -- when the last user lets go of it, never under a call.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

MAX_CONTEXTS = 16

_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()


def get(key, make):
    """The cached context for key, or make() -- cached, evicting the least recently used
    beyond MAX_CONTEXTS."""
    with _lock:
        c = _cache.get(key)
        if c is not None:
            _cache.move_to_end(key)
            return c
    c = make()  # outside the lock: creating a context can take a while
    evicted = []
    with _lock:
        have = _cache.get(key)
        if have is not None:  # another thread made it meanwhile: use theirs
            _cache.move_to_end(key)
            return have
        _cache[key] = c
        while len(_cache) > MAX_CONTEXTS:
            evicted.append(_cache.popitem(last=False)[1])
    del evicted  # freed here, outside the lock, unless still in use elsewhere
    return c


def size() -> int:
    """Contexts cached now."""
    with _lock:
        return len(_cache)


def clear() -> None:
    """Drops every cached context (those in use stay alive until their users let go)."""
    with _lock:
        items = list(_cache.values())
        _cache.clear()
    del items
