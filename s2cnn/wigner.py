"""Wigner-d functions by a scaled three-term recursion in ``l``, and the cached tables.

:math:`d^l_{mn}(\\beta)` is Wigner's small d-function in the 'quantum' convention with the
Condon-Shortley phase (equal to lie_learn's ``wigner_d_matrix(l, beta, field='complex',
normalization='quantum', order='centered', condon_shortley='cs')[m + l, n + l]``), e.g.
:math:`d^1_{10}(\\beta) = -\\sin\\beta/\\sqrt 2`. The full Wigner-D is
:math:`D^l_{mn}(\\alpha, \\beta, \\gamma) = e^{i m \\alpha} d^l_{mn}(\\beta) e^{i n \\gamma}`.

Recursion
---------
For fixed :math:`(m, n)` let :math:`L = \\max(|m|, |n|)`. The chain starts at the closed form
(:math:`c = \\cos\\frac\\beta2`, :math:`s = \\sin\\frac\\beta2`, :math:`k` the other index)

.. math::

    d^L_{L,k} = (-1)^{L-k}\\sqrt{\\tbinom{2L}{L+k}}\\, c^{L+k} s^{L-k}, \\quad
    d^L_{-L,k} = \\sqrt{\\tbinom{2L}{L+k}}\\, c^{L-k} s^{L+k},

    d^L_{k,L} = \\sqrt{\\tbinom{2L}{L+k}}\\, c^{L+k} s^{L-k}, \\quad
    d^L_{k,-L} = (-1)^{L+k}\\sqrt{\\tbinom{2L}{L+k}}\\, c^{L-k} s^{L+k},

and climbs with (Kostelec & Rockmore, J. Fourier Anal. Appl. 14, 2008)

.. math::

    d^{l+1}_{mn} = \\frac{(2l+1)(l+1)}{\\sqrt{((l+1)^2-m^2)((l+1)^2-n^2)}}
    \\Big[\\Big(\\cos\\beta - \\frac{mn}{l(l+1)}\\Big) d^l_{mn}
    - \\frac{\\sqrt{(l^2-m^2)(l^2-n^2)}}{l(2l+1)} d^{l-1}_{mn}\\Big].

The recursion runs forward in :math:`l`, which is the stable direction. The seeds underflow
double precision for large :math:`L` near the poles (:math:`s^{2L}` at :math:`\\beta \\approx 0`),
although later terms of the same chain are of order one; so each chain carries a mantissa
:math:`u` and a log-scale :math:`\\sigma` (:math:`d = u\\, e^{\\sigma}`), seeded in log space and
renormalised whenever :math:`|u|` exceeds :math:`2^{500}`. Errors grow about linearly with
:math:`l` (measured against extended precision in ``verify``: below 1e-13 at l = 512).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._cache import table_cache
from .grids import soft_betas
from .layout import s2_orders, so3_nspec, so3_orders

__all__ = [
    "wigner_d_chains",
    "wigner_d_matrix",
    "wigner_D_matrix",
    "wigner_d_rows_so3",
    "wigner_d_rows_s2",
    "wigner_D_rows",
    "s2_harmonic_rows",
    "wigner_d_table_s2",
    "wigner_d_table_so3",
    "so3_group_pairs",
]

_RESCALE = 2.0**500
_LOG_RESCALE = 500 * math.log(2.0)


def _log_factorials(n: int) -> np.ndarray:
    return np.array([math.lgamma(k + 1) for k in range(n + 1)])


def _seed(L: int, m: np.ndarray, n: np.ndarray, beta: np.ndarray):
    """Sign and log-magnitude of :math:`d^L_{mn}(\\beta)`, shape ``[P, J]``, with L = max(|m|,|n|)."""
    lf = _log_factorials(2 * L)
    row = np.abs(m) >= np.abs(n)  # L = |m|: k = n; else L = |n|: k = m
    k = np.where(row, n, m)
    top = np.where(row, m, n) > 0  # the extreme index is +L (else -L)
    # exponents of c = cos(beta/2) and s = sin(beta/2)
    ec = np.where(top, L + k, L - k)
    es = np.where(top, L - k, L + k)
    sign_odd = np.where(row, np.where(top, L - k, 0), np.where(top, 0, L + k)) % 2
    log_binom = 0.5 * (lf[2 * L] - lf[L + k] - lf[L - k])
    c = np.cos(beta / 2)[None, :]
    s = np.sin(beta / 2)[None, :]
    ec = ec[:, None]
    es = es[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        logc = np.log(np.abs(c))
        logs = np.log(np.abs(s))
        logmag = log_binom[:, None] + np.where(ec == 0, 0.0, ec * logc) + np.where(es == 0, 0.0, es * logs)
    neg = (sign_odd[:, None] + np.where(c < 0, ec, 0) + np.where(s < 0, es, 0)) % 2
    return np.where(neg == 1, -1.0, 1.0), logmag


def wigner_d_chains(L: int, m, n, nl: int, beta) -> np.ndarray:
    """:math:`d^l_{m_p n_p}(\\beta_j)` for ``L <= l < nl`` on chains that all start at ``L``.

    Parameters
    ----------
    L : int
        Common start, ``max(|m_p|, |n_p|) == L`` for every pair.
    m, n : array_like of int, shape ``[P]``
        The pairs.
    nl : int
        One past the last degree.
    beta : array_like of float, shape ``[J]``

    Returns
    -------
    numpy.ndarray, float64, shape ``[P, nl - L, J]``
        ``out[p, l - L, j]``.
    """
    m = np.asarray(m, dtype=np.int64).reshape(-1)
    n = np.asarray(n, dtype=np.int64).reshape(-1)
    beta = np.asarray(beta, dtype=np.float64).reshape(-1)
    if np.any(np.maximum(np.abs(m), np.abs(n)) != L):
        raise ValueError(f"every pair must have max(|m|, |n|) == L = {L}")
    out = np.empty((m.size, max(nl - L, 0), beta.size))
    if nl <= L:
        return out
    sign, sigma = _seed(L, m, n, beta)
    u1 = sign.copy()  # mantissa of d^l
    u0 = np.zeros_like(u1)  # mantissa of d^{l-1}
    scale = np.exp(sigma)
    out[:, 0] = u1 * scale
    cosb = np.cos(beta)[None, :]
    mf = m.astype(np.float64)[:, None]
    nf = n.astype(np.float64)[:, None]
    for l in range(L, nl - 1):
        a = (2 * l + 1) * (l + 1) / np.sqrt(((l + 1) ** 2 - mf**2) * ((l + 1) ** 2 - nf**2))
        if l == 0:
            c = 0.0
            e = 0.0
        else:
            c = mf * nf / (l * (l + 1))
            e = np.sqrt((l**2 - mf**2) * (l**2 - nf**2)) / (l * (2 * l + 1))
        u2 = a * ((cosb - c) * u1 - e * u0)
        u0, u1 = u1, u2
        big = np.abs(u1) > _RESCALE
        if big.any():
            u1 = np.where(big, u1 / _RESCALE, u1)
            u0 = np.where(big, u0 / _RESCALE, u0)
            sigma = np.where(big, sigma + _LOG_RESCALE, sigma)
            scale = np.where(big, np.exp(sigma), scale)
        out[:, l + 1 - L] = u1 * scale
    return out


def wigner_d_matrix(l: int, beta) -> np.ndarray:
    """:math:`d^l_{mn}(\\beta)` as float64, shape ``[..., 2l+1, 2l+1]``, index ``[m + l, n + l]``.

    ``beta`` may be a scalar or an array (its shape leads the result).
    """
    if int(l) != l or l < 0:
        raise ValueError(f"degree l must be an integer >= 0; got {l!r}")
    beta = np.asarray(beta, dtype=np.float64)
    flat = beta.reshape(-1)
    out = np.zeros((2 * l + 1, 2 * l + 1, flat.size))
    for L in range(l + 1):
        m, n = _ring(L)
        out[m + l, n + l] = wigner_d_chains(L, m, n, l + 1, flat)[:, -1]
    return np.moveaxis(out, -1, 0).reshape(*beta.shape, 2 * l + 1, 2 * l + 1)


def wigner_D_matrix(l: int, alpha, beta, gamma) -> np.ndarray:  # noqa: N802 - the field's name
    """:math:`D^l_{mn}(\\alpha,\\beta,\\gamma) = e^{im\\alpha} d^l_{mn}(\\beta) e^{in\\gamma}`, complex128
    ``[2l+1, 2l+1]``, index ``[m + l, n + l]``."""
    k = np.arange(-l, l + 1)
    return np.exp(1j * k * alpha)[:, None] * wigner_d_matrix(l, beta) * np.exp(1j * k * gamma)[None, :]


def _ring(L: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs with ``max(|m|, |n|) == L``, in C order of ``(m, n)``."""
    k = np.arange(-L, L + 1)
    M, N = np.meshgrid(k, k, indexing="ij")
    keep = np.maximum(np.abs(M), np.abs(N)) == L
    return M[keep], N[keep]


