"""The checks shared by the pytest suites and ``python -m verify``.

Each check runs one case on one backend and returns a :class:`Row`: the measured error, the
tolerance from :mod:`verify.tolerances` and whether it passed. A check never compares a
backend with itself: the reference is :mod:`reference` (float64 direct sums, independent of
``s2cnn``), an algebraic identity (round trip, adjointness), or finite differences.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import numpy as np
import torch

import s2cnn
import s2cnn.testing
from s2cnn.backends import set_backend
from s2cnn.layout import so3_nspec

from .tolerances import real_dtype, rel_l2, tolerance

__all__ = [
    "Row",
    "SEED",
    "rng",
    "OPS",
    "check_reference",
    "check_roundtrip",
    "check_adjoint",
    "check_synthesis_adjoint",
    "check_gradcheck",
    "check_backend_agreement",
    "check_wigner_closed_form",
    "check_wigner_extended",
    "available_backends",
]

#: Base seed; override with the environment variable ``S2CNN_SEED``.
SEED = int(os.environ.get("S2CNN_SEED", "1234"))

OPS = ("s2_fft", "s2_ifft", "so3_fft", "so3_ifft", "so3_ifft_real", "s2_mm", "so3_mm", "so3_mm_real")

#: The block products among :data:`OPS`.
PRODUCTS = ("s2_mm", "so3_mm", "so3_mm_real")

_COMPLEX = {torch.float32: torch.complex64, torch.float64: torch.complex128}


@dataclass
class Row:
    """One line of the report."""

    check: str
    backend: str
    device: str
    dtype: str
    b: int
    error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return bool(np.isfinite(self.error) and self.error <= self.tolerance)

    def as_dict(self) -> dict:
        return {**asdict(self), "pass": self.passed}


def rng(*key) -> np.random.Generator:
    """A generator seeded by :data:`SEED` and the case, so each case is reproducible alone."""
    return np.random.default_rng([SEED, *(abs(hash(str(k))) % (2**31) for k in key)])


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def available_backends(device: str) -> list[str]:
    """Backends that can run on ``device`` on this machine."""
    names = ["torch"]
    if torch.device(device).type == "cuda":
        be = s2cnn.backends.get_backend("cuda")
        ok, _ = be.available()
        if ok:
            names.append("cuda")
    return names


# ------------------------------------------------------------------------------------------
# Inputs: float64 NumPy arrays, shaped as the front doors take them


def _cplx(g: np.random.Generator, *shape) -> np.ndarray:
    return g.standard_normal(shape) + 1j * g.standard_normal(shape)


def op_inputs(op: str, b: int, batch: int = 2, f_in: int = 2, f_out: int = 3) -> tuple[np.ndarray, ...]:
    """Random complex128 inputs of ``op`` at bandwidth ``b``."""
    g = rng("inputs", op, b, batch, f_in, f_out)
    nb = 2 * b
    return {
        "s2_fft": lambda: (_cplx(g, batch, nb, nb),),
        "s2_ifft": lambda: (_cplx(g, b * b, batch),),
        "so3_fft": lambda: (_cplx(g, batch, nb, nb, nb),),
        "so3_ifft": lambda: (_cplx(g, so3_nspec(b), batch),),
        "so3_ifft_real": lambda: (_cplx(g, so3_nspec(b), batch),),
        "s2_mm": lambda: (_cplx(g, b * b, batch, f_in), _cplx(g, b * b, f_in, f_out)),
        "so3_mm": lambda: (_cplx(g, so3_nspec(b), batch, f_in), _cplx(g, so3_nspec(b), f_in, f_out)),
        "so3_mm_real": lambda: (_cplx(g, so3_nspec(b), batch, f_in), _cplx(g, so3_nspec(b), f_in, f_out)),
    }[op]()


def _reference_products(op: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Direct sums of the block products (the definitions, one degree at a time)."""
    nspec = x.shape[0]
    if op == "s2_mm":
        b = int(round(nspec**0.5))
        out = []
        for l in range(b):
            xl, yl = x[l * l : (l + 1) ** 2], y[l * l : (l + 1) ** 2]
            out.append(np.einsum("mzf,nfo->mnzo", xl, yl.conj()).reshape(-1, *x.shape[1:2], y.shape[2]))
        return np.concatenate(out)
    b = s2cnn.layout.so3_bandwidth_from_nspec(nspec)
    out = []
    for l in range(b):
        k = 2 * l + 1
        xl = x[so3_nspec(l) : so3_nspec(l + 1)].reshape(k, k, *x.shape[1:])
        yl = y[so3_nspec(l) : so3_nspec(l + 1)].reshape(k, k, *y.shape[1:])
        out.append(np.einsum("mkzf,nkfo->mnzo", xl, yl.conj()).reshape(k * k, x.shape[1], y.shape[2]))
    out = np.concatenate(out)
    if op == "so3_mm_real":  # rows n < 0: (-1)^(m-n) times the conjugate of row (l, -m, -n)
        l, m, n = s2cnn.layout.so3_orders(b)
        neg = n < 0
        sign = np.where((m - n) % 2 == 0, 1.0, -1.0)[neg, None, None]
        out[neg] = sign * out[s2cnn.layout.so3_index(l[neg], -m[neg], -n[neg])].conj()
    return out


