"""The real tables the contraction kernels read: Wigner-d values times weights.

===================  ===========================================  ==========================
table                row ``spec_row(l, p, q)``, column ``j``       used by
===================  ===========================================  ==========================
analysis, S2         ``w^{S2}_j d^l_{q0}(beta_j)``                 s2_fft (and its backward)
analysis, SO(3)      ``w^{SO3}_j d^l_{pq}(beta_j)``                so3_fft (and its backward)
synthesis, S2        ``(2l+1) d^l_{q0}(beta_j)``                   s2_ifft (and its backward)
synthesis, SO(3)     ``(2l+1) d^l_{pq}(beta_j)``                   so3_ifft (and its backward)
===================  ===========================================  ==========================

``beta_j = pi (2j+1) / (4 b_grid)``, ``0 <= j < 2 b_grid``, ``l < L``. Computed in float64 from
:mod:`s2cnn.wigner` and :mod:`s2cnn.quadrature`, then cast; kept in a bounded, thread-safe cache
keyed by (kind, so3, b_grid, L, dtype, device).
"""

from __future__ import annotations

import torch

from ..._cache import table_cache

__all__ = ["contraction_table", "MAX_CACHED"]

#: Tables kept (least recently used dropped first); :func:`s2cnn.clear_caches` drops them.
MAX_CACHED = 32


def _degrees(so3: bool, L: int, device: torch.device) -> torch.Tensor:
    """Degree l of every row of a layout with ``l < L``, float64."""
    l = torch.arange(L, device=device)
    counts = (2 * l + 1) ** 2 if so3 else 2 * l + 1
    return torch.repeat_interleave(l, counts).to(torch.float64)


@table_cache(maxsize=MAX_CACHED)
def _contraction_table(kind: str, so3: bool, b_grid: int, L: int, dtype: torch.dtype, device: torch.device):
    from ... import quadrature, wigner

    if so3:
        d = wigner.wigner_d_table_so3(b_grid, L, torch.float64, device)
    else:
        d = wigner.wigner_d_table_s2(b_grid, L, torch.float64, device)
    if kind == "analysis":
        weights = quadrature.so3_quadrature_weights if so3 else quadrature.s2_quadrature_weights
        table = d * weights(b_grid, torch.float64, device)[None, :]
    else:
        table = d * (2 * _degrees(so3, L, device) + 1)[:, None]
    return table.to(dtype).contiguous()


def contraction_table(kind: str, so3: bool, b_grid: int, L: int, dtype: torch.dtype, device) -> torch.Tensor:
    """The table ``T [rows(L), 2 b_grid]`` of a contraction, contiguous, on ``device``.

    Parameters
    ----------
    kind : {"analysis", "synthesis"}
        Quadrature-weighted (forward transforms) or ``2l+1``-weighted (inverse transforms).
    so3 : bool
        SO(3) rows ``l(4l^2-1)/3 + (m+l)(2l+1) + (n+l)`` or S2 rows ``l^2 + (m+l)``.
    b_grid : int
        Bandwidth of the grid in beta (``2 b_grid`` columns).
    L : int
        Degrees ``l < L``.
    dtype : torch.dtype
        float32 or float64.
    device : torch.device or str

    Returns
    -------
    torch.Tensor
        Not to be modified (shared by every caller).
    """
    if kind not in ("analysis", "synthesis"):
        raise ValueError(f"kind is 'analysis' or 'synthesis'; got {kind!r}")
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return _contraction_table(kind, bool(so3), int(b_grid), int(L), dtype, device)