def so3_group_pairs(nl: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For ``L = 0..nl-1``, the pairs ``(m, n)`` with ``max(|m|, |n|) == L`` (C order)."""
    return [_ring(L) for L in range(nl)]


# --------------------------------------------------------------------------------------------
# Cached tables on the SOFT grid


def wigner_d_rows_so3(nl: int, beta) -> np.ndarray:
    """:math:`d^l_{mn}(\\beta_p)` for every point ``p`` and row of the SO(3) layout below ``nl``:
    float64 ``[P, so3_nspec(nl)]``."""
    beta = np.asarray(beta, dtype=np.float64).reshape(-1)
    out = np.empty((so3_nspec(nl), beta.size))  # filled row by row, returned transposed
    for L, (m, n) in enumerate(so3_group_pairs(nl)):
        d = wigner_d_chains(L, m, n, nl, beta)  # [pairs, l - L, P]
        for i, l in enumerate(range(L, nl)):
            out[so3_nspec(l) + (m + l) * (2 * l + 1) + (n + l)] = d[:, i]
    return out.T


def wigner_d_rows_s2(nl: int, beta) -> np.ndarray:
    """:math:`d^l_{m0}(\\beta_p)` for every point ``p`` and row of the S2 layout below ``nl``:
    float64 ``[P, nl**2]``."""
    beta = np.asarray(beta, dtype=np.float64).reshape(-1)
    out = np.empty((nl * nl, beta.size))  # filled row by row, returned transposed
    for L in range(nl):
        m = np.array([-L, L]) if L else np.array([0])
        d = wigner_d_chains(L, m, np.zeros_like(m), nl, beta)
        for i, l in enumerate(range(L, nl)):
            out[l * l + m + l] = d[:, i]
    return out.T


def wigner_d_table_s2(b_grid: int, nl: int, dtype=torch.float64, device="cpu") -> torch.Tensor:
    """:math:`d^l_{m0}(\\beta_j)` in the S2 layout: ``[nl**2, 2 b_grid]``, row ``l**2 + (m + l)``."""
    return _table("s2", int(b_grid), int(nl), dtype, torch.device(device))


def wigner_d_table_so3(b_grid: int, nl: int, dtype=torch.float64, device="cpu") -> torch.Tensor:
    """:math:`d^l_{mn}(\\beta_j)` in the SO(3) layout: ``[so3_nspec(nl), 2 b_grid]``."""
    return _table("so3", int(b_grid), int(nl), dtype, torch.device(device))


@table_cache(maxsize=16)
def _table(space, b_grid, nl, dtype, device):
    rows = (wigner_d_rows_s2 if space == "s2" else wigner_d_rows_so3)(nl, soft_betas(b_grid))
    return torch.from_numpy(np.ascontiguousarray(rows.T)).to(device=device, dtype=dtype)


def wigner_D_rows(nl: int, alpha, beta, gamma) -> np.ndarray:  # noqa: N802 - the field's name
    """:math:`D^l_{mn}(\\alpha_p, \\beta_p, \\gamma_p)` for every point ``p`` and row of the SO(3)
    layout below ``nl``: complex128 ``[P, so3_nspec(nl)]``.

    Parameters
    ----------
    nl : int
        Bandwidth (degrees ``l < nl``).
    alpha, beta, gamma : array_like, shape ``[P]``
        Euler angles (ZYZ) of the points.
    """
    alpha, gamma = (np.asarray(a, dtype=np.float64).reshape(-1) for a in (alpha, gamma))
    _, m, n = so3_orders(nl)
    return wigner_d_rows_so3(nl, beta) * np.exp(1j * (np.outer(alpha, m) + np.outer(gamma, n)))


def s2_harmonic_rows(nl: int, alpha, beta) -> np.ndarray:
    """:math:`D^l_{m0}(\\alpha_p, \\beta_p, 0) = e^{im\\alpha_p} d^l_{m0}(\\beta_p)` for every point
    ``p`` and row of the S2 layout below ``nl``: complex128 ``[P, nl**2]``."""
    alpha = np.asarray(alpha, dtype=np.float64).reshape(-1)
    _, m = s2_orders(nl)
    return wigner_d_rows_s2(nl, beta) * np.exp(1j * np.outer(alpha, m))
