"""The block loops' last, partial block. The transforms and the kernel spectrum cut their work
into blocks by a byte budget (``FFT_CHUNK_BYTES`` of the S2 analysis; ``_beta_chunk`` and
``GEMM_CHUNKS`` of the SO(3) transforms; ``ROW_BLOCK_BYTES`` of the kernel spectrum), and the
suite's other sizes give one block or blocks that divide the loop. Here the budgets leave a
partial last block: output and gradient as with one block. (A loop that drops its partial block
passed the rest of the suite, in a mutation run of 2026-12-07.)"""

from __future__ import annotations

import pytest
import torch

import s2cnn
from s2cnn.backends import set_backend

from . import checks


def _ones_and_blocks(fn, x, g, monkeypatch, module, name, budgets, dtype):
    """fn(x) and its gradient along g with the byte budget ``module.name`` huge (one block) and
    at each of ``budgets`` (blocks that do not divide the loop: a partial last block)."""
    results = []
    for budget in (1 << 40, *budgets):
        monkeypatch.setattr(module, name, budget)
        with set_backend("torch", only=True):
            out = fn(x)
        results.append((out.detach(), *torch.autograd.grad(out, x, g)))
    for other in results[1:]:
        for one, two in zip(results[0], other, strict=True):
            assert checks.rel_l2(two, one) <= checks.tolerance("backend", dtype)


@pytest.mark.parametrize("complex_input", [False, True], ids=["real", "complex"])
def test_s2_fft_partial_ring_blocks(complex_input, monkeypatch):
    """b = 5 rings in blocks of 2 and 3 (last block partial): the one-block output and gradient."""
    from s2cnn.backends.torch import _s2

    b, Z = 5, 3
    x = torch.randn(Z, 2 * b, 2 * b, dtype=torch.complex128 if complex_input else torch.float64, requires_grad=True)
    Zr = 2 * Z if complex_input else Z
    ring = Zr * (b + 1) * 2 * 8  # bytes of one ring's rfft bins (_s2._ring_chunk)
    g = torch.randn(b * b, Z, dtype=torch.complex128)
    budgets = (2 * ring, 3 * ring)
    _ones_and_blocks(s2cnn.s2_fft, x, g, monkeypatch, _s2, "FFT_CHUNK_BYTES", budgets, torch.float64)


@pytest.mark.parametrize("row_block_bytes", [4 * 8 * 8, 3 * 8 * 8], ids=["blocks-of-4", "blocks-of-3"])
def test_box_to_spectrum_partial_row_blocks(row_block_bytes, monkeypatch):
    """11 rows in blocks of 4 (or 3): the last block is partial; forward and adjoint as the
    one-line gather."""
    from s2cnn.nn import _kernel

    monkeypatch.setattr(_kernel, "ROW_BLOCK_BYTES", row_block_bytes)  # 2C = 8 float64 per row
    g = torch.Generator().manual_seed(3)
    U, K, C, nspec = 3, 5, 4, 11
    box = torch.randn(U, K, C, dtype=torch.complex128, generator=g, requires_grad=True)
    d = torch.randn(U, nspec, dtype=torch.float64, generator=g)
    column = torch.randint(0, K, (nspec,), generator=g)
    want = (d[:, :, None] * box[:, column]).sum(0)
    torch.testing.assert_close(_kernel.box_to_spectrum(box, d, column), want, rtol=1e-14, atol=1e-14)
    y = torch.randn(nspec, C, dtype=torch.complex128, generator=g)
    (got,) = torch.autograd.grad(_kernel.box_to_spectrum(box, d, column), box, y)
    (ref,) = torch.autograd.grad(want, box, y)
    torch.testing.assert_close(got, ref, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("rows_max", [0, 1 << 30], ids=["signals-as-columns", "signals-as-rows"])
@pytest.mark.parametrize("op", ["so3_fft", "so3_ifft", "so3_ifft_real"])
def test_so3_partial_beta_chunks(op, rows_max, monkeypatch):
    """b = 5 (10 betas) in FFT chunks of 3 and GEMM blocks of 6: the last block (4 betas) ends
    in a partial chunk of 1; output and gradient as in one chunk."""
    from s2cnn.backends.torch import _so3

    from .test_spectral import _rows_max

    monkeypatch.setattr(_so3, "ROWS_MAX_SIGNALS", _rows_max(rows_max))
    b, Z = 5, 3
    if op == "so3_fft":
        x = torch.randn(Z, 2 * b, 2 * b, 2 * b, dtype=torch.float64, requires_grad=True)
        g = torch.randn(checks.so3_nspec(b), Z, dtype=torch.complex128)
    else:
        x = torch.randn(checks.so3_nspec(b), Z, dtype=torch.complex128, requires_grad=True)
        g = torch.randn(Z, 2 * b, 2 * b, 2 * b, dtype=torch.complex128 if op == "so3_ifft" else torch.float64)
    fn = getattr(s2cnn, op)
    results = []
    for step, chunks in ((None, _so3.GEMM_CHUNKS), (3, 2)):
        if step is not None:
            monkeypatch.setattr(_so3, "_beta_chunk", lambda nb, *a, step=step: min(nb, step))
        monkeypatch.setattr(_so3, "GEMM_CHUNKS", chunks)
        with set_backend("torch", only=True):
            out = fn(x)
        results.append((out.detach(), *torch.autograd.grad(out, x, g)))
    for one, two in zip(*results, strict=True):
        assert checks.rel_l2(two, one) <= checks.tolerance("backend", torch.float64)
