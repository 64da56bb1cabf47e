"""The floor of a transform: the work it cannot avoid, timed in the same process as the
transform itself, so that the ratio ``ours / floor`` holds still while the machine's speed swings.

For a batch of ``Z`` signals at bandwidth ``b`` (grid ``2b`` points per axis) in the real dtype
``dtype`` (``complex`` of its precision for spectra and complex grids), the floor is two calls:

* the FFT the transform must do: for an analysis (``fft``), ``torch.fft.rfftn`` of the real grid
  ``[Z, 2b, 2b]`` over alpha (S2) or ``[Z, 2b, 2b, 2b]`` over (alpha, gamma) (SO(3)); for a
  synthesis (``ifft``), ``torch.fft.ifftn`` of the complex grid over the same axes; for the real
  SO(3) synthesis (``ifft_real``, what the layers call), ``torch.fft.irfftn`` of the half-spectrum
  grid ``[Z, 2b, 2b, b + 1]`` over (alpha, gamma);
* one dense GEMM ``[P, 2b] @ [2b, C]`` with the multiply-adds of the Wigner-d contraction:
  :math:`P = \\sum_{l<b} (2l+1)^2` rows for SO(3), :math:`P = \\sum_{l<b} (2l+1) = b^2` for S2,
  ``2b`` betas, ``C = 2Z`` real columns (the real and imaginary parts of the batch), ``Z`` for
  ``ifft_real`` (half the spectrum).

:func:`interleaved_ratio` times a transform against its floor, one call of each in turn. The
floor of a forward+backward is the floor's two calls and those of the adjoint
(``floor_calls(..., adjoint=True)``: the adjoint FFT and the same GEMM).
Used by ``python -m benchmarks.peers`` (the ``floor`` column) and by the asv suite
(``track_floor_ratio``, ``track_floor_ratio_backward``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

__all__ = ["VERBS", "contraction_rows", "floor_calls", "interleaved_ratio"]

#: The transforms a floor is defined for.
VERBS = ("fft", "ifft", "ifft_real")

_REAL = {"float32": torch.float32, "float64": torch.float64}
_COMPLEX = {"float32": torch.complex64, "float64": torch.complex128}


def contraction_rows(space: str, b: int) -> int:
    """``P``: :math:`\\sum_{l<b} (2l+1)^2` (SO(3)) or :math:`\\sum_{l<b} (2l+1) = b^2` (S2)."""
    if space not in ("s2", "so3"):
        raise ValueError(f"space must be 's2' or 'so3', got {space!r}")
    return sum((2 * l + 1) ** 2 for l in range(b)) if space == "so3" else b * b


def floor_calls(space: str, verb: str, b: int, Z: int, dtype: str, device: str = "cpu",
                sync: Callable[[], None] = lambda: None,
                adjoint: bool = False) -> tuple[Callable[[], object], Callable[[], object], str]:
    """``(fft, gemm, description)``: the floor's two calls on random data of the case, each
    followed by ``sync()`` (a CUDA synchronisation on a GPU), and what they compute.

    ``adjoint``: the floor of the transform's adjoint, what its backward must do: the adjoint
    FFT (``irfftn`` of the half-spectrum grid for ``fft``, ``fftn`` of the complex grid for
    ``ifft``, ``rfftn`` of the real grid for ``ifft_real``) and the same GEMM (the adjoint
    contraction has the same multiply-adds).

    Raises
    ------
    ValueError
        For an unknown ``space``, ``verb`` or ``dtype``, or ``ifft_real`` on S2 (no such verb).
    """
    if verb not in VERBS or (verb == "ifft_real" and space != "so3"):
        raise ValueError(f"verb must be one of {VERBS} ('ifft_real' on so3 only), got {verb!r} on {space!r}")
    if dtype not in _REAL:
        raise ValueError(f"dtype must be one of {tuple(_REAL)}, got {dtype!r}")
    nb = 2 * b
    dims = (-1,) if space == "s2" else (-2, -1)
    grid = (Z,) + (nb,) * (2 if space == "s2" else 3)
    gen = torch.Generator(device="cpu").manual_seed(b)
    half = grid[:-1] + (b + 1,)  # the half spectrum of a real grid
    full = {"s": (nb,) * len(dims)}  # irfftn's output length along each axis
    op, kw, name, shape, dt = {  # the FFT of the verb, and of its adjoint
        ("fft", False): (torch.fft.rfftn, {}, "rfftn", grid, _REAL),
        ("fft", True): (torch.fft.irfftn, full, "irfftn", half, _COMPLEX),
        ("ifft", False): (torch.fft.ifftn, {}, "ifftn", grid, _COMPLEX),
        ("ifft", True): (torch.fft.fftn, {}, "fftn", grid, _COMPLEX),
        ("ifft_real", False): (torch.fft.irfftn, full, "irfftn", half, _COMPLEX),
        ("ifft_real", True): (torch.fft.rfftn, {}, "rfftn", grid, _REAL),
    }[verb, bool(adjoint)]
    x = torch.randn(shape, generator=gen, dtype=dt[dtype]).to(device)

    def fft():
        y = op(x, dim=dims, **kw)
        sync()
        return y

    P, C = contraction_rows(space, b), (Z if verb == "ifft_real" else 2 * Z)
    A = torch.randn(P, nb, generator=gen, dtype=_REAL[dtype]).to(device)
    B = torch.randn(nb, C, generator=gen, dtype=_REAL[dtype]).to(device)

    def gemm():
        y = A @ B
        sync()
        return y

    return fft, gemm, f"{name} + gemm [{P}, {nb}] @ [{nb}, {C}]"


def interleaved_ratio(ours: Callable[[], object], floor: Callable[[], object], budget: float = 2.0,
                      min_pairs: int = 3, max_pairs: int = 50,
                      clock: Callable[[], float] = time.perf_counter) -> tuple[float, float, float]:
    """``(median ours / median floor, median ours, median floor)``, seconds, over pairs of calls
    taken in turn (ours, then the floor) after one untimed call of each, until ``budget``
    seconds have passed (at least ``min_pairs``, at most ``max_pairs`` pairs)."""
    ours()
    floor()
    a, f = [], []
    start = clock()
    while len(a) < max_pairs and (len(a) < min_pairs or clock() - start < budget):
        for fn, out in ((ours, a), (floor, f)):
            t = clock()
            fn()
            out.append(clock() - t)
    mo, mf = statistics.median(a), statistics.median(f)
    return mo / mf, mo, mf
