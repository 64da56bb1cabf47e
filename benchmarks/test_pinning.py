"""``benchmarks.pinning``: the children's thread pinning, standard library only."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from .pinning import THREAD_VARS, thread_variables

HERE = os.path.dirname(os.path.abspath(__file__))


def _child(code: str) -> str:
    """Run ``code`` in a fresh interpreter that imports the module as the children do (by path)."""
    prelude = f"import sys; sys.path.insert(0, {HERE!r}); "
    proc = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_thread_variables():
    assert thread_variables(3) == {v: "3" for v in THREAD_VARS}
    assert set(THREAD_VARS) == {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}


def test_imports_no_numerical_library():
    """It runs before the children's imports, in environments without torch or NumPy 2."""
    out = _child("import pinning; print(sorted(m for m in ('numpy', 'torch', 'jax') if m in sys.modules))")
    assert out == "[]"


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no sched_setaffinity on this platform")
@pytest.mark.parametrize("threads", [0, 1, 64])
def test_pin_process_keeps_the_first_cpus(threads):
    """The child may run on the first ``max(threads, 1)`` CPUs of its mask, no more (this
    process's own mask is left alone)."""
    before = sorted(os.sched_getaffinity(0))
    got = _child(f"import os, pinning; print(pinning.pin_process({threads}) == sorted(os.sched_getaffinity(0)), "
                 "sorted(os.sched_getaffinity(0)))")
    same, cpus = got.split(" ", 1)
    assert same == "True"
    assert ast.literal_eval(cpus) == before[: max(threads, 1)]
    assert sorted(os.sched_getaffinity(0)) == before
