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
    Wigner-d factor (both complex multiply-adds).
    """
    f_in, f_out, P = kernel.shape
    pa = torch.complex(tables["phase_alpha_real"], tables["phase_alpha_imag"])  # [P, M]
    pg = torch.complex(tables["phase_gamma_real"], tables["phase_gamma_imag"])  # [P, N]
    k = kernel.reshape(f_in * f_out, P)[:, tables["order"]].to(pa.dtype)  # [(i, o), P] by beta group
    pa, pg = pa[tables["order"]], pg[tables["order"]]
    y = None
    for u, (ku, pau, pgu) in enumerate(zip(k.split(sizes, 1), pa.split(sizes), pg.split(sizes), strict=True)):
        box = (pau[:, :, None] * pgu[:, None, :]).reshape(ku.shape[1], -1)  # [P_u, (m, n)]
        fourier = box.T @ ku.T  # [(m, n), (i, o)]: rows gathered whole below
        term = fourier.index_select(0, tables["column"]) * tables["d"][u][:, None]  # [nspec, (i, o)]
        y = term if y is None else y.add_(term)  # y is no saved input of any backward
    return y.view(-1, f_in, f_out)
