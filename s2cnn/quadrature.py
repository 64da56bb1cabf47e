"""SOFT quadrature weights (Kostelec-Rockmore) in closed form.

For bandwidth :math:`b` and :math:`\\beta_j = \\pi(2j+1)/(4b)`, :math:`j = 0..2b-1`,

.. math::

    w_j = \\frac{1}{2(2b)^2}\\,\\frac{2}{b} \\sin\\beta_j
          \\sum_{k=0}^{b-1} \\frac{\\sin((2k+1)\\beta_j)}{2k+1},

normalised so that the whole SO(3) grid (:math:`2b \\times 2b \\times 2b` points) sums to one
(normalised Haar measure). The S2 weights are :math:`2b\\, w_j`, so that the S2 grid sums to
one. The rule integrates exactly every polynomial in :math:`\\cos\\beta` of degree < 2b times
:math:`\\sin\\beta` (the measure), hence every product of two band-limited functions.
"""

from __future__ import annotations

import numpy as np
import torch

from ._cache import table_cache
from .grids import soft_betas

__all__ = ["so3_quadrature_weights_np", "so3_quadrature_weights", "s2_quadrature_weights"]


def so3_quadrature_weights_np(b: int) -> np.ndarray:
    """SO(3) weights :math:`w_j` as float64, shape ``[2b]``; :math:`(2b)^2 \\sum_j w_j = 1`."""
    if b < 1:
        raise ValueError(f"bandwidth b must be >= 1; got {b}")
    beta = soft_betas(b)
    k = np.arange(b)
    s = (np.sin(np.outer(beta, 2 * k + 1)) / (2 * k + 1)).sum(axis=1)
    return (2.0 / b) * np.sin(beta) * s / (2.0 * (2 * b) ** 2)


@table_cache(maxsize=64)
def _so3_weights(b: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(so3_quadrature_weights_np(b)).to(device=device, dtype=dtype)


def so3_quadrature_weights(b: int, dtype=torch.float64, device="cpu") -> torch.Tensor:
    """SO(3) weights :math:`w_j`, shape ``[2b]``, cached by ``(b, dtype, device)``."""
    return _so3_weights(int(b), dtype, torch.device(device))


def s2_quadrature_weights(b: int, dtype=torch.float64, device="cpu") -> torch.Tensor:
    """S2 weights :math:`2b\\,w_j`, shape ``[2b]`` (the S2 grid sums to one), cached."""
    return _s2_weights(int(b), dtype, torch.device(device))


@table_cache(maxsize=64)
def _s2_weights(b: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(2 * b * so3_quadrature_weights_np(b)).to(device=device, dtype=dtype)
