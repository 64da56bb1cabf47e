"""The four Fourier transforms in plain PyTorch: FFT along the circle axes, then the Wigner-d
contraction along beta as batched real matrix products. Autograd differentiates through it.

Shapes follow :mod:`s2cnn.backends.protocol`; the math is in :mod:`s2cnn.spectral`.

The SO(3) contraction is grouped by ring :math:`L = \\max(|m|, |n|)`: the :math:`P_L` pairs of a
ring all need the degrees :math:`L \\le l < n_l`, so ring ``L`` is one ``bmm`` of its table
``[P_L, nl - L, 2b]`` with the FFT bins ``[P_L, 2b, 2Z]`` (real and imaginary parts side by
side). This does exactly the :math:`\\sum_l (2l+1)^2 \\cdot 2b` multiply-adds per batch column
that the transform needs, with no padding.
"""

from __future__ import annotations

import torch

from ...layout import so3_bandwidth_from_nspec, so3_nspec
from ...quadrature import s2_quadrature_weights, so3_quadrature_weights
from ...wigner import s2_d_padded, so3_d_groups
from ._plans import degree_factors, s2_plan, so3_plan


def _real_dtype(x: torch.Tensor) -> torch.dtype:
    return x.real.dtype if x.is_complex() else x.dtype


def _complex(x: torch.Tensor) -> torch.Tensor:
    return x if x.is_complex() else x.to(torch.complex128 if x.dtype == torch.float64 else torch.complex64)


def s2_fft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [Z, 2b_in, 2b_in]`` -> ``[b_out**2, Z]``."""
    Z, nb = x.shape[0], x.shape[-1]
    b_in = nb // 2
    rdt = _real_dtype(x)
    w = s2_quadrature_weights(b_in, rdt, x.device)
    X = torch.fft.fft(_complex(x), dim=-1)  # [Z, beta, m]
    bins, to_layout = s2_plan(b_in, b_out, x.device)
    X = X[:, :, bins] * w[None, :, None]  # [Z, beta, 2nl-1]
    Xr = torch.view_as_real(X).permute(2, 1, 0, 3).reshape(2 * b_out - 1, nb, 2 * Z)
    d = s2_d_padded(b_in, b_out, rdt, x.device)  # [2nl-1, nl, beta]
    F = torch.bmm(d, Xr).reshape((2 * b_out - 1) * b_out, Z, 2)
    return torch.view_as_complex(F[to_layout].contiguous())


def s2_ifft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [b_in**2, Z]`` -> ``[Z, 2b_out, 2b_out]``."""
    Z = x.shape[1]
    b_in = round(x.shape[0] ** 0.5)
    nb = 2 * b_out
    rdt = _real_dtype(x)
    bins, to_layout = s2_plan(b_out, b_in, x.device)
    F = x * degree_factors(b_in, "s2", rdt, x.device)[:, None]
    pad = F.new_zeros((2 * b_in - 1) * b_in, Z).index_copy(0, to_layout, F)
    Fr = torch.view_as_real(pad).reshape(2 * b_in - 1, b_in, 2 * Z)
    d = s2_d_padded(b_out, b_in, rdt, x.device)  # [2nl-1, nl, beta]
    G = torch.bmm(d.transpose(1, 2), Fr).reshape(2 * b_in - 1, nb, Z, 2)  # [m, beta, Z, 2]
    G = torch.view_as_complex(G.permute(2, 1, 0, 3).contiguous())  # [Z, beta, m]
    out = G.new_zeros(Z, nb, nb).index_copy(2, bins, G)
    return torch.fft.ifft(out, dim=-1, norm="forward")


def so3_fft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [Z, 2b_in, 2b_in, 2b_in]`` -> ``[so3_nspec(b_out), Z]``; rows ``l >= b_in`` are zero."""
    Z, nb = x.shape[0], x.shape[-1]
    b_in = nb // 2
    nl = min(b_in, b_out)
    rdt = _real_dtype(x)
    w = so3_quadrature_weights(b_in, rdt, x.device)
    X = torch.fft.fft2(_complex(x), dim=(-2, -1)).reshape(Z, nb, nb * nb)  # [Z, beta, (m, n)]
    bins, sizes, to_layout, _ = so3_plan(b_in, nl, x.device)
    X = X[:, :, bins] * w[None, :, None]  # [Z, beta, P]
    Xr = torch.view_as_real(X).permute(2, 1, 0, 3).reshape(-1, nb, 2 * Z)  # [P, beta, 2Z]
    d = so3_d_groups(b_in, nl, rdt, x.device)
    parts, start = [], 0
    for L, size in enumerate(sizes):
        parts.append(torch.bmm(d[L], Xr[start : start + size]).reshape(-1, 2 * Z))
        start += size
    F = torch.cat(parts)[to_layout].reshape(-1, Z, 2)
    F = torch.view_as_complex(F.contiguous())
    if nl < b_out:
        F = torch.cat([F, F.new_zeros(so3_nspec(b_out) - so3_nspec(nl), Z)])
    return F


def so3_ifft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [so3_nspec(b_in), Z]`` -> ``[Z, 2b_out, 2b_out, 2b_out]``; degrees ``l < b_out`` only."""
    Z = x.shape[1]
    b_in = so3_bandwidth_from_nspec(x.shape[0])
    nl = min(b_in, b_out)
    nb = 2 * b_out
    rdt = _real_dtype(x)
    bins, sizes, _, to_rings = so3_plan(b_out, nl, x.device)
    F = x[: so3_nspec(nl)] * degree_factors(nl, "so3", rdt, x.device)[:, None]
    Fr = torch.view_as_real(F[to_rings]).reshape(-1, 2 * Z)  # ring order
    d = so3_d_groups(b_out, nl, rdt, x.device)
    parts, start = [], 0
    for L, size in enumerate(sizes):
        rows = size * (nl - L)
        parts.append(torch.bmm(d[L].transpose(1, 2), Fr[start : start + rows].reshape(size, nl - L, 2 * Z)))
        start += rows
    G = torch.cat(parts).reshape(-1, nb, Z, 2)  # [P, beta, Z, 2]
    G = torch.view_as_complex(G.permute(2, 1, 0, 3).contiguous())  # [Z, beta, P]
    out = G.new_zeros(Z, nb, nb * nb).index_copy(2, bins, G).reshape(Z, nb, nb, nb)
    return torch.fft.ifft2(out, dim=(-2, -1), norm="forward")
