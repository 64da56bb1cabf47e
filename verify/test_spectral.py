"""Transforms and products of the torch backend against the reference and algebraic identities."""

from __future__ import annotations

import collections

import pytest
import torch

from . import checks
from .checks import DTYPES, OPS

pytestmark = pytest.mark.filterwarnings("error")


def _assert(row: checks.Row) -> None:
    msg = f"{row.check} b={row.b} {row.dtype} on {row.backend}: error {row.error:.3e} > {row.tolerance:.1e}"
    assert row.passed, msg


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b", checks.REFERENCE_BANDWIDTHS)
@pytest.mark.parametrize("op", OPS)
def test_against_reference(op, b, dtype, device):
    _assert(checks.check_reference(op, b, dtype, "torch", device))


@pytest.mark.parametrize("batch", checks.REFERENCE_BATCHES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b", checks.BATCH_BANDWIDTHS)
@pytest.mark.parametrize("op", checks.SO3_TRANSFORMS)
def test_against_reference_other_batches(op, b, dtype, batch, device, monkeypatch):
    """The SO(3) transforms on one signal and on six: the torch backend's CPU path puts few
    signals in the rows of its GEMMs (one signal) and more in the columns (six); both forms
    meet the reference."""
    forms = _record_forms(monkeypatch)
    _assert(checks.check_reference(op, b, dtype, "torch", device, batch))
    if torch.device(device).type == "cpu":
        assert forms == [batch == 1]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b", checks.ROUNDTRIP_BANDWIDTHS)
@pytest.mark.parametrize("space", ["s2", "so3"])
def test_roundtrip(space, b, dtype, device):
    _assert(checks.check_roundtrip(space, b, dtype, "torch", device))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b", checks.ADJOINT_BANDWIDTHS)
@pytest.mark.parametrize("op", OPS)
def test_adjoint_autograd(op, b, dtype, device):
    _assert(checks.check_adjoint(op, b, dtype, "torch", device))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b", checks.ADJOINT_BANDWIDTHS)
@pytest.mark.parametrize("space", ["s2", "so3"])
def test_adjoint_synthesis(space, b, dtype, device):
    _assert(checks.check_synthesis_adjoint(space, b, dtype, "torch", device))


@pytest.mark.parametrize("b", checks.GRADCHECK_BANDWIDTHS)
@pytest.mark.parametrize("op", OPS)
def test_gradcheck(op, b, device):
    _assert(checks.check_gradcheck(op, b, "torch", device))


@pytest.mark.parametrize("b_in,b_out", [(4, 2), (5, 5), (3, 1)])
def test_s2_fft_truncates(b_in, b_out):
    """s2_fft(x, b_out) is the leading b_out**2 rows of s2_fft(x)."""
    x = torch.randn(2, 2 * b_in, 2 * b_in, dtype=torch.float64)
    full = checks.s2cnn.s2_fft(x)
    torch.testing.assert_close(checks.s2cnn.s2_fft(x, b_out=b_out), full[: b_out**2], rtol=0, atol=1e-14)


@pytest.mark.parametrize("b_in,b_out", [(4, 2), (3, 5)])
def test_so3_fft_bandwidth_change(b_in, b_out):
    """Truncation for b_out < b_in; zero rows (no aliases) for b_out > b_in."""
    s2cnn, nspec = checks.s2cnn, checks.so3_nspec
    x = torch.randn(2, 2 * b_in, 2 * b_in, 2 * b_in, dtype=torch.float64)
    full = s2cnn.so3_fft(x)
    out = s2cnn.so3_fft(x, b_out=b_out)
    k = nspec(min(b_in, b_out))
    torch.testing.assert_close(out[:k], full[:k], rtol=0, atol=1e-14)
    assert out.shape[0] == nspec(b_out)
    assert torch.count_nonzero(out[k:]) == 0


def test_so3_ifft_downsamples():
    """so3_ifft(F, b_out < b_in) synthesises the degrees l < b_out on the coarser grid."""
    s2cnn, nspec = checks.s2cnn, checks.so3_nspec
    F = torch.randn(nspec(4), 3, dtype=torch.complex128)
    low = s2cnn.so3_ifft(F, b_out=2)
    torch.testing.assert_close(low, s2cnn.so3_ifft(F[: nspec(2)]), rtol=0, atol=1e-13)


def test_real_input_equals_complex_input():
    x = torch.randn(2, 3, 8, 8, 8, dtype=torch.float64)
    s2cnn = checks.s2cnn
    torch.testing.assert_close(s2cnn.so3_fft(x), s2cnn.so3_fft(x.to(torch.complex128)))
    y = torch.randn(5, 8, 8, dtype=torch.float32)
    torch.testing.assert_close(s2cnn.s2_fft(y), s2cnn.s2_fft(y.to(torch.complex64)))


def test_batch_axes_are_kept():
    s2cnn = checks.s2cnn
    x = torch.randn(2, 3, 4, 6, 6)
    assert s2cnn.s2_fft(x).shape == (9, 2, 3, 4)
    assert s2cnn.s2_ifft(s2cnn.s2_fft(x), b_out=5).shape == (2, 3, 4, 10, 10)
    y = torch.randn(6, 6, 6)
    assert s2cnn.so3_fft(y).shape == (35,)
    assert s2cnn.so3_ifft(s2cnn.so3_fft(y)).shape == (6, 6, 6)


@pytest.mark.parametrize("rows_max", [0, 1 << 30], ids=["signals-as-columns", "signals-as-rows"])
@pytest.mark.parametrize("op", ["so3_ifft", "so3_ifft_real"])
def test_so3_synthesis_output_is_contiguous(op, rows_max, monkeypatch):
    """The torch backend's SO(3) syntheses return contiguous ``[..., beta, alpha, gamma]`` grids
    (as the original's: ported code calls ``view`` on them), so that the next layer's
    ``so3_fft`` reads a ReLU of it where it lies: the backend gets the caller's storage, no
    copy of the grid (``torch.relu`` of a complex grid is not defined: for ``so3_ifft``,
    ``so3_fft`` reads the grid itself)."""
    from s2cnn.backends.torch import _so3

    monkeypatch.setattr(_so3, "ROWS_MAX_SIGNALS", _rows_max(rows_max))
    s2cnn = checks.s2cnn
    F = torch.randn(checks.so3_nspec(4), 2, 3, dtype=torch.complex128)
    with checks.set_backend("torch", only=True):
        y = getattr(s2cnn, op)(F, b_out=5)
    assert y.shape == (2, 3, 10, 10, 10) and y.is_contiguous(), y.stride()
    h = y if y.is_complex() else torch.relu(y)
    seen = []
    dispatch = s2cnn.spectral.dispatch
    monkeypatch.setattr(s2cnn.spectral, "dispatch", lambda op, x, *a: seen.append(x.data_ptr()) or dispatch(op, x, *a))
    with checks.set_backend("torch", only=True):
        s2cnn.so3_fft(h)
    assert seen == [h.data_ptr()]


def _rows_max(n: int) -> collections.defaultdict:
    """A stand-in for ``_so3.ROWS_MAX_SIGNALS``: the same limit ``n`` for every direction and
    precision (0: signals always in the columns of the GEMMs; huge: always in the rows)."""
    return collections.defaultdict(lambda: n)


def _record_forms(monkeypatch) -> list:
    """The list that records, call by call, whether the torch backend's SO(3) transforms put
    the signals in the rows of their GEMMs (``_so3._signals_as_rows``)."""
    from s2cnn.backends.torch import _so3

    forms = []
    choose = _so3._signals_as_rows
    monkeypatch.setattr(_so3, "_signals_as_rows", lambda *a: forms.append(choose(*a)) or forms[-1])
    return forms


def _assert_signal_forms_agree(fn, x, g, dtype, monkeypatch):
    """``fn(x)`` and its gradient along ``g`` with the signals in the columns of the SO(3) GEMMs
    and in their rows, each in one block of betas and in blocks of one beta, agree within the
    backend tolerance; the forward and its adjoint take the form asked for."""
    from s2cnn.backends.torch import _so3

    forms = _record_forms(monkeypatch)
    results = []
    for rows_max, chunk_bytes in [(0, 1 << 40), (1 << 30, 1 << 40), (1 << 30, 1), (0, 1)]:
        monkeypatch.setattr(_so3, "ROWS_MAX_SIGNALS", _rows_max(rows_max))
        monkeypatch.setattr(_so3, "CHUNK_BYTES", chunk_bytes)
        with checks.set_backend("torch", only=True):
            out = fn(x)
        results.append((out.detach(), *torch.autograd.grad(out, x, g)))
    assert forms == [False, False, True, True, True, True, False, False]  # forward, then its adjoint
    for other in results[1:]:
        for one, two in zip(results[0], other, strict=True):
            assert checks.rel_l2(two, one) <= checks.tolerance("backend", dtype)


def _assert_chunks_agree(fn, x, g, dtype, monkeypatch, budget=("_so3", "CHUNK_BYTES")):
    """``fn(x)`` and its gradient along ``g`` on the torch backend, with the whole grid in one
    chunk and with one beta (or signal) per chunk (the byte budget ``budget``, a module of the
    torch backend and its constant), agree within the backend tolerance."""
    import importlib

    module = importlib.import_module(f"s2cnn.backends.torch.{budget[0]}")
    results = []
    for chunk_bytes in (1 << 40, 1):
        monkeypatch.setattr(module, budget[1], chunk_bytes)
        with checks.set_backend("torch", only=True):
            out = fn(x)
        results.append((out.detach(), *torch.autograd.grad(out, x, g)))
    for one, many in zip(*results, strict=True):
        assert checks.rel_l2(many, one) <= checks.tolerance("backend", dtype)


@pytest.mark.parametrize("op", ["so3_ifft", "so3_ifft_real"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b_in,b_out", [(4, 4), (3, 5), (5, 3)])
def test_so3_ifft_chunks_agree(b_in, b_out, dtype, op, monkeypatch):
    """The torch backend's SO(3) synthesis runs a chunk of betas at a time on the CPU: one beta
    per chunk gives the one-chunk output and gradient (same GEMMs, same order of sums)."""
    s2cnn, nspec = checks.s2cnn, checks.so3_nspec
    cdt = checks._COMPLEX[dtype]
    F = torch.randn(nspec(b_in), 3, dtype=cdt, requires_grad=True)
    g = torch.randn(3, 2 * b_out, 2 * b_out, 2 * b_out, dtype=cdt if op == "so3_ifft" else dtype)
    _assert_chunks_agree(lambda t: getattr(s2cnn, op)(t, b_out=b_out), F, g, dtype, monkeypatch)


@pytest.mark.parametrize("complex_input", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b_in,b_out", [(4, 4), (3, 5), (5, 3)])
def test_so3_fft_chunks_agree(b_in, b_out, dtype, complex_input, monkeypatch):
    """The torch backend's SO(3) analysis FFTs a chunk of betas at a time on the CPU: one beta
    per chunk gives the one-chunk output and gradient (the chunks only split the FFT)."""
    s2cnn = checks.s2cnn
    x = torch.randn(3, 2 * b_in, 2 * b_in, 2 * b_in, dtype=checks._COMPLEX[dtype] if complex_input else dtype)
    x.requires_grad_()
    g = torch.randn(checks.so3_nspec(b_out), 3, dtype=checks._COMPLEX[dtype])
    _assert_chunks_agree(lambda t: s2cnn.so3_fft(t, b_out=b_out), x, g, dtype, monkeypatch)


@pytest.mark.parametrize("complex_input", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b_in,b_out", [(4, 4), (3, 5), (5, 3)])
@pytest.mark.parametrize("Z", [1, 3])
def test_so3_fft_signal_forms_agree(Z, b_in, b_out, dtype, complex_input, monkeypatch):
    """The torch backend's SO(3) analysis puts few signals in the rows of its GEMMs and more in
    the columns (``ROWS_MAX_SIGNALS``), in the forward and in its adjoint: both forms give the
    same output and gradient, in one block of betas and in blocks of one beta."""
    s2cnn = checks.s2cnn
    x = torch.randn(Z, 2 * b_in, 2 * b_in, 2 * b_in, dtype=checks._COMPLEX[dtype] if complex_input else dtype)
    x.requires_grad_()
    g = torch.randn(checks.so3_nspec(b_out), Z, dtype=checks._COMPLEX[dtype])
    _assert_signal_forms_agree(lambda t: s2cnn.so3_fft(t, b_out=b_out), x, g, dtype, monkeypatch)


@pytest.mark.parametrize("rows_max", [0, 1 << 30], ids=["signals-as-columns", "signals-as-rows"])
@pytest.mark.parametrize("complex_input", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("b_in,b_out", [(2, 2), (2, 3), (3, 2)])
def test_so3_fft_gradcheck_chunked(b_in, b_out, complex_input, rows_max, monkeypatch):
    """The hand-written backward of the chunked FFT stage of the SO(3) analysis (one beta per
    chunk), with the signals in the columns or in the rows of the GEMMs, against finite
    differences, and its own gradient (gradgradcheck)."""
    from s2cnn.backends.torch import _so3

    monkeypatch.setattr(_so3, "CHUNK_BYTES", 1)
    monkeypatch.setattr(_so3, "ROWS_MAX_SIGNALS", _rows_max(rows_max))
    dtype = torch.complex128 if complex_input else torch.float64
    x = torch.randn(1, 2 * b_in, 2 * b_in, 2 * b_in, dtype=dtype, requires_grad=True)
    with checks.set_backend("torch", only=True):
        assert torch.autograd.gradcheck(lambda t: checks.s2cnn.so3_fft(t, b_out=b_out), (x,))
        assert torch.autograd.gradgradcheck(lambda t: checks.s2cnn.so3_fft(t, b_out=b_out), (x,))


@pytest.mark.parametrize("op", ["so3_ifft", "so3_ifft_real"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b_in,b_out", [(4, 4), (3, 5), (5, 3)])
@pytest.mark.parametrize("Z", [1, 3])
def test_so3_ifft_signal_forms_agree(Z, b_in, b_out, dtype, op, monkeypatch):
    """The torch backend's SO(3) synthesis puts few signals in the rows of its GEMMs and more in
    the columns (``ROWS_MAX_SIGNALS``), in the forward and in its adjoint: both forms give the
    same output and gradient, in one block of betas and in blocks of one beta."""
    s2cnn = checks.s2cnn
    cdt = checks._COMPLEX[dtype]
    F = torch.randn(checks.so3_nspec(b_in), Z, dtype=cdt, requires_grad=True)
    g = torch.randn(Z, 2 * b_out, 2 * b_out, 2 * b_out, dtype=cdt if op == "so3_ifft" else dtype)
    _assert_signal_forms_agree(lambda t: getattr(s2cnn, op)(t, b_out=b_out), F, g, dtype, monkeypatch)


@pytest.mark.parametrize("rows_max", [0, 1 << 30], ids=["signals-as-columns", "signals-as-rows"])
@pytest.mark.parametrize("op", ["so3_ifft", "so3_ifft_real"])
@pytest.mark.parametrize("b_in,b_out", [(3, 5), (5, 3)])
def test_so3_ifft_gradcheck_bandwidth_change(b_in, b_out, op, rows_max, monkeypatch):
    """The hand-written backward of the SO(3) synthesis against finite differences, with up-
    and down-sampling (gradcheck's own tolerances), with the signals in the columns or in the
    rows of the GEMMs."""
    from s2cnn.backends.torch import _so3

    monkeypatch.setattr(_so3, "ROWS_MAX_SIGNALS", _rows_max(rows_max))
    F = torch.randn(checks.so3_nspec(b_in), 2, dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: getattr(checks.s2cnn, op)(t, b_out=b_out), (F,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b_in,b_out", [(1, 1), (4, 4), (3, 5), (5, 3)])
def test_so3_ifft_real_is_the_real_part(b_in, b_out, dtype):
    """so3_ifft_real(F) = so3_ifft(F).real for any (not Hermitian) spectrum, in the real dtype."""
    s2cnn = checks.s2cnn
    F = torch.randn(checks.so3_nspec(b_in), 2, 3, dtype=checks._COMPLEX[dtype])
    got = s2cnn.so3_ifft_real(F, b_out=b_out)
    assert got.dtype == dtype and got.shape == (2, 3) + (2 * b_out,) * 3
    assert checks.rel_l2(got, s2cnn.so3_ifft(F, b_out=b_out).real) <= checks.tolerance("backend", dtype)


@pytest.mark.parametrize("rows_max", [0, 1 << 30], ids=["signals-as-columns", "signals-as-rows"])
@pytest.mark.parametrize("op", ["so3_ifft", "so3_ifft_real"])
def test_so3_synthesis_twice_differentiable(op, rows_max, monkeypatch):
    """The hand-written backward of the torch backend's SO(3) synthesis is itself
    differentiable (a Function whose backward is the synthesis): gradgradcheck, with the signals
    in the columns or in the rows of the GEMMs."""
    from s2cnn.backends.torch import _so3

    monkeypatch.setattr(_so3, "ROWS_MAX_SIGNALS", _rows_max(rows_max))
    F = torch.randn(checks.so3_nspec(2), 1, dtype=torch.complex128, requires_grad=True)
    with checks.set_backend("torch", only=True):
        assert torch.autograd.gradgradcheck(lambda t: getattr(checks.s2cnn, op)(t, b_out=3), (F,))


@pytest.mark.parametrize("complex_input", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("b_in,b_out", [(4, 4), (5, 3), (1, 1)])
def test_s2_fft_chunks_agree(b_in, b_out, dtype, complex_input, monkeypatch):
    """The torch backend's S2 analysis takes the ``rfft`` of a block of rings at a time on the
    CPU (``FFT_CHUNK_BYTES``): one ring (and its mirror) per block gives the one-block output
    and gradient."""
    s2cnn = checks.s2cnn
    x = torch.randn(5, 2 * b_in, 2 * b_in, dtype=checks._COMPLEX[dtype] if complex_input else dtype)
    x.requires_grad_()
    g = torch.randn(b_out * b_out, 5, dtype=checks._COMPLEX[dtype])
    _assert_chunks_agree(lambda t: s2cnn.s2_fft(t, b_out=b_out), x, g, dtype, monkeypatch, ("_s2", "FFT_CHUNK_BYTES"))


@pytest.mark.parametrize("complex_input", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("b_in,b_out", [(3, 3), (3, 2)])
def test_s2_fft_gradcheck_chunked(b_in, b_out, complex_input, monkeypatch):
    """The hand-written backward of the S2 analysis with one ring per ``rfft`` block (the
    adjoint of the truncated ``rfft`` is an ``irfft`` of the halved orders ``m > 0``) against
    finite differences, and its own gradient (gradgradcheck)."""
    from s2cnn.backends.torch import _s2

    monkeypatch.setattr(_s2, "FFT_CHUNK_BYTES", 1)
    dtype = torch.complex128 if complex_input else torch.float64
    x = torch.randn(3, 2 * b_in, 2 * b_in, dtype=dtype, requires_grad=True)
    with checks.set_backend("torch", only=True):
        assert torch.autograd.gradcheck(lambda t: checks.s2cnn.s2_fft(t, b_out=b_out), (x,))
        assert torch.autograd.gradgradcheck(lambda t: checks.s2cnn.s2_fft(t, b_out=b_out), (x,))


@pytest.mark.parametrize("complex_input", [False, True], ids=["real", "complex"])
def test_s2_fft_twice_differentiable(complex_input):
    """s2_fft's signed output rows (a Function pair, gather and adjoint): gradgradcheck, for a
    real and a complex grid, with a change of bandwidth."""
    dtype = torch.complex128 if complex_input else torch.float64
    x = torch.randn(2, 6, 6, dtype=dtype, requires_grad=True)
    with checks.set_backend("torch", only=True):
        assert torch.autograd.gradgradcheck(lambda t: checks.s2cnn.s2_fft(t, b_out=2), (x,))


@pytest.mark.parametrize("b_in,b_out", [(3, 3), (3, 4)])
def test_s2_ifft_twice_differentiable(b_in, b_out):
    """s2_ifft's Wigner-d stage (a Function pair, synthesis and adjoint, with the spare-ring
    gather): gradcheck and gradgradcheck, at the same and at a larger output bandwidth."""
    F = torch.randn(b_in * b_in, 2, dtype=torch.complex128, requires_grad=True)
    with checks.set_backend("torch", only=True):
        assert torch.autograd.gradcheck(lambda t: checks.s2cnn.s2_ifft(t, b_out=b_out), (F,))
        assert torch.autograd.gradgradcheck(lambda t: checks.s2cnn.s2_ifft(t, b_out=b_out), (F,))