@functools.lru_cache(maxsize=64)
def reference_output(op: str, b: int, batch: int = 2) -> np.ndarray:
    """The float64 reference result of ``op`` on :func:`op_inputs` (cached per case)."""
    import reference

    args = op_inputs(op, b, batch)
    if op in PRODUCTS:
        return _reference_products(op, *args)
    if op == "so3_ifft_real":
        return reference.so3_ifft(*args).real
    return getattr(reference, op)(*args)


def _run(op: str, args: Iterable[np.ndarray], dtype: torch.dtype, backend: str, device: str):
    cdt = _COMPLEX[real_dtype(dtype)]
    tens = [torch.from_numpy(a).to(device=device, dtype=cdt) for a in args]
    with set_backend(backend, only=True):
        return getattr(s2cnn, op)(*tens)


# ------------------------------------------------------------------------------------------
# Checks


def check_reference(op: str, b: int, dtype: torch.dtype, backend: str = "torch", device: str = "cpu",
                    batch: int = 2) -> Row:
    """Relative L2 error of ``op`` on ``backend`` against the float64 reference direct sums, on
    ``batch`` signals (named in the check when it is not the default 2)."""
    out = _run(op, op_inputs(op, b, batch), dtype, backend, device)
    err = rel_l2(out, torch.from_numpy(reference_output(op, b, batch)))
    name = f"reference:{op}" + ("" if batch == 2 else f"(batch={batch})")
    return Row(name, backend, device, _dtype_name(dtype), b, err, tolerance("reference", dtype))


def check_roundtrip(space: str, b: int, dtype: torch.dtype, backend: str = "torch", device: str = "cpu") -> Row:
    """``fft(ifft(F))`` against ``F`` for a random spectrum ``F`` of bandwidth ``b`` (batch 2)."""
    nspec = b * b if space == "s2" else so3_nspec(b)
    g = rng("roundtrip", space, b)
    F = torch.from_numpy(_cplx(g, nspec, 2)).to(device=device, dtype=_COMPLEX[real_dtype(dtype)])
    with set_backend(backend, only=True):
        back = getattr(s2cnn, f"{space}_fft")(getattr(s2cnn, f"{space}_ifft")(F))
    err = rel_l2(back, F)
    return Row(f"roundtrip:{space}", backend, device, _dtype_name(dtype), b, err, tolerance("roundtrip", dtype))


def _adjoint_pair(op: str, b: int) -> tuple[np.ndarray, ...]:
    """Inputs ``x`` and a cotangent ``y`` for the adjoint check of ``op``."""
    x = op_inputs(op, b)
    out = reference_output(op, b) if op in PRODUCTS else None
    g = rng("cotangent", op, b)
    if out is None:
        shape = {
            "s2_fft": (b * b, 2),
            "s2_ifft": (2, 2 * b, 2 * b),
            "so3_fft": (so3_nspec(b), 2),
            "so3_ifft": (2, 2 * b, 2 * b, 2 * b),
            "so3_ifft_real": (2, 2 * b, 2 * b, 2 * b),
        }[op]
    else:
        shape = out.shape
    return (*x, _cplx(g, *shape))


def _cotangent(op: str, y: np.ndarray, cdt: torch.dtype, device: str) -> torch.Tensor:
    """The cotangent ``y`` for ``op``'s output: its real part for a real output."""
    yt = torch.from_numpy(y).to(device=device, dtype=cdt)
    return yt.real.contiguous() if op == "so3_ifft_real" else yt


