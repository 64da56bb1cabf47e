"""Launch plans: grid, block and arguments of every kernel launch, from sizes and addresses.

Pure Python (no cupy, no torch), so that the index math of the launcher runs on any machine: the
cupy executor turns a :class:`Launch` into a kernel call on the GPU, the CPU emulator of
``verify/test_cuda_emulated.py`` runs the same :class:`Launch` on host memory.

The kernel arguments are 64-bit addresses (``"ptr"``) and 32-bit ints (``"int"``), in the order of
the kernel's parameters in ``wigner_contract.cu`` / ``block_product.cu``.
"""

from __future__ import annotations

import dataclasses

from ...layout import s2_nspec, so3_nspec
from ._source import kernel_name, tile_constants

__all__ = ["Launch", "LaunchTooLarge", "analysis", "synthesis", "product", "spec_rows", "MAX_GRID"]

#: CUDA limits of a grid: x < 2**31, y and z < 2**16.
MAX_GRID = (2**31 - 1, 65535, 65535)
_INT_MAX = 2**31 - 1


class LaunchTooLarge(ValueError):
    """The sizes exceed what one launch of the kernel addresses (grid limits or 32-bit ints)."""


@dataclasses.dataclass(frozen=True)
class Launch:
    """One kernel launch.

    Attributes
    ----------
    kernel : str
        Name expression of the instantiation, e.g. ``"s2cnn::wigner_analysis<float, true>"``.
    grid, block : tuple of int
        ``(x, y, z)`` sizes.
    args : tuple of (str, int)
        ``("ptr", address)`` or ``("int", value)`` per kernel parameter.
    """

    kernel: str
    grid: tuple[int, int, int]
    block: tuple[int, int, int]
    args: tuple[tuple[str, int], ...]


def spec_rows(so3: bool, l_max: int) -> int:
    """Rows of the degrees ``l < l_max``: ``so3_nspec(l_max)`` or ``l_max**2``."""
    return so3_nspec(l_max) if so3 else s2_nspec(l_max)


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def _make(kernel: str, grid: tuple[int, int, int], threads: int, args) -> Launch | None:
    if min(grid) <= 0:
        return None  # an empty output: nothing to compute
    for size, limit, axis in zip(grid, MAX_GRID, "xyz", strict=True):
        if size > limit:
            raise LaunchTooLarge(f"{kernel}: grid.{axis} = {size} exceeds the CUDA limit {limit}")
    for kind, value in args:
        if kind == "int" and not 0 <= value <= _INT_MAX:
            raise LaunchTooLarge(f"{kernel}: argument {value} does not fit a 32-bit int")
    return Launch(kernel, grid, (threads, 1, 1), tuple(args))


def analysis(real: str, so3: bool, x_ptr: int, t_ptr: int, f_ptr: int, Z: int, J: int, N: int, L: int) -> Launch | None:
    """Plan of ``wigner_analysis``: ``F[row(l,p,q), z] = sum_j T[row(l,p,q), j] X[z, j, kp, kq]``.

    Parameters
    ----------
    real : {"float", "double"}
    so3 : bool
        SO(3) (``X [Z, J, N, N]``) or S2 (``X [Z, J, N]``).
    x_ptr, t_ptr, f_ptr : int
        Addresses of ``X`` (complex), ``T [rows(L), J]`` (real) and ``F [>= rows(L), Z]`` (complex).
    Z, J, N, L : int
        Batch, beta points, FFT length (even), degrees (``1 <= L <= N / 2``).

    Returns
    -------
    Launch or None
        None when ``Z == 0``.
    """
    _check_contraction(J, N, L)
    c = tile_constants()["contract"]
    n_ltiles = _cdiv(L, c["TL"])
    ncomp = 2 * L - 1
    grid = (n_ltiles * _cdiv(Z, c["TZ"]), _cdiv(ncomp, c["TG"]), ncomp if so3 else 1)
    args = (
        ("ptr", x_ptr),
        ("ptr", t_ptr),
        ("ptr", f_ptr),
        ("int", Z),
        ("int", J),
        ("int", N),
        ("int", L),
        ("int", n_ltiles),
    )
    return _make(kernel_name("wigner_analysis", real, so3), grid, c["NT"], args)


