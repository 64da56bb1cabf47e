r"""Band-limited projection of grid signals, evaluated at arbitrary points (zonal kernels).

Let :math:`P_L` keep the degrees :math:`l < L` of the spectrum computed by the SOFT
quadrature (:mod:`reference.transforms`), :math:`L \le b` for a signal on the grid of
bandwidth :math:`b`. By the addition theorem the projection is a direct sum over the grid
against a zonal kernel, with no spectrum in between.

S2, with :math:`x_{jk} = x(\beta_j, \alpha_k)` and :math:`w^{S2}_j` the S2 weights:

.. math::

    (P_L f)(x) = \sum_{j,k} w^{S2}_j f(x_{jk})\, K^{S2}_L(x \cdot x_{jk}), \qquad
    K^{S2}_L(c) = \sum_{l<L} (2l+1) P_l(c),

because :math:`\sum_m \overline{D^l_{m0}(g')} D^l_{m0}(g) = D^l_{00}(g'^{-1} g) = P_l(g e_z \cdot g' e_z)`.

SO(3), with :math:`g_{jk_1k_2} = R(\alpha_{k_1}, \beta_j, \gamma_{k_2})` and :math:`w_j` the SO(3)
weights:

.. math::

    (P_L f)(G) = \sum_{j,k_1,k_2} w_j f(g_{jk_1k_2})\, K^{SO(3)}_L\big(\cos\omega(g^{-1}_{jk_1k_2} G)\big),
    \qquad
    K^{SO(3)}_L(\cos\omega) = \sum_{l<L} (2l+1) \chi_l(\omega),

because :math:`\sum_{mn} \overline{D^l_{mn}(g)} D^l_{mn}(G) = \mathrm{tr}\, D^l(g^{-1} G) = \chi_l(\omega)`,
the character :math:`\chi_l(\omega) = \sum_{|m| \le l} e^{i m \omega} = 1 + 2 \sum_{m=1}^{l} T_m(\cos\omega)`
of the rotation angle :math:`\omega`, with :math:`\cos\omega = (\mathrm{tr}(g^T G) - 1)/2`.
"""

import numpy as np

from .grids import _check_bandwidth
from .quadrature import s2_weights, so3_weights
from .rotations import s2_grid_points, so3_grid_rotations

__all__ = ["s2_bandlimit", "s2_zonal_kernel", "so3_bandlimit", "so3_zonal_kernel"]

_CHUNK_ENTRIES = 1 << 21


def s2_zonal_kernel(bandwidth, cos_angle):
    r"""Reproducing kernel of the degrees below ``bandwidth`` on S2 (normalised measure).

    .. math:: K^{S2}_L(c) = \sum_{l<L} (2l+1) P_l(c),

    by the Legendre recurrence :math:`(l+1) P_{l+1} = (2l+1) c P_l - l P_{l-1}`.

    Parameters
    ----------
    bandwidth : int
        :math:`L \ge 1`.
    cos_angle : array_like of float
        :math:`c = x \cdot y`, clipped to ``[-1, 1]``.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``cos_angle``.
    """
    bandwidth = _check_bandwidth(bandwidth)
    c = np.clip(np.asarray(cos_angle, dtype=np.float64), -1.0, 1.0)
    previous, current = np.zeros_like(c), np.ones_like(c)  # P_{-1}, P_0
    total = np.ones_like(c)
    for l in range(1, bandwidth):
        previous, current = current, ((2 * l - 1) * c * current - (l - 1) * previous) / l
        total += (2 * l + 1) * current
    return total


def so3_zonal_kernel(bandwidth, cos_angle):
    r"""Reproducing kernel of the degrees below ``bandwidth`` on SO(3) (normalised Haar measure).

    .. math::

        K^{SO(3)}_L(\cos\omega) = \sum_{l<L} (2l+1) \chi_l(\omega), \qquad
        \chi_l(\omega) = 1 + 2 \sum_{m=1}^{l} T_m(\cos\omega),

    with the Chebyshev recurrence :math:`T_{m+1} = 2 c T_m - T_{m-1}`.

    Parameters
    ----------
    bandwidth : int
        :math:`L \ge 1`.
    cos_angle : array_like of float
        :math:`\cos\omega` of the rotation angle, clipped to ``[-1, 1]``.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``cos_angle``.
    """
    bandwidth = _check_bandwidth(bandwidth)
    c = np.clip(np.asarray(cos_angle, dtype=np.float64), -1.0, 1.0)
    previous, current = np.ones_like(c), c.copy()  # T_0, T_1
    character = np.ones_like(c)  # chi_0
    total = np.ones_like(c)
    for l in range(1, bandwidth):
        character = character + 2 * current
        total += (2 * l + 1) * character
        previous, current = current, 2 * c * current - previous
    return total


