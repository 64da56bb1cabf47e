r"""Fourier transforms on S2 and SO(3) as direct sums over the SOFT grid (no FFT).

Notation: :math:`w^{SO(3)}_j` and :math:`w^{S2}_j = 2b\, w^{SO(3)}_j` are the quadrature weights of
:mod:`reference.quadrature`, :math:`(\beta_j, \alpha_k, \gamma_k)` the grid of
:mod:`reference.grids`, :math:`d^l_{mn}` the Wigner d-functions of :mod:`reference.wigner`.
The exponentials :math:`e^{\mp i m \alpha_k}` are roots of unity computed from the integer
``m * k mod 2b``, and every sum is an explicit matrix product.

S2 (spectrum ``[b**2, ...]``, row :math:`l^2 + (m + l)`, :math:`|m| \le l`):

.. math::

    F^l_m = \sum_{j,k} w^{S2}_j f(\beta_j, \alpha_k) e^{-i m \alpha_k} d^l_{m0}(\beta_j),
    \qquad
    f(\beta_j, \alpha_k) = \sum_{l} (2l+1) \sum_m F^l_m d^l_{m0}(\beta_j) e^{i m \alpha_k}.

SO(3) (spectrum ``[b (4 b**2 - 1) / 3, ...]``, row
:math:`l(4l^2-1)/3 + (m+l)(2l+1) + (n+l)`, ``m`` along alpha and ``n`` along gamma):

.. math::

    F^l_{mn} = \sum_{j,k_1,k_2} w^{SO(3)}_j f(\beta_j, \alpha_{k_1}, \gamma_{k_2})
        e^{-i m \alpha_{k_1}} e^{-i n \gamma_{k_2}} d^l_{mn}(\beta_j),
    \qquad
    f(\beta_j, \alpha_{k_1}, \gamma_{k_2}) = \sum_l (2l+1) \sum_{m,n} F^l_{mn}
        d^l_{mn}(\beta_j) e^{i m \alpha_{k_1}} e^{i n \gamma_{k_2}}.

That is :math:`F^l_{mn} = \int f(g) \overline{D^l_{mn}(g)}\, dg` (normalised Haar measure)
and :math:`f = \sum_l (2l+1) \sum_{mn} F^l_{mn} D^l_{mn}` for band-limited :math:`f`.
Spectra put the spectral axis first, then the batch axes; grid signals put the batch
axes first.
"""

from functools import lru_cache

import numpy as np

from .grids import _check_bandwidth, soft_betas
from .quadrature import s2_weights, so3_weights
from .wigner import wigner_d_matrix

__all__ = ["s2_fft", "s2_ifft", "so3_fft", "so3_ifft"]


def _so3_nspec(b):
    return b * (4 * b * b - 1) // 3


def _so3_offset(l):
    return l * (4 * l * l - 1) // 3


def _bandwidth_from_s2_nspec(nspec):
    b = int(round(nspec ** 0.5))
    if nspec < 1 or b * b != nspec:
        raise ValueError(f"an S2 spectrum has b**2 rows (b >= 1), got {nspec} rows")
    return b


def _bandwidth_from_so3_nspec(nspec):
    b = int(round((0.75 * nspec) ** (1 / 3)))
    if nspec < 1 or _so3_nspec(b) != nspec:
        raise ValueError(f"an SO(3) spectrum has b (4 b**2 - 1) / 3 rows (b >= 1), got {nspec} rows")
    return b


def _grid_bandwidth(shape, ndim, what):
    if len(shape) < ndim or len(set(shape[-ndim:])) != 1 or shape[-1] % 2 or shape[-1] == 0:
        raise ValueError(f"{what} signals end with {ndim} axes of equal even size 2b, got shape {shape}")
    return shape[-1] // 2


def _optional_bandwidth(b_out, default):
    return default if b_out is None else _check_bandwidth(b_out)


def _fourier_matrix(b, orders, sign):
    """``exp(sign * i * m * alpha_k)`` for ``m`` in ``orders`` and the 2b alphas of bandwidth b."""
    k = np.arange(2 * b)
    residue = np.mod(np.asarray(orders)[:, None] * k[None, :], 2 * b)
    return np.exp(sign * 2j * np.pi * residue / (2 * b))  # [m, k]


@lru_cache(maxsize=64)
def _soft_wigner(b, l):
    """``d^l(beta_j)`` on the SOFT betas of bandwidth b, float64 ``[2b, 2l + 1, 2l + 1]``."""
    d = wigner_d_matrix(l, soft_betas(b))
    d.flags.writeable = False
    return d


