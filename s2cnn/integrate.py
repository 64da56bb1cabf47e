"""Integration over SO(3) with the SOFT quadrature."""

from __future__ import annotations

import torch

from .quadrature import so3_quadrature_weights

__all__ = ["so3_integrate"]


def so3_integrate(x: torch.Tensor) -> torch.Tensor:
    """:math:`\\int_{SO(3)} f\\,dg \\approx \\sum_{j,k,k'} w_j f(\\beta_j, \\alpha_k, \\gamma_{k'})`,
    normalised Haar measure (the integral of 1 is 1); exact for bandwidth-b signals.

    Parameters
    ----------
    x : Tensor ``[..., 2b, 2b, 2b]`` (beta, alpha, gamma)

    Returns
    -------
    Tensor ``[...]``. A rotation-invariant function of ``x``.
    """
    if not isinstance(x, torch.Tensor) or x.dim() < 3:
        raise ValueError(f"so3_integrate: expected an SO(3) signal [..., 2b, 2b, 2b]; got {getattr(x, 'shape', x)}")
    n = x.shape[-1]
    if x.shape[-3] != n or x.shape[-2] != n or n % 2 or n == 0:
        raise ValueError(
            f"so3_integrate: expected the last three axes to have the same even size 2b; got {tuple(x.shape)}"
        )
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"so3_integrate: expected a floating or complex tensor; got {x.dtype}")
    real = x.real.dtype if x.is_complex() else x.dtype
    w = so3_quadrature_weights(n // 2, real, x.device)
    return torch.einsum("...jkq,j->...", x, w.to(x.dtype))
