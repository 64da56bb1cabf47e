"""Fourier transforms on the sphere in plain PyTorch: FFT along alpha, then the Wigner-d
contraction along beta as a few batched real GEMMs. Autograd differentiates through it.

Shapes follow :mod:`s2cnn.backends.protocol`; the math is in :mod:`s2cnn.spectral`; the tables
and symmetries in :mod:`._tables`; the index plans in :mod:`._plans`.

Forward (real ``f``; a complex one is transformed as its real and imaginary parts, stacked on
the batch axis): ``rfft`` gives the orders ``m >= 0``; the beta reflection folds the ``2b``
rings into the ``b`` sums :math:`X_j + X_{2b-1-j}` and differences :math:`X_j - X_{2b-1-j}`;
parity ``p`` and bucket ``k`` is the GEMM ``[M_k, R, b] @ [M_k, b, 2Z]`` (real and imaginary
parts side by side, quadrature weights in the table); ``m < 0`` follows by
:math:`F_{-m} = (-1)^m \\overline{F_m}`. A quarter of the direct contraction's multiply-adds.

Inverse: parity ``p`` and bucket ``k`` is the GEMM ``[M_k, b, R] @ [M_k, R, 4Z]`` that
synthesises the orders ``m`` and ``-m`` at once (:math:`d_{-m,0} = (-1)^m d_{m0}`) on the
northern rings; one pass forms the sums (northern rings) and differences (southern rings,
reflected) of the even and odd parts, one gather (``grid_rows``) lays them out as the FFT input
``[bin, beta, Z]``, and ``ifft`` along the leading bin axis returns the grid in memory order
``[beta, Z, alpha]``: no transpose of grid-sized data.
"""

from __future__ import annotations

import torch

from ._plans import s2_plan
from ._so3 import _real_stack, _signed_rows
from ._tables import s2_tables


def s2_fft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [Z, 2b_in, 2b_in]`` -> ``[b_out**2, Z]``."""
    Z, nb = x.shape[0], x.shape[-1]
    b = nb // 2
    nl = b_out
    xr = _real_stack(x)
    plan = s2_plan(b, nl, xr.dtype, x.device)
    tables, _ = s2_tables(b, nl, xr.dtype, x.device)
    X = torch.fft.rfft(xr, dim=-1)[..., :nl].permute(2, 1, 0).contiguous()  # [m >= 0, beta, Z']
    north, south = X[:, :b], X[:, b:].flip(1)  # rings j and 2b-1-j, j < b
    parts = []
    for p, Xp in enumerate((north + south, north - south)):  # l + m even, odd
        Xp = torch.view_as_real(Xp).flatten(2)  # [m, j, 2Z']
        for t, (m0, m1) in zip(tables[p], plan.buckets, strict=True):
            parts.append(torch.bmm(t, Xp[m0:m1]).flatten(0, 1))  # [(m, r), 2Z']
    F = _signed_rows(torch.cat(parts), plan.out_index, plan.out_factor)  # [nl**2, Z']
    return F[:, :Z] + 1j * F[:, Z:] if x.is_complex() else F


def s2_ifft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [b_in**2, Z]`` -> ``[Z, 2b_out, 2b_out]``.

    The result is a transposed view (memory order ``[beta, Z, alpha]``)."""
    Z = x.shape[1]
    nl = round(x.shape[0] ** 0.5)
    b = b_out
    plan = s2_plan(b, nl, x.real.dtype, x.device)
    _, tables = s2_tables(b, nl, x.real.dtype, x.device)
    F = torch.view_as_real(x).index_select(0, plan.in_index).mul_(plan.in_factor[:, None, None]).reshape(-1, 4 * Z)
    F = F.split([(m1 - m0) * R for (m0, m1), R in zip(plan.buckets * 2, plan.rows, strict=True)])
    E = [torch.bmm(t.transpose(1, 2), f.unflatten(0, (len(t), -1))) for t, f in zip(sum(tables, ()), F, strict=True)]
    E = torch.cat(E).view(2, -1)  # parity p, then [m, j, (h, Z, 2)]
    E = torch.addcmul(E[0], E[1], _PLUS_MINUS.to(E))  # even part +- odd part: [s, (m, j, h, Z, 2)]
    G = E.view(-1, 2 * Z).index_select(0, plan.grid_rows).view(2 * b, 2 * b, Z, 2)  # [bin, beta, Z, 2]
    G.index_fill_(0, plan.zero_bins, 0.0)
    return torch.fft.ifft(torch.view_as_complex(G), dim=0, norm="forward").permute(2, 1, 0)


#: Sum and difference of the even and odd parts: the rings ``j`` and ``2b - 1 - j``.
_PLUS_MINUS = torch.tensor([[1.0], [-1.0]])
