"""S2 -> SO(3) convolution (correlation) layer."""

from __future__ import annotations

from ..spectral import s2_fft, s2_mm
from ._base import SpectralConvolution

__all__ = ["S2Convolution"]


class S2Convolution(SpectralConvolution):
    """Spherical correlation of S2 signals with kernels sampled on a grid, giving SO(3) signals.

    .. math::

        [\\psi \\star f](R) = \\sum_{i} \\sum_{p} k_{i o p}\\, \\sigma\\, 2b_{out}\\, f_i^{(b_{out})}(R x_p)
        + \\text{bias}_o

    with :math:`f^{(b)}` the projection of :math:`f` onto the degrees :math:`l < b` and
    :math:`x_p` the grid point :math:`(\\beta_p, \\alpha_p)` (``reference.s2_correlation``
    computes exactly this in the spatial domain). Computed spectrally: :math:`\\hat f^l_m` by
    :func:`s2cnn.s2_fft` to ``b_out``, the kernel spectrum
    :math:`\\hat\\psi^l_n = 2b_{out} \\sum_p k_p \\overline{D^l_{n0}(\\alpha_p,\\beta_p,0)}`, the
    product :func:`s2cnn.s2_mm` and :func:`s2cnn.so3_ifft_real` at ``b_out``.
    Equivariant: rotating the input by :math:`R'` rotates the output by :math:`R'`.

    Parameters
    ----------
    nfeature_in, nfeature_out : int
    b_in : int
        Input bandwidth: inputs are ``[batch, nfeature_in, 2b_in, 2b_in]`` (beta, alpha).
    b_out : int
        Output bandwidth (``<= b_in``): outputs are ``[batch, nfeature_out, 2b_out, 2b_out, 2b_out]``.
    grid : sequence of (beta, alpha)
        Kernel support, e.g. :func:`s2cnn.s2_near_identity_grid`.
    backend : str, optional
        Run the spectral work on this backend only (``set_backend(backend, only=True)``);
        default: whatever the dispatcher picks at call time.

    Notes
    -----
    As in the original: ``kernel [nfeature_in, nfeature_out, len(grid)] ~ U(-1, 1)``, scaled by
    :math:`\\sigma = 1/\\sqrt{|grid|\\, f_{in}\\, b_{out}^4 / b_{in}^2}`, ``bias [1, f_out, 1, 1, 1] = 0``.
    The kernel basis is a non-persistent buffer derived from a float64 master copy at the
    precision and device of the kernel.
    """

    input_ndim = 4
    grid_arity = 2
    space = "s2"
    scaling_powers = (4.0, 2.0)

    def __init__(self, nfeature_in: int, nfeature_out: int, b_in: int, b_out: int, grid, backend=None):
        if b_out > b_in:
            raise ValueError(f"S2Convolution: b_out must be <= b_in = {b_in}; got {b_out}")
        super().__init__(nfeature_in, nfeature_out, b_in, b_out, grid, backend)

    @staticmethod
    def _fft(x, b_out):
        return s2_fft(x, b_out=b_out)

    @staticmethod
    def _mm(x, y):
        return s2_mm(x, y)
