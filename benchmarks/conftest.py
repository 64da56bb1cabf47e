"""Fixtures of the pytest-benchmark micro-benchmarks (``benchmarks/test_bench_*.py``).

Every micro-benchmark runs on each ``target`` (backend, device) and ``dtype``; targets that
cannot run here are skipped with the reason. Torch is pinned to one thread for the test and
restored afterwards.
"""

from __future__ import annotations

import pytest
import torch

from .common import DTYPES, require_case

TARGETS = [
    pytest.param(("torch", "cpu"), id="torch-cpu"),
    pytest.param(("torch", "cuda"), id="torch-cuda", marks=pytest.mark.cuda),
    pytest.param(("cuda", "cuda"), id="cuda-cuda", marks=pytest.mark.cuda),
]


@pytest.fixture(params=TARGETS)
def target(request):
    """``(backend, device)``, pinned to one torch thread."""
    backend, device = request.param
    try:
        require_case(backend, device)
    except NotImplementedError as exc:
        pytest.skip(str(exc))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield backend, device
    torch.set_num_threads(threads)


@pytest.fixture(params=DTYPES)
def dtype(request) -> str:
    """``"float32"`` or ``"float64"`` (complex64 / complex128 for complex operands)."""
    return request.param