def s2_fft(f, b_out=None):
    r"""Forward S2 Fourier transform, direct sum.

    .. math::

        F^l_m = \sum_{j,k} w^{S2}_j f(\beta_j, \alpha_k) e^{-i m \alpha_k} d^l_{m0}(\beta_j),
        \qquad 0 \le l < b_{out},\ |m| \le l.

    Parameters
    ----------
    f : array_like
        Real or complex, shape ``[..., 2 b_in, 2 b_in]`` indexed ``[..., beta, alpha]``.
    b_out : int, optional
        Output bandwidth, ``1 <= b_out <= b_in`` (default ``b_in``).

    Returns
    -------
    numpy.ndarray
        complex128, shape ``[b_out**2, ...]``, row ``l**2 + (m + l)``.
    """
    f = np.asarray(f)
    b_in = _grid_bandwidth(f.shape, 2, "S2")
    b_out = _optional_bandwidth(b_out, b_in)
    if b_out > b_in:
        raise ValueError(f"s2_fft needs b_out <= b_in, got b_out={b_out}, b_in={b_in}")
    batch = f.shape[:-2]
    f = f.reshape(-1, 2 * b_in, 2 * b_in).astype(np.complex128)
    orders = np.arange(-(b_out - 1), b_out)
    projected = np.einsum("zjk,mk->zjm", f, _fourier_matrix(b_in, orders, -1))  # [z, beta, m]
    weights = s2_weights(b_in)
    spectrum = np.zeros((b_out ** 2, f.shape[0]), dtype=np.complex128)
    for l in range(b_out):
        column = _soft_wigner(b_in, l)[:, :, l]  # d^l_{m0}(beta_j): [j, m]
        block = projected[:, :, b_out - 1 - l:b_out + l]  # m = -l..l
        spectrum[l * l:(l + 1) ** 2] = np.einsum("j,jm,zjm->mz", weights, column, block)
    return spectrum.reshape((b_out ** 2,) + batch)


def s2_ifft(F, b_out=None):
    r"""Inverse S2 Fourier transform, direct sum.

    .. math::

        f(\beta_j, \alpha_k) = \sum_{l < b_{in}} (2l+1) \sum_{|m| \le l}
            F^l_m d^l_{m0}(\beta_j) e^{i m \alpha_k}
        \quad \text{on the grid of } b_{out}.

    Parameters
    ----------
    F : array_like
        Complex, shape ``[b_in**2, ...]``, row ``l**2 + (m + l)``.
    b_out : int, optional
        Output bandwidth, ``b_out >= b_in`` (default ``b_in``).

    Returns
    -------
    numpy.ndarray
        complex128, shape ``[..., 2 b_out, 2 b_out]`` indexed ``[..., beta, alpha]``.
    """
    F = np.asarray(F)
    if F.ndim < 1:
        raise ValueError("an S2 spectrum needs a spectral axis first")
    b_in = _bandwidth_from_s2_nspec(F.shape[0])
    b_out = _optional_bandwidth(b_out, b_in)
    if b_out < b_in:
        raise ValueError(f"s2_ifft needs b_out >= b_in, got b_out={b_out}, b_in={b_in}")
    batch = F.shape[1:]
    F = F.reshape(b_in ** 2, -1).astype(np.complex128)
    projected = np.zeros((F.shape[1], 2 * b_out, 2 * b_in - 1), dtype=np.complex128)  # [z, beta, m]
    for l in range(b_in):
        column = _soft_wigner(b_out, l)[:, :, l]  # [j, m]
        block = F[l * l:(l + 1) ** 2]  # [m, z]
        projected[:, :, b_in - 1 - l:b_in + l] += (2 * l + 1) * np.einsum("jm,mz->zjm", column, block)
    orders = np.arange(-(b_in - 1), b_in)
    f = np.einsum("zjm,mk->zjk", projected, _fourier_matrix(b_out, orders, +1))
    return f.reshape(batch + (2 * b_out, 2 * b_out))


