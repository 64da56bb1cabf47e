"""The ``cuda`` backend's kernels and launcher, run on the CPU by the emulator of ``verify/cuda_emu``.

No GPU needed: the kernel sources are compiled unchanged for the host (threads as fibers,
``__syncthreads`` as a barrier) and run through the backend's own launch plans and autograd
wrappers. Each launch is checked for out-of-bounds loads and stores, divergent barriers and
output elements stored other than exactly once (see :mod:`verify.cuda_emu`).

* kernels alone against direct sums with random tables (every index of every tile);
* the emulated backend against the ``torch`` backend: outputs, input and weight gradients;
* ``gradcheck`` / ``gradgradcheck`` of the hand-written backward passes;
* the emulator's own power: broken variants of the kernels must be caught.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch

import s2cnn
from s2cnn.backends import Declined, set_backend
from s2cnn.backends.cuda import CudaBackend, _plan
from s2cnn.backends.cuda import _functions as fn
from s2cnn.backends.cuda._source import kernel_source, tile_constants
from s2cnn.layout import s2_index, so3_index, so3_nspec
from verify.checks import layers_vs_torch
from verify.cuda_emu import EmulationError, EmulatorExecutor, compiler
from verify.tolerances import rel_l2, tolerance

pytestmark = pytest.mark.skipif(compiler() is None, reason="no host C++ compiler for the CUDA kernel emulation")

CDTYPE = {torch.float32: torch.complex64, torch.float64: torch.complex128}


def _rows(so3: bool, L: int) -> int:
    return so3_nspec(L) if so3 else L * L


def _coefficients(so3: bool, L: int):
    """(row, l, p, q) of every coefficient with l < L (p = 0 on S2)."""
    for l in range(L):
        for p in range(-l, l + 1) if so3 else (0,):
            for q in range(-l, l + 1):
                yield (so3_index(l, p, q) if so3 else s2_index(l, q)), l, p, q


def _direct_analysis(X: np.ndarray, T: np.ndarray, so3: bool, L: int) -> np.ndarray:
    N = X.shape[-1]
    F = np.zeros((_rows(so3, L), X.shape[0]), dtype=complex)
    for row, _, p, q in _coefficients(so3, L):
        cols = X[:, :, p % N, q % N] if so3 else X[:, :, q % N]  # [Z, J]
        F[row] = cols @ T[row]
    return F


def _direct_synthesis(F: np.ndarray, T: np.ndarray, so3: bool, L: int, N: int) -> np.ndarray:
    Z, J = F.shape[1], T.shape[1]
    Y = np.zeros((Z, J, N, N) if so3 else (Z, J, N), dtype=complex)
    for row, _, p, q in _coefficients(so3, L):
        if so3:
            Y[:, :, p % N, q % N] += F[row][:, None] * T[row][None, :]
        else:
            Y[:, :, q % N] += F[row][:, None] * T[row][None, :]
    return Y


@pytest.fixture(scope="module")
def emu():
    return EmulatorExecutor(order="alternate")


# ------------------------------------------------------------------------------------------
# kernels alone


CONTRACTIONS = [  # (b_grid, L, Z): L < or = b_grid, Z below / above the batch tile, tiny grids
    (1, 1, 1),
    (3, 3, 2),
    (5, 2, 7),
    (5, 5, 33),
    (9, 9, 3),
]


@pytest.mark.parametrize("so3", [False, True], ids=["s2", "so3"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("b_grid, L, Z", CONTRACTIONS)
def test_contractions_match_direct_sums(emu, so3, dtype, b_grid, L, Z):
    g = torch.Generator().manual_seed(b_grid * 100 + L * 10 + Z)
    N = J = 2 * b_grid
    cdtype = CDTYPE[dtype]
    X = torch.randn((Z, J, N, N) if so3 else (Z, J, N), dtype=cdtype, generator=g)
    T = torch.randn(_rows(so3, L), J, dtype=dtype, generator=g)
    F = fn._run_analysis(X, T, so3, L, _rows(so3, L) + 3, emu)
    ref = _direct_analysis(X.numpy(), T.numpy().astype(float), so3, L)
    tol = tolerance("backend", dtype)
    assert rel_l2(F[: _rows(so3, L)], ref) < tol
    assert torch.all(F[_rows(so3, L) :] == 0)
    Fin = torch.randn(_rows(so3, L) + 2, Z, dtype=cdtype, generator=g)  # extra rows ignored
    Y = fn._run_synthesis(Fin, T, so3, L, N, emu)
    assert rel_l2(Y, _direct_synthesis(Fin.numpy()[: _rows(so3, L)], T.numpy().astype(float), so3, L, N)) < tol


@pytest.mark.parametrize("so3", [False, True], ids=["s2", "so3"])
@pytest.mark.parametrize("b_grid, L, Z", [(4, 3, 5), (6, 6, 34)])
def test_contractions_are_adjoint(emu, so3, b_grid, L, Z):
    """<A X, F> = <X, A^T F> with the two kernels: the backward of each is the other."""
    g = torch.Generator().manual_seed(7)
    N = J = 2 * b_grid
    X = torch.randn((Z, J, N, N) if so3 else (Z, J, N), dtype=torch.complex128, generator=g)
    F = torch.randn(_rows(so3, L), Z, dtype=torch.complex128, generator=g)
    T = torch.randn(_rows(so3, L), J, dtype=torch.float64, generator=g)
    lhs = torch.vdot(fn._run_analysis(X, T, so3, L, _rows(so3, L), emu).flatten(), F.flatten())
    rhs = torch.vdot(X.flatten(), fn._run_synthesis(F, T, so3, L, N, emu).flatten())
    assert abs(lhs - rhs) / abs(lhs) < tolerance("adjoint", torch.float64)


def _product_reference(which: str, so3: bool, a: np.ndarray, b: np.ndarray, bw: int) -> np.ndarray:
    """The block products per degree, as dense matrices over the spectral indices."""
    outs = []
    for l in range(bw):
        k = 2 * l + 1
        start = so3_nspec(l) if so3 else l * l
        shape = (k, k) if so3 else (k,)

        def blk(t, start=start, shape=shape):  # [m, (k,) ...] block of degree l
            return t[start : start + int(np.prod(shape))].reshape(*shape, *t.shape[1:])

        g_rows = slice(so3_nspec(l), so3_nspec(l + 1))
        if which == "forward":
            x, y = blk(a), blk(b)
            z = np.einsum("mkzf,nkfo->mnzo", x, y.conj()) if so3 else np.einsum("mzf,nfo->mnzo", x, y.conj())
        elif which == "grad_x":
            G, y = a[g_rows].reshape(k, k, *a.shape[1:]), blk(b)
            z = np.einsum("mnzo,nkfo->mkzf", G, y) if so3 else np.einsum("mnzo,nfo->mzf", G, y)
        else:
            x, G = blk(a), b[g_rows].reshape(k, k, *b.shape[1:])
            z = np.einsum("mkzf,mnzo->nkfo", x, G.conj()) if so3 else np.einsum("mzf,mnzo->nfo", x, G.conj())
        outs.append(z.reshape(-1, *z.shape[-2:]))
    return np.concatenate(outs)


PRODUCTS = [(1, 1, 1, 1), (3, 2, 3, 5), (2, 40, 17, 33), (4, 3, 2, 2)]  # (b, Z, Fi, Fo): tiles crossed


@pytest.mark.parametrize("which", ["forward", "grad_x", "grad_y"])
@pytest.mark.parametrize("so3", [False, True], ids=["s2", "so3"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("bw, Z, Fi, Fo", PRODUCTS)
def test_products_match_einsum(emu, which, so3, dtype, bw, Z, Fi, Fo):
    g = torch.Generator().manual_seed(bw * 1000 + Z * 100 + Fi * 10 + Fo)
    cdtype = CDTYPE[dtype]
    rows, srows = _rows(so3, bw), so3_nspec(bw)
    x = torch.randn(rows, Z, Fi, dtype=cdtype, generator=g)
    y = torch.randn(rows, Fi, Fo, dtype=cdtype, generator=g)
    G = torch.randn(srows, Z, Fo, dtype=cdtype, generator=g)
    a, b = {"forward": (x, y), "grad_x": (G, y), "grad_y": (x, G)}[which]
    out = fn._run_product(which, so3, a, b, bw, emu)
    ref = _product_reference(which, so3, a.numpy().astype(complex), b.numpy().astype(complex), bw)
    assert out.shape == ref.shape
    assert rel_l2(out, ref) < tolerance("backend", dtype)


# ------------------------------------------------------------------------------------------
# the emulated backend against the torch backend


def _run(backend, fn_, inputs, grad_out):
    xs = [t.detach().clone().requires_grad_(True) for t in inputs]
    with set_backend(backend, only=True):
        out = fn_(*xs)
    grads = torch.autograd.grad(out, xs, grad_outputs=grad_out(out))
    return out.detach(), grads


def _cases():
    # (verb, b_in, b_out, batch, f_in, f_out)
    for b_in, b_out in [(4, 4), (5, 3), (3, 5), (1, 1)]:
        if b_out <= b_in:
            yield "s2_fft", b_in, b_out, (2, 3)
        if b_out >= b_in:
            yield "s2_ifft", b_in, b_out, (3,)
        yield "so3_fft", b_in, b_out, (2,)
        yield "so3_ifft", b_in, b_out, (2, 2)
        yield "so3_ifft_real", b_in, b_out, (2,)
    for b in (1, 3, 4):
        yield "s2_mm", b, b, (3, 2, 4)
        yield "so3_mm", b, b, (2, 3, 2)
        yield "so3_mm_real", b, b, (2, 3, 2)


def _inputs(verb, b_in, dims, dtype, g):
    cdtype = CDTYPE[dtype]
    n = 2 * b_in
    if verb == "s2_fft":
        return (torch.randn(*dims, n, n, dtype=dtype, generator=g),)
    if verb == "so3_fft":
        return (torch.randn(*dims, n, n, n, dtype=dtype, generator=g),)
    if verb == "s2_ifft":
        return (torch.randn(b_in**2, *dims, dtype=cdtype, generator=g),)
    if verb in ("so3_ifft", "so3_ifft_real"):
        return (torch.randn(so3_nspec(b_in), *dims, dtype=cdtype, generator=g),)
    Z, fi, fo = dims
    rows = b_in**2 if verb == "s2_mm" else so3_nspec(b_in)
    return (
        torch.randn(rows, Z, fi, dtype=cdtype, generator=g),
        torch.randn(rows, fi, fo, dtype=cdtype, generator=g),
    )


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("verb, b_in, b_out, dims", list(_cases()))
def test_backend_matches_torch(emu, dtype, verb, b_in, b_out, dims):
    g = torch.Generator().manual_seed(zlib.crc32(repr((verb, b_in, b_out, dims)).encode()))
    inputs = _inputs(verb, b_in, dims, dtype, g)
    front = getattr(s2cnn.spectral, verb)
    call = front if "_mm" in verb else (lambda x: front(x, b_out))
    cache = {}

    def grad_out(out):
        if "g" not in cache:
            cache["g"] = torch.randn(out.shape, dtype=out.dtype, generator=g)
        return cache["g"]

    out, grads = _run(CudaBackend(emu), call, inputs, grad_out)
    ref, ref_grads = _run("torch", call, inputs, grad_out)
    tol = tolerance("backend", dtype)
    assert out.dtype == ref.dtype and out.shape == ref.shape
    assert rel_l2(out, ref) < tol
    for got, want in zip(grads, ref_grads, strict=True):  # input gradient, and the weight's for *_mm
        assert got.dtype == want.dtype
        assert rel_l2(got, want) < tol


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_thread_order_does_not_matter(order):
    """A missing barrier shows as an order-dependent result; both orders must agree with torch."""
    ex = EmulatorExecutor(order=order)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 8, 8, 8, dtype=torch.float64, generator=g)
    with set_backend(CudaBackend(ex), only=True):
        got = s2cnn.spectral.so3_ifft(s2cnn.spectral.so3_fft(x, 3), 5)
    with set_backend("torch", only=True):
        want = s2cnn.spectral.so3_ifft(s2cnn.spectral.so3_fft(x, 3), 5)
    assert rel_l2(got, want) < tolerance("backend", torch.float64)


def test_layers_match_torch(emu):
    """A small S2 -> SO(3) -> SO(3) network: output and every parameter's gradient."""
    errors = layers_vs_torch(CudaBackend(emu))
    assert max(errors) < tolerance("backend", torch.float64), errors


