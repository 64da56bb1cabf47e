r"""Closed-form SOFT quadrature weights (Kostelec and Rockmore).

For a bandwidth :math:`b` and :math:`j = 0, \dots, 2b - 1`,

.. math::

    w_j = \frac{1}{2 (2b)^2} \cdot \frac{2}{b}
          \sin\Big(\frac{\pi (2j + 1)}{4b}\Big)
          \sum_{k=0}^{b-1} \frac{1}{2k + 1}
          \sin\Big(\frac{(2j + 1)(2k + 1) \pi}{4b}\Big).

With these SO(3) weights the whole grid sums to one,
:math:`\sum_{j, k_1, k_2} w_j = (2b)^2 \sum_j w_j = 1`: the sum
:math:`\sum_{j,k_1,k_2} w_j f(\beta_j, \alpha_{k_1}, \gamma_{k_2})` is the integral of
:math:`f` under the normalised Haar measure, exactly when :math:`f` has degree below
:math:`b` (products of two such functions included). The S2 weights are
:math:`2b\, w_j` (the S2 grid sums to one: the normalised area measure :math:`dx / 4\pi`).
In :math:`\beta` alone, :math:`(2b)^2 \sum_j w_j g(\beta_j) = \tfrac12 \int_0^\pi g(\beta)
\sin\beta \, d\beta` for every :math:`g` in the span of :math:`\cos(k\beta)`, :math:`k < 2b`.
"""

import numpy as np

from .grids import _check_bandwidth

__all__ = ["s2_weights", "so3_weights"]


def so3_weights(b):
    """SOFT quadrature weights on SO(3), normalised so the grid sums to one.

    Parameters
    ----------
    b : int
        Bandwidth, ``b >= 1``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[2b]``, indexed by the beta index ``j``; the weight of the grid
        point ``(j, k1, k2)`` is ``w[j]`` and ``w.sum() * (2b)**2 == 1``.
    """
    b = _check_bandwidth(b)
    j = np.arange(2 * b)[:, None]
    k = np.arange(b)[None, :]
    # sin((2j+1)(2k+1) pi / (4b)) with the integer argument reduced modulo 8b (exact period)
    residue = ((2 * j + 1) * (2 * k + 1)) % (8 * b)
    series = np.sum(np.sin(np.pi * residue / (4 * b)) / (2 * k + 1), axis=1)
    w = (2.0 / b) * np.sin(np.pi * (2 * j[:, 0] + 1) / (4 * b)) * series
    return w / (2.0 * (2 * b) ** 2)


def s2_weights(b):
    """SOFT quadrature weights on S2, normalised so the grid sums to one.

    These are :func:`so3_weights` times ``2b``.

    Parameters
    ----------
    b : int
        Bandwidth, ``b >= 1``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[2b]``, indexed by the beta index ``j``; the weight of the grid
        point ``(j, k)`` is ``w[j]`` and ``w.sum() * 2b == 1``.
    """
    b = _check_bandwidth(b)
    return so3_weights(b) * (2 * b)
