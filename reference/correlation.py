r"""Spatial-domain S2 and SO(3) correlations: what the original s2cnn's convolution layers compute.

The original layers (jonkhler/s2cnn ``S2Convolution`` / ``SO3Convolution``) run a spectral
pipeline; this module computes the same numbers with no spectrum at all.

Spectral pipeline of the original, for an input of bandwidth :math:`b_{in}`, an output of
bandwidth :math:`b_{out}`, a (scaled) kernel :math:`k_{iop}` on grid points :math:`p`, and
:math:`L = \min(b_{in}, b_{out})`:

* S2: :math:`x^l_m` = S2 FFT of :math:`f_i` to :math:`b_{out}` (needs :math:`b_{out} \le b_{in}`);
  kernel spectrum (``s2_rft``: no quadrature weights, a factor :math:`2 b_{out}`, the column
  :math:`n = 0` of lie_learn's :math:`\overline{D^l(\alpha_p, \beta_p, 0)}`)
  :math:`y^l_{n, io} = 2 b_{out} \sum_p k_{iop} e^{-i n \alpha_p} d^l_{n0}(\beta_p)`;
  product (``s2_mm``) :math:`z^l_{mn} = \sum_i x^l_{m,i} \overline{y^l_{n,io}}`.
* SO(3): :math:`x^l_{mn}` = SO(3) FFT of :math:`f_i` to :math:`b_{out}`; kernel spectrum
  (``so3_rft``: no weights, no factor) :math:`y^l_{mn, io} = \sum_p k_{iop}
  \overline{D^l_{mn}(\alpha_p, \beta_p, \gamma_p)}`; product (``so3_mm``)
  :math:`z^l_{mn} = \sum_i \sum_k x^l_{mk,i} \overline{y^l_{nk,io}}`.
* Both: output = real part of the SO(3) inverse FFT of :math:`z` on the grid of :math:`b_{out}`.

Derivation. With :math:`g_p = (\alpha_p, \beta_p, 0)` and the representation property
:math:`\sum_n D^l_{mn}(R) D^l_{nk}(h) = D^l_{mk}(R h)`, the inverse transform of :math:`z` is

.. math::

    \text{S2:}\ \ 2 b_{out} \sum_{i,p} k_{iop} \sum_{l<L} (2l+1) \sum_m x^l_{m,i} D^l_{m0}(R g_p),
    \qquad
    \text{SO(3):}\ \ \sum_{i,p} k_{iop} \sum_{l<L} (2l+1) \sum_{m,k} x^l_{mk,i} D^l_{mk}(R h_p),

and :math:`\sum_{l<L} (2l+1) \sum_{mk} x^l_{mk} D^l_{mk}` is the band-limited projection of the
input (on S2 with :math:`D^l_{m0}(g)` a function of :math:`g e_z` only), so the pipeline equals

.. math::

    \text{S2:}\quad \mathrm{out}_{zo}(R) = 2 b_{out} \sum_i \sum_p k_{iop}\,
        (P_L f_{zi})(R\, x_p), \qquad
    \text{SO(3):}\quad \mathrm{out}_{zo}(R) = \sum_i \sum_p k_{iop}\, (P_L f_{zi})(R\, h_p),

where

* :math:`R = R_z(\alpha_{k_1}) R_y(\beta_j) R_z(\gamma_{k_2})` is the output grid point
  ``[j, k1, k2]`` of bandwidth :math:`b_{out}` (:func:`reference.rotations.so3_grid_rotations`);
* a kernel point ``(beta, alpha)`` is :math:`x_p = R_z(\alpha) R_y(\beta) e_z
  = (\sin\beta\cos\alpha, \sin\beta\sin\alpha, \cos\beta)`, and a kernel point
  ``(beta, alpha, gamma)`` is :math:`h_p = R_z(\alpha) R_y(\beta) R_z(\gamma)` (tuples in that
  order, as the original's grids);
* :math:`R\, x_p` and :math:`R\, h_p` are the plain matrix products (not :math:`R^{-1}`):
  the kernel is carried by :math:`R`, i.e. :math:`[\psi \star f](R) = \int \psi(R^{-1} x) f(x) dx`
  with :math:`\psi` a sum of point masses at the :math:`x_p`;
* :math:`P_L` is the band-limited projection to degrees :math:`l < L` computed with the
  SOFT quadrature of the input grid (:mod:`reference.bandlimit`): on S2
  :math:`(P_L f)(x) = \sum_{j,k} w^{S2}_j f(x_{jk}) \sum_{l<L} (2l+1) P_l(x \cdot x_{jk})`,
  on SO(3) :math:`(P_L f)(G) = \sum_{g} w_j f(g) \sum_{l<L} (2l+1) \chi_l(\omega(g^{-1} G))`.

Real inputs give a real output (the imaginary part of the original's pipeline is rounding
noise). For :math:`b_{out} > b_{in}` on SO(3) the original's ``so3_fft`` fills the degrees
:math:`b_{in} \le l < b_{out}` with aliased values; here (as in :mod:`reference.transforms`)
they are zero, i.e. :math:`L = b_{in}`. The original's S2 layer requires
:math:`b_{out} \le b_{in}`; here :math:`b_{out} > b_{in}` is accepted with :math:`L = b_{in}`.
"""

