"""The ``cuda`` backend: the six spectral verbs on CUDA kernels compiled at run time.

Each transform is an FFT along alpha (and gamma) in PyTorch (cuFFT), plus a Wigner-d contraction
in a kernel of this package (``wigner_contract.cu``); the products are kernels
(``block_product.cu``). What a verb receives and returns is fixed by
:mod:`s2cnn.backends.protocol`; the math of each verb is in the front door of the same name in
:mod:`s2cnn.spectral`:

* ``s2_fft``: :math:`F^l_m = \\sum_j w^{S2}_j d^l_{m0}(\\beta_j) X[j, m]`, ``X = fft(x)`` along alpha;
* ``s2_ifft``: :math:`f = \\mathrm{ifft}_{unnormalised}\\big(\\sum_l (2l+1) F^l_m d^l_{m0}(\\beta_j)\\big)`;
* ``so3_fft``: :math:`F^l_{mn} = \\sum_j w_j d^l_{mn}(\\beta_j) X[j, m, n]`, ``X = fft2`` along
  (alpha, gamma), rows ``l >= b_in`` zero;
* ``so3_ifft``: :math:`f = \\mathrm{ifft2}_{unnormalised}\\big(\\sum_{l < \\min(b_{in}, b_{out})} (2l+1)
  F^l_{mn} d^l_{mn}(\\beta_j)\\big)`;
* ``s2_mm`` / ``so3_mm``: the block products.

The verbs decline (raise :class:`~s2cnn.backends.Declined`) tensors the executor cannot take
(not on a CUDA device, cupy or a GPU missing) and dtypes other than float32/64, complex64/128.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from ...layout import s2_bandwidth_from_nspec, so3_bandwidth_from_nspec, so3_nspec
from ...symmetry import so3_complete_real
from .._dispatch import Declined
from . import _functions, _tables
from ._plan import LaunchTooLarge

__all__ = ["CudaBackend"]

_COMPLEX = {
    torch.float32: torch.complex64,
    torch.float64: torch.complex128,
    torch.complex64: torch.complex64,
    torch.complex128: torch.complex128,
}


class CudaBackend:
    """Spectral verbs on CUDA kernels (cupy + NVRTC); see the module docstring.

    Parameters
    ----------
    executor : object, optional
        Runs the launch plans. Default: :class:`~s2cnn.backends.cuda._runtime.CupyExecutor`
        (CUDA tensors through cupy). The test suite passes a CPU emulator of the kernels here.
    """

    name = "cuda"

    def __init__(self, executor: Any = None) -> None:
        if executor is None:
            from ._runtime import CupyExecutor

            executor = CupyExecutor()
        self._ex = executor

    def __repr__(self) -> str:
        return f"CudaBackend(executor={self._ex.name!r})"

    def available(self) -> tuple[bool, str]:
        """``(True, description)`` when the kernels can run here, else ``(False, reason)``."""
        return self._ex.available()

    # -- helpers ---------------------------------------------------------------------------

    def _take(self, *tensors: torch.Tensor) -> torch.dtype:
        """Check that the executor takes the tensors; return their complex dtype."""
        for t in tensors:
            self._ex.check(t)
        dtype = tensors[0].dtype
        if dtype not in _COMPLEX:
            raise Declined(f"the cuda kernels take float32/float64/complex64/complex128; got {dtype}")
        return _COMPLEX[dtype]

    def _complex(self, x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return (x if x.dtype == dtype else x.to(dtype)).contiguous()

    # -- transforms ------------------------------------------------------------------------

    def s2_fft(self, x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
        """``x [Z, 2b_in, 2b_in]`` -> ``[b_out**2, Z]`` complex (``b_out <= b_in``)."""
        cdtype = self._take(x)
        b_in = x.shape[-1] // 2
        b_out = b_in if b_out is None else int(b_out)
        X = torch.fft.fft(x, dim=-1).to(cdtype).contiguous()
        T = _tables.contraction_table("analysis", False, b_in, b_out, cdtype.to_real(), x.device)
        with _too_large():
            return _functions.analysis(X, T, False, b_out, b_out * b_out, self._ex)

    def s2_ifft(self, x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
        """``x [b_in**2, Z]`` -> ``[Z, 2b_out, 2b_out]`` complex (``b_out >= b_in``)."""
        cdtype = self._take(x)
        b_in = s2_bandwidth_from_nspec(x.shape[0])
        b_out = b_in if b_out is None else int(b_out)
        T = _tables.contraction_table("synthesis", False, b_out, b_in, cdtype.to_real(), x.device)
        with _too_large():
            Y = _functions.synthesis(self._complex(x, cdtype), T, False, b_in, 2 * b_out, self._ex)
        return torch.fft.ifft(Y, dim=-1, norm="forward")

    def so3_fft(self, x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
        """``x [Z, 2b_in, 2b_in, 2b_in]`` -> ``[so3_nspec(b_out), Z]`` complex (rows ``l >= b_in`` zero)."""
        cdtype = self._take(x)
        b_in = x.shape[-1] // 2
        b_out = b_in if b_out is None else int(b_out)
        L = min(b_in, b_out)
        X = torch.fft.fft2(x, dim=(-2, -1)).to(cdtype).contiguous()
        T = _tables.contraction_table("analysis", True, b_in, L, cdtype.to_real(), x.device)
        with _too_large():
            return _functions.analysis(X, T, True, L, so3_nspec(b_out), self._ex)

    def so3_ifft(self, x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
        """``x [so3_nspec(b_in), Z]`` -> ``[Z, 2b_out, 2b_out, 2b_out]`` complex (``l < b_out`` only)."""
        cdtype = self._take(x)
        b_in = so3_bandwidth_from_nspec(x.shape[0])
        b_out = b_in if b_out is None else int(b_out)
        L = min(b_in, b_out)
        T = _tables.contraction_table("synthesis", True, b_out, L, cdtype.to_real(), x.device)
        with _too_large():
            Y = _functions.synthesis(self._complex(x, cdtype), T, True, L, 2 * b_out, self._ex)
        return torch.fft.ifft2(Y, dim=(-2, -1), norm="forward")

    def so3_ifft_real(self, x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
        """``so3_ifft(x, b_out).real`` (the same kernels; no half-work path on the GPU yet)."""
        return self.so3_ifft(x, b_out).real

    # -- products --------------------------------------------------------------------------

    def s2_mm(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``x [b**2, Z, f_in]``, ``y [b**2, f_in, f_out]`` -> ``[so3_nspec(b), Z, f_out]``."""
        cdtype = self._take(x, y)
        b = s2_bandwidth_from_nspec(x.shape[0])
        with _too_large():
            x, y = self._complex(x, cdtype), self._complex(y, cdtype)
            return _functions.block_product(x, y, False, b, self._ex)

    def so3_mm(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``x [nspec, Z, f_in]``, ``y [nspec, f_in, f_out]`` -> ``[nspec, Z, f_out]``."""
        cdtype = self._take(x, y)
        b = so3_bandwidth_from_nspec(x.shape[0])
        with _too_large():
            x, y = self._complex(x, cdtype), self._complex(y, cdtype)
            return _functions.block_product(x, y, True, b, self._ex)

    def so3_mm_real(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """:meth:`so3_mm` completed by the symmetry of real spectra (the whole product is computed:
        no half-work kernel on the GPU yet)."""
        return so3_complete_real(self.so3_mm(x, y))


@contextlib.contextmanager
def _too_large() -> Iterator[None]:
    """Turn :class:`LaunchTooLarge` into :class:`Declined` (the torch backend can still run it)."""
    try:
        yield
    except LaunchTooLarge as exc:
        raise Declined(str(exc)) from exc
