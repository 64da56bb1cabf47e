"""Wigner-d tables of the torch backend, laid out for its batched GEMMs, and the symmetries that
let them cover every pair with a fraction of the memory and arithmetic.

Symmetries (:math:`d = d^l_{mn}(\\beta)`; the exactness of the transforms that use them against
the float64 direct sums of ``reference/`` in ``verify`` checks them, signs included):

* Mirror: :math:`d^l_{-m,-n} = (-1)^{m-n} d^l_{mn}`. One table serves the pair and its mirror.
* Real signals: :math:`F^l_{-m,-n} = (-1)^{m-n}\\, \\overline{F^l_{mn}}` for a real ``f``, so a
  forward transform of real data contracts only one pair of each mirror couple.
* Beta reflection: :math:`d^l_{m0}(\\pi - \\beta) = (-1)^{l+m} d^l_{m0}(\\beta)`, and the SOFT
  grid is symmetric, :math:`\\beta_{2b-1-j} = \\pi - \\beta_j` (with :math:`w_{2b-1-j} = w_j`). On
  the sphere the contraction over ``2b`` betas becomes one over ``b`` betas of the sums
  :math:`X_j + X_{2b-1-j}` (degrees with :math:`l + m` even) and of the differences (odd).

SO(3): rows of the grid, rings of the half plane
------------------------------------------------
The forward transform of real data needs the pairs with :math:`n \\ge 0`. Row ``m`` of the FFT
grid (``0 <= n < nl``) is one table ``[nl, nl - |m|, 2b]``: pair ``(m, n)`` needs the degrees
:math:`\\max(|m|, n) \\le l < n_l`, padded with zeros down to :math:`l = |m|`.

The inverse transform uses the half plane ``H``: the pairs with :math:`n > 0`, or
:math:`n = 0, m \\ge 0` (one of each mirror couple; :math:`(0, 0)` is its own mirror), grouped
by ring :math:`L = \\max(|m|, |n|)` (:func:`so3_half_pairs`). Ring ``L`` holds ``Q_L`` pairs
(``4L``, and 1 for ``L = 0``), each needing the degrees :math:`L \\le l < n_l`; its table is
``[Q_L, nl - L, 2b]``, exact (no padding).

S2: parity buckets
------------------
For :math:`m \\ge 0` and parity :math:`p = (l + m) \\bmod 2`, the degrees of ``(m, p)`` are
:math:`l = m + p + 2r`, ``r = 0, 1, ...``. The orders ``0 <= m < nl`` are cut into a few
contiguous buckets (:func:`s2_buckets`); bucket ``k`` of parity ``p`` is one table
``[|bucket|, R_{k,p}, b]`` on the first ``b`` betas, zero-padded to its longest chain.

Forward tables carry the quadrature weights :math:`w_j`; inverse tables do not. Tables are
computed in float64 by :func:`s2cnn.wigner.wigner_d_chains`, then cast, and cached by
``(b_grid, nl, dtype, device)``.
"""

from __future__ import annotations

import numpy as np
import torch

from ..._cache import table_cache
from ...grids import soft_betas
from ...quadrature import so3_quadrature_weights_np
from ...wigner import so3_group_pairs, wigner_d_chains

__all__ = ["so3_half_pairs", "so3_band_rows", "so3_tables", "s2_buckets", "s2_tables"]


