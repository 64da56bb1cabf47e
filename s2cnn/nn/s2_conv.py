"""S2 -> SO(3) convolution (correlation) layer."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..spectral import s2_fft, s2_mm, so3_ifft
from ._common import backend_scope, check_grid, check_input, kernel_spectrum, refresh_basis, s2_kernel_basis

__all__ = ["S2Convolution"]


class S2Convolution(nn.Module):
    """Spherical correlation of S2 signals with kernels sampled on a grid, giving SO(3) signals.

    .. math::

        [\\psi \\star f](R) = \\sum_{i} \\sum_{p} k_{i o p}\\, \\sigma\\, f_i^{(b_{out})}(R x_p)
        + \\text{bias}_o

    computed spectrally: :math:`\\hat f^l_m` by :func:`s2cnn.s2_fft` to ``b_out``, the kernel
    spectrum :math:`\\hat\\psi^l_n = 2b_{out} \\sum_p k_p \\overline{D^l_{n0}(\\alpha_p,\\beta_p,0)}`,
    the product :func:`s2cnn.s2_mm` and :func:`s2cnn.so3_ifft` at ``b_out`` (real part).
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
    """

    def __init__(self, nfeature_in: int, nfeature_out: int, b_in: int, b_out: int, grid, backend=None):
        super().__init__()
        for name, v in (("nfeature_in", nfeature_in), ("nfeature_out", nfeature_out), ("b_in", b_in), ("b_out", b_out)):
            if isinstance(v, bool) or int(v) != v or v < 1:
                raise ValueError(f"S2Convolution: {name} must be an integer >= 1; got {v!r}")
        if b_out > b_in:
            raise ValueError(f"S2Convolution: b_out must be <= b_in = {b_in}; got {b_out}")
        self.nfeature_in, self.nfeature_out = int(nfeature_in), int(nfeature_out)
        self.b_in, self.b_out = int(b_in), int(b_out)
        self.grid = check_grid(grid, 2, "S2Convolution")
        self.backend = backend
        self.kernel = nn.Parameter(torch.empty(self.nfeature_in, self.nfeature_out, len(self.grid)).uniform_(-1, 1))
        self.scaling = 1.0 / math.sqrt(len(self.grid) * self.nfeature_in * self.b_out**4.0 / self.b_in**2.0)
        self.bias = nn.Parameter(torch.zeros(1, self.nfeature_out, 1, 1, 1))
        basis = s2_kernel_basis(self.b_out, self.grid)
        self._basis64 = basis  # master copy, complex128 on the CPU
        self.register_buffer("kernel_basis_real", basis.real.float(), persistent=False)
        self.register_buffer("kernel_basis_imag", basis.imag.float(), persistent=False)

    def _apply(self, fn, recurse=True):
        # keep the kernel basis in the complex precision of the parameters, computed in float64
        super()._apply(fn, recurse)
        refresh_basis(self)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x [batch, f_in, 2b_in, 2b_in]`` -> ``[batch, f_out, 2b_out, 2b_out, 2b_out]``."""
        check_input("S2Convolution", x, 4, self.nfeature_in, self.b_in, self.kernel)
        with backend_scope(self.backend):
            X = s2_fft(x, b_out=self.b_out)  # [b_out**2, batch, f_in]
            y = kernel_spectrum(self.kernel * self.scaling, torch.complex(self.kernel_basis_real, self.kernel_basis_imag))  # [b_out**2, f_in, f_out]
            z = s2_mm(X, y)  # [nspec, batch, f_out]
            out = so3_ifft(z, b_out=self.b_out).real  # [batch, f_out, beta, alpha, gamma]
        return out + self.bias

    def extra_repr(self) -> str:
        return (
            f"nfeature_in={self.nfeature_in}, nfeature_out={self.nfeature_out}, b_in={self.b_in}, "
            f"b_out={self.b_out}, grid=<{len(self.grid)} points>, backend={self.backend!r}"
        )
