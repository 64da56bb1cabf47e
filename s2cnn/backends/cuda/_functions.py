"""Autograd wrappers of the kernels: contractions and block products with explicit backward passes.

The four kernels families are linear maps with real tables or bilinear products, so their
gradients are again kernels of this package:

* analysis ``F = A X`` with ``A[row, (z, j, kp, kq)] = T[row, j]`` (real): ``grad X = A^T grad F``,
  the synthesis with the same table; the synthesis' gradient is the analysis. Both backward passes
  go through the other :class:`torch.autograd.Function`, so double backward works.
* block products (see ``block_product.cu``): ``grad x`` and ``grad y`` are the ``grad_x`` /
  ``grad_y`` kernels (PyTorch convention: the conjugate Wirtinger derivative, ``A^H grad``).
  Their backward is once differentiable.

Every function takes an *executor* (the object that runs a :class:`~._plan.Launch`): the cupy
executor on GPUs, or the CPU emulator of the test suite.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.autograd.function import once_differentiable

from . import _plan
from ._plan import spec_rows

__all__ = ["real_name", "analysis", "synthesis", "block_product"]

_REAL = {torch.complex64: "float", torch.complex128: "double"}


def real_name(dtype: torch.dtype) -> str:
    """``"float"`` for complex64, ``"double"`` for complex128 (the kernels' template argument)."""
    try:
        return _REAL[dtype]
    except KeyError:
        raise TypeError(f"the cuda kernels take complex64 or complex128; got {dtype}") from None


def _ready(t: torch.Tensor) -> torch.Tensor:
    """``t`` contiguous, its address a multiple of its element size (the kernels load whole complex
    numbers: 8 bytes for complex64, 16 for complex128)."""
    t = t.contiguous()
    return t if t.data_ptr() % t.element_size() == 0 else t.clone()


def _run_analysis(X: torch.Tensor, T: torch.Tensor, so3: bool, L: int, rows_out: int, ex: Any) -> torch.Tensor:
    X, T = _ready(X), _ready(T)
    Z, J, N = X.shape[0], X.shape[1], X.shape[-1]
    F = torch.empty(rows_out, Z, dtype=X.dtype, device=X.device)
    done = spec_rows(so3, L)
    if rows_out > done:
        F[done:].zero_()
    ex.launch(
        X.device,
        [_plan.analysis(real_name(X.dtype), so3, X.data_ptr(), T.data_ptr(), F.data_ptr(), Z, J, N, L)],
        operands=(X, T, F),
    )
    return F


def _run_synthesis(F: torch.Tensor, T: torch.Tensor, so3: bool, L: int, N: int, ex: Any) -> torch.Tensor:
    F, T = _ready(F), _ready(T)
    Z, J = F.shape[1], T.shape[1]
    shape = (Z, J, N, N) if so3 else (Z, J, N)
    Y = torch.empty(shape, dtype=F.dtype, device=F.device)
    ex.launch(
        F.device,
        [_plan.synthesis(real_name(F.dtype), so3, F.data_ptr(), T.data_ptr(), Y.data_ptr(), Z, J, N, L)],
        operands=(F, T, Y),
    )
    return Y


class _Analysis(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, T, so3, L, rows_out, ex):
        ctx.table, ctx.so3, ctx.L, ctx.N, ctx.ex = T, so3, L, X.shape[-1], ex
        return _run_analysis(X, T, so3, L, rows_out, ex)

    @staticmethod
    def backward(ctx, grad):
        rows = spec_rows(ctx.so3, ctx.L)
        g = grad[:rows].contiguous()
        return _Synthesis.apply(g, ctx.table, ctx.so3, ctx.L, ctx.N, ctx.ex), None, None, None, None, None


class _Synthesis(torch.autograd.Function):
    @staticmethod
    def forward(ctx, F, T, so3, L, N, ex):
        ctx.table, ctx.so3, ctx.L, ctx.rows_in, ctx.ex = T, so3, L, F.shape[0], ex
        return _run_synthesis(F, T, so3, L, N, ex)

    @staticmethod
    def backward(ctx, grad):
        g = grad.contiguous()
        return (
            _Analysis.apply(g, ctx.table, ctx.so3, ctx.L, ctx.rows_in, ctx.ex),
            None,
            None,
            None,
            None,
            None,
        )


def analysis(X: torch.Tensor, T: torch.Tensor, so3: bool, L: int, rows_out: int, ex: Any) -> torch.Tensor:
    r"""Differentiable analysis contraction.

    .. math:: F[\mathrm{row}(l,p,q), z] = \sum_j T[\mathrm{row}(l,p,q), j]\, X[z, j, k_p, k_q]

    Parameters
    ----------
    X : torch.Tensor
        ``[Z, J, N, N]`` (``so3``) or ``[Z, J, N]``, complex, contiguous; ``k_p, k_q`` are FFT
        indices (frequency ``f`` at ``f mod N``).
    T : torch.Tensor
        ``[rows(L), J]`` real of the matching precision, contiguous.
    so3 : bool
    L : int
        Degrees ``l < L <= N/2``.
    rows_out : int
        Rows of the result (``>= rows(L)``; the extra rows are zero).
    ex : executor

    Returns
    -------
    torch.Tensor
        ``[rows_out, Z]`` complex.
    """
    return _Analysis.apply(X, T, so3, L, rows_out, ex)


def synthesis(F: torch.Tensor, T: torch.Tensor, so3: bool, L: int, N: int, ex: Any) -> torch.Tensor:
    r"""Differentiable synthesis contraction (the transpose of :func:`analysis`).

    .. math::
        Y[z, j, k_p, k_q] = \sum_{l_0(p,q) \le l < L} T[\mathrm{row}(l,p,q), j]\, F[\mathrm{row}(l,p,q), z]

    Parameters
    ----------
    F : torch.Tensor
        ``[rows, Z]`` complex, contiguous, ``rows >= rows(L)`` (rows beyond are ignored).
    T : torch.Tensor
        ``[rows(L), J]`` real of the matching precision, contiguous.
    so3 : bool
    L : int
        Degrees ``l < L <= N/2``.
    N : int
        FFT length of the result (even).
    ex : executor

    Returns
    -------
    torch.Tensor
        ``[Z, J, N, N]`` (``so3``) or ``[Z, J, N]`` complex, zero where no ``l < L`` carries the
        frequencies.
    """
    return _Synthesis.apply(F, T, so3, L, N, ex)


def _run_product(which: str, so3: bool, a: torch.Tensor, b: torch.Tensor, bw: int, ex: Any) -> torch.Tensor:
    a, b = _ready(a), _ready(b)
    if which == "forward":  # a = x [rows, Z, Fi], b = y [rows, Fi, Fo]
        Z, Fi, Fo = a.shape[1], a.shape[2], b.shape[2]
        shape = (spec_rows(True, bw), Z, Fo)
    elif which == "grad_x":  # a = G [so3 rows, Z, Fo], b = y [rows, Fi, Fo]
        Z, Fi, Fo = a.shape[1], b.shape[1], b.shape[2]
        shape = (spec_rows(so3, bw), Z, Fi)
    else:  # grad_y: a = x [rows, Z, Fi], b = G [so3 rows, Z, Fo]
        Z, Fi, Fo = a.shape[1], a.shape[2], b.shape[2]
        shape = (spec_rows(so3, bw), Fi, Fo)
    out = torch.empty(shape, dtype=a.dtype, device=a.device)
    ex.launch(
        a.device,
        [_plan.product(which, real_name(a.dtype), so3, a.data_ptr(), b.data_ptr(), out.data_ptr(), bw, Z, Fi, Fo)],
        operands=(a, b, out),
    )
    return out


class _Product(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y, so3, bw, ex):
        ctx.save_for_backward(x, y)
        ctx.so3, ctx.bw, ctx.ex = so3, bw, ex
        return _run_product("forward", so3, x, y, bw, ex)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = grad.contiguous()
        gx = _run_product("grad_x", ctx.so3, g, y, ctx.bw, ctx.ex) if ctx.needs_input_grad[0] else None
        gy = _run_product("grad_y", ctx.so3, x, g, ctx.bw, ctx.ex) if ctx.needs_input_grad[1] else None
        return gx, gy, None, None, None


def block_product(x: torch.Tensor, y: torch.Tensor, so3: bool, bw: int, ex: Any) -> torch.Tensor:
    r"""Differentiable s2_mm (``so3=False``) or so3_mm (``so3=True``).

    .. math::
        z^l_{mn}[z, o] = \sum_f x^l_m[z, f]\, \overline{y^l_n[f, o]} \quad\text{or}\quad
        z^l_{mn}[z, o] = \sum_k \sum_f x^l_{mk}[z, f]\, \overline{y^l_{nk}[f, o]}

    Parameters
    ----------
    x : torch.Tensor
        ``[rows, Z, Fi]`` complex, contiguous; ``rows = bw**2`` (S2) or ``so3_nspec(bw)``.
    y : torch.Tensor
        ``[rows, Fi, Fo]``, same dtype and device, contiguous.
    so3 : bool
    bw : int
        Bandwidth.
    ex : executor

    Returns
    -------
    torch.Tensor
        ``[so3_nspec(bw), Z, Fo]``.
    """
    return _Product.apply(x, y, so3, bw, ex)