def check_adjoint(op: str, b: int, dtype: torch.dtype, backend: str = "torch", device: str = "cpu") -> Row:
    """:math:`|\\langle A x, y\\rangle - \\langle x, A^H y\\rangle| / (\\|Ax\\| \\|y\\|)`.

    ``A^H y`` is what the backend's backward pass computes (a vector-Jacobian product); for
    the bilinear products both arguments are checked (the sum of the two errors). For a real
    output (``so3_ifft_real``, real-linear) the cotangent is real and the identity is
    :math:`\\langle \\mathrm{Re}\\, A x, y\\rangle = \\mathrm{Re} \\langle x, A^H y\\rangle`;
    for ``so3_mm_real`` (real-linear in each argument: its completion conjugates) it is
    :math:`\\mathrm{Re} \\langle A x, y\\rangle = \\mathrm{Re} \\langle x, A^* y\\rangle`.
    """
    *xs, y = _adjoint_pair(op, b)
    cdt = _COMPLEX[real_dtype(dtype)]
    xt = [torch.from_numpy(a).to(device=device, dtype=cdt).requires_grad_(True) for a in xs]
    yt = _cotangent(op, y, cdt, device)
    with set_backend(backend, only=True):
        out = getattr(s2cnn, op)(*xt)
        grads = torch.autograd.grad(out, xt, grad_outputs=yt)
    lhs = torch.vdot(out.reshape(-1), yt.reshape(-1)).to(torch.complex128)  # <A x, y>
    scale = (torch.linalg.vector_norm(out) * torch.linalg.vector_norm(yt)).item()
    err = 0.0
    # The products are linear in x and conjugate-linear in y (the kernel): for a linear
    # argument <x_i, grad_i> = <A x, y>; for a conjugate-linear one it is its conjugate.
    for i, (x_i, g_i) in enumerate(zip(xt, grads, strict=True)):
        rhs = torch.vdot(x_i.detach().reshape(-1), g_i.reshape(-1)).to(torch.complex128)
        if op == "so3_mm_real":  # real-linear: compare the real parts
            rhs, want = rhs.real, lhs.real
        else:
            rhs = rhs if out.is_complex() else rhs.real.to(torch.complex128)
            want = lhs.conj() if i == 1 else lhs
        err += abs((want - rhs).item()) / scale
    return Row(f"adjoint:{op}", backend, device, _dtype_name(dtype), b, err, tolerance("adjoint", dtype))


def check_synthesis_adjoint(
    space: str, b: int, dtype: torch.dtype, backend: str = "torch", device: str = "cpu"
) -> Row:
    """The forward transform's adjoint is the weighted synthesis, without autograd:

    .. math::

        \\langle \\mathrm{fft}(x), y\\rangle
        = \\langle x, w \\odot \\mathrm{ifft}(y / (2l+1))\\rangle,

    with :math:`w` the quadrature weights of the grid (S2 or SO(3)) broadcast along beta. This
    ties the two directions of a backend to each other independently of its backward passes.
    """
    fft_op, ifft_op = f"{space}_fft", f"{space}_ifft"
    x, y = op_inputs(fft_op, b)[0], _adjoint_pair(fft_op, b)[-1]
    cdt = _COMPLEX[real_dtype(dtype)]
    xt = torch.from_numpy(x).to(device=device, dtype=cdt)
    yt = torch.from_numpy(y).to(device=device, dtype=cdt)
    l = np.concatenate([[l] * ((2 * l + 1) if space == "s2" else (2 * l + 1) ** 2) for l in range(b)])
    deg = torch.from_numpy(2.0 * l + 1).to(device=device, dtype=real_dtype(dtype))
    weights = getattr(s2cnn, f"{space}_quadrature_weights")(b, real_dtype(dtype), device)
    w = weights.reshape(-1, *([1] * (1 if space == "s2" else 2)))
    with set_backend(backend, only=True):
        lhs = torch.vdot(getattr(s2cnn, fft_op)(xt).reshape(-1), yt.reshape(-1))
        adj = w * getattr(s2cnn, ifft_op)(yt / deg[:, None])
    rhs = torch.vdot(xt.reshape(-1), adj.reshape(-1))
    scale = (torch.linalg.vector_norm(xt) * torch.linalg.vector_norm(adj)).item()
    err = abs((lhs - rhs).item()) / scale
    return Row(f"adjoint_synthesis:{space}", backend, device, _dtype_name(dtype), b, err, tolerance("adjoint", dtype))


