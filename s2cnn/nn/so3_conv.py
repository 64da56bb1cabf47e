"""SO(3) -> SO(3) convolution (correlation) layer and the shortcut."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..spectral import so3_fft, so3_ifft, so3_mm
from ._common import backend_scope, check_grid, check_input, kernel_spectrum, refresh_basis, so3_kernel_basis

__all__ = ["SO3Convolution", "SO3Shortcut"]


class SO3Convolution(nn.Module):
    """Correlation of SO(3) signals with kernels sampled on a grid of rotations.

    .. math::

        [\\psi \\star f](R) = \\sum_i \\sum_p k_{iop}\\, \\sigma\\, f_i^{(b_{out})}(R\\, g_p) + \\text{bias}_o

    computed spectrally: :func:`s2cnn.so3_fft` to ``b_out``, the kernel spectrum
    :math:`\\hat\\psi^l_{mn} = \\sum_p k_p \\overline{D^l_{mn}(g_p)}`, :func:`s2cnn.so3_mm` and
    :func:`s2cnn.so3_ifft` at ``b_out`` (real part). Equivariant under left rotations.

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

    def __init__(self, nfeature_in: int, nfeature_out: int, b_in: int, b_out: int, grid, backend=None):
        super().__init__()
        for name, v in (("nfeature_in", nfeature_in), ("nfeature_out", nfeature_out), ("b_in", b_in), ("b_out", b_out)):
            if isinstance(v, bool) or int(v) != v or v < 1:
                raise ValueError(f"SO3Convolution: {name} must be an integer >= 1; got {v!r}")
        self.nfeature_in, self.nfeature_out = int(nfeature_in), int(nfeature_out)
        self.b_in, self.b_out = int(b_in), int(b_out)
        self.grid = check_grid(grid, 3, "SO3Convolution")
        self.backend = backend
        self.kernel = nn.Parameter(torch.empty(self.nfeature_in, self.nfeature_out, len(self.grid)).uniform_(-1, 1))
        self.scaling = 1.0 / math.sqrt(len(self.grid) * self.nfeature_in * self.b_out**3.0 / self.b_in**3.0)
        self.bias = nn.Parameter(torch.zeros(1, self.nfeature_out, 1, 1, 1))
        basis = so3_kernel_basis(self.b_out, self.grid)
        self._basis64 = basis  # master copy, complex128 on the CPU
        self.register_buffer("kernel_basis_real", basis.real.float(), persistent=False)
        self.register_buffer("kernel_basis_imag", basis.imag.float(), persistent=False)

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        refresh_basis(self)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x [batch, f_in, 2b_in, 2b_in, 2b_in]`` -> ``[batch, f_out, 2b_out, 2b_out, 2b_out]``."""
        check_input("SO3Convolution", x, 5, self.nfeature_in, self.b_in, self.kernel)
        with backend_scope(self.backend):
            X = so3_fft(x, b_out=self.b_out)  # [nspec, batch, f_in]
            y = kernel_spectrum(self.kernel * self.scaling, torch.complex(self.kernel_basis_real, self.kernel_basis_imag))  # [nspec, f_in, f_out]
            z = so3_mm(X, y)  # [nspec, batch, f_out]
            out = so3_ifft(z, b_out=self.b_out).real
        return out + self.bias

    def extra_repr(self) -> str:
        return (
            f"nfeature_in={self.nfeature_in}, nfeature_out={self.nfeature_out}, b_in={self.b_in}, "
            f"b_out={self.b_out}, grid=<{len(self.grid)} points>, backend={self.backend!r}"
        )


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