def synthesis(
    real: str, so3: bool, f_ptr: int, t_ptr: int, y_ptr: int, Z: int, J: int, N: int, L: int
) -> Launch | None:
    """Plan of ``wigner_synthesis``: ``Y[z, j, kp, kq] = sum_l T[row(l,p,q), j] F[row(l,p,q), z]``.

    Parameters
    ----------
    real : {"float", "double"}
    so3 : bool
        SO(3) (``Y [Z, J, N, N]``) or S2 (``Y [Z, J, N]``).
    f_ptr, t_ptr, y_ptr : int
        Addresses of ``F [>= rows(L), Z]`` (complex), ``T [rows(L), J]`` (real) and ``Y`` (complex,
        every element written).
    Z, J, N, L : int
        Batch, beta points, FFT length (even), degrees (``1 <= L <= N / 2``).

    Returns
    -------
    Launch or None
        None when ``Z == 0``.
    """
    _check_contraction(J, N, L)
    c = tile_constants()["contract"]
    n_jtiles = _cdiv(J, c["TJ"])
    grid = (n_jtiles * _cdiv(Z, c["TZ"]), _cdiv(N, c["TG"]), N if so3 else 1)
    args = (
        ("ptr", f_ptr),
        ("ptr", t_ptr),
        ("ptr", y_ptr),
        ("int", Z),
        ("int", J),
        ("int", N),
        ("int", L),
        ("int", n_jtiles),
    )
    return _make(kernel_name("wigner_synthesis", real, so3), grid, c["NT"], args)


def _check_contraction(J: int, N: int, L: int) -> None:
    if J < 1 or N < 2 or N % 2 or not 1 <= L <= N // 2:
        raise ValueError(f"a contraction needs J >= 1, an even N >= 2, 1 <= L <= N/2; got {J=}, {N=}, {L=}")


def product(
    which: str, real: str, so3: bool, a_ptr: int, b_ptr: int, out_ptr: int, b: int, Z: int, Fi: int, Fo: int
) -> Launch | None:
    """Plan of a block product (see ``block_product.cu`` for the math).

    Parameters
    ----------
    which : {"forward", "grad_x", "grad_y"}
        ``forward``: ``a = x [rows, Z, Fi]``, ``b = y [rows, Fi, Fo]``, ``out [so3_nspec(b), Z, Fo]``;
        ``grad_x``: ``a = G [so3_nspec(b), Z, Fo]``, ``b = y``, ``out = gx [rows, Z, Fi]``;
        ``grad_y``: ``a = x``, ``b = G``, ``out = gy [rows, Fi, Fo]``.
        ``rows`` is ``so3_nspec(b)`` for so3_mm and ``b**2`` for s2_mm.
    real : {"float", "double"}
    so3 : bool
        so3_mm (True) or s2_mm (False).
    a_ptr, b_ptr, out_ptr : int
        Addresses of the operands and of the output.
    b, Z, Fi, Fo : int
        Bandwidth, batch, input and output features.

    Returns
    -------
    Launch or None
        None when the output is empty.
    """
    p = tile_constants()["product"]
    rows = spec_rows(so3, b)
    if which == "forward":
        kernel, grid = "block_product", (so3_nspec(b), _cdiv(Z, p["TI"]), _cdiv(Fo, p["TO"]))
    elif which == "grad_x":
        kernel, grid = "block_product_grad_x", (rows, _cdiv(Z, p["TI"]), _cdiv(Fi, p["TO"]))
    elif which == "grad_y":
        kernel, grid = "block_product_grad_y", (rows, _cdiv(Fi, p["TI"]), _cdiv(Fo, p["TO"]))
    else:
        raise ValueError(f"unknown product {which!r}; expected 'forward', 'grad_x' or 'grad_y'")
    # the reduction length (2l+1) * max(Z, Fi, Fo) must fit a 32-bit int inside the kernel
    if (2 * b - 1) * max(Z, Fi, Fo, 1) > _INT_MAX:
        raise LaunchTooLarge(f"{kernel}: reduction length (2b-1) * {max(Z, Fi, Fo)} exceeds a 32-bit int")
    args = (("ptr", a_ptr), ("ptr", b_ptr), ("ptr", out_ptr), ("int", Z), ("int", Fi), ("int", Fo))
    return _make(kernel_name(kernel, real, so3), grid, p["NT"], args)