def so3_half_pairs(nl: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per ring ``L = 0..nl-1``: the pairs ``(m, n)`` of ring ``L`` in the half plane ``H``
    (``n > 0``, or ``n == 0`` and ``m >= 0``), in C order of ``(m, n)``."""
    out = []
    for m, n in so3_group_pairs(nl):
        keep = (n > 0) | ((n == 0) & (m >= 0))
        out.append((m[keep], n[keep]))
    return out


def so3_band_rows(b_grid: int, nl: int) -> list[int]:
    """The orders ``m`` with ``|m| < nl``, in the order of their FFT bins ``m mod 2b``."""
    return [k if k < b_grid else k - 2 * b_grid for k in range(2 * b_grid) if min(k, 2 * b_grid - k) < nl]


@table_cache(maxsize=8)
def so3_tables(b_grid: int, nl: int, dtype: torch.dtype, device: torch.device):
    """The forward and inverse SO(3) tables on the SOFT betas of ``b_grid``, degrees ``l < nl``.

    Returns
    -------
    forward : tuple of Tensor, one per ``m`` of :func:`so3_band_rows`
        :math:`w_j d^{|m|+r}_{mn}(\\beta_j)` as ``[nl, nl - |m|, 2b]``, index ``[n, r, j]`` for
        ``0 <= n < nl``; zero where ``|m| + r < n`` (a row of the FFT grid is one GEMM, padded
        to its longest chain: half again the work of exact rings, but no gather of the data).
    inverse : tuple of Tensor, one per ring ``L``
        :math:`d^l_{mn}(\\beta_j)` as ``[Q_L, nl - L, 2b]``, index ``[pair of H_L, l - L, j]``.
    """
    beta = soft_betas(b_grid)
    w = so3_quadrature_weights_np(b_grid)
    nb = 2 * b_grid
    rows = {m: np.zeros((nl, nl - abs(m), nb)) for m in so3_band_rows(b_grid, nl)}
    inverse = []
    for L, (m, n) in enumerate(so3_group_pairs(nl)):
        keep = n >= 0
        m, n = m[keep], n[keep]
        d = wigner_d_chains(L, m, n, nl, beta)  # [pairs, nl - L, 2b]
        dw = d * w  # the forward rows carry the quadrature weights
        for i in range(m.size):
            rows[m[i]][n[i], L - abs(m[i]) :] = dw[i]
        half = (n > 0) | (m >= 0)  # H: drop (m < 0, n = 0)
        inverse.append(torch.from_numpy(d[half]).to(device=device, dtype=dtype))
    forward = tuple(torch.from_numpy(r).to(device=device, dtype=dtype) for r in rows.values())
    return forward, tuple(inverse)


def s2_buckets(nl: int) -> list[tuple[int, int]]:
    """Contiguous ranges ``[m0, m1)`` of about eight orders each, cutting ``0 <= m < nl``
    (padding each to its longest chain wastes a few percent of the work; smaller GEMMs than
    that lose more to overhead than they save)."""
    k = -(-nl // 8)
    edges = [round(i * nl / k) for i in range(k + 1)]
    return [(edges[i], edges[i + 1]) for i in range(k)]


def s2_chain_length(nl: int, m: int, p: int) -> int:
    """Number of degrees ``m <= l < nl`` with ``(l + m) % 2 == p``."""
    return max(0, (nl - m - p + 1) // 2)


@table_cache(maxsize=16)
def s2_tables(b_grid: int, nl: int, dtype: torch.dtype, device: torch.device):
    """Per parity ``p`` and bucket ``[m0, m1)`` of :func:`s2_buckets`: :math:`w^{S2}_j
    d^{m+p+2r}_{m0}(\\beta_j)` (forward) and :math:`d^{m+p+2r}_{m0}(\\beta_j)` (inverse) for the
    first ``b_grid`` betas, each ``[m1 - m0, R, b_grid]``, index ``[m - m0, r, j]``, zero for
    ``m + p + 2r >= nl``; ``R`` is the longest chain of the bucket.

    Returns ``(forward, inverse)``: ``forward[p][k]``, ``inverse[p][k]``.
    """
    beta = soft_betas(b_grid)[:b_grid]
    w = 2 * b_grid * so3_quadrature_weights_np(b_grid)[:b_grid]
    chains = [wigner_d_chains(m, [m], [0], nl, beta)[0] for m in range(nl)]  # [nl - m, b]
    forward, inverse = [], []
    for p in (0, 1):
        fw_p, inv_p = [], []
        for m0, m1 in s2_buckets(nl):
            rows = max(s2_chain_length(nl, m0, p), 1)
            t = np.zeros((m1 - m0, rows, b_grid))
            for m in range(m0, m1):
                c = chains[m][p::2]
                t[m - m0, : len(c)] = c
            fw_p.append(torch.from_numpy(t * w).to(device=device, dtype=dtype))
            inv_p.append(torch.from_numpy(t).to(device=device, dtype=dtype))
        forward.append(tuple(fw_p))
        inverse.append(tuple(inv_p))
    return tuple(forward), tuple(inverse)
