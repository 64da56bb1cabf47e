"""The part of the convolution layers that does not depend on the input space."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..spectral import so3_ifft_real
from ._common import backend_scope, check_grid, check_input, refresh_tables
from ._kernel import kernel_spectrum, kernel_tables


class SpectralConvolution(nn.Module):
    """Correlation with a kernel sampled on a grid, computed spectrally:
    forward transform of the input to ``b_out``, kernel spectrum on its grid, block product,
    SO(3) synthesis at ``b_out`` (real part), plus a bias per output feature.

    Subclasses set the class attributes ``input_ndim`` (4 for S2 inputs, 5 for SO(3)),
    ``grid_arity``, ``scaling_powers`` (exponents of ``b_out`` and ``b_in`` in the scale of
    the original), ``space`` (``"s2"`` or ``"so3"``, of the kernel grid) and the methods
    :meth:`_fft`, :meth:`_mm`. The kernel's spectrum is computed by :mod:`s2cnn.nn._kernel` from
    small tables, kept as non-persistent buffers at the kernel's precision and derived from a
    float64 master copy.
    """

    input_ndim: int
    grid_arity: int
    scaling_powers: tuple[float, float]
    space: str

    def __init__(self, nfeature_in: int, nfeature_out: int, b_in: int, b_out: int, grid, backend=None):
        super().__init__()
        name = type(self).__name__
        for what, v in (("nfeature_in", nfeature_in), ("nfeature_out", nfeature_out), ("b_in", b_in), ("b_out", b_out)):
            if isinstance(v, bool) or int(v) != v or v < 1:
                raise ValueError(f"{name}: {what} must be an integer >= 1; got {v!r}")
        self.nfeature_in, self.nfeature_out = int(nfeature_in), int(nfeature_out)
        self.b_in, self.b_out = int(b_in), int(b_out)
        self.grid = check_grid(grid, self.grid_arity, name)
        self.backend = backend
        self.kernel = nn.Parameter(torch.empty(self.nfeature_in, self.nfeature_out, len(self.grid)).uniform_(-1, 1))
        p_out, p_in = self.scaling_powers
        self.scaling = 1.0 / math.sqrt(len(self.grid) * self.nfeature_in * self.b_out**p_out / self.b_in**p_in)
        self.bias = nn.Parameter(torch.zeros(1, self.nfeature_out, 1, 1, 1))
        self._tables64, self._group_sizes = kernel_tables(self.b_out, self.grid, self.space)
        self.register_buffer("row0", torch.zeros(1, dtype=torch.long), persistent=False)  # spectral row of l = 0
        for name, master in self._tables64.items():
            value = master.float() if master.is_floating_point() else master.clone()
            self.register_buffer("kernel_" + name, value, persistent=False)

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        refresh_tables(self)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(type(self).__name__, x, self.input_ndim, self.nfeature_in, self.b_in, self.kernel)
        with backend_scope(self.backend):
            X = self._fft(x, self.b_out)  # [nspec_in, batch, f_in]
            tables = {name: getattr(self, "kernel_" + name) for name in self._tables64}
            y = kernel_spectrum(self.kernel * self.scaling, tables, self._group_sizes)  # [nspec, f_in, f_out]
            z = self._mm(X, y)  # [so3_nspec(b_out), batch, f_out]
            # the bias is the coefficient l = 0 of a constant (D^0 = 1): added to the spectrum's
            # first row rather than to the grid, it costs a copy of the spectrum, not of the grid
            # (index_add: its backward passes the gradient of z on as it is)
            z = z.index_add(0, self.row0, self.bias.view(1, 1, -1).to(z.dtype).expand(1, *z.shape[1:]))
            return so3_ifft_real(z, b_out=self.b_out)  # [batch, f_out, beta, alpha, gamma]

    def extra_repr(self) -> str:
        return (
            f"nfeature_in={self.nfeature_in}, nfeature_out={self.nfeature_out}, b_in={self.b_in}, "
            f"b_out={self.b_out}, grid=<{len(self.grid)} points>, backend={self.backend!r}"
        )

