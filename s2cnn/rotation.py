"""Exact rotations of band-limited signals, through the Wigner-D matrices on the spectrum.

For a rotation :math:`R = R_z(\\alpha) R_y(\\beta) R_z(\\gamma)` the rotated signal is
:math:`(L_R f)(g) = f(R^{-1} g)`. Since :math:`D^l(R^{-1} g) = D^l(R)^H D^l(g)`, its spectrum
is, degree by degree,

.. math::

    (L_R F)^l_{\\cdot n} = \\overline{D^l(R)}\\, F^l_{\\cdot n}

(on S2 only the column ``n = 0`` exists). The D matrices are computed in float64 and cast to
the signal's precision.
"""

from __future__ import annotations

import numpy as np
import torch

from ._cache import table_cache
from .layout import so3_nspec
from .spectral import s2_fft, s2_ifft, so3_fft, so3_ifft

__all__ = ["so3_rotation", "s2_rotation", "rotation_blocks"]


@table_cache(maxsize=64)
def _blocks(nl: int, alpha: float, beta: float, gamma: float, dtype, device) -> tuple[torch.Tensor, ...]:
    from .wigner import wigner_D_matrix

    return tuple(
        torch.from_numpy(np.conj(wigner_D_matrix(l, alpha, beta, gamma))).to(device=device, dtype=dtype)
        for l in range(nl)
    )


def rotation_blocks(nl: int, alpha: float, beta: float, gamma: float, dtype=torch.complex128, device="cpu"):
    """:math:`\\overline{D^l(\\alpha,\\beta,\\gamma)}` for ``l < nl``, each ``[2l+1, 2l+1]``; cached."""
    return _blocks(int(nl), float(alpha), float(beta), float(gamma), dtype, torch.device(device))


def _check_angles(name, alpha, beta, gamma):
    for v, what in ((alpha, "alpha"), (beta, "beta"), (gamma, "gamma")):
        if not np.isfinite(float(v)):
            raise ValueError(f"{name}: the Euler angle {what} must be a finite number; got {v!r}")


def so3_rotation(x: torch.Tensor, alpha: float, beta: float, gamma: float) -> torch.Tensor:
    """Rotate SO(3) signals: :math:`f \\mapsto f(R(\\alpha,\\beta,\\gamma)^{-1} g)`.

    Parameters
    ----------
    x : Tensor ``[..., 2b, 2b, 2b]`` (beta, alpha, gamma), real or complex
    alpha, beta, gamma : float
        ZYZ Euler angles of :math:`R`.

    Returns
    -------
    Tensor of the shape and (real or complex) kind of ``x``. Exact for signals of bandwidth b.
    """
    _check_angles("so3_rotation", alpha, beta, gamma)
    F = so3_fft(x)
    b = x.shape[-1] // 2
    U = rotation_blocks(b, alpha, beta, gamma, F.dtype, F.device)
    parts = []
    for l in range(b):
        k = 2 * l + 1
        Fl = F[so3_nspec(l) : so3_nspec(l + 1)].reshape(k, -1)  # [m, (n, ...)]
        parts.append((U[l] @ Fl).reshape(k * k, *F.shape[1:]))
    z = so3_ifft(torch.cat(parts))
    return z if x.is_complex() else z.real


def s2_rotation(x: torch.Tensor, alpha: float, beta: float, gamma: float) -> torch.Tensor:
    """Rotate S2 signals: :math:`f \\mapsto f(R(\\alpha,\\beta,\\gamma)^{-1} x)`.

    Parameters
    ----------
    x : Tensor ``[..., 2b, 2b]`` (beta, alpha), real or complex

    Returns
    -------
    Tensor like ``x``. Exact for signals of bandwidth b.
    """
    _check_angles("s2_rotation", alpha, beta, gamma)
    F = s2_fft(x)
    b = x.shape[-1] // 2
    U = rotation_blocks(b, alpha, beta, gamma, F.dtype, F.device)
    parts = [U[l] @ F[l * l : (l + 1) ** 2].reshape(2 * l + 1, -1) for l in range(b)]
    z = s2_ifft(torch.cat(parts).reshape(F.shape))
    return z if x.is_complex() else z.real
