"""Spectral layouts of the original s2cnn: sizes and row indices.

Spectra are stored with the spectral axis first, then the batch axes.

* S2, bandwidth ``b``: ``b**2`` rows, row ``l**2 + (m + l)`` holds :math:`F^l_m`,
  ``0 <= l < b``, ``-l <= m <= l``.
* SO(3), bandwidth ``b``: ``b (4 b**2 - 1) / 3`` rows, row
  ``l (4 l**2 - 1) / 3 + (m + l)(2 l + 1) + (n + l)`` holds :math:`F^l_{mn}`; ``m`` is the
  frequency along ``alpha`` and ``n`` the frequency along ``gamma``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "s2_nspec",
    "so3_nspec",
    "s2_index",
    "so3_index",
    "s2_bandwidth_from_nspec",
    "s2_orders",
    "so3_orders",
    "so3_bandwidth_from_nspec",
]


def s2_nspec(b: int) -> int:
    """Number of S2 coefficients below bandwidth ``b``: :math:`b^2`."""
    return b * b


def so3_nspec(b: int) -> int:
    """Number of SO(3) coefficients below bandwidth ``b``: :math:`\\sum_{l<b} (2l+1)^2 = b(4b^2-1)/3`."""
    return b * (4 * b * b - 1) // 3


def s2_index(l: int, m: int) -> int:
    """Row of :math:`F^l_m` in the S2 layout."""
    return l * l + (m + l)


def so3_index(l: int, m: int, n: int) -> int:
    """Row of :math:`F^l_{mn}` in the SO(3) layout (also elementwise on integer arrays)."""
    return so3_nspec(l) + (m + l) * (2 * l + 1) + (n + l)


def s2_orders(b: int):
    """``(l, m)`` of every row of the S2 layout below ``b``, int64 arrays ``[b**2]``."""
    l = np.repeat(np.arange(b), 2 * np.arange(b) + 1)
    return l, np.arange(b * b) - l * l - l


def so3_orders(b: int):
    """``(l, m, n)`` of every row of the SO(3) layout below ``b``, int64 arrays ``[so3_nspec(b)]``."""
    sizes = (2 * np.arange(b) + 1) ** 2
    l = np.repeat(np.arange(b), sizes)
    within = np.arange(so3_nspec(b)) - np.repeat([so3_nspec(k) for k in range(b)], sizes)
    return l, within // (2 * l + 1) - l, within % (2 * l + 1) - l


def s2_bandwidth_from_nspec(nspec: int) -> int:
    """Inverse of :func:`s2_nspec`; raises ``ValueError`` when ``nspec`` is not a square."""
    b = math.isqrt(nspec)
    if b < 1 or b * b != nspec:
        raise ValueError(
            f"an S2 spectrum has b**2 rows for a bandwidth b >= 1; got {nspec} rows, which is not a square"
        )
    return b


def so3_bandwidth_from_nspec(nspec: int) -> int:
    """Inverse of :func:`so3_nspec`; raises ``ValueError`` when ``nspec`` is no ``b(4b^2-1)/3``."""
    b = max(1, round((0.75 * nspec) ** (1.0 / 3.0)))
    for cand in (b - 1, b, b + 1):
        if cand >= 1 and so3_nspec(cand) == nspec:
            return cand
    raise ValueError(
        f"an SO(3) spectrum has b(4b^2-1)/3 rows (1, 10, 35, 84, ...) for a bandwidth b >= 1; got {nspec} rows"
    )
