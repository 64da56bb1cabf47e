"""Spectra of kernels sampled on a grid, without a dense Fourier matrix.

A kernel is a weighted sum of point masses at grid rotations :math:`g_p = (\\alpha_p, \\beta_p,
\\gamma_p)` (for S2 kernels :math:`\\gamma_p = 0` and only ``n = 0`` exists). Its spectrum is

.. math::

    \\hat\\psi^l_{mn} = c \\sum_p k_p\\, \\overline{D^l_{mn}(g_p)}
    = c \\sum_u d^l_{mn}(\\beta_u) \\sum_{p:\\, \\beta_p = \\beta_u} k_p\\, e^{-im\\alpha_p} e^{-in\\gamma_p},

with :math:`c = 2b` on S2 and :math:`c = 1` on SO(3) (the original's scales). Kernel grids have
few distinct :math:`\\beta_u` (3 for the near-identity grids), so the inner sums are small 2-D
Fourier sums on the :math:`(2b-1)^2` frequency box and the Wigner-d factor is a table of
``U x nspec`` numbers, where a dense matrix :math:`\\overline{D(g_p)}` would hold
``P x nspec`` complex numbers (1 GB for the default SO(3) grid at b = 64).

Index order: ``tables["d"][u, s]`` with ``s`` the row of the spectral layout (the spectrum is
built as ``[s, (i, o)]``, rows of the ``[(m, n), (i, o)]`` Fourier sums gathered whole); ``phase_*`` are
``[P, frequency]`` with frequencies ``-(b-1) .. b-1`` (a single ``0`` for S2's ``n``);
``column[s]`` is the flat ``(m, n)`` index of row ``s`` in the frequency box.
"""

from __future__ import annotations

import numpy as np
import torch

from .._blocks import items_per_block
from ..layout import s2_orders, so3_orders
from ..wigner import wigner_d_rows_s2, wigner_d_rows_so3


def kernel_tables(b: int, grid, space: str) -> tuple[dict[str, torch.Tensor], list[int]]:
    """float64 tables of the kernel spectrum on ``grid`` at bandwidth ``b``, and the sizes of the
    groups of points that share a beta (in the order of ``tables["order"]``).

    Returns
    -------
    tables : dict
        ``d [U, nspec]``, ``phase_alpha_real``/``_imag [P, 2b-1]``, ``phase_gamma_real``/``_imag
        [P, 2b-1]`` (``[P, 1]`` for S2), ``column [nspec]`` (long), ``order [P]`` (long: points
        sorted by their beta group).
    sizes : list of int
        Number of points of each beta group.
    """
    pts = np.asarray(grid, dtype=np.float64)
    beta, alpha = pts[:, 0], pts[:, 1]
    betas, group = np.unique(beta, return_inverse=True)
    freqs = np.arange(-(b - 1), b)
    if space == "so3":
        gamma = pts[:, 2]
        d = wigner_d_rows_so3(b, betas)  # [U, nspec]
        _, m, n = so3_orders(b)
        gamma_freqs = freqs
        column = (m + b - 1) * (2 * b - 1) + (n + b - 1)
    else:
        gamma = np.zeros_like(alpha)
        d = 2 * b * wigner_d_rows_s2(b, betas)  # [U, b**2]
        _, m = s2_orders(b)
        gamma_freqs = np.zeros(1)
        column = m + b - 1  # the box has the single column n = 0
    phase_alpha = np.exp(-1j * np.outer(alpha, freqs))
    phase_gamma = np.exp(-1j * np.outer(gamma, gamma_freqs))
    order = np.argsort(group, kind="stable")
    sizes = np.bincount(group, minlength=betas.size).tolist()
    as_t = torch.from_numpy
    tables = {
        "d": as_t(np.ascontiguousarray(d)),
        "phase_alpha_real": as_t(phase_alpha.real.copy()),
        "phase_alpha_imag": as_t(phase_alpha.imag.copy()),
        "phase_gamma_real": as_t(phase_gamma.real.copy()),
        "phase_gamma_imag": as_t(phase_gamma.imag.copy()),
        "column": as_t(column.astype(np.int64)),
        "order": as_t(order.astype(np.int64)),
    }
    return tables, sizes


def kernel_spectrum(kernel: torch.Tensor, tables: dict[str, torch.Tensor], sizes: list[int]) -> torch.Tensor:
    """``kernel [f_in, f_out, P]`` (real) -> spectrum ``[nspec, f_in, f_out]`` (complex).

    ``tables`` as returned by :func:`kernel_tables`, cast to the kernel's precision and device.
    Cost: ``P (2b-1)^2 f_in f_out`` for the Fourier sums plus ``U nspec f_in f_out`` for the
    Wigner-d factor (both complex multiply-adds; the second is :func:`box_to_spectrum`).
    """
    f_in, f_out, P = kernel.shape
    pa = torch.complex(tables["phase_alpha_real"], tables["phase_alpha_imag"])  # [P, M]
    pg = torch.complex(tables["phase_gamma_real"], tables["phase_gamma_imag"])  # [P, N]
    k = kernel.reshape(f_in * f_out, P)[:, tables["order"]].to(pa.dtype)  # [(i, o), P] by beta group
    pa, pg = pa[tables["order"]], pg[tables["order"]]
    boxes = []
    for ku, pau, pgu in zip(k.split(sizes, 1), pa.split(sizes), pg.split(sizes), strict=True):
        box = (pau[:, :, None] * pgu[:, None, :]).reshape(ku.shape[1], -1)  # [P_u, (m, n)]
        boxes.append(box.T @ ku.T)  # [(m, n), (i, o)]
    y = box_to_spectrum(torch.stack(boxes), tables["d"], tables["column"])  # [nspec, (i, o)]
    return y.view(-1, f_in, f_out)


