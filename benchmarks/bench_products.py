"""asv: the spectral block products ``s2_mm``, ``so3_mm`` and ``so3_mm_real``.

Inputs are complex Gaussian spectra, ``x [rows, batch, f_in]`` and ``y [rows, f_in, f_out]``
with ``(batch, f_in, f_out) = PRODUCT_SHAPES[b]`` and ``rows = b**2`` (``s2_mm``) or
``b(4b**2-1)/3`` (``so3_mm``, ``so3_mm_real``), in the complex dtype of the case's precision. The methods are
those of :class:`~benchmarks.common.CaseSuite`; the backward differentiates both operands.
"""

from __future__ import annotations

import torch

import s2cnn
from s2cnn.layout import so3_nspec

from .common import PRODUCT_SHAPES, Case, CaseSuite, complex_dtype, gpu_memory_suite, require_case, rng

__all__ = ["S2MM", "SO3MM", "SO3MMReal", "GpuMemory"]


class _Product(CaseSuite):
    op = ""

    def prepare(self, b: int, backend: str, dtype: str, device: str) -> Case:
        require_case(backend, device)
        self.pin_threads()
        batch, f_in, f_out = PRODUCT_SHAPES[b]
        rows = b * b if self.op == "s2_mm" else so3_nspec(b)
        g = rng(self.op, b)

        def gaussian(*shape):
            re, im = g.standard_normal(shape), g.standard_normal(shape)
            return torch.complex(torch.from_numpy(re), torch.from_numpy(im)).to(device)

        x64, y64 = gaussian(rows, batch, f_in), gaussian(rows, f_in, f_out)
        cdt = complex_dtype(dtype)
        fn = getattr(s2cnn, self.op)

        def reference():
            with torch.no_grad(), s2cnn.set_backend("torch", only=True):
                return fn(x64, y64)

        return Case(fn, (x64.to(cdt), y64.to(cdt)), backend, device, reference=reference).warm_up()


class S2MM(_Product):
    op = "s2_mm"


class SO3MM(_Product):
    op = "so3_mm"


class SO3MMReal(_Product):
    """The product of the layers (real signals' spectra: half the columns, the rest by symmetry)."""

    op = "so3_mm_real"


GpuMemory = gpu_memory_suite([S2MM, SO3MM, SO3MMReal], "Peak GPU memory of the product cases (CUDA devices only).")
