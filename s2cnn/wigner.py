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

The recursion runs forward in :math:`l`, which is the stable direction. Two things keep it exact
to a few ulps where the plain form loses digits (measured against Wigner's sum in exact
arithmetic, ``verify``):

* **Near the poles** the chains with :math:`m = n` tend to 1 at :math:`\\beta = 0` (and those with
  :math:`m = -n` to :math:`\\pm 1` at :math:`\\beta = \\pi`), and the plain form adds an
  :math:`O(\\epsilon)` rounding at every step ``k`` that the recursion amplifies by up to
  :math:`k \\log(l/k)`, an error growing like :math:`l^2 \\epsilon`: :math:`2.7 \\cdot 10^{-13}` at
  :math:`l = 127` and :math:`4.7 \\cdot 10^{-12}` at :math:`l = 512` for :math:`d^l_{00}` next to
  the pole. So the recursion is written for :math:`y_l = d^l - \\sigma d^{l-1}`, with
  :math:`\\sigma = +1` on the northern betas and :math:`-1` on the southern ones,

  .. math::

      y_{l+1} = \\big(a_l (\\cos\\beta - \\sigma) + \\sigma\\kappa^\\sigma_l\\big) d^l
      + \\sigma a_l e_l\\, y_l, \\qquad d^{l+1} = \\sigma d^l + y_{l+1},

  where :math:`a_l, e_l` are the two factors above, :math:`\\cos\\beta - 1 = -2\\sin^2\\frac\\beta2`
  and :math:`\\cos\\beta + 1 = 2\\cos^2\\frac\\beta2` are formed without cancellation, and
  :math:`\\kappa^\\sigma_l = a_l(1 - \\sigma mn/(l(l+1)) - e_l) - 1` vanishes exactly for
  :math:`m = \\sigma n` (set to zero there; elsewhere computed in extended precision, since it is a
  small difference of order-one terms).
* **The seeds** underflow double precision for large :math:`L` near the poles
  (:math:`s^{2L}` at :math:`\\beta \\approx 0`), although later terms of the same chain are of
  order one. Each chain carries a mantissa :math:`u` and a binary exponent :math:`k`
  (:math:`d = u\\, 2^k`, exact scaling), seeded from the logarithm of the closed form in extended
  precision (``numpy.longdouble``; a logarithm of size 600 in float64 alone would cost
  :math:`10^{-13}` relative) and renormalised by :math:`2^{500}` whenever :math:`|u|` exceeds it.