@torch.compiler.disable  # runs eagerly inside compiled graphs: torch 2.13's dynamo warns on autograd.Function
def box_to_spectrum(box: torch.Tensor, d: torch.Tensor, column: torch.Tensor) -> torch.Tensor:
    """The Wigner-d factor of the kernel spectrum:
    :math:`y_{s c} = \\sum_u d_{u s}\\, \\mathrm{box}_{u,\\, \\mathrm{column}_s,\\, c}`.

    Parameters
    ----------
    box : Tensor ``[U, K, C]`` (complex)
        Fourier sums of each beta group ``u`` on the ``K`` frequencies ``(m, n)`` of the box.
    d : Tensor ``[U, nspec]`` (real, the precision of ``box``)
        :math:`d^l_{mn}(\\beta_u)` (times the scale) for each row ``s = (l, m, n)``.
    column : LongTensor ``[nspec]``
        The box frequency of row ``s``.

    Returns
    -------
    Tensor ``[nspec, C]`` (complex)

    Differentiable in ``box`` (any order): the backward is the adjoint
    :math:`\\mathrm{box}_{u k c} = \\sum_{s:\\, \\mathrm{column}_s = k} d_{u s} y_{s c}`, itself
    differentiable by this map. Both run a block of rows at a time, so the only full-size
    tensor is the result: the gathered ``[nspec, C]`` term of each ``u`` that a one-line version
    makes (and its gradient) are, at b = 64 with 8 x 8 features, 179 MB each.
    """
    return _BoxToSpectrum.apply(box, d, column)


#: Bytes of one block of rows of :func:`box_to_spectrum` and its adjoint: on the CPU (a block that
#: stays in cache), and on an accelerator (few launches; the one temporary stays small beside the
#: result).
ROW_BLOCK_BYTES = 2 << 20
ROW_BLOCK_BYTES_ACCELERATOR = 256 << 20


def _row_block(nspec: int, width: int, itemsize: int, device: torch.device) -> int:
    """Rows per block of ``width`` numbers of ``itemsize`` bytes (at least one)."""
    limit = ROW_BLOCK_BYTES if device.type == "cpu" else ROW_BLOCK_BYTES_ACCELERATOR
    return items_per_block(nspec, width * itemsize, limit)


class _BoxToSpectrum(torch.autograd.Function):
    """:func:`box_to_spectrum`; its backward is :class:`_SpectrumToBox`."""

    @staticmethod
    def forward(ctx, box, d, column):
        ctx.save_for_backward(d, column)
        ctx.nbox = box.shape[1]
        U, K, C = box.shape
        src = torch.view_as_real(box.resolve_conj().contiguous()).view(U, K, 2 * C)
        y = box.new_empty(column.numel(), C)  # the result is no view: written through its real view
        yr = torch.view_as_real(y).view(-1, 2 * C)
        step = _row_block(len(y), 2 * C, yr.element_size(), y.device)
        tmp = src.new_empty(min(step, len(y)), 2 * C)
        for s0 in range(0, len(y), step):
            s1 = min(s0 + step, len(y))
            cols, ys, t = column[s0:s1], yr[s0:s1], tmp[: s1 - s0]
            torch.index_select(src[0], 0, cols, out=ys).mul_(d[0, s0:s1, None])
            for u in range(1, U):
                ys.addcmul_(torch.index_select(src[u], 0, cols, out=t), d[u, s0:s1, None])
        return y

    @staticmethod
    def backward(ctx, g):
        d, column = ctx.saved_tensors
        return _SpectrumToBox.apply(g, d, column, ctx.nbox), None, None


class _SpectrumToBox(torch.autograd.Function):
    """The adjoint of :func:`box_to_spectrum`: ``y [nspec, C]`` -> ``box [U, K, C]``,
    :math:`\\mathrm{box}_{u k c} = \\sum_{s:\\, \\mathrm{column}_s = k} d_{u s} y_{s c}`; its
    backward is :class:`_BoxToSpectrum`."""

    @staticmethod
    def forward(ctx, y, d, column, nbox):
        ctx.save_for_backward(d, column)
        nspec, C = y.shape
        U = d.shape[0]
        src = torch.view_as_real(y.resolve_conj().contiguous()).view(nspec, 2 * C)
        box = y.new_zeros(U, nbox, C)
        boxr = torch.view_as_real(box).view(U, nbox, 2 * C)
        step = _row_block(nspec, 2 * C, src.element_size(), src.device)
        tmp = src.new_empty(min(step, nspec), 2 * C)
        for s0 in range(0, nspec, step):
            s1 = min(s0 + step, nspec)
            for u in range(U):
                t = torch.mul(src[s0:s1], d[u, s0:s1, None], out=tmp[: s1 - s0])
                boxr[u].index_add_(0, column[s0:s1], t)
        return box

    @staticmethod
    def backward(ctx, g):
        d, column = ctx.saved_tensors
        return _BoxToSpectrum.apply(g, d, column), None, None, None
