"""asv: the convolution layers ``S2Convolution`` and ``SO3Convolution``.

A layer ``(f_in, f_out, b_in=b, b_out=b)`` on the near-identity kernel grids of the original
s2cnn (24 points on S2, 192 on SO(3)) takes a real batch ``[batch, f_in, 2b, 2b(, 2b)]`` with
``(batch, f_in, f_out) = LAYER_SHAPES[b]``, the layer built with ``backend=<backend>`` and moved
to the case's dtype and device. The methods are those of :class:`~benchmarks.common.CaseSuite`;
the backward differentiates the input, the kernel and the bias, and the float64 baseline is a
copy of the layer in float64 on the ``torch`` backend.

``S2SO3Network`` is the two layers as a network uses them, ``S2Convolution(f_in, f_out)``, ReLU,
``SO3Convolution(f_out, f_out)`` (the start of the original's spherical MNIST model) on the S2
batch of ``S2Convolution``: the second layer takes the first one's output as it lies, in the
layout the first one's synthesis gives it, and the backward runs through the ReLU between them,
which the single-layer cases, on fresh contiguous inputs, do not show.
"""

from __future__ import annotations

import copy

import torch

import s2cnn

from .common import (
    LAYER_SHAPES,
    Case,
    CaseSuite,
    gpu_memory_suite,
    require_case,
    require_so3_fits,
    rng,
    torch_dtype,
)

__all__ = ["S2Convolution", "SO3Convolution", "S2SO3Network", "GpuMemory"]


class _Layer(CaseSuite):
    op = ""
    layer = None
    grid = None
    so3_input = False

    def prepare(self, b: int, backend: str, dtype: str, device: str) -> Case:
        require_case(backend, device)
        require_so3_fits(b, device)  # both layers end with so3_ifft at b
        self.pin_threads()
        batch, f_in, f_out = LAYER_SHAPES[b]
        torch.manual_seed(1)
        layer = self.build(f_in, f_out, b, backend).to(device, torch_dtype(dtype))
        shape = (batch, f_in) + (2 * b,) * (3 if self.so3_input else 2)
        x64 = torch.from_numpy(rng(self.op, b).standard_normal(shape)).to(device)

        def reference():  # built on demand: only track_rel_error pays for the float64 copy
            layer64 = copy.deepcopy(layer).double()  # the kernel tables are re-derived from float64
            for module in layer64.modules():
                if hasattr(module, "backend"):
                    module.backend = "torch"
            with torch.no_grad():
                return layer64(x64)

        params = tuple(layer.parameters())
        return Case(layer, (x64.to(torch_dtype(dtype)),), backend, device, params, reference).warm_up()

    def build(self, f_in: int, f_out: int, b: int, backend: str) -> torch.nn.Module:
        """The module of the case, ``b_in = b_out = b``, on ``backend``."""
        return self.layer(f_in, f_out, b, b, self.grid(), backend=backend)


class S2Convolution(_Layer):
    op = "S2Convolution"
    layer = s2cnn.S2Convolution
    grid = staticmethod(s2cnn.s2_near_identity_grid)


class SO3Convolution(_Layer):
    op = "SO3Convolution"
    layer = s2cnn.SO3Convolution
    grid = staticmethod(s2cnn.so3_near_identity_grid)
    so3_input = True


class S2SO3Network(_Layer):
    op = "S2SO3Network"

    def build(self, f_in: int, f_out: int, b: int, backend: str) -> torch.nn.Module:
        """``S2Convolution(f_in, f_out)``, ReLU, ``SO3Convolution(f_out, f_out)``, all at ``b``."""
        return torch.nn.Sequential(
            s2cnn.S2Convolution(f_in, f_out, b, b, s2cnn.s2_near_identity_grid(), backend=backend),
            torch.nn.ReLU(),
            s2cnn.SO3Convolution(f_out, f_out, b, b, s2cnn.so3_near_identity_grid(), backend=backend),
        )


GpuMemory = gpu_memory_suite(
    [S2Convolution, SO3Convolution, S2SO3Network], "Peak GPU memory of the layer cases (CUDA devices only)."
)
