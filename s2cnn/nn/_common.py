"""What the convolution layers share: grid checks, kernel spectra, backend scope."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch

from ..backends import set_backend
from ..wigner import s2_harmonic_rows, wigner_D_rows


def check_grid(grid, arity: int, layer: str) -> tuple[tuple[float, ...], ...]:
    """Validate a kernel grid: a non-empty sequence of ``arity``-tuples of finite angles with
    ``0 <= beta <= pi``. Returns it as a tuple of float tuples."""
    what = "(beta, alpha)" if arity == 2 else "(beta, alpha, gamma)"
    try:
        pts = tuple(tuple(float(v) for v in p) for p in grid)
    except TypeError:
        raise TypeError(f"{layer}: grid must be a sequence of {what} tuples; got {grid!r:.80}") from None
    if not pts:
        raise ValueError(f"{layer}: grid must hold at least one {what} point")
    for p in pts:
        if len(p) != arity:
            raise ValueError(f"{layer}: every grid point must be a {what} tuple; got {p}")
        if not all(math.isfinite(v) for v in p):
            raise ValueError(f"{layer}: grid angles must be finite; got {p}")
        if not (0.0 <= p[0] <= math.pi):
            raise ValueError(f"{layer}: grid beta must lie in [0, pi]; got the point {p}")
    return pts


def s2_kernel_basis(b: int, grid) -> torch.Tensor:
    """``K[p, s]`` with :math:`y^l_m = \\sum_p k_p K_{p, (l,m)}`,
    :math:`K_{p,(l,m)} = 2b\\, \\overline{D^l_{m0}(\\alpha_p, \\beta_p, 0)}` (the original's scale:
    no quadrature weights, the kernel absorbs them). complex128 ``[len(grid), b**2]``."""
    beta, alpha = np.array(grid, dtype=np.float64).T
    return torch.from_numpy(2 * b * np.conj(s2_harmonic_rows(b, alpha, beta)))


def so3_kernel_basis(b: int, grid) -> torch.Tensor:
    """``K[p, s] = conj(D^l_{mn}(alpha_p, beta_p, gamma_p))``, complex128 ``[len(grid), so3_nspec(b)]``."""
    beta, alpha, gamma = np.array(grid, dtype=np.float64).T
    return torch.from_numpy(np.conj(wigner_D_rows(b, alpha, beta, gamma)))


def kernel_spectrum(kernel: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """``kernel [f_in, f_out, P]`` (real) and ``basis [P, nspec]`` -> ``[nspec, f_in, f_out]``."""
    f_in, f_out, P = kernel.shape
    y = kernel.reshape(f_in * f_out, P).to(basis.dtype) @ basis  # [(i, o), s]
    return y.T.reshape(-1, f_in, f_out)


def backend_scope(backend):
    """``set_backend(backend, only=True)`` when a layer was built with a backend, else nothing."""
    return contextlib.nullcontext() if backend is None else set_backend(backend, only=True)


def check_input(layer: str, x, ndim: int, f_in: int, b_in: int, weight: torch.Tensor) -> None:
    axes = "[batch, feature, beta, alpha]" if ndim == 4 else "[batch, feature, beta, alpha, gamma]"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{layer}: expected a tensor {axes}; got {type(x).__name__}")
    if x.dim() != ndim:
        raise ValueError(f"{layer}: expected a {ndim}-D tensor {axes}; got shape {tuple(x.shape)}")
    if x.shape[1] != f_in:
        raise ValueError(f"{layer}: expected {f_in} input features (axis 1); got shape {tuple(x.shape)}")
    if any(s != 2 * b_in for s in x.shape[2:]):
        raise ValueError(
            f"{layer}: expected spatial axes of size 2*b_in = {2 * b_in}; got shape {tuple(x.shape)}"
        )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{layer}: input dtype {x.dtype} differs from the layer's {weight.dtype}; convert one of them "
            f"(e.g. layer.double() for float64 input)"
        )
    if x.device != weight.device:
        raise ValueError(f"{layer}: input on {x.device} but the layer's parameters on {weight.device}")


def refresh_basis(layer) -> None:
    """Re-derive the kernel basis buffers from the float64 master copy at the precision and
    device of the layer's kernel (after ``.to()``, ``.double()``, ``.cuda()``, ...), so that a
    float32 -> float64 round trip of the layer loses nothing."""
    dtype = layer.kernel.dtype if layer.kernel.dtype in (torch.float32, torch.float64) else torch.float32
    basis = layer._basis64.to(layer.kernel.device)
    layer.kernel_basis_real = basis.real.to(dtype, copy=True)
    layer.kernel_basis_imag = basis.imag.to(dtype, copy=True)