def test_gradcheck_transforms(emu):
    be = CudaBackend(emu)
    g = torch.Generator().manual_seed(11)
    f2 = torch.randn(1, 4, 4, dtype=torch.float64, generator=g, requires_grad=True)
    f3 = torch.randn(1, 4, 4, 4, dtype=torch.float64, generator=g, requires_grad=True)
    s2 = torch.randn(4, 1, dtype=torch.complex128, generator=g, requires_grad=True)
    s3 = torch.randn(so3_nspec(2), 1, dtype=torch.complex128, generator=g, requires_grad=True)
    with set_backend(be, only=True):
        assert torch.autograd.gradcheck(lambda x: s2cnn.spectral.s2_fft(x), (f2,))
        assert torch.autograd.gradcheck(lambda x: s2cnn.spectral.so3_fft(x, 3), (f3,))
        assert torch.autograd.gradcheck(lambda x: s2cnn.spectral.s2_ifft(x, 3), (s2,))
        assert torch.autograd.gradcheck(lambda x: s2cnn.spectral.so3_ifft(x, 1), (s3,))
        # the backward of a contraction is the other contraction: twice differentiable
        assert torch.autograd.gradgradcheck(lambda x: s2cnn.spectral.so3_ifft(x), (s3,))


def test_gradcheck_products(emu):
    be = CudaBackend(emu)
    g = torch.Generator().manual_seed(12)
    opts = {"dtype": torch.complex128, "generator": g, "requires_grad": True}
    x2, y2 = torch.randn(4, 1, 2, **opts), torch.randn(4, 2, 2, **opts)
    x3, y3 = torch.randn(so3_nspec(2), 2, 1, **opts), torch.randn(so3_nspec(2), 1, 2, **opts)
    with set_backend(be, only=True):
        assert torch.autograd.gradcheck(s2cnn.spectral.s2_mm, (x2, y2), fast_mode=True)
        assert torch.autograd.gradcheck(s2cnn.spectral.so3_mm, (x3, y3), fast_mode=True)


