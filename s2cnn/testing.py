"""Equivariance helpers that users can call on their own networks.

A map :math:`\\Phi` from S2 or SO(3) signals to S2 or SO(3) signals (or to invariants) is
equivariant when :math:`\\Phi(L_R f) = L_R \\Phi(f)` for every rotation :math:`R`, with
:math:`(L_R f)(x) = f(R^{-1} x)`. Two independent ways to rotate are offered:

* ``"spectral"``: arbitrary rotations, applied exactly to band-limited signals through the
  Wigner-D matrices on the spectrum (:func:`s2cnn.so3_rotation`, :func:`s2cnn.s2_rotation`);
* ``"grid"``: rotations about the z axis by whole steps of the alpha grid, applied by rolling
  the alpha axis (no transform involved; exact for any signal).

Everything is computed in float64 on a copy of the module. Errors are relative L2 errors; the
paper's measure (Cohen et al. 2018, fig. 3) is also returned:

.. math::

    \\Delta = \\frac{1}{N}\\sum_{i=1}^{N}
    \\frac{\\operatorname{std}(L_{R_i}\\Phi(f_i) - \\Phi(L_{R_i} f_i))}{\\operatorname{std}(\\Phi(f_i))}.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import numpy as np
import torch

from .rotation import s2_rotation, so3_rotation
from .spectral import s2_fft, s2_ifft, so3_fft, so3_ifft

__all__ = [
    "random_rotation",
    "random_s2_signal",
    "random_so3_signal",
    "rotate",
    "equivariance_error",
    "assert_equivariant",
]


def random_rotation(generator: np.random.Generator | None = None) -> tuple[float, float, float]:
    """A Haar-random rotation as ZYZ Euler angles ``(alpha, beta, gamma)``."""
    g = generator if generator is not None else np.random.default_rng()
    return float(g.uniform(0, 2 * np.pi)), float(np.arccos(g.uniform(-1, 1))), float(g.uniform(0, 2 * np.pi))


def random_s2_signal(batch: int, features: int, b: int, dtype=torch.float64, generator=None) -> torch.Tensor:
    """A real S2 signal of bandwidth ``b``, ``[batch, features, 2b, 2b]`` (white noise projected
    onto the degrees ``l < b``)."""
    x = torch.randn(batch, features, 2 * b, 2 * b, dtype=torch.float64, generator=generator)
    return s2_ifft(s2_fft(x)).real.to(dtype)


def random_so3_signal(batch: int, features: int, b: int, dtype=torch.float64, generator=None) -> torch.Tensor:
    """A real SO(3) signal of bandwidth ``b``, ``[batch, features, 2b, 2b, 2b]``."""
    x = torch.randn(batch, features, 2 * b, 2 * b, 2 * b, dtype=torch.float64, generator=generator)
    return so3_ifft(so3_fft(x)).real.to(dtype)


def _space(t: torch.Tensor) -> str:
    if t.dim() >= 3 and t.shape[-1] == t.shape[-2] == t.shape[-3] and t.dim() == 5:
        return "so3"
    if t.dim() == 4 and t.shape[-1] == t.shape[-2]:
        return "s2"
    return "invariant"


def rotate(x: torch.Tensor, rotation: Sequence[float], space: str | None = None) -> torch.Tensor:
    """:math:`L_R x` for ``x`` an S2 signal ``[B, F, 2b, 2b]``, an SO(3) signal
    ``[B, F, 2b, 2b, 2b]`` or an invariant (returned unchanged)."""
    space = space or _space(x)
    if space == "so3":
        return so3_rotation(x, *rotation)
    if space == "s2":
        return s2_rotation(x, *rotation)
    return x


def _roll_alpha(x: torch.Tensor, angle: float, space: str) -> torch.Tensor:
    if space == "invariant":
        return x
    n = x.shape[-1]
    steps = angle / (2 * np.pi / n)
    k = round(steps)
    if abs(steps - k) > 1e-9:
        raise ValueError(f"a rotation by {angle} is not a whole number of alpha steps of a {n}-point grid")
    return torch.roll(x, k, dims=-2 if space == "so3" else -1)


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    den = torch.linalg.vector_norm(b).item()
    num = torch.linalg.vector_norm(a - b).item()
    return num / den if den else num


def equivariance_error(
    module,
    x: torch.Tensor,
    rotations: Sequence[Sequence[float]] | int = 3,
    mode: str = "spectral",
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> dict:
    """Measure how far ``module`` is from equivariant on the input ``x``.

    Parameters
    ----------
    module : callable
        An ``nn.Module`` (copied and converted to float64) or a function of one tensor.
    x : Tensor
        S2 ``[B, F, 2b, 2b]`` or SO(3) ``[B, F, 2b, 2b, 2b]`` signals, band-limited for the
        spectral mode (see :func:`random_s2_signal`, :func:`random_so3_signal`).
    rotations : int or sequence of (alpha, beta, gamma)
        The rotations, or how many Haar-random ones to draw (``seed``). In ``"grid"`` mode an
        int ``k`` means the z-rotations by ``1..k`` steps of the coarsest common alpha grid.
    mode : {"spectral", "grid"}
    dtype : torch.dtype
        Precision in which the module runs (float64 by default); the rotations are always
        computed in float64 and the result cast to ``dtype``.

    Returns
    -------
    dict
        ``max`` and ``mean`` of the relative L2 errors
        :math:`\\|\\Phi(L_R f) - L_R\\Phi(f)\\| / \\|L_R\\Phi(f)\\|`, ``delta`` (the paper's
        measure), ``errors`` (per rotation) and ``rotations``.
    """
    if mode not in ("spectral", "grid"):
        raise ValueError(f"mode must be 'spectral' or 'grid'; got {mode!r}")
    if isinstance(module, torch.nn.Module):
        module = copy.deepcopy(module).to(dtype)
    x = x.detach().to(torch.float64)
    run = module

    def module(t):  # noqa: F811 - run at `dtype`, compare in float64
        return run(t.to(dtype)).to(torch.float64)

    in_space = _space(x)
    if in_space == "invariant":
        raise ValueError(f"x must be S2 [B, F, 2b, 2b] or SO(3) [B, F, 2b, 2b, 2b] signals; got {tuple(x.shape)}")
    with torch.no_grad():
        y = module(x)
    out_space = _space(y)

    if mode == "grid":
        n = math.gcd(x.shape[-1], y.shape[-1]) if out_space != "invariant" else x.shape[-1]
        count = rotations if isinstance(rotations, int) else None
        angles = [2 * np.pi * k / n for k in range(1, count + 1)] if count else [r[0] for r in rotations]
        rots = [(a, 0.0, 0.0) for a in angles]
    elif isinstance(rotations, int):
        g = np.random.default_rng(seed)
        rots = [random_rotation(g) for _ in range(rotations)]
    else:
        rots = [tuple(float(v) for v in r) for r in rotations]

    errors, deltas = [], []
    with torch.no_grad():
        for rot in rots:
            if mode == "grid":
                xr = _roll_alpha(x, rot[0], in_space)
                want = _roll_alpha(y, rot[0], out_space)
            else:
                xr = rotate(x, rot, in_space)
                want = rotate(y, rot, out_space)
            got = module(xr)
            errors.append(_rel(got, want))
            sd = y.std().item()
            deltas.append((want - got).std().item() / sd if sd else 0.0)
    return {
        "max": max(errors),
        "mean": float(np.mean(errors)),
        "delta": float(np.mean(deltas)),
        "errors": errors,
        "rotations": rots,
        "mode": mode,
    }


def assert_equivariant(module, x: torch.Tensor, tol: float = 1e-10, **kwargs) -> dict:
    """Raise ``AssertionError`` when :func:`equivariance_error` ``max`` exceeds ``tol``;
    returns the error dict otherwise."""
    __tracebackhide__ = True  # noqa: F841 - pytest hides this frame
    err = equivariance_error(module, x, **kwargs)
    if not err["max"] <= tol:
        raise AssertionError(
            f"not equivariant ({err['mode']} rotations): max relative error {err['max']:.3e} > {tol:.1e}; "
            f"per rotation {', '.join(f'{e:.2e}' for e in err['errors'])}"
        )
    return err
