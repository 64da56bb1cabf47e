"""SO(3) -> SO(3) convolution (correlation) layer and the shortcut."""

from __future__ import annotations

import torch
from torch import nn

from ..spectral import so3_fft, so3_mm_real
from ._base import SpectralConvolution
from ._common import check_input

__all__ = ["SO3Convolution", "SO3Shortcut"]


class SO3Convolution(SpectralConvolution):
    """Correlation of SO(3) signals with kernels sampled on a grid of rotations.

    .. math::

        [\\psi \\star f](R) = \\sum_i \\sum_p k_{iop}\\, \\sigma\\, f_i^{(b_{out})}(R\\, g_p) + \\text{bias}_o

    (``reference.so3_correlation`` computes exactly this in the spatial domain), computed
    spectrally: :func:`s2cnn.so3_fft` to ``b_out``, the kernel spectrum
    :math:`\\hat\\psi^l_{mn} = \\sum_p k_p \\overline{D^l_{mn}(g_p)}`, the block product and
    :func:`s2cnn.so3_ifft_real` at ``b_out``. Equivariant under left rotations. The input and the
    kernel are real, so both spectra have the symmetry of real signals and the product is
    :func:`s2cnn.so3_mm_real` (:func:`s2cnn.so3_mm` at half the multiply-adds).

    Parameters
    ----------
    nfeature_in, nfeature_out : int
    b_in, b_out : int
        Inputs ``[batch, f_in, 2b_in, 2b_in, 2b_in]``, outputs ``[batch, f_out, 2b_out, 2b_out, 2b_out]``.
        ``b_out > b_in`` is allowed (the missing degrees are zero).
    grid : sequence of (beta, alpha, gamma)
        Kernel support, e.g. :func:`s2cnn.so3_near_identity_grid`.
    backend : str, optional
        Run the spectral work on this backend only.

    Notes
    -----
    As in the original: ``kernel ~ U(-1, 1)`` scaled by
    :math:`1/\\sqrt{|grid|\\, f_{in}\\, b_{out}^3 / b_{in}^3}`, ``bias [1, f_out, 1, 1, 1] = 0``.
    """

    input_ndim = 5
    grid_arity = 3
    space = "so3"
    scaling_powers = (3.0, 3.0)

    @staticmethod
    def _fft(x, b_out):
        return so3_fft(x, b_out=b_out)

    @staticmethod
    def _mm(x, y):
        return so3_mm_real(x, y)


class SO3Shortcut(nn.Module):
    """Residual shortcut between SO(3) layers: the identity when features and bandwidths agree,
    else an :class:`SO3Convolution` on the one-point grid ``((0, 0, 0),)`` (a per-degree linear
    map of the features, resampled to ``b_out``)."""

    def __init__(self, nfeature_in: int, nfeature_out: int, b_in: int, b_out: int, backend=None):
        super().__init__()
        if b_out > b_in:
            raise ValueError(f"SO3Shortcut: b_out must be <= b_in = {b_in}; got {b_out}")
        self.nfeature_in, self.nfeature_out, self.b_in, self.b_out = nfeature_in, nfeature_out, b_in, b_out
        if nfeature_in != nfeature_out or b_in != b_out:
            self.conv = SO3Convolution(nfeature_in, nfeature_out, b_in, b_out, grid=((0.0, 0.0, 0.0),), backend=backend)
        else:
            self.conv = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[batch, f_in, 2b_in, 2b_in, 2b_in]`` -> ``[batch, f_out, 2b_out, 2b_out, 2b_out]``."""
        if self.conv is None:
            check_input("SO3Shortcut", x, 5, self.nfeature_in, self.b_in, x)
            return x
        return self.conv(x)

    def extra_repr(self) -> str:
        return f"nfeature_in={self.nfeature_in}, nfeature_out={self.nfeature_out}, b_in={self.b_in}, b_out={self.b_out}"