# ------------------------------------------------------------------------------------------
# launch plans and declining


def test_plans_respect_grid_limits_and_decline_beyond():
    c = tile_constants()["contract"]
    ln = _plan.analysis("float", True, 0, 0, 0, Z=70, J=8, N=8, L=4)
    assert ln.grid == (1 * 3, 1, 7) and ln.block == (c["NT"], 1, 1)
    ln = _plan.synthesis("double", False, 0, 0, 0, Z=1, J=10, N=10, L=5)
    assert ln.grid == (2, 2, 1)
    assert _plan.analysis("float", False, 0, 0, 0, Z=0, J=8, N=8, L=4) is None
    with pytest.raises(_plan.LaunchTooLarge):
        _plan.product("forward", "float", True, 0, 0, 0, b=4, Z=32 * 65536, Fi=1, Fo=1)
    with pytest.raises(ValueError):
        _plan.analysis("float", True, 0, 0, 0, Z=1, J=8, N=8, L=5)  # L > N/2


def test_backend_declines_what_its_executor_cannot_take(emu):
    be = CudaBackend(emu)
    assert be.available()[0]
    with pytest.raises(Declined, match="float32/float64"):
        be.s2_fft(torch.zeros(1, 4, 4, dtype=torch.float16), 2)
    with pytest.raises(Declined, match="CPU tensors"):
        be.s2_mm(torch.zeros(1, 1, 1, dtype=torch.complex64, device="meta"), torch.zeros(1, 1, 1))


