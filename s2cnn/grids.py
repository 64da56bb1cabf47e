"""Sampling grids: the SOFT grids the transforms use and the kernel grids of the layers.

SOFT grid of bandwidth :math:`b`:

.. math::

    \\beta_j = \\frac{\\pi (2j+1)}{4b}, \\qquad
    \\alpha_k = \\gamma_k = \\frac{2\\pi k}{2b}, \\qquad j, k = 0, \\dots, 2b-1.

A point :math:`(\\beta, \\alpha)` of S2 is :math:`(\\sin\\beta\\cos\\alpha, \\sin\\beta\\sin\\alpha,
\\cos\\beta)`; a point :math:`(\\alpha, \\beta, \\gamma)` of SO(3) is the ZYZ rotation
:math:`R_z(\\alpha) R_y(\\beta) R_z(\\gamma)`. Kernel grids are tuples of ``(beta, alpha)`` or
``(beta, alpha, gamma)`` points, as in the original s2cnn.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "soft_betas",
    "soft_alphas",
    "s2_soft_grid",
    "so3_soft_grid",
    "s2_near_identity_grid",
    "s2_equatorial_grid",
    "so3_near_identity_grid",
    "so3_equatorial_grid",
]


def _check_b(b: int) -> int:
    if int(b) != b or b < 1:
        raise ValueError(f"bandwidth b must be an integer >= 1; got {b!r}")
    return int(b)


def soft_betas(b: int) -> np.ndarray:
    """:math:`\\beta_j = \\pi(2j+1)/(4b)`, float64 ``[2b]``."""
    b = _check_b(b)
    return np.pi * (2 * np.arange(2 * b) + 1) / (4 * b)


def soft_alphas(b: int) -> np.ndarray:
    """:math:`\\alpha_k = \\gamma_k = 2\\pi k / (2b)`, float64 ``[2b]``."""
    b = _check_b(b)
    return 2 * np.pi * np.arange(2 * b) / (2 * b)


def s2_soft_grid(b: int) -> tuple[tuple[float, float], ...]:
    """All ``(beta, alpha)`` points of the S2 SOFT grid, beta major (C order), ``(2b)^2`` points."""
    beta, alpha = np.meshgrid(soft_betas(b), soft_alphas(b), indexing="ij")
    return tuple((float(x), float(y)) for x, y in zip(beta.ravel(), alpha.ravel(), strict=True))


def so3_soft_grid(b: int) -> tuple[tuple[float, float, float], ...]:
    """All ``(beta, alpha, gamma)`` points of the SO(3) SOFT grid in C order, ``(2b)^3`` points."""
    beta, alpha, gamma = np.meshgrid(soft_betas(b), soft_alphas(b), soft_alphas(b), indexing="ij")
    return tuple(
        (float(x), float(y), float(z))
        for x, y, z in zip(beta.ravel(), alpha.ravel(), gamma.ravel(), strict=True)
    )


def s2_near_identity_grid(max_beta: float = np.pi / 8, n_alpha: int = 8, n_beta: int = 3):
    """Rings around the north pole: :math:`\\beta = i\\, \\beta_{max}/n_\\beta`, ``i = 1..n_beta``,
    :math:`\\alpha` equispaced in :math:`[0, 2\\pi)` with ``n_alpha`` points (24 points by default).
    """
    beta = np.arange(1, n_beta + 1) * max_beta / n_beta
    alpha = np.linspace(0, 2 * np.pi, n_alpha, endpoint=False)
    B, A = np.meshgrid(beta, alpha, indexing="ij")
    return tuple((float(x), float(y)) for x, y in zip(B.ravel(), A.ravel(), strict=True))


def s2_equatorial_grid(max_beta: float = 0, n_alpha: int = 32, n_beta: int = 1):
    """A band around the equator: :math:`\\beta \\in` linspace(pi/2 - max_beta, pi/2 + max_beta,
    n_beta), :math:`\\alpha` equispaced in :math:`[0, 2\\pi)` (32 points by default)."""
    beta = np.linspace(np.pi / 2 - max_beta, np.pi / 2 + max_beta, n_beta)
    alpha = np.linspace(0, 2 * np.pi, n_alpha, endpoint=False)
    B, A = np.meshgrid(beta, alpha, indexing="ij")
    return tuple((float(x), float(y)) for x, y in zip(B.ravel(), A.ravel(), strict=True))


def so3_near_identity_grid(
    max_beta: float = np.pi / 8, max_gamma: float = 2 * np.pi, n_alpha: int = 8, n_beta: int = 3, n_gamma=None
):
    """Rotations near the identity, ``(beta, alpha, gamma)``; 192 points by default.

    :math:`\\beta = i\\,\\beta_{max}/n_\\beta` (``i = 1..n_beta``), :math:`\\alpha` equispaced in
    :math:`[0, 2\\pi)`, and :math:`\\gamma = \\gamma' - \\alpha` with :math:`\\gamma'` in
    linspace(-max_gamma, max_gamma, n_gamma) (endpoints included; with ``max_gamma = 2 pi`` they
    coincide, as in the original).
    """
    if n_gamma is None:
        n_gamma = n_alpha
    beta = np.arange(1, n_beta + 1) * max_beta / n_beta
    alpha = np.linspace(0, 2 * np.pi, n_alpha, endpoint=False)
    pre_gamma = np.linspace(-max_gamma, max_gamma, n_gamma, endpoint=True)
    B, A, PG = np.meshgrid(beta, alpha, pre_gamma, indexing="ij")
    G = PG - A
    return tuple(
        (float(x), float(y), float(z)) for x, y, z in zip(B.ravel(), A.ravel(), G.ravel(), strict=True)
    )


def so3_equatorial_grid(
    max_beta: float = 0, max_gamma: float = np.pi / 8, n_alpha: int = 32, n_beta: int = 1, n_gamma: int = 2
):
    """Rotations that move the north pole to the equator band; 64 points by default.

    :math:`\\beta \\in` linspace(pi/2 - max_beta, pi/2 + max_beta, n_beta), :math:`\\alpha`
    equispaced in :math:`[0, 2\\pi)`, :math:`\\gamma \\in` linspace(-max_gamma, max_gamma, n_gamma).
    """
    beta = np.linspace(np.pi / 2 - max_beta, np.pi / 2 + max_beta, n_beta)
    alpha = np.linspace(0, 2 * np.pi, n_alpha, endpoint=False)
    gamma = np.linspace(-max_gamma, max_gamma, n_gamma, endpoint=True)
    B, A, C = np.meshgrid(beta, alpha, gamma, indexing="ij")
    return tuple(
        (float(x), float(y), float(z)) for x, y, z in zip(B.ravel(), A.ravel(), C.ravel(), strict=True)
    )
