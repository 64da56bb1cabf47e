"""pytest-benchmark: ``s2_mm``, ``so3_mm`` and ``so3_mm_real`` at b = 16, each checked against
the block formula summed directly in complex128 NumPy (one ``einsum`` per degree);
``so3_mm_real`` on spectra of real signals, where it is ``so3_mm``.
"""

from __future__ import annotations

import numpy as np
import torch

import s2cnn
from s2cnn.layout import so3_index, so3_nspec, so3_orders
from verify.tolerances import rel_l2, tolerance

from .common import complex_dtype, rng, sync

B = 16
BATCH, F_IN, F_OUT = 4, 3, 5


def _gaussian(g: np.random.Generator, *shape) -> np.ndarray:
    return g.standard_normal(shape) + 1j * g.standard_normal(shape)


def _direct_s2_mm(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`z^l_{mn}[z, o] = \\sum_f x^l_m[z, f] \\overline{y^l_n[f, o]}`, SO(3) layout."""
    out = []
    for l in range(B):
        s = slice(l * l, (l + 1) ** 2)
        out.append(np.einsum("mzf,nfo->mnzo", x[s], y[s].conj()).reshape(-1, BATCH, F_OUT))
    return np.concatenate(out)


def _direct_so3_mm(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`z^l_{mn}[z, o] = \\sum_{f,k} x^l_{mk}[z, f] \\overline{y^l_{nk}[f, o]}`."""
    out = []
    for l in range(B):
        k = 2 * l + 1
        s = slice(so3_nspec(l), so3_nspec(l + 1))
        xl = x[s].reshape(k, k, BATCH, F_IN)
        yl = y[s].reshape(k, k, F_IN, F_OUT)
        out.append(np.einsum("mkzf,nkfo->mnzo", xl, yl.conj()).reshape(-1, BATCH, F_OUT))
    return np.concatenate(out)


def _real_spectrum(F: np.ndarray) -> np.ndarray:
    """``F`` with its rows ``n < 0`` set to :math:`(-1)^{m-n} \\overline{F^l_{-m,-n}}` (and the
    rows ``(l, 0, 0)`` real): the SO(3) spectrum of a real signal."""
    l, m, n = so3_orders(B)
    F = F.copy()
    F[(m == 0) & (n == 0)] = F[(m == 0) & (n == 0)].real
    neg = (n < 0) | ((n == 0) & (m < 0))
    sign = np.where((m - n) % 2 == 0, 1.0, -1.0)[neg, None, None]
    F[neg] = sign * F[so3_index(l[neg], -m[neg], -n[neg])].conj()
    return F


def _product(benchmark, target, dtype, op: str):
    backend, device = target
    rows = B * B if op == "s2_mm" else so3_nspec(B)
    g = rng("micro", op, B)
    x, y = _gaussian(g, rows, BATCH, F_IN), _gaussian(g, rows, F_IN, F_OUT)
    if op == "so3_mm_real":
        x, y = _real_spectrum(x), _real_spectrum(y)
    want = (_direct_s2_mm if op == "s2_mm" else _direct_so3_mm)(x, y)
    xt, yt = (torch.from_numpy(a).to(device, complex_dtype(dtype)) for a in (x, y))
    fn = getattr(s2cnn, op)

    def call():
        with torch.no_grad(), s2cnn.set_backend(backend, only=True):
            out = fn(xt, yt)
        sync(device)
        return out

    benchmark.extra_info.update(b=B, shape=[BATCH, F_IN, F_OUT], backend=backend, device=device, dtype=dtype)
    got = benchmark(call)
    assert got.shape == want.shape and got.dtype == complex_dtype(dtype)
    assert rel_l2(got, torch.from_numpy(want)) <= tolerance("reference", got.dtype)


def test_s2_mm(benchmark, target, dtype):
    _product(benchmark, target, dtype, "s2_mm")


def test_so3_mm(benchmark, target, dtype):
    _product(benchmark, target, dtype, "so3_mm")


def test_so3_mm_real(benchmark, target, dtype):
    _product(benchmark, target, dtype, "so3_mm_real")
