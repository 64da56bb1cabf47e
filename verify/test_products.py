"""The torch backend's block products: the forms that write into one output (the verbs) against
the op-by-op specification (``*_graph``, differentiated by autograd), values and gradients, and
the verbs' own backward against finite differences, twice."""

from __future__ import annotations

import pytest
import torch

from s2cnn.backends.torch import _products
from s2cnn.layout import so3_nspec

from . import checks

PRODUCTS = ("s2_mm", "so3_mm", "so3_mm_real")


def _operands(kind: str, b: int, Z: int, f_in: int, f_out: int, dtype: torch.dtype, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    rows = b * b if kind == "s2_mm" else so3_nspec(b)
    x = torch.randn(rows, Z, f_in, dtype=dtype, generator=g)
    y = torch.randn(rows, f_in, f_out, dtype=dtype, generator=g)
    return x, y


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128], ids=str)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 2, 3, 2), (5, 1, 2, 4), (4, 3, 1, 1)], ids=str)
@pytest.mark.parametrize("kind", PRODUCTS)
def test_verbs_match_the_specification(kind, shape, dtype):
    """Output and the gradients of each argument (alone and together, for a non-contiguous
    cotangent) equal those of the op-by-op form within the backend tolerance."""
    x, y = _operands(kind, *shape, dtype)
    verb, spec = getattr(_products, kind), getattr(_products, f"{kind}_graph")
    want = spec(x, y)
    got = verb(x, y)
    tol = checks.tolerance("backend", dtype)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert checks.rel_l2(got, want) <= tol
    g = torch.randn(want.shape[::-1], dtype=dtype, generator=torch.Generator().manual_seed(1)).permute(2, 1, 0)
    for wrt in ((0,), (1,), (0, 1)):
        grads = []
        for fn in (verb, spec):
            args = [t.clone().requires_grad_(i in wrt) for i, t in enumerate((x, y))]
            grads.append(torch.autograd.grad(fn(*args), [args[i] for i in wrt], g))
        for a, w in zip(*grads, strict=True):
            assert checks.rel_l2(a, w) <= tol


@pytest.mark.parametrize("kind", PRODUCTS)
def test_verbs_gradcheck_twice(kind):
    """The written-out backward against finite differences, and the double backward (which
    differentiates the op-by-op form) the same way."""
    x, y = (t.requires_grad_() for t in _operands(kind, 3, 2, 2, 2, torch.complex128))
    fn = getattr(_products, kind)
    assert torch.autograd.gradcheck(fn, (x, y))
    assert torch.autograd.gradgradcheck(fn, (x, y))