Where ``numpy.longdouble`` is plain double (some platforms), the same code runs in float64 and
the seeds of high-degree chains lose the digits said above.
"""

from __future__ import annotations

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

#: Chains renormalise their mantissa by ``2**_RESCALE_BITS`` when it exceeds that.
_RESCALE_BITS = 500
_RESCALE = 2.0**_RESCALE_BITS

#: Extended precision of the seeds and the recursion's factors (float64 where it is no wider).
_EXT = np.longdouble


def _log_factorials(n: int) -> np.ndarray:
    """:math:`\\log k!` for ``k = 0..n`` in extended precision (sums of logarithms)."""
    return np.concatenate([np.zeros(1, dtype=_EXT), np.cumsum(np.log(np.arange(1, n + 1, dtype=_EXT)))])


def _seed(L: int, m: np.ndarray, n: np.ndarray, beta: np.ndarray):
    """:math:`d^L_{mn}(\\beta) = u\\, 2^k` with L = max(|m|,|n|): the mantissa ``u`` (float64,
    ``0.5 <= |u| < 1``, or 0) and the exponent ``k`` (int64), both ``[P, J]``."""
    lf = _log_factorials(2 * L)
    row = np.abs(m) >= np.abs(n)  # L = |m|: k = n; else L = |n|: k = m
    k = np.where(row, n, m)
    top = np.where(row, m, n) > 0  # the extreme index is +L (else -L)
    # exponents of c = cos(beta/2) and s = sin(beta/2)
    ec = np.where(top, L + k, L - k)[:, None]
    es = np.where(top, L - k, L + k)[:, None]
    sign_odd = np.where(row, np.where(top, L - k, 0), np.where(top, 0, L + k)) % 2
    log_binom = 0.5 * (lf[2 * L] - lf[L + k] - lf[L - k])
    half = beta.astype(_EXT)[None, :] / 2
    c, s = np.cos(half), np.sin(half)
    with np.errstate(divide="ignore", invalid="ignore"):
        logmag = (
            log_binom[:, None]
            + np.where(ec == 0, 0, ec * np.log(np.abs(c)))
            + np.where(es == 0, 0, es * np.log(np.abs(s)))
        )
        zero = ~np.isfinite(logmag)  # a pole: c or s is 0 to a positive power
        logmag = np.where(zero, 0, logmag)
        ln2 = np.log(_EXT(2))
        exponent = np.floor(logmag / ln2).astype(np.int64) + 1
        # the remainder in [-log 2, 0) is exact enough in float64: only its exp in double precision
        mantissa = np.exp((logmag - exponent * ln2).astype(np.float64))  # in [1/2, 1)
    neg = (sign_odd[:, None] + np.where(c < 0, ec, 0) + np.where(s < 0, es, 0)) % 2
    return np.where(zero, 0.0, np.where(neg == 1, -mantissa, mantissa)), np.where(zero, 0, exponent)


def _factors(L: int, nl: int, m: np.ndarray, n: np.ndarray):
    """The recursion's factors from degree ``l`` to ``l + 1``, ``L <= l < nl - 1``, for the pairs
    ``(m, n)``: :math:`a_l`, :math:`a_l e_l`, :math:`\\kappa^+_l` and :math:`\\kappa^-_l` (module
    docstring), each float64 ``[nl - 1 - L, P, 1]``, computed in extended precision; the kappas are
    exactly 0 for ``m = n`` and ``m = -n`` respectively."""
    l = np.arange(L, nl - 1, dtype=_EXT)[:, None, None]
    m_, n_ = m.astype(_EXT)[None, :, None], n.astype(_EXT)[None, :, None]
    a = (2 * l + 1) * (l + 1) / np.sqrt(((l + 1) ** 2 - m_**2) * ((l + 1) ** 2 - n_**2))
    with np.errstate(divide="ignore", invalid="ignore"):  # l = 0 is (m, n) = (0, 0): c = e = 0
        c = np.where(l == 0, 0, m_ * n_ / (l * (l + 1)))
        e = np.where(l == 0, 0, np.sqrt((l**2 - m_**2) * (l**2 - n_**2)) / (l * (2 * l + 1)))
    kappa_north = np.where((m == n)[:, None], 0, a * (1 - c - e) - 1)
    kappa_south = np.where((m == -n)[:, None], 0, a * (1 + c - e) - 1)
    return tuple(np.asarray(v, dtype=np.float64) for v in (a, a * e, kappa_north, kappa_south))


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
    north = beta <= np.pi / 2
    factors = list(zip(*_factors(L, nl, m, n), strict=True))
    for side, sigma in ((north, 1.0), (~north, -1.0)):  # sigma: the pole whose value the form keeps exact
        j = np.flatnonzero(side)
        if j.size == 0:
            continue
        if j[-1] - j[0] + 1 == j.size:  # a run of betas (sorted grids): written in place
            _climb(L, m, n, beta[j[0] : j[-1] + 1], sigma, factors, out[:, :, j[0] : j[-1] + 1])
        else:
            part = np.empty((m.size, nl - L, j.size))
            _climb(L, m, n, beta[j], sigma, factors, part)
            out[:, :, j] = part
    return out


def _climb(L: int, m: np.ndarray, n: np.ndarray, beta: np.ndarray, sigma: float, factors: list, out: np.ndarray):
    """:func:`wigner_d_chains` on betas of one hemisphere, in the form exact at its pole
    (``sigma = 1``: :math:`\\beta = 0`; ``-1``: :math:`\\beta = \\pi`), written into ``out
    [P, len(factors) + 1, J]`` (a view)."""
    u, k = _seed(L, m, n, beta)  # d^L = u 2^k
    scale = np.ldexp(1.0, k)
    np.multiply(u, scale, out=out[:, 0])
    half = beta.astype(_EXT) / 2
    cos_minus_sigma = (-2 * np.sin(half) ** 2 if sigma > 0 else 2 * np.cos(half) ** 2).astype(np.float64)
    y = u.copy()  # y_L = d^L - sigma d^{L-1}, at the exponent of u (d^{L-1} = 0)
    for i, (a, ae, kappa_north, kappa_south) in enumerate(factors):
        y = (a * cos_minus_sigma + (kappa_north if sigma > 0 else -kappa_south)) * u + (sigma * ae) * y
        u = y + u if sigma > 0 else y - u
        big = np.abs(u) > _RESCALE
        if big.any():
            u = np.where(big, u / _RESCALE, u)
            y = np.where(big, y / _RESCALE, y)
            k = np.where(big, k + _RESCALE_BITS, k)
            scale = np.ldexp(1.0, k)
        np.multiply(u, scale, out=out[:, i + 1])


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
