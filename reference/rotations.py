r"""Rotation matrices of ZYZ Euler angles and points of the sphere.

A grid point :math:`(\alpha, \beta, \gamma)` of SO(3) is the active rotation

.. math::

    R(\alpha, \beta, \gamma) = R_z(\alpha) R_y(\beta) R_z(\gamma), \qquad
    R_z(t) = \begin{pmatrix} \cos t & -\sin t & 0 \\ \sin t & \cos t & 0 \\ 0 & 0 & 1
    \end{pmatrix}, \quad
    R_y(t) = \begin{pmatrix} \cos t & 0 & \sin t \\ 0 & 1 & 0 \\ -\sin t & 0 & \cos t
    \end{pmatrix},

and a point :math:`(\beta, \alpha)` of S2 is
:math:`x(\beta, \alpha) = (\sin\beta\cos\alpha, \sin\beta\sin\alpha, \cos\beta)
= R(\alpha, \beta, \gamma)\, e_z` for any :math:`\gamma`.
"""

import numpy as np

from .grids import soft_alphas, soft_betas

__all__ = ["rotation_matrix", "s2_grid_points", "s2_point", "so3_grid_rotations"]


def _rotation_z(angle):
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(angle), np.ones_like(angle)
    return np.stack([np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1),
                     np.stack([zero, zero, one], -1)], -2)


def _rotation_y(angle):
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(angle), np.ones_like(angle)
    return np.stack([np.stack([c, zero, s], -1), np.stack([zero, one, zero], -1),
                     np.stack([-s, zero, c], -1)], -2)


def rotation_matrix(alpha, beta, gamma):
    r"""ZYZ rotation :math:`R_z(\alpha) R_y(\beta) R_z(\gamma)`.

    Parameters
    ----------
    alpha, beta, gamma : float or array_like of float
        Euler angles in radians, broadcast together to a shape ``S``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``S + (3, 3)``.
    """
    alpha, beta, gamma = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (alpha, beta, gamma)))
    return _rotation_z(alpha) @ _rotation_y(beta) @ _rotation_z(gamma)


def s2_point(beta, alpha):
    r"""Point :math:`(\sin\beta\cos\alpha, \sin\beta\sin\alpha, \cos\beta)` of the unit sphere.

    Parameters
    ----------
    beta, alpha : float or array_like of float
        Polar and azimuthal angles in radians, broadcast together to a shape ``S``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``S + (3,)``.
    """
    beta, alpha = np.broadcast_arrays(np.asarray(beta, dtype=np.float64), np.asarray(alpha, dtype=np.float64))
    return np.stack([np.sin(beta) * np.cos(alpha), np.sin(beta) * np.sin(alpha), np.cos(beta)], -1)


def s2_grid_points(b):
    r"""Points of the S2 SOFT grid of bandwidth b.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[2b, 2b, 3]``, entry ``[j, k]`` is :math:`x(\beta_j, \alpha_k)`.
    """
    return s2_point(soft_betas(b)[:, None], soft_alphas(b)[None, :])


def so3_grid_rotations(b):
    r"""Rotations of the SO(3) SOFT grid of bandwidth b.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[2b, 2b, 2b, 3, 3]``, entry ``[j, k1, k2]`` is
        :math:`R(\alpha_{k_1}, \beta_j, \gamma_{k_2})`.
    """
    betas, alphas = soft_betas(b), soft_alphas(b)
    return rotation_matrix(alphas[None, :, None], betas[:, None, None], alphas[None, None, :])