# ------------------------------------------------------------------------------------------
# the emulator catches broken kernels


def _mutant(old: str, new: str, count: int = 1) -> str:
    source = kernel_source()
    assert source.count(old) >= count, f"mutation target not found: {old!r}"
    return source.replace(old, new, count)


def _so3_roundtrip(ex) -> None:
    x = torch.randn(33, 12, 12, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(5))  # 2 beta chunks
    with set_backend(CudaBackend(ex), only=True):
        got = s2cnn.spectral.so3_fft(x)
    with set_backend("torch", only=True):
        want = s2cnn.spectral.so3_fft(x)
    assert rel_l2(got, want) < tolerance("backend", torch.float64)


MUTANTS = {
    # no barrier after the compute loop: the next chunk overwrites what slower threads still read
    "missing barrier": ("        __syncthreads();\n    }\n\n    if (!q_ok)", "    }\n\n    if (!q_ok)"),
    # store of the batch tail unguarded: writes past the end of F
    "unguarded store": (
        "            if (z < Z) {\n                S2CNN_ST(F + row",
        "            {\n                S2CNN_ST(F + row",
    ),
    # degree tiles one short: the last rows of each (p, q) never written
    "short degree range": ("if (l0_block + lt * TL >= L) {", "if (l0_block + lt * TL >= L - 1) {"),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_emulator_catches_broken_kernels(mutant):
    old, new = MUTANTS[mutant]
    caught = 0
    for order in ("forward", "reverse"):
        try:
            _so3_roundtrip(EmulatorExecutor(order=order, source=_mutant(old, new)))
        except (EmulationError, AssertionError):
            caught += 1
    assert caught >= 1, f"the emulator did not notice the mutant {mutant!r}"


@pytest.mark.parametrize("which", ["forward", "grad_x", "grad_y"])
def test_emulator_catches_launches_larger_than_their_tensors(which):
    """A launcher that plans for a larger bandwidth than its tensors hold (a wrong grid or size)
    is reported before any thread runs, instead of reading and writing past the allocations."""
    bw, Z, Fi, Fo = 3, 2, 2, 3
    rows, srows = bw * bw, so3_nspec(bw)
    shapes = {
        "forward": ((rows, Z, Fi), (rows, Fi, Fo), (srows, Z, Fo)),
        "grad_x": ((srows, Z, Fo), (rows, Fi, Fo), (rows, Z, Fi)),
        "grad_y": ((rows, Z, Fi), (srows, Z, Fo), (rows, Fi, Fo)),
    }[which]
    a, b, out = (torch.zeros(s, dtype=torch.complex128) for s in shapes)
    ex = EmulatorExecutor()
    ptrs = (a.data_ptr(), b.data_ptr(), out.data_ptr())
    ex.launch(torch.device("cpu"), [_plan.product(which, "double", False, *ptrs, bw, Z, Fi, Fo)], operands=(a, b, out))
    with pytest.raises(EmulationError, match="its tensor holds"):
        launch = _plan.product(which, "double", False, *ptrs, bw + 1, Z, Fi, Fo)
        ex.launch(torch.device("cpu"), [launch], operands=(a, b, out))
