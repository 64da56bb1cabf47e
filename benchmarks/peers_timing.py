"""Timing and error helpers shared by :mod:`benchmarks.peers` and its child processes
(plain Python and NumPy only: the lie_learn child runs in another environment)."""

from __future__ import annotations

import statistics
import time

import numpy as np

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def set_clock(name: str) -> None:
    """``"wall"`` (``time.perf_counter``, as ``timeit``) or ``"cpu"`` (``time.process_time``: the
    CPU time of every thread of this process, which time-sharing with other processes on a busy
    machine does not inflate)."""
    global clock
    clock = CLOCKS[name]


def median_ms(fn, repeat: int = 7, budget: float = 5.0, warmup: int = 1) -> float:
    """Median time of ``fn()`` in milliseconds on the chosen clock, ``timeit``-style.

    ``warmup`` untimed calls first (caches, plans, JIT), then up to ``repeat`` timed calls, fewer
    when the first timed call shows that ``repeat`` would exceed ``budget`` seconds (never fewer
    than three).
    """
    for _ in range(warmup):
        fn()
    times = []
    while True:
        t0 = clock()
        fn()
        times.append(clock() - t0)
        want = repeat if times[0] * repeat <= budget else max(3, int(budget / times[0]))
        if len(times) >= want:
            return 1e3 * statistics.median(times)


def rel_l2(a, b) -> float:
    """``||a - b|| / ||b||`` over all entries (complex allowed)."""
    a = np.asarray(a, dtype=np.complex128).reshape(-1)
    b = np.asarray(b, dtype=np.complex128).reshape(-1)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))
