"""pytest-benchmark: ``S2Convolution`` and ``SO3Convolution`` (forward, b_in = b_out = 8),
each checked two ways: against a float64 copy of the layer on the ``torch`` backend, and for
exact equivariance under a rotation by one step of the alpha grid
(:func:`s2cnn.testing.assert_equivariant`, ``mode="grid"``) at the benchmarked dtype.
"""

from __future__ import annotations

import copy

import pytest
import torch

import s2cnn
from s2cnn.testing import assert_equivariant
from verify.tolerances import rel_l2, tolerance

from .common import rng, sync, torch_dtype

B = 8
BATCH, F_IN, F_OUT = 2, 3, 4

LAYERS = {
    "S2Convolution": (s2cnn.S2Convolution, s2cnn.s2_near_identity_grid, 2),
    "SO3Convolution": (s2cnn.SO3Convolution, s2cnn.so3_near_identity_grid, 3),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_forward(benchmark, target, dtype, name):
    backend, device = target
    cls, grid, ndim = LAYERS[name]
    torch.manual_seed(0)
    layer = cls(F_IN, F_OUT, B, B, grid(), backend=backend).to(device, torch_dtype(dtype))
    torch.nn.init.uniform_(layer.bias, -1, 1)
    x64 = torch.from_numpy(rng("micro", name, B).standard_normal((BATCH, F_IN) + (2 * B,) * ndim)).to(device)
    x = x64.to(torch_dtype(dtype))

    def call():
        with torch.no_grad():
            out = layer(x)
        sync(device)
        return out

    benchmark.extra_info.update(b=B, shape=[BATCH, F_IN, F_OUT], backend=backend, device=device, dtype=dtype)
    got = benchmark(call)
    assert got.shape == (BATCH, F_OUT, 2 * B, 2 * B, 2 * B) and got.dtype == torch_dtype(dtype)
    layer64 = copy.deepcopy(layer).double()
    layer64.backend = "torch"
    with torch.no_grad():
        want = layer64(x64)
    assert rel_l2(got, want) <= tolerance("backend", got.dtype)
    assert_equivariant(layer, x64, tol=tolerance("equivariance", got.dtype), rotations=1, mode="grid", dtype=got.dtype)


def test_asv_network_case():
    """The asv case ``S2SO3Network`` (S2Convolution, ReLU, SO3Convolution) at b = 8 on the CPU:
    its forward+backward gives a gradient for the input and every parameter, and its float32
    output is within the backend tolerance of the float64 copy on the ``torch`` backend."""
    from . import bench_layers

    params = (8, "torch", "float32", "cpu")
    bench = bench_layers.S2SO3Network()
    bench.setup(*params)
    grads = bench.case.forward_backward()
    assert len(grads) == 1 + len(bench.case.params) == 5  # input, then both layers' kernel and bias
    assert all(torch.isfinite(g).all() and g.abs().sum() > 0 for g in grads)
    assert bench.track_rel_error(*params) <= tolerance("backend", torch.float32)