def check_backend_agreement(
    op: str, b: int, dtype: torch.dtype, backend: str, device: str = "cpu"
) -> Row:
    """``backend`` against the torch backend on the same device: the worst relative L2 error
    over the output and the gradients of every input (for a random cotangent)."""
    *xs, y = _adjoint_pair(op, b)
    cdt = _COMPLEX[real_dtype(dtype)]
    yt = _cotangent(op, y, cdt, device)
    results = []
    for name in (backend, "torch"):
        xt = [torch.from_numpy(a).to(device=device, dtype=cdt).requires_grad_(True) for a in xs]
        with set_backend(name, only=True):
            out = getattr(s2cnn, op)(*xt)
            grads = torch.autograd.grad(out, xt, grad_outputs=yt)
        results.append((out.detach(), *grads))
    err = max(rel_l2(a, b_) for a, b_ in zip(*results, strict=True))
    return Row(f"vs_torch:{op}", backend, device, _dtype_name(dtype), b, err, tolerance("backend", dtype))


def check_gradcheck(op: str, b: int, backend: str = "torch", device: str = "cpu") -> Row:
    """``torch.autograd.gradcheck`` in complex128 (finite differences); error is 0 on success,
    infinity on failure (the tolerances are gradcheck's own ``atol=1e-6, rtol=1e-4``)."""
    args = [torch.from_numpy(a).to(device=device).requires_grad_(True) for a in op_inputs(op, b, 1, 1, 2)]

    def fn(*t):
        with set_backend(backend, only=True):
            return getattr(s2cnn, op)(*t)

    ok = torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-6, rtol=1e-4, raise_exception=False)
    return Row(f"gradcheck:{op}", backend, device, "float64", b, 0.0 if ok else float("inf"), 0.0)


def check_wigner_closed_form(l: int, betas: Iterable[float] = (0.05, 0.7, 1.9, 3.1)) -> Row:
    """Max absolute error of the library's whole matrix :math:`d^l` against the reference
    closed form (Wigner's explicit sum, exact arithmetic)."""
    import reference

    err = 0.0
    for beta in betas:
        ours = s2cnn.wigner.wigner_d_matrix(l, beta)
        ref = reference.wigner_d_matrix(l, beta)
        err = max(err, float(np.abs(ours - ref).max()))
    return Row("wigner:closed_form", "library", "cpu", "float64", l, err, tolerance("wigner", torch.float64))


