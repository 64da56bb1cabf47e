"""Property-based checks (hypothesis): shapes, bandwidth changes and linearity on random cases
under a size cap."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import s2cnn
from s2cnn.layout import so3_nspec

from .tolerances import rel_l2, tolerance

_DT = {torch.float64: torch.complex128, torch.float32: torch.complex64}


@st.composite
def cases(draw, max_b: int = 6):
    """A consistent (b_in, b_out, batch shape, real dtype) with at most ~2e5 grid values."""
    b_in = draw(st.integers(1, max_b))
    b_out = draw(st.integers(1, max_b))
    batch = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    dtype = draw(st.sampled_from([torch.float64, torch.float32]))
    return b_in, b_out, batch, dtype


@settings(max_examples=40, deadline=None)
@given(cases())
def test_so3_roundtrip_any_bandwidths(case):
    """ifft to b_out then fft back to b_in recovers the degrees l < min(b_in, b_out)."""
    b_in, b_out, batch, dtype = case
    F = torch.randn(so3_nspec(b_in), *batch, dtype=_DT[dtype])
    x = s2cnn.so3_ifft(F, b_out=b_out)
    assert x.shape == (*batch, 2 * b_out, 2 * b_out, 2 * b_out)
    back = s2cnn.so3_fft(x, b_out=b_in)
    k = so3_nspec(min(b_in, b_out))
    assert rel_l2(back[:k], F[:k]) <= tolerance("roundtrip", dtype)
    assert torch.count_nonzero(back[k:]) == 0


@settings(max_examples=40, deadline=None)
@given(cases())
def test_s2_roundtrip_upsampled(case):
    """s2_ifft to a finer grid then s2_fft back is the identity on the spectrum."""
    b_in, b_out, batch, dtype = case
    b_grid = max(b_in, b_out)
    F = torch.randn(b_in**2, *batch, dtype=_DT[dtype])
    x = s2cnn.s2_ifft(F, b_out=b_grid)
    back = s2cnn.s2_fft(x, b_out=b_in)
    assert back.shape == F.shape
    assert rel_l2(back, F) <= tolerance("roundtrip", dtype)


@settings(max_examples=25, deadline=None)
@given(cases(max_b=5), st.floats(-3, 3), st.floats(-3, 3))
def test_linearity(case, a, c):
    b_in, _, batch, dtype = case
    x = torch.randn(*batch, 2 * b_in, 2 * b_in, 2 * b_in, dtype=dtype)
    y = torch.randn(*batch, 2 * b_in, 2 * b_in, 2 * b_in, dtype=dtype)
    lhs = s2cnn.so3_fft(a * x + c * y)
    rhs = a * s2cnn.so3_fft(x) + c * s2cnn.so3_fft(y)
    norms = [float(torch.linalg.vector_norm(s2cnn.so3_fft(t))) for t in (x, y)]
    scale = max(1e-30, sum(norms))
    assert float(torch.linalg.vector_norm(lhs - rhs)) / scale <= 10 * tolerance("roundtrip", dtype)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
def test_products_shapes_and_blocks(b, batch, f_in, f_out):
    """Each degree block of so3_mm is the matrix product x^l (y^l)^H."""
    x = torch.randn(so3_nspec(b), batch, f_in, dtype=torch.complex128)
    y = torch.randn(so3_nspec(b), f_in, f_out, dtype=torch.complex128)
    z = s2cnn.so3_mm(x, y)
    assert z.shape == (so3_nspec(b), batch, f_out)
    l = b - 1
    k = 2 * l + 1
    s = slice(so3_nspec(l), so3_nspec(b))
    xl = x[s].reshape(k, k, batch, f_in).permute(2, 0, 1, 3)  # [Z, m, k, f]
    yl = y[s].reshape(k, k, f_in, f_out)  # [n, k, f, o]
    want = torch.einsum("zmkf,nkfo->mnzo", xl, yl.conj()).reshape(k * k, batch, f_out)
    torch.testing.assert_close(z[s], want)
    zs = s2cnn.s2_mm(x[: b * b], y[: b * b])
    assert zs.shape == (so3_nspec(b), batch, f_out)


@settings(max_examples=25, deadline=None)
@given(cases(max_b=5), st.integers(1, 3), st.integers(1, 3))
def test_so3_mm_real_on_real_signals(case, f_in, f_out):
    """On the spectra of real signals (so3_fft of real grids) so3_mm_real is so3_mm, whose result
    is again the spectrum of a real signal (its synthesis has no imaginary part); so3_complete_real
    leaves such a spectrum as it is."""
    b, _, batch, dtype = case
    Z = len(batch) + 1
    x = s2cnn.so3_fft(torch.randn(Z, f_in, 2 * b, 2 * b, 2 * b, dtype=dtype)).reshape(-1, Z, f_in)
    y = s2cnn.so3_fft(torch.randn(f_in, f_out, 2 * b, 2 * b, 2 * b, dtype=dtype)).reshape(-1, f_in, f_out)
    z = s2cnn.so3_mm_real(x, y)
    want = s2cnn.so3_mm(x, y)
    assert rel_l2(z, want) <= tolerance("backend", dtype)
    assert rel_l2(s2cnn.symmetry.so3_complete_real(want), want) <= tolerance("backend", dtype)
    grid = s2cnn.so3_ifft(z)
    assert float(grid.imag.abs().max()) <= 10 * tolerance("roundtrip", dtype) * float(grid.abs().max())


def test_so3_mm_real_differs_off_symmetry():
    """On general spectra so3_mm_real keeps so3_mm's columns n >= 0 and replaces the others by
    the mirrored conjugates (it is not so3_mm there): the completion is really applied."""
    b = 3
    x = torch.randn(so3_nspec(b), 2, 2, dtype=torch.complex128)
    y = torch.randn(so3_nspec(b), 2, 3, dtype=torch.complex128)
    z, full = s2cnn.so3_mm_real(x, y), s2cnn.so3_mm(x, y)
    l, m, n = s2cnn.layout.so3_orders(b)
    keep = torch.from_numpy(n >= 0)
    torch.testing.assert_close(z[keep], full[keep])
    assert rel_l2(z[~keep], full[~keep]) > 0.1
    torch.testing.assert_close(z, s2cnn.symmetry.so3_complete_real(full))
