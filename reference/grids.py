r"""SOFT sampling grids on S2 and SO(3).

For a bandwidth :math:`b` the SOFT grid (Kostelec and Rockmore) is

.. math::

    \beta_j = \frac{\pi (2j + 1)}{4b}, \qquad
    \alpha_k = \gamma_k = \frac{2 \pi k}{2b}, \qquad j, k = 0, \dots, 2b - 1.

S2 signals are stored as ``f[..., j, k]`` (beta, then alpha) and SO(3) signals as
``f[..., j, k1, k2]`` (beta, alpha, gamma).
"""

import numpy as np

__all__ = ["soft_alphas", "soft_betas"]


def _check_bandwidth(b):
    if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1:
        raise ValueError(f"the bandwidth must be a positive integer, got {b!r}")
    return int(b)


def soft_betas(b):
    r"""Polar angles of the SOFT grid.

    .. math:: \beta_j = \frac{\pi (2j + 1)}{4b}, \qquad j = 0, \dots, 2b - 1.

    Parameters
    ----------
    b : int
        Bandwidth, ``b >= 1``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[2b]``, increasing, strictly inside :math:`(0, \pi)`.
    """
    b = _check_bandwidth(b)
    return np.pi * (2 * np.arange(2 * b, dtype=np.float64) + 1) / (4 * b)


def soft_alphas(b):
    r"""Azimuthal angles of the SOFT grid (also the gamma angles on SO(3)).

    .. math:: \alpha_k = \gamma_k = \frac{2 \pi k}{2b}, \qquad k = 0, \dots, 2b - 1.

    Parameters
    ----------
    b : int
        Bandwidth, ``b >= 1``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[2b]``, starting at 0.
    """
    b = _check_bandwidth(b)
    return 2 * np.pi * np.arange(2 * b, dtype=np.float64) / (2 * b)
