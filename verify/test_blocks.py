"""The transforms' block loops' last, partial block. The transforms cut their work into blocks
by a byte budget (``FFT_CHUNK_BYTES`` of the S2 analysis; ``_beta_chunk`` and ``GEMM_CHUNKS`` of
the SO(3) transforms), and the suite's other sizes give one block or blocks that divide the loop
(the kernel spectrum's ``ROW_BLOCK_BYTES`` has such cases in
``test_layers.test_box_to_spectrum_and_its_adjoint``). Here the budgets leave a partial last
block: output and gradient as with one block. (A loop that drops its partial block passed the
rest of the suite, in a mutation run of 2026-12-07.)"""

from __future__ import annotations

import pytest
import torch

import s2cnn
from s2cnn.backends import set_backend

from . import checks


def _same_as_one_block(fn, x, g, monkeypatch, settings, dtype):
    """fn(x) and its gradient along g under each of ``settings`` in turn: lists of ``(module,
    name, value)`` to set, the first giving one block and the others a partial last block."""
    results = []
    for setting in settings:
        for module, name, value in setting:
            monkeypatch.setattr(module, name, value)
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
    settings = [[(_s2, "FFT_CHUNK_BYTES", budget)] for budget in (1 << 40, 2 * ring, 3 * ring)]
    _same_as_one_block(s2cnn.s2_fft, x, g, monkeypatch, settings, torch.float64)


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
    partial = [(_so3, "_beta_chunk", lambda nb, *a: min(nb, 3)), (_so3, "GEMM_CHUNKS", 2)]
    _same_as_one_block(getattr(s2cnn, op), x, g, monkeypatch, [[], partial], torch.float64)
