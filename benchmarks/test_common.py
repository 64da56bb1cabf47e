"""``benchmarks.common``: the page-fault metric of the asv cases."""

from __future__ import annotations

import math
import os

import pytest
import torch

from . import bench_transforms
from .common import host_faults

resource = pytest.importorskip("resource")  # POSIX


def test_host_faults_counts_fresh_pages():
    """A call that takes 64 MiB fresh from the system (above glibc's largest mmap threshold,
    32 MiB, so never kept on the heap) faults in its pages; one that reuses its buffer does not."""
    if os.environ.get("THP_MEM_ALLOC_ENABLE") == "1":
        pytest.skip("torch allocates huge pages here: one fault per 2 MiB")
    pages = (64 << 20) // resource.getpagesize()

    def fresh():
        torch.ones(64 << 20, dtype=torch.uint8)

    buf = torch.zeros(64 << 20, dtype=torch.uint8)

    def reuse():
        buf.fill_(1)

    assert 0.95 * pages <= host_faults(fresh) <= 1.1 * pages
    assert host_faults(reuse) < 0.01 * pages


def test_track_host_faults_of_a_case():
    """The asv metric on a small transform case: a finite, non-negative count per call."""
    bench = bench_transforms.S2FFT()
    bench.setup(8, "torch", "float64", "cpu")
    got = bench.track_host_faults(8, "torch", "float64", "cpu")
    assert math.isfinite(got) and got >= 0
