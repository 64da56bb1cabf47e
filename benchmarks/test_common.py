"""``benchmarks.common``: the page-fault metric of the asv cases."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

from . import bench_transforms

resource = pytest.importorskip("resource")  # POSIX


def test_host_faults_counts_fresh_pages():
    """A call that takes 64 MiB fresh from the system (above glibc's largest mmap threshold,
    32 MiB, so never kept on the heap) faults in its pages; one that reuses its buffer does not.
    In a fresh interpreter: other tests may change this process's allocator (``mallopt``)."""
    if os.environ.get("THP_MEM_ALLOC_ENABLE") == "1":
        pytest.skip("torch allocates huge pages here: one fault per 2 MiB")
    code = (
        "import torch\n"
        "from benchmarks.common import host_faults\n"
        "buf = torch.zeros(64 << 20, dtype=torch.uint8)\n"
        "print(host_faults(lambda: torch.ones(64 << 20, dtype=torch.uint8)), host_faults(lambda: buf.fill_(1)))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root)
    assert proc.returncode == 0, proc.stderr
    fresh, reuse = (float(v) for v in proc.stdout.split())
    pages = (64 << 20) // resource.getpagesize()
    assert 0.95 * pages <= fresh <= 1.1 * pages
    assert reuse < 0.01 * pages


def test_track_host_faults_of_a_case():
    """The asv metric on a small transform case: a finite, non-negative count per call."""
    bench = bench_transforms.S2FFT()
    bench.setup(8, "torch", "float64", "cpu")
    got = bench.track_host_faults(8, "torch", "float64", "cpu")
    assert math.isfinite(got) and got >= 0