def _check_projection(shape, ndim, bandwidth, what):
    if len(shape) < ndim or len(set(shape[-ndim:])) != 1 or shape[-1] % 2 or shape[-1] == 0:
        raise ValueError(f"{what} signals end with {ndim} axes of equal even size 2b, got shape {shape}")
    b = shape[-1] // 2
    bandwidth = _check_bandwidth(bandwidth)
    if bandwidth > b:
        raise ValueError(f"the projection bandwidth must be at most the grid's b = {b}, got {bandwidth}")
    return b, bandwidth


def _project(f, weights, grid, targets, kernel):
    """``out[z, t] = sum_g weights[g] f[z, g] kernel(targets[t], grid[g])`` in chunks of targets."""
    weighted = f * weights[None, :]
    out = np.empty((f.shape[0], targets.shape[0]), dtype=np.result_type(f, np.float64))
    step = max(1, _CHUNK_ENTRIES // grid.shape[0])
    for start in range(0, targets.shape[0], step):
        block = kernel(targets[start:start + step] @ grid.T)  # [t, g]
        out[:, start:start + step] = weighted @ block.T
    return out


def s2_bandlimit(f, bandwidth, points):
    r"""Band-limited projection of an S2 grid signal, evaluated at arbitrary points.

    .. math:: (P_L f)(x) = \sum_{j,k} w^{S2}_j f(\beta_j, \alpha_k)\, K^{S2}_L(x \cdot x_{jk}).

    Equal to ``s2_ifft(s2_fft(f, L))`` where that is defined, but at any point.

    Parameters
    ----------
    f : array_like
        Real or complex, shape ``[..., 2b, 2b]`` indexed ``[..., beta, alpha]``.
    bandwidth : int
        :math:`L`, ``1 <= L <= b``: degrees ``l < L`` are kept.
    points : array_like of float
        Unit vectors, shape ``S + (3,)``.

    Returns
    -------
    numpy.ndarray
        float64 (complex128 for complex ``f``), shape ``[..., *S]``.
    """
    f = np.asarray(f)
    b, bandwidth = _check_projection(f.shape, 2, bandwidth, "S2")
    points = np.asarray(points, dtype=np.float64)
    if points.ndim < 1 or points.shape[-1] != 3:
        raise ValueError(f"points must have shape S + (3,), got {points.shape}")
    batch, shape = f.shape[:-2], points.shape[:-1]
    weights = np.repeat(s2_weights(b), 2 * b)
    out = _project(f.reshape(-1, (2 * b) ** 2), weights, s2_grid_points(b).reshape(-1, 3),
                   points.reshape(-1, 3), lambda c: s2_zonal_kernel(bandwidth, c))
    return out.reshape(batch + shape)


def so3_bandlimit(f, bandwidth, rotations):
    r"""Band-limited projection of an SO(3) grid signal, evaluated at arbitrary rotations.

    .. math::

        (P_L f)(G) = \sum_{j,k_1,k_2} w_j f(\beta_j, \alpha_{k_1}, \gamma_{k_2})\,
            K^{SO(3)}_L\Big(\frac{\mathrm{tr}(g_{jk_1k_2}^T G) - 1}{2}\Big).

    Equal to ``so3_ifft(so3_fft(f, L))`` where that is defined, but at any rotation.

    Parameters
    ----------
    f : array_like
        Real or complex, shape ``[..., 2b, 2b, 2b]`` indexed ``[..., beta, alpha, gamma]``.
    bandwidth : int
        :math:`L`, ``1 <= L <= b``: degrees ``l < L`` are kept.
    rotations : array_like of float
        Rotation matrices, shape ``S + (3, 3)``.

    Returns
    -------
    numpy.ndarray
        float64 (complex128 for complex ``f``), shape ``[..., *S]``.
    """
    f = np.asarray(f)
    b, bandwidth = _check_projection(f.shape, 3, bandwidth, "SO(3)")
    rotations = np.asarray(rotations, dtype=np.float64)
    if rotations.ndim < 2 or rotations.shape[-2:] != (3, 3):
        raise ValueError(f"rotations must have shape S + (3, 3), got {rotations.shape}")
    batch, shape = f.shape[:-3], rotations.shape[:-2]
    weights = np.repeat(so3_weights(b), (2 * b) ** 2)
    # tr(g^T G) is the Frobenius product of the flattened matrices
    out = _project(f.reshape(-1, (2 * b) ** 3), weights, so3_grid_rotations(b).reshape(-1, 9),
                   rotations.reshape(-1, 9), lambda t: so3_zonal_kernel(bandwidth, (t - 1) / 2))
    return out.reshape(batch + shape)