def wigner_samples(l: int, count: int = 12) -> list[tuple[int, int, float]]:
    """Sample ``(m, n, beta)`` at degree ``l``: corners, the centre, the chains that tend to
    :math:`\\pm 1` at a pole (``m = n`` at the first SOFT beta of bandwidth ``l + 1``, ``m = -n``
    at the last; the plain recursion loses digits there like :math:`l^2 \\epsilon`), one in the
    turning region, then random interior points."""
    g = rng("wigner", l)
    pole = np.pi / (4 * (l + 1))
    pts = [(0, 0, pole), (l // 3, l // 3, pole), (-(l // 2), l // 2, np.pi - pole), (1, 0, 2.0 / max(l, 1))]
    pts += [(l, l, 0.3), (-l, l, 2.0), (0, 0, 1.1), (l // 2, -l // 3, 0.01), (1, 0, np.pi - 0.02)]
    while len(pts) < count:
        m, n = (int(v) for v in g.integers(-l, l + 1, size=2))
        pts.append((m, n, float(g.uniform(0, np.pi))))
    return pts[:count]


def check_wigner_extended(l: int, count: int = 12) -> Row:
    """Max absolute error of the library recursion at sample points of degree ``l`` against an
    extended-precision (mpmath) evaluation of the closed form."""
    import reference

    err = 0.0
    for m, n, beta in wigner_samples(l, count):
        L = max(abs(m), abs(n))
        ours = s2cnn.wigner.wigner_d_chains(L, [m], [n], l + 1, [beta])[0, -1, 0]
        exact = float(reference.wigner_d_mp(l, m, n, beta))
        err = max(err, abs(ours - exact))
    return Row("wigner:extended", "library", "cpu", "float64", l, err, tolerance("wigner", torch.float64))


# ------------------------------------------------------------------------------------------
# Layers

#: (layer, b_in, b_out) cases of the layer suites; b_in != b_out in both directions.
LAYER_CASES = (
    ("S2Convolution", 6, 4),
    ("S2Convolution", 5, 5),
    ("SO3Convolution", 4, 3),
    ("SO3Convolution", 3, 5),
    ("SO3Shortcut", 4, 3),
    ("so3_integrate", 4, 4),
)

#: Documented bound on the paper's measure Delta for ReLU networks (aliasing of the
#: nonlinearity's harmonics above b; measured 0.09-0.25 at b = 4..12, depth 2-3, on
#: white-noise inputs band-limited at b: the worst case for aliasing).
DELTA_BOUND = 0.4


def make_layer(name: str, b_in: int, b_out: int, backend: str | None = None, f_in: int = 2, f_out: int = 3):
    """A seeded layer of the given kind, and whether it takes S2 (True) or SO(3) inputs."""
    torch.manual_seed(SEED)
    if name == "S2Convolution":
        return s2cnn.S2Convolution(f_in, f_out, b_in, b_out, s2cnn.s2_near_identity_grid(), backend=backend), True
    if name == "SO3Convolution":
        return s2cnn.SO3Convolution(f_in, f_out, b_in, b_out, s2cnn.so3_near_identity_grid(), backend=backend), False
    if name == "SO3Shortcut":
        return s2cnn.SO3Shortcut(f_in, f_out, b_in, b_out, backend=backend), False
    if name == "so3_integrate":

        class Integrate(torch.nn.Module):
            def forward(self, x):
                return s2cnn.so3_integrate(x)

        return Integrate(), False
    raise ValueError(f"unknown layer {name!r}")


def layer_input(s2_input: bool, b: int, device: str, f_in: int = 2) -> torch.Tensor:
    """A real band-limited float64 input (batch 2) for a layer."""
    gen = torch.Generator().manual_seed(SEED + b)
    make = s2cnn.testing.random_s2_signal if s2_input else s2cnn.testing.random_so3_signal
    return make(2, f_in, b, generator=gen).to(device)


def check_layer_equivariance(
    name: str, b_in: int, b_out: int, dtype: torch.dtype, mode: str = "spectral", backend: str = "torch",
    device: str = "cpu",
) -> Row:
    """Max relative error of ``layer(L_R x)`` against ``L_R layer(x)`` over 3 rotations (Haar
    random for ``mode='spectral'``, whole alpha-grid steps for ``mode='grid'``)."""
    layer, s2_input = make_layer(name, b_in, b_out, backend)
    x = layer_input(s2_input, b_in, device)
    err = s2cnn.testing.equivariance_error(layer.to(device), x, 3, mode=mode, seed=SEED, dtype=dtype)["max"]
    return Row(
        f"equivariance:{mode}:{name}({b_in}->{b_out})", backend, device, _dtype_name(dtype), b_in, err,
        tolerance("equivariance", dtype),
    )


def relu_net(b: int, depth: int, features: int = 8, backend: str | None = None) -> torch.nn.Module:
    """S2Conv(1 -> f, b -> b), then ``depth - 1`` times ReLU + SO3Conv(f -> f, b -> b)."""
    torch.manual_seed(SEED)
    layers = [s2cnn.S2Convolution(1, features, b, b, s2cnn.s2_near_identity_grid(), backend=backend)]
    for _ in range(depth - 1):
        conv = s2cnn.SO3Convolution(features, features, b, b, s2cnn.so3_near_identity_grid(), backend=backend)
        layers += [torch.nn.ReLU(), conv]
    return torch.nn.Sequential(*layers)


def layers_vs_torch(backend, device: str = "cpu") -> list[float]:
    """S2Conv(2->4, b 8->6) then SO3Conv(4->3, b 6->4) in float64 on ``backend`` against the torch
    backend: relative L2 errors of the output, then of each parameter's gradient (loss: sum of
    squares). ``backend`` is a name or a backend object."""
    torch.manual_seed(SEED)
    net = torch.nn.Sequential(
        s2cnn.S2Convolution(2, 4, 8, 6, s2cnn.s2_near_identity_grid()),
        s2cnn.SO3Convolution(4, 3, 6, 4, s2cnn.so3_near_identity_grid()),
    ).to(device, torch.float64)
    x = torch.randn(3, 2, 16, 16, dtype=torch.float64).to(device)
    results = []
    for be in (backend, "torch"):
        net.zero_grad()
        with set_backend(be, only=True):
            out = net(x)
            out.square().sum().backward()
        results.append([out.detach(), *(p.grad.clone() for p in net.parameters())])
    return [rel_l2(a, b) for a, b in zip(*results, strict=True)]


def check_relu_delta(b: int, depth: int, backend: str = "torch", device: str = "cpu") -> Row:
    """The paper's Delta for :func:`relu_net` over 4 Haar-random rotations, float64. Depth 1 is
    linear (tolerance: machine precision); deeper nets are held to :data:`DELTA_BOUND`."""
    net = relu_net(b, depth, backend=backend).to(device)
    x = layer_input(True, b, device, f_in=1)
    delta = s2cnn.testing.equivariance_error(net, x, 4, seed=SEED)["delta"]
    tol = tolerance("equivariance", torch.float64) if depth == 1 else DELTA_BOUND
    return Row(f"delta:relu_net(depth={depth})", backend, device, "float64", b, delta, tol)


# ------------------------------------------------------------------------------------------
# Case lists (the report runs all of them; the pytest suites parametrize over the same lists)

REFERENCE_BANDWIDTHS = tuple(range(1, 11))
#: The SO(3) transforms against the reference on other batches too: the torch backend's CPU path
#: takes a different GEMM form for few signals (``ROWS_MAX_SIGNALS`` in its ``_so3``), so one
#: signal (rows form everywhere) and six (columns form everywhere) are both checked.
SO3_TRANSFORMS = ("so3_fft", "so3_ifft", "so3_ifft_real")
BATCH_BANDWIDTHS = (3, 6)
REFERENCE_BATCHES = (1, 6)
ROUNDTRIP_BANDWIDTHS = (1, 2, 3, 8, 16, 32, 64)
ADJOINT_BANDWIDTHS = (2, 5, 9)
GRADCHECK_BANDWIDTHS = (1, 2, 3)
AGREEMENT_BANDWIDTHS = (1, 3, 8, 16, 33)
WIGNER_CLOSED_FORM_DEGREES = (0, 1, 2, 5, 13, 30, 64, 150)
WIGNER_EXTENDED_DEGREES = (64, 150, 300, 512)
DTYPES = (torch.float64, torch.float32)
DELTA_BANDWIDTHS = (4, 8, 12)
DELTA_DEPTHS = (1, 2, 3)


def all_checks(device: str = "cpu", quick: bool = False) -> list[Callable[[], Row]]:
    """Every check of the harness for ``device``, as thunks (so a report can show progress)."""
    thunks: list[Callable[[], Row]] = []
    ref_bs = REFERENCE_BANDWIDTHS[:5] if quick else REFERENCE_BANDWIDTHS
    rt_bs = ROUNDTRIP_BANDWIDTHS[:5] if quick else ROUNDTRIP_BANDWIDTHS
    for backend in available_backends(device):
        for dtype in DTYPES:
            for op in OPS:
                for b in ref_bs:
                    thunks.append(functools.partial(check_reference, op, b, dtype, backend, device))
                for b in BATCH_BANDWIDTHS if op in SO3_TRANSFORMS else ():
                    for batch in REFERENCE_BATCHES:
                        thunks.append(functools.partial(check_reference, op, b, dtype, backend, device, batch))
                for b in ADJOINT_BANDWIDTHS:
                    thunks.append(functools.partial(check_adjoint, op, b, dtype, backend, device))
                if backend != "torch":
                    for b in AGREEMENT_BANDWIDTHS:
                        thunks.append(functools.partial(check_backend_agreement, op, b, dtype, backend, device))
            for space in ("s2", "so3"):
                for b in rt_bs:
                    thunks.append(functools.partial(check_roundtrip, space, b, dtype, backend, device))
                for b in ADJOINT_BANDWIDTHS:
                    thunks.append(functools.partial(check_synthesis_adjoint, space, b, dtype, backend, device))
        for op in OPS:
            for b in GRADCHECK_BANDWIDTHS:
                thunks.append(functools.partial(check_gradcheck, op, b, backend, device))
        for name, b_in, b_out in LAYER_CASES:
            for dtype in DTYPES:
                for mode in ("spectral", "grid"):
                    thunks.append(
                        functools.partial(check_layer_equivariance, name, b_in, b_out, dtype, mode, backend, device)
                    )
        for b in DELTA_BANDWIDTHS[:1] if quick else DELTA_BANDWIDTHS:
            for depth in DELTA_DEPTHS:
                thunks.append(functools.partial(check_relu_delta, b, depth, backend, device))
    if torch.device(device).type == "cpu":
        for l in WIGNER_CLOSED_FORM_DEGREES:
            thunks.append(functools.partial(check_wigner_closed_form, l))
        for l in WIGNER_EXTENDED_DEGREES[:2] if quick else WIGNER_EXTENDED_DEGREES:
            thunks.append(functools.partial(check_wigner_extended, l))
    return thunks
