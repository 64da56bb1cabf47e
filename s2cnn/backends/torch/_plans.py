"""Index plans of the torch backend: which FFT bins feed which table row, and where each GEMM
output lands in the spectral layout (with the sign or conjugation that a symmetry asks for).
Cached by ``(b_grid, nl, dtype, device)``; the orders follow :mod:`._tables`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ..._cache import table_cache
from ...layout import so3_index, so3_nspec
from ._tables import s2_buckets, s2_chain_length, so3_band_rows, so3_half_pairs


class So3Plan(NamedTuple):
    """Plan between the SO(3) grid of ``b_grid`` and the degrees ``l < nl``.

    ``Q`` pairs of ``H`` in ring order; ``rows = sum_L Q_L (nl - L)`` inverse GEMM rows ``(L, q, l)``.

    Attributes
    ----------
    row_sizes : tuple of int
        ``Q_L (nl - L)``.
    band_rows : tuple of int
        The FFT bins ``m mod 2b`` of the orders ``|m| < nl`` (:func:`._tables.so3_band_rows`).
    out_index : LongTensor ``[so3_nspec(nl)]``
        For each layout row ``(l, m, n)``, its row in the forward GEMM output, ordered
        ``(m, n, r)`` as the forward tables (``n >= 0``, ``l = |m| + r``): that of ``(l, m, n)``
        if ``n >= 0``, else that of the mirror ``(l, -m, -n)``.
    out_factor : Tensor ``[so3_nspec(nl), 2]``
        Factors of the real and imaginary parts: ``(1, 1)``, or ``(s, -s)`` with
        ``s = (-1)^{m-n}`` for a mirror (:math:`F_{-m,-n} = s \\overline{F_{mn}}` for real data).
    in_index : LongTensor ``[2 rows]``
        Order ``(L, q, l, h)``: the layout row of ``(l, m, n)`` (``h = 0``) or of its mirror
        ``(l, -m, -n)`` (``h = 1``).
    in_factor : Tensor ``[2 rows]``
        ``2l + 1`` times ``1`` (``h = 0``) or ``s`` (``h = 1``; :math:`d_{-m,-n} = s\\, d_{mn}`).
    ring_start : tuple of int
        Offset of ring ``L``'s pairs among the ``Q`` pairs of ``H`` (``sum_{L' < L} Q_L'``).
    grid_index : LongTensor ``[(2b)^2]``
        For each FFT bin ``(m mod 2b, n mod 2b)`` in C order: the synthesis it receives,
        ``h Q + q``; ``2Q`` (a zero slot) outside the band.
    slot_pos : LongTensor ``[2Q]``
        The inverse of ``grid_index``: the bin of slot ``h Q + q``, or ``(2b)^2`` for the one
        slot that no bin receives (the mirror of ``(0, 0)``, which is its own mirror).
    conj_slots : LongTensor ``[Q0]``
        The pairs ``(m, 0)``, ``m > 0``, of ``H``, whose conjugates the bins ``(-m, 0)`` of a
        real synthesis receive.
    half_index : LongTensor ``[2b (b + 1)]``
        For each bin ``(m mod 2b, n)``, ``0 <= n <= b``, of a real synthesis (C order): its slot
        ``q`` for a pair of ``H``, ``Q + k`` for the conjugate of ``conj_slots[k]``, ``Q + Q0``
        (a zero slot) outside the band.
    half_pos : LongTensor ``[Q]``
        The bin ``(m mod 2b) (b + 1) + n`` of each pair of ``H`` in a half spectrum ``n <= b``.
    lost_slots : BoolTensor ``[2Q]``
        The slots that no bin receives (``slot_pos == (2b)^2``): their syntheses reach no grid
        point, so the adjoint gives them no gradient.
    lost_rows : BoolTensor ``[rows]``
        Rows ``(L, q, l)`` of the mirror half whose slot ``Q + q`` is lost.
    """

    row_sizes: tuple
    band_rows: tuple
    out_index: torch.Tensor
    out_factor: torch.Tensor
    in_index: torch.Tensor
    in_factor: torch.Tensor
    ring_start: tuple
    grid_index: torch.Tensor
    slot_pos: torch.Tensor
    conj_slots: torch.Tensor
    half_index: torch.Tensor
    half_pos: torch.Tensor
    lost_slots: torch.Tensor
    lost_rows: torch.Tensor


@table_cache(maxsize=32)
def so3_plan(b_grid: int, nl: int, dtype: torch.dtype, device: torch.device) -> So3Plan:
    nb = 2 * b_grid
    pairs = so3_half_pairs(nl)
    m_all = np.concatenate([m for m, _ in pairs])
    n_all = np.concatenate([n for _, n in pairs])
    Q = m_all.size
    nspec = so3_nspec(nl)
    # forward: GEMM rows (m, n, r) over the band rows m, 0 <= n < nl, r < nl - |m|
    band = so3_band_rows(b_grid, nl)
    row_start = np.cumsum([0] + [nl * (nl - abs(m)) for m in band])
    start_of = {m: row_start[i] for i, m in enumerate(band)}
    out_index = np.empty(nspec, dtype=np.int64)
    out_factor = np.ones((nspec, 2))
    for l in range(nl):
        m, n = (a.reshape(-1) for a in np.meshgrid(np.arange(-l, l + 1), np.arange(-l, l + 1), indexing="ij"))
        flip = n < 0
        s = np.where((m - n) % 2 == 0, 1.0, -1.0)
        mm, nn = np.where(flip, -m, m), np.where(flip, -n, n)
        starts = np.array([start_of[k] for k in mm])
        rows = so3_index(l, m, n)
        out_index[rows] = starts + nn * (nl - np.abs(mm)) + (l - np.abs(mm))
        out_factor[rows[flip]] = np.stack([s[flip], -s[flip]], -1)
    # inverse: rings of H, each pair beside its mirror
    in_index, in_factor = [], []
    for L, (m, n) in enumerate(pairs):
        l = np.arange(L, nl)[None, :]
        s = np.where((m - n) % 2 == 0, 1.0, -1.0)[:, None] * np.ones_like(l)
        own, mirror = so3_index(l, m[:, None], n[:, None]), so3_index(l, -m[:, None], -n[:, None])
        in_index.append(np.stack([own, mirror], -1).reshape(-1))
        in_factor.append(np.stack([(2 * l + 1) * np.ones_like(s), (2 * l + 1) * s], -1).reshape(-1))
    grid = np.full((nb, nb), 2 * Q, dtype=np.int64)
    grid[(-m_all) % nb, (-n_all) % nb] = Q + np.arange(Q)
    grid[m_all % nb, n_all % nb] = np.arange(Q)  # after the mirrors: (0, 0) is its own mirror
    grid = grid.reshape(-1)
    slot_pos = np.full(2 * Q, nb * nb, dtype=np.int64)
    on_grid = grid < 2 * Q
    slot_pos[grid[on_grid]] = np.flatnonzero(on_grid)
    conj_slots = np.flatnonzero((n_all == 0) & (m_all > 0))
    half = np.full((nb, b_grid + 1), Q + conj_slots.size, dtype=np.int64)
    half[m_all % nb, n_all] = np.arange(Q)
    half[(-m_all[conj_slots]) % nb, 0] = Q + np.arange(conj_slots.size)
    lost = slot_pos == nb * nb
    per_pair = np.concatenate([np.full(m.size, nl - L) for L, (m, _) in enumerate(pairs)])
    as_long = lambda a: torch.as_tensor(a, dtype=torch.long, device=device)  # noqa: E731
    as_real = lambda a: torch.as_tensor(a, dtype=dtype, device=device)  # noqa: E731
    as_bool = lambda a: torch.as_tensor(a, dtype=torch.bool, device=device)  # noqa: E731
    return So3Plan(
        row_sizes=tuple(m.size * (nl - L) for L, (m, _) in enumerate(pairs)),
        band_rows=tuple(m % nb for m in band),
        out_index=as_long(out_index),
        out_factor=as_real(out_factor),
        in_index=as_long(np.concatenate(in_index)),
        in_factor=as_real(np.concatenate(in_factor)),
        ring_start=tuple(int(v) for v in np.cumsum([0] + [m.size for m, _ in pairs])[:-1]),
        grid_index=as_long(grid),
        slot_pos=as_long(slot_pos),
        conj_slots=as_long(conj_slots),
        half_index=as_long(half.reshape(-1)),
        half_pos=as_long((m_all % nb) * (b_grid + 1) + n_all),
        lost_slots=as_bool(lost),
        lost_rows=as_bool(np.repeat(lost[Q:], per_pair)),
    )


class S2Plan(NamedTuple):
    """Plan between the S2 grid of ``b_grid`` and the degrees ``l < nl``.

    GEMM rows are ordered ``(p, bucket, m, r)`` (:mod:`._tables`), ``l = m + p + 2r``.

    Attributes
    ----------
    buckets : list of (m0, m1)
    rows : tuple of int
        ``R`` of each ``(p, bucket)``, parity major.
    out_index, out_factor : ``[nl**2]``, ``[nl**2, 2]``
        As for SO(3): GEMM row of ``(l, |m|)``; ``(1, 1)``, or ``((-1)^m, -(-1)^m)`` for
        ``m < 0`` (:math:`F_{-m} = (-1)^m \\overline{F_m}` for real data).
    in_index, in_factor : ``[2 * total rows]``
        Order ``(p, bucket, m, r, h)``: layout row of ``(l, m)`` (``h = 0``) or ``(l, -m)``
        (``h = 1``), and ``2l+1`` times ``1`` or ``(-1)^m``; padding rows take row ``0`` with
        factor ``0`` (no zero row to append: a non-finite row ``0`` makes every grid value
        non-finite anyway).
    grid_rows : LongTensor ``[(2 b_grid)^2]``
        For each FFT bin ``k`` along alpha and ring ``i`` (C order ``(k, i)``): the row
        ``((s nl + |m|) b_grid + j) 2 + h`` of the synthesis block ``[s, m, j, h]`` that it
        receives, with ``h = (m < 0)``; ``s = 0, j = i`` on the northern rings (even part plus
        odd part) and ``s = 1, j = 2 b_grid - 1 - i`` on the southern ones (even minus odd).
        The bins outside the band (``|m| >= nl``) get row ``4 nl b_grid``, one past the block:
        both directions give the block that one spare row, which the synthesis holds at zero
        and reads for those bins, and into which the adjoint adds their gradient and drops it.
    grid_rows_padded : LongTensor ``[2 b_grid (2 b_grid + 1)]``
        The same rows with one more ring per bin (a copy of its ring ``0``), C order ``(k, i)``,
        ``i <= 2 b_grid``: the layout of the synthesis's FFT input, whose bin stride then is
        not a power of two (:mod:`._s2`).
    reflect : LongTensor ``[b_grid]``
        ``b_grid - 1 - j``: the southern ring ``2 b_grid - 1 - j`` paired with the northern ring
        ``j``, as an index into the southern half (a gather in place of ``flip``, which copies).
    """

    buckets: list
    rows: tuple
    out_index: torch.Tensor
    out_factor: torch.Tensor
    in_index: torch.Tensor
    in_factor: torch.Tensor
    grid_rows: torch.Tensor
    grid_rows_padded: torch.Tensor
    reflect: torch.Tensor


@table_cache(maxsize=32)
def s2_plan(b_grid: int, nl: int, dtype: torch.dtype, device: torch.device) -> S2Plan:
    nb = 2 * b_grid
    buckets = s2_buckets(nl)
    out_index = np.empty(nl * nl, dtype=np.int64)
    out_factor = np.empty((nl * nl, 2))
    in_index, in_factor, rows_of = [], [], []
    start = 0
    for p in (0, 1):
        for m0, m1 in buckets:
            R = max(s2_chain_length(nl, m0, p), 1)
            rows_of.append(R)
            m = np.arange(m0, m1)[:, None]
            l = m + p + 2 * np.arange(R)[None, :]  # [bucket, R]
            row = start + (m - m0) * R + (l - m - p) // 2
            ok = l < nl
            sign = np.where(m % 2 == 0, 1.0, -1.0) * np.ones_like(l)
            pos, neg = l * l + l + m, l * l + l - m
            out_index[pos[ok]] = row[ok]
            out_factor[pos[ok]] = 1.0
            negok = ok & (m > 0)
            out_index[neg[negok]] = row[negok]
            out_factor[neg[negok]] = np.stack([sign[negok], -sign[negok]], -1)
            idx = np.where(ok[..., None], np.stack([pos, neg], -1), 0)
            fac = np.where(ok[..., None], np.stack([2 * l + 1.0, (2 * l + 1) * sign], -1), 0.0)
            in_index.append(idx.reshape(-1))
            in_factor.append(fac.reshape(-1))
            start += (m1 - m0) * R
    k = np.arange(nb)
    mk = np.where(k < b_grid, k, k - nb)
    band = np.abs(mk) < nl
    i = np.arange(nb)
    south = i >= b_grid
    j = np.where(south, nb - 1 - i, i)
    rows = ((south[None, :] * nl + np.abs(mk)[:, None]) * b_grid + j[None, :]) * 2 + (mk < 0)[:, None]
    rows = np.where(band[:, None], rows, 4 * nl * b_grid)  # the bins outside the band: the spare row
    as_long = lambda a: torch.as_tensor(a, dtype=torch.long, device=device)  # noqa: E731
    as_real = lambda a: torch.as_tensor(a, dtype=dtype, device=device)  # noqa: E731
    return S2Plan(
        buckets=buckets,
        rows=tuple(rows_of),
        out_index=as_long(out_index),
        out_factor=as_real(out_factor),
        in_index=as_long(np.concatenate(in_index)),
        in_factor=as_real(np.concatenate(in_factor)),
        grid_rows=as_long(rows.reshape(-1)),
        grid_rows_padded=as_long(np.concatenate([rows, rows[:, :1]], 1).reshape(-1)),
        reflect=as_long(np.arange(b_grid - 1, -1, -1)),
    )
