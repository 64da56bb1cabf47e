"""What the convolution layers share: grid checks, kernel spectra, backend scope."""

from __future__ import annotations

import contextlib
import math

import torch

from ..backends import set_backend


def check_grid(grid, arity: int, layer: str) -> tuple[tuple[float, ...], ...]:
    """Validate a kernel grid: a non-empty sequence of ``arity``-tuples of finite angles with
    ``0 <= beta <= pi``. Returns it as a tuple of float tuples."""
    what = "(beta, alpha)" if arity == 2 else "(beta, alpha, gamma)"
    try:
        pts = tuple(tuple(float(v) for v in p) for p in grid)
    except TypeError:
        raise TypeError(f"{layer}: grid must be a sequence of {what} tuples; got {grid!r:.80}") from None
    if not pts:
        raise ValueError(f"{layer}: grid must hold at least one {what} point")
    for p in pts:
        if len(p) != arity:
            raise ValueError(f"{layer}: every grid point must be a {what} tuple; got {p}")
        if not all(math.isfinite(v) for v in p):
            raise ValueError(f"{layer}: grid angles must be finite; got {p}")
        if not (0.0 <= p[0] <= math.pi):
            raise ValueError(f"{layer}: grid beta must lie in [0, pi]; got the point {p}")
    return pts


def backend_scope(backend):
    """``set_backend(backend, only=True)`` when a layer was built with a backend, else nothing."""
    return contextlib.nullcontext() if backend is None else set_backend(backend, only=True)


def check_input(layer: str, x, ndim: int, f_in: int, b_in: int, weight: torch.Tensor) -> None:
    axes = "[batch, feature, beta, alpha]" if ndim == 4 else "[batch, feature, beta, alpha, gamma]"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{layer}: expected a tensor {axes}; got {type(x).__name__}")
    if x.dim() != ndim:
        raise ValueError(f"{layer}: expected a {ndim}-D tensor {axes}; got shape {tuple(x.shape)}")
    if x.shape[1] != f_in:
        raise ValueError(f"{layer}: expected {f_in} input features (axis 1); got shape {tuple(x.shape)}")
    if any(s != 2 * b_in for s in x.shape[2:]):
        raise ValueError(
            f"{layer}: expected spatial axes of size 2*b_in = {2 * b_in}; got shape {tuple(x.shape)}"
        )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{layer}: input dtype {x.dtype} differs from the layer's {weight.dtype}; convert one of them "
            f"(e.g. layer.double() for float64 input)"
        )
    if x.device != weight.device:
        raise ValueError(f"{layer}: input on {x.device} but the layer's parameters on {weight.device}")


def refresh_tables(layer) -> None:
    """Re-derive the kernel tables' buffers from their float64 master copies at the precision
    and device of the layer's kernel (after ``.to()``, ``.double()``, ``.cuda()``, ...), so that a
    float32 -> float64 round trip of the layer loses nothing."""
    dtype = layer.kernel.dtype if layer.kernel.dtype in (torch.float32, torch.float64) else torch.float32
    for name, master in layer._tables64.items():
        value = master.to(layer.kernel.device, copy=True)
        if value.is_floating_point():
            value = value.to(dtype)
        setattr(layer, "kernel_" + name, value)