import numpy as np

from .bandlimit import s2_bandlimit, so3_bandlimit
from .grids import _check_bandwidth
from .rotations import rotation_matrix, s2_point, so3_grid_rotations

__all__ = ["s2_correlation", "so3_correlation"]


def _check_inputs(f, kernel, grid, ndim, what, point_size):
    f = np.asarray(f)
    kernel = np.asarray(kernel)
    if np.iscomplexobj(f) or np.iscomplexobj(kernel):
        raise ValueError("the correlation takes real signals and kernels")
    if f.ndim != ndim or len(set(f.shape[2:])) != 1 or f.shape[-1] % 2 or f.shape[-1] == 0:
        raise ValueError(f"{what} input must be [batch, f_in] + {ndim - 2} axes of equal even size 2b_in, "
                         f"got shape {f.shape}")
    if kernel.ndim != 3 or kernel.shape[0] != f.shape[1]:
        raise ValueError(f"kernel must be [f_in={f.shape[1]}, f_out, len(grid)], got shape {kernel.shape}")
    points = np.asarray(grid, dtype=np.float64)
    if points.ndim != 2 or points.shape != (kernel.shape[2], point_size):
        raise ValueError(f"grid must hold len(kernel[-1]) = {kernel.shape[2]} tuples of {point_size} angles, "
                         f"got an array of shape {points.shape}")
    return f.astype(np.float64), kernel.astype(np.float64), points


def s2_correlation(f, kernel, grid, b_out):
    r"""Spatial S2 correlation equal to the original ``S2Convolution`` without its bias.

    .. math::

        \mathrm{out}[z, o, j, k_1, k_2] = 2 b_{out} \sum_i \sum_p \mathrm{kernel}[i, o, p]\,
            (P_L f_{zi})\big(R(\alpha_{k_1}, \beta_j, \gamma_{k_2})\, x(\beta_p, \alpha_p)\big),
        \qquad L = \min(b_{in}, b_{out}).

    Parameters
    ----------
    f : array_like of float
        Input, shape ``[batch, f_in, 2 b_in, 2 b_in]`` indexed ``[..., beta, alpha]``.
    kernel : array_like of float
        Kernel values already scaled (the layer's ``kernel * scaling``), shape
        ``[f_in, f_out, len(grid)]``.
    grid : sequence of (beta, alpha)
        Kernel points on the sphere.
    b_out : int
        Output bandwidth.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[batch, f_out, 2 b_out, 2 b_out, 2 b_out]`` indexed
        ``[..., beta, alpha, gamma]``.
    """
    f, kernel, points = _check_inputs(f, kernel, grid, 4, "S2", 2)
    b_out = _check_bandwidth(b_out)
    b_in = f.shape[-1] // 2
    kernel_points = s2_point(points[:, 0], points[:, 1])  # [p, 3]
    targets = np.einsum("...ab,pb->...pa", so3_grid_rotations(b_out), kernel_points)  # [j, k1, k2, p, 3]
    projected = s2_bandlimit(f, min(b_in, b_out), targets)  # [z, i, j, k1, k2, p]
    return 2 * b_out * np.einsum("zijklp,iop->zojkl", projected, kernel)


def so3_correlation(f, kernel, grid, b_out):
    r"""Spatial SO(3) correlation equal to the original ``SO3Convolution`` without its bias.

    .. math::

        \mathrm{out}[z, o, j, k_1, k_2] = \sum_i \sum_p \mathrm{kernel}[i, o, p]\,
            (P_L f_{zi})\big(R(\alpha_{k_1}, \beta_j, \gamma_{k_2})\, R(\alpha_p, \beta_p, \gamma_p)\big),
        \qquad L = \min(b_{in}, b_{out}).

    Parameters
    ----------
    f : array_like of float
        Input, shape ``[batch, f_in, 2 b_in, 2 b_in, 2 b_in]`` indexed ``[..., beta, alpha, gamma]``.
    kernel : array_like of float
        Kernel values already scaled (the layer's ``kernel * scaling``), shape
        ``[f_in, f_out, len(grid)]``.
    grid : sequence of (beta, alpha, gamma)
        Kernel points on SO(3).
    b_out : int
        Output bandwidth.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[batch, f_out, 2 b_out, 2 b_out, 2 b_out]`` indexed
        ``[..., beta, alpha, gamma]``.
    """
    f, kernel, points = _check_inputs(f, kernel, grid, 5, "SO(3)", 3)
    b_out = _check_bandwidth(b_out)
    b_in = f.shape[-1] // 2
    kernel_rotations = rotation_matrix(points[:, 1], points[:, 0], points[:, 2])  # [p, 3, 3]
    targets = so3_grid_rotations(b_out)[..., None, :, :] @ kernel_rotations  # [j, k1, k2, p, 3, 3]
    projected = so3_bandlimit(f, min(b_in, b_out), targets)  # [z, i, j, k1, k2, p]
    return np.einsum("zijklp,iop->zojkl", projected, kernel)