def so3_fft(f, b_out=None):
    r"""Forward SO(3) Fourier transform, direct sum.

    .. math::

        F^l_{mn} = \sum_{j,k_1,k_2} w_j f(\beta_j, \alpha_{k_1}, \gamma_{k_2})
            e^{-i m \alpha_{k_1}} e^{-i n \gamma_{k_2}} d^l_{mn}(\beta_j),
        \qquad 0 \le l < b_{out},

    with :math:`w_j` the SO(3) weights (grid sum one). Rows with :math:`l \ge b_{in}`
    (when ``b_out > b_in``) are zero, not aliased.

    Parameters
    ----------
    f : array_like
        Real or complex, shape ``[..., 2 b_in, 2 b_in, 2 b_in]`` indexed
        ``[..., beta, alpha, gamma]``.
    b_out : int, optional
        Output bandwidth, any ``b_out >= 1`` (default ``b_in``).

    Returns
    -------
    numpy.ndarray
        complex128, shape ``[b_out (4 b_out**2 - 1) / 3, ...]``, row
        ``l (4 l**2 - 1) / 3 + (m + l)(2l + 1) + (n + l)``.
    """
    f = np.asarray(f)
    b_in = _grid_bandwidth(f.shape, 3, "SO(3)")
    b_out = _optional_bandwidth(b_out, b_in)
    bandwidth = min(b_in, b_out)
    batch = f.shape[:-3]
    f = f.reshape((-1,) + (2 * b_in,) * 3).astype(np.complex128)
    orders = np.arange(-(bandwidth - 1), bandwidth)
    exponentials = _fourier_matrix(b_in, orders, -1)  # [m, k]
    projected = np.einsum("zjab,ma,nb->zjmn", f, exponentials, exponentials, optimize=True)
    weights = so3_weights(b_in)
    spectrum = np.zeros((_so3_nspec(b_out), f.shape[0]), dtype=np.complex128)
    for l in range(bandwidth):
        orders_l = slice(bandwidth - 1 - l, bandwidth + l)
        block = np.einsum("j,jmn,zjmn->mnz", weights, _soft_wigner(b_in, l),
                          projected[:, :, orders_l, orders_l])
        spectrum[_so3_offset(l):_so3_offset(l + 1)] = block.reshape((2 * l + 1) ** 2, -1)
    return spectrum.reshape((_so3_nspec(b_out),) + batch)


def so3_ifft(F, b_out=None):
    r"""Inverse SO(3) Fourier transform, direct sum.

    .. math::

        f(\beta_j, \alpha_{k_1}, \gamma_{k_2}) = \sum_{l < \min(b_{in}, b_{out})} (2l+1)
            \sum_{m,n} F^l_{mn} d^l_{mn}(\beta_j) e^{i m \alpha_{k_1}} e^{i n \gamma_{k_2}}
        \quad \text{on the grid of } b_{out}.

    Parameters
    ----------
    F : array_like
        Complex, shape ``[b_in (4 b_in**2 - 1) / 3, ...]``, row
        ``l (4 l**2 - 1) / 3 + (m + l)(2l + 1) + (n + l)``.
    b_out : int, optional
        Output bandwidth, any ``b_out >= 1`` (default ``b_in``); degrees
        ``l >= b_out`` are dropped.

    Returns
    -------
    numpy.ndarray
        complex128, shape ``[..., 2 b_out, 2 b_out, 2 b_out]`` indexed
        ``[..., beta, alpha, gamma]``.
    """
    F = np.asarray(F)
    if F.ndim < 1:
        raise ValueError("an SO(3) spectrum needs a spectral axis first")
    b_in = _bandwidth_from_so3_nspec(F.shape[0])
    b_out = _optional_bandwidth(b_out, b_in)
    bandwidth = min(b_in, b_out)
    batch = F.shape[1:]
    F = F.reshape(F.shape[0], -1).astype(np.complex128)
    size = 2 * bandwidth - 1
    projected = np.zeros((F.shape[1], 2 * b_out, size, size), dtype=np.complex128)  # [z, beta, m, n]
    for l in range(bandwidth):
        orders_l = slice(bandwidth - 1 - l, bandwidth + l)
        block = F[_so3_offset(l):_so3_offset(l + 1)].reshape(2 * l + 1, 2 * l + 1, -1)
        projected[:, :, orders_l, orders_l] += (2 * l + 1) * np.einsum(
            "jmn,mnz->zjmn", _soft_wigner(b_out, l), block)
    orders = np.arange(-(bandwidth - 1), bandwidth)
    exponentials = _fourier_matrix(b_out, orders, +1)  # [m, k]
    f = np.einsum("zjmn,ma,nc->zjac", projected, exponentials, exponentials, optimize=True)
    return f.reshape(batch + (2 * b_out,) * 3)
