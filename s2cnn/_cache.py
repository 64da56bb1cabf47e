"""A bounded, thread-safe memo for precomputed tables.

Tables are keyed by their parameters and by ``(dtype, device)``; nothing is written to disk.
Every table of the package (Wigner-d tables, quadrature weights, the torch backend's plans and
tables, the cuda backend's contraction tables, rotation blocks) goes through
:func:`table_cache`, so :func:`clear_caches` frees them all, GPU memory included.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["table_cache", "clear_caches", "cache_info"]

F = TypeVar("F", bound=Callable[..., Any])

_all_caches: list[_LRU] = []


class _LRU:
    """Least-recently-used map with at most ``maxsize`` entries, guarded by a lock.

    The value is computed outside the lock, so one slow table does not block lookups of
    others; two threads that miss the same key at once both compute it and the first to
    finish is kept (tables are deterministic, so both are equal).
    """

    def __init__(self, fn: Callable[..., Any], maxsize: int):
        self.fn = fn
        self.maxsize = maxsize
        self.data: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(self, *args: Any) -> Any:
        key = args
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                self.hits += 1
                return self.data[key]
            self.misses += 1
        value = self.fn(*args)
        with self.lock:
            if key in self.data:
                return self.data[key]
            self.data[key] = value
            while len(self.data) > self.maxsize:
                self.data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.hits = self.misses = 0


def table_cache(maxsize: int = 32) -> Callable[[F], F]:
    """Decorate a table builder whose positional arguments are hashable.

    Callers pass ``(b, ..., dtype, device)`` so that every key names its bandwidth, dtype and
    device. At most ``maxsize`` tables are kept per builder (least recently used first out).
    """

    def wrap(fn: F) -> F:
        cache = _LRU(fn, maxsize)
        _all_caches.append(cache)

        @functools.wraps(fn)
        def wrapper(*args: Any) -> Any:
            return cache(*args)

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return wrap


def _name(cache: _LRU) -> str:
    return f"{cache.fn.__module__}.{cache.fn.__qualname__}"


def clear_caches() -> None:
    """Drop every cached table of every builder and reset the counters.

    Frees the memory the tables hold on every device (for instance GPU memory between jobs);
    the next call of a transform builds what it needs again.
    """
    for cache in _all_caches:
        cache.clear()


def cache_info() -> dict[str, dict[str, int]]:
    """The state of each table cache.

    Returns
    -------
    dict
        ``{"module.builder": {"size", "maxsize", "hits", "misses"}}`` for every builder imported
        so far (a backend's builders appear once the backend has been loaded).
    """
    out = {}
    for c in _all_caches:
        with c.lock:
            out[_name(c)] = {"size": len(c.data), "maxsize": c.maxsize, "hits": c.hits, "misses": c.misses}
    return out
