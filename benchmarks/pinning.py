"""Pinning the child processes of the benchmark tools to a number of threads, before any
numerical library is loaded: the CPU affinity (the first ``threads`` CPUs the process may use)
and the variables that the BLAS, OpenMP and MKL runtimes read when they load.

Standard library only: it runs first in children whose environments differ from the harness's
(lie_learn's has NumPy 1 and no torch, s2fft's has JAX), before their imports.
"""

from __future__ import annotations

import os

__all__ = ["THREAD_VARS", "thread_variables", "pin_process"]

#: The thread-count variables that the BLAS, OpenMP and MKL runtimes read when they load.
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def thread_variables(threads: int) -> dict[str, str]:
    """``{variable: str(threads)}`` for each of :data:`THREAD_VARS`."""
    return {v: str(threads) for v in THREAD_VARS}


def pin_process(threads: int) -> list[int]:
    """Restrict this process to the first ``max(threads, 1)`` CPUs of its current affinity mask
    (where the platform has ``sched_setaffinity``); returns the CPUs it may run on now."""
    if not hasattr(os, "sched_setaffinity"):
        return []
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, set(cpus[: max(threads, 1)]))
    return sorted(os.sched_getaffinity(0))
