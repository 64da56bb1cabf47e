"""The library's Wigner-d recursion against the reference closed form and extended precision,
and the structure of the cached tables."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import s2cnn
from s2cnn import wigner
from s2cnn.layout import so3_nspec

from . import checks
from .tolerances import tolerance


@pytest.mark.parametrize("l", checks.WIGNER_CLOSED_FORM_DEGREES)
def test_closed_form(l):
    row = checks.check_wigner_closed_form(l)
    assert row.passed, row


@pytest.mark.parametrize("l", checks.WIGNER_EXTENDED_DEGREES)
def test_extended_precision(l):
    row = checks.check_wigner_extended(l)
    assert row.passed, row


def test_orthogonality_under_quadrature():
    """sum_j w_j d^l_mn d^l'_mn (2b)^2 ... : the SO(3) rule makes the D's orthogonal."""
    b = 6
    w = s2cnn.quadrature.so3_quadrature_weights_np(b) * (2 * b) ** 2
    beta = s2cnn.grids.soft_betas(b)
    for m, n in [(0, 0), (2, -1), (5, 5)]:
        L = max(abs(m), abs(n))
        d = wigner.wigner_d_chains(L, [m], [n], b, beta)[0]  # [l, j]
        gram = (d * w) @ d.T
        np.testing.assert_allclose(gram, np.diag(1 / (2 * np.arange(L, b) + 1)), atol=1e-14)


def test_unitarity_and_symmetries():
    beta = 1.234
    for l in (3, 17):
        d = wigner.wigner_d_matrix(l, beta)
        np.testing.assert_allclose(d @ d.T, np.eye(2 * l + 1), atol=1e-13)
        k = np.arange(-l, l + 1)
        sign = (-1.0) ** (k[:, None] - k[None, :])
        np.testing.assert_allclose(d[::-1, ::-1], sign * d, atol=1e-14)  # d_{-m,-n} = (-1)^(m-n) d_mn
        np.testing.assert_allclose(d.T, sign * d, atol=1e-14)  # d_nm = (-1)^(m-n) d_mn


def test_no_underflow_near_the_pole():
    """Seeds like sin(beta/2)^(2L) underflow at large L near beta = 0; the chain must still
    reach its O(1) values (checked against extended precision)."""
    row = checks.check_wigner_extended(512)
    assert row.passed
    l, beta = 600, np.pi / 1024
    d = wigner.wigner_d_chains(300, [300], [-300], l + 1, [beta])[0, :, 0]
    assert np.all(np.isfinite(d))


def test_tables_match_layout():
    b, nl = 5, 4
    t = wigner.wigner_d_table_so3(b, nl)
    assert t.shape == (so3_nspec(nl), 2 * b)
    beta = s2cnn.grids.soft_betas(b)
    l, m, n = 3, -2, 1
    row = s2cnn.layout.so3_index(l, m, n)
    np.testing.assert_allclose(t[row].numpy(), [wigner.wigner_d_matrix(l, bb)[m + l, n + l] for bb in beta])
    s = wigner.wigner_d_table_s2(b, nl)
    assert s.shape == (nl**2, 2 * b)
    np.testing.assert_allclose(s[s2cnn.layout.s2_index(l, m)].numpy(), t[s2cnn.layout.so3_index(l, m, 0)].numpy())


def test_tables_cached_by_bandwidth_dtype_device():
    a = wigner.wigner_d_table_so3(4, 4, torch.float32, "cpu")
    assert wigner.wigner_d_table_so3(4, 4, torch.float32, "cpu") is a
    assert wigner.wigner_d_table_so3(4, 4, torch.float64, "cpu") is not a
    # another device gets a table built there, not the CPU's entry (meta stands in for a GPU)
    assert wigner.wigner_d_table_so3(4, 4, torch.float32, "meta").device.type == "meta"
    assert s2cnn.so3_quadrature_weights(3, torch.float64, "cpu").device.type == "cpu"
    assert s2cnn.so3_quadrature_weights(3, torch.float64, "meta").device.type == "meta"
    from s2cnn.backends.torch._tables import so3_tables

    assert so3_tables(3, 3, torch.float64, torch.device("cpu"))[0][0].device.type == "cpu"
    assert so3_tables(3, 3, torch.float64, torch.device("meta"))[0][0].device.type == "meta"
    info = s2cnn._cache.cache_info()
    assert all(v["size"] <= v["maxsize"] for v in info.values())


def test_recursion_where_longdouble_is_double(monkeypatch):
    """Where ``numpy.longdouble`` is plain double, the recursion runs in float64 throughout: the
    chains tending to +-1 at a pole stay exact (their kappa is exactly 0), the others lose at
    most the few digits of their factors (checked at l = 64 on the SOFT betas of b = 65)."""
    import reference

    monkeypatch.setattr(wigner, "_EXT", np.float64)
    l = 64
    beta = s2cnn.grids.soft_betas(l + 1)[[0, 1, 40, 64, 100, 129]]
    for m, n in [(0, 0), (3, 3), (-5, 5), (1, 0), (7, -2), (40, 20)]:
        L = max(abs(m), abs(n))
        ours = wigner.wigner_d_chains(L, [m], [n], l + 1, beta)[0, -1]
        exact = np.array([reference.wigner_d(l, m, n, b) for b in beta])
        tol = tolerance("wigner", torch.float64) if abs(m) == abs(n) else 10 * tolerance("wigner", torch.float64)
        assert np.abs(ours - exact).max() <= tol, (m, n)
