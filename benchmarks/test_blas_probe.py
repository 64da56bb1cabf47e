"""``python -m benchmarks.blas_probe``: its child process, its records and its text (tiny shapes)."""

from __future__ import annotations

import numpy as np
import torch

from . import blas_probe


def test_shapes_follow_the_s2_analysis_and_the_floor():
    s = blas_probe.shapes(64, 16)
    assert s["s2 bucket"] == (8, 32, 64, 32)
    assert s["floor"] == (1, 64 * 64, 128, 32)


def test_probe_measures_in_process_and_in_a_child(monkeypatch):
    monkeypatch.setattr(blas_probe, "shapes", lambda b, Z: {"s2 bucket": (8, 4, 8, 2 * Z), "floor": (1, 64, 16, 2 * Z)})
    probe = blas_probe.measure(8, 2, ["float64"], repeat=3, budget=0.1)
    assert [r["shape"] for r in probe] == ["s2 bucket", "floor"]
    assert all(r["torch_gflops"] > 0 and r["numpy_gflops"] > 0 for r in probe)
    child = blas_probe.run(b=8, Z=2, dtypes=["float32"], threads=1, repeat=3, budget=0.05)
    assert "error" not in child, child
    assert child["threads"] == 1
    assert "torch" in child["libraries"]["torch"] and "numpy" in child["libraries"]["numpy"]
    assert {r["shape"] for r in child["records"]} == {"s2 bucket", "floor", "square"}
    text = blas_probe.lines(child)
    assert text[0].startswith("BLAS (1 thread(s))") and len(text) == 1 + len(child["records"])


def test_probe_failure_is_a_line_not_a_crash():
    assert blas_probe.lines({"error": "boom"}) == ["BLAS probe failed: boom"]


def test_measured_products_are_right():
    # the probe times what it claims: torch.bmm and numpy.matmul of the same operands agree
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 5))
    x = rng.standard_normal((2, 5, 4))
    np.testing.assert_allclose(torch.bmm(torch.from_numpy(a), torch.from_numpy(x)).numpy(), a @ x, rtol=1e-12)


def test_environment_names_the_variables_that_change_the_libraries(monkeypatch):
    monkeypatch.setenv("MKL_NUM_THREADS", "1")
    monkeypatch.setenv("LD_PRELOAD", "/x.so")
    monkeypatch.setenv("S2CNN_UNRELATED", "1")
    env = blas_probe.environment()
    assert env["MKL_NUM_THREADS"] == "1" and env["LD_PRELOAD"] == "/x.so"
    assert "S2CNN_UNRELATED" not in env
