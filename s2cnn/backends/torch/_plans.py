"""Index plans of the torch backend: which FFT bins feed which Wigner chain, and where each
chain's output lands in the spectral layout. Cached by ``(b_grid, nl, device)``."""

from __future__ import annotations

import numpy as np
import torch

from ..._cache import table_cache
from ...layout import so3_nspec
from ...wigner import so3_group_pairs


@table_cache(maxsize=32)
def so3_plan(b_grid: int, nl: int, device: torch.device):
    """Plan for the SO(3) contraction between the grid of ``b_grid`` and degrees ``l < nl``.

    Returns
    -------
    bins : LongTensor ``[P]``
        Flat FFT bin ``(m mod 2b) * 2b + (n mod 2b)`` of every pair, rings ``L = 0..nl-1`` in turn.
    ring_sizes : list of int
        ``P_L``, the number of pairs of ring ``L``.
    to_layout : LongTensor ``[so3_nspec(nl)]``
        Row of the ring-ordered output (ring ``L`` contributes ``P_L * (nl - L)`` rows, pair
        major) that holds each row of the SO(3) layout.
    to_rings : LongTensor
        The inverse permutation (layout row of each ring-ordered row).
    """
    nb = 2 * b_grid
    bins, sizes, layout_rows = [], [], []
    for L, (m, n) in enumerate(so3_group_pairs(nl)):
        bins.append((m % nb) * nb + (n % nb))
        sizes.append(m.size)
        l = np.arange(L, nl)[None, :]
        rows = so3_nspec(l) + (m[:, None] + l) * (2 * l + 1) + (n[:, None] + l)
        layout_rows.append(rows.reshape(-1))
    to_rings = np.concatenate(layout_rows)
    to_layout = np.empty_like(to_rings)
    to_layout[to_rings] = np.arange(to_rings.size)
    as_t = lambda a: torch.as_tensor(a, dtype=torch.long, device=device)  # noqa: E731
    return as_t(np.concatenate(bins)), sizes, as_t(to_layout), as_t(to_rings)


@table_cache(maxsize=32)
def s2_plan(b_grid: int, nl: int, device: torch.device):
    """Plan for the S2 contraction between the grid of ``b_grid`` and degrees ``l < nl``.

    Returns
    -------
    bins : LongTensor ``[2nl - 1]``
        FFT bin ``m mod 2b`` for ``m = -(nl-1) .. nl-1``.
    to_layout : LongTensor ``[nl**2]``
        Flat index ``(m + nl - 1) * nl + l`` of the padded output ``[2nl-1, nl]`` for each row
        ``l**2 + (m + l)`` of the S2 layout.
    """
    m = np.arange(-(nl - 1), nl)
    rows = [(mm + nl - 1) * nl + l for l in range(nl) for mm in range(-l, l + 1)]
    as_t = lambda a: torch.as_tensor(a, dtype=torch.long, device=device)  # noqa: E731
    return as_t(m % (2 * b_grid)), as_t(rows)


@table_cache(maxsize=32)
def degree_factors(nl: int, kind: str, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``2l+1`` for each row of the S2 (``kind='s2'``) or SO(3) layout below ``nl``."""
    l = np.arange(nl)
    reps = 2 * l + 1 if kind == "s2" else (2 * l + 1) ** 2
    return torch.as_tensor(np.repeat(2 * l + 1, reps), dtype=dtype, device=device)
