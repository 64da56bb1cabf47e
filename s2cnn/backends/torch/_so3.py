"""Fourier transforms on SO(3) in plain PyTorch: FFT along alpha and gamma, then the Wigner-d
contraction along beta as batched real GEMMs. Autograd differentiates through it.

Shapes follow :mod:`s2cnn.backends.protocol`; the math is in :mod:`s2cnn.spectral`; the tables
and symmetries in :mod:`._tables`; the index plans in :mod:`._plans`.

Forward (real ``f``; a complex one is transformed as its real and imaginary parts, stacked on
the batch axis): ``rfft2`` gives the bins with ``n >= 0``, copied once to the layout
``[beta, m, n, Z]`` (batch innermost); each row ``m`` of the FFT grid is then the GEMM
``[nl, nl-|m|, 2b] @ [nl, 2b, 2Z]`` over its ``n`` (real and imaginary parts side by side,
quadrature weights in the table); the orders ``n < 0`` follow by
:math:`F_{-m,-n} = (-1)^{m-n}\\overline{F_{mn}}`. That is three quarters of the
:math:`\\sum_l (2l+1)^2 \\cdot 2b` multiply-adds per complex batch column of the direct
contraction (half, plus the padding of the rows), with no gather of the data.

Inverse: for each ring ``L`` of the half plane ``H``, the GEMMs
``[Q_L, 2b, nl-L] @ [Q_L, nl-L, 2Z]`` synthesise its pairs and, with the same table, their
mirrors (:math:`d_{-m,-n} = (-1)^{m-n} d_{mn}`); the ``[2b, 2Z]`` blocks are stacked in FFT-grid
order, transposed to ``[beta, Z, m, n]`` (one 2D transpose) and ``ifft2`` brings them to the grid.

The big intermediates are the size of the grid; on Linux, glibc returns such blocks to the system
on every free, so each call page-faults them in again (a third of the time at b = 64 on a small
CPU); ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` or jemalloc avoid that.
"""

from __future__ import annotations

import torch

from ...layout import so3_bandwidth_from_nspec, so3_nspec
from ._plans import so3_plan
from ._tables import so3_tables


def _real_stack(x: torch.Tensor) -> torch.Tensor:
    """A complex batch ``[Z, ...]`` as the real batch ``[2Z, ...]`` (real parts, then imaginary)."""
    return torch.cat([x.real, x.imag]) if x.is_complex() else x


def so3_fft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [Z, 2b_in, 2b_in, 2b_in]`` -> ``[so3_nspec(b_out), Z]``; rows ``l >= b_in`` are zero."""
    Z, nb = x.shape[0], x.shape[-1]
    b_in = nb // 2
    nl = min(b_in, b_out)
    xr = _real_stack(x)
    plan = so3_plan(b_in, nl, xr.dtype, x.device)
    tables, _ = so3_tables(b_in, nl, xr.dtype, x.device)
    X = torch.fft.rfftn(xr, dim=(2, 3))[..., :nl]  # [Z', beta, m, n], 0 <= n < nl
    X = X.permute(1, 2, 3, 0).reshape(nb, nb * nl, -1)  # [beta, (m, n), Z'], batch innermost
    X = torch.view_as_real(X).flatten(2).split(nl, dim=1)  # per m: [beta, n, 2Z']
    parts = [torch.bmm(t, X[k].transpose(0, 1)) for t, k in zip(tables, plan.band_rows, strict=True)]
    R = torch.cat([p.flatten(0, 1) for p in parts])  # GEMM rows (m, n, r): [rows, 2Z']
    R = R.index_select(0, plan.out_index).unflatten(1, (-1, 2))  # [nspec, Z', 2]
    F = torch.view_as_complex(R.mul_(plan.out_factor[:, None, :]))
    if x.is_complex():
        F = F[:, :Z] + 1j * F[:, Z:]
    if nl < b_out:
        F = torch.cat([F, F.new_zeros(so3_nspec(b_out) - so3_nspec(nl), Z)])
    return F


def so3_ifft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [so3_nspec(b_in), Z]`` -> ``[Z, 2b_out, 2b_out, 2b_out]``; degrees ``l < b_out`` only.

    The result is a transposed view (memory order ``[beta, Z, alpha, gamma]``)."""
    Z = x.shape[1]
    b_in = so3_bandwidth_from_nspec(x.shape[0])
    nl = min(b_in, b_out)
    nb = 2 * b_out
    rdt = x.real.dtype
    plan = so3_plan(b_out, nl, rdt, x.device)
    _, tables = so3_tables(b_out, nl, rdt, x.device)
    F = torch.view_as_real(x).index_select(0, plan.in_index).mul_(plan.in_factor[:, None, None])
    F = F.reshape(-1, 2, 2 * Z)  # [rows, h, 2Z]: each pair of H beside its mirror
    own, mirror = [], []  # Q blocks [beta, 2Z] each
    for L, (t, rhs) in enumerate(zip(tables, F.split(plan.row_sizes), strict=True)):
        rhs = rhs.unflatten(0, (-1, nl - L))  # [Q_L, nl - L, h, 2Z]
        own.extend(torch.bmm(t.transpose(1, 2), rhs[:, :, 0]).unbind(0))
        mirror.extend(torch.bmm(t.transpose(1, 2), rhs[:, :, 1]).unbind(0))
    slots = own + mirror + [F.new_zeros(nb, 2 * Z)]
    G = torch.stack([slots[i] for i in plan.grid_index])  # the FFT grid [(m, n), beta, 2Z]
    G = torch.view_as_complex(G.unflatten(2, (-1, 2))).flatten(1)  # [(m, n), (beta, Z)]
    G = G.t().contiguous().view(nb, Z, nb, nb)  # [beta, Z, m, n]
    return torch.fft.ifft2(G, dim=(-2, -1), norm="forward").transpose(0, 1)
