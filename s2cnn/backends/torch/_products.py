"""The spectral block products in plain PyTorch, one complex GEMM per degree ``l``.

Shapes follow :mod:`s2cnn.backends.protocol`; the math is in :mod:`s2cnn.spectral`.
"""

from __future__ import annotations

import torch

from ...layout import so3_bandwidth_from_nspec


def s2_mm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x [b**2, Z, f_in]``, ``y [b**2, f_in, f_out]`` -> ``[so3_nspec(b), Z, f_out]``.

    For each ``l``: ``[(m, Z), f_in] @ [f_in, (n, f_out)]`` with ``y`` conjugated.
    """
    nspec, Z, f_in = x.shape
    f_out = y.shape[2]
    b = round(nspec**0.5)
    sizes = [2 * l + 1 for l in range(b)]
    out = []
    # torch.split, not slicing: the backward of b slices would add b full-size zero tensors
    for k, xs, ys in zip(sizes, x.split(sizes), y.split(sizes), strict=True):
        xl = xs.reshape(k * Z, f_in)  # [(m, Z), f]
        yl = ys.conj().permute(1, 0, 2).reshape(f_in, k * f_out)  # [f, (n, o)]
        zl = (xl @ yl).reshape(k, Z, k, f_out).permute(0, 2, 1, 3)  # [m, n, Z, o]
        out.append(zl.reshape(k * k, Z, f_out))
    return torch.cat(out)


def so3_mm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x [nspec, Z, f_in]``, ``y [nspec, f_in, f_out]`` -> ``[nspec, Z, f_out]``.

    For each ``l``: ``[(m, Z), (k, f_in)] @ [(k, f_in), (n, f_out)]`` with ``y`` conjugated.
    """
    nspec, Z, f_in = x.shape
    f_out = y.shape[2]
    b = so3_bandwidth_from_nspec(nspec)
    sizes = [(2 * l + 1) ** 2 for l in range(b)]
    out = []
    # torch.split, not slicing: the backward of b slices would add b full-size zero tensors
    for l, xs, ys in zip(range(b), x.split(sizes), y.split(sizes), strict=True):
        k = 2 * l + 1
        xl = xs.reshape(k, k, Z, f_in).permute(0, 2, 1, 3).reshape(k * Z, k * f_in)  # [(m,Z),(k,f)]
        yl = ys.conj().reshape(k, k, f_in, f_out).permute(1, 2, 0, 3).reshape(k * f_in, k * f_out)
        zl = (xl @ yl).reshape(k, Z, k, f_out).permute(0, 2, 1, 3)  # [m, n, Z, o]
        out.append(zl.reshape(k * k, Z, f_out))
    return torch.cat(out)


def so3_mm_real(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:func:`so3_mm` on the columns ``n >= 0``, the columns ``n < 0`` by the symmetry of a real
    signal's spectrum (:mod:`s2cnn.symmetry`): ``l + 1`` of the ``2l + 1`` columns of each GEMM.

    For each ``l``: ``[(m, Z), (k, f_in)] @ [(k, f_in), (n >= 0, f_out)]``, then
    :math:`z^l_{mn} = (-1)^{m-n} \\overline{z^l_{-m,-n}}` for ``n < 0`` (rows ``m`` reversed,
    columns ``n > 0`` reversed, conjugated, signed), the block written in ``(m, n)`` order.
    """
    nspec, Z, f_in = x.shape
    f_out = y.shape[2]
    b = so3_bandwidth_from_nspec(nspec)
    sizes = [(2 * l + 1) ** 2 for l in range(b)]
    parity = torch.arange(2 * b - 1, device=x.device) % 2
    out = []
    for l, xs, ys in zip(range(b), x.split(sizes), y.split(sizes), strict=True):
        k = 2 * l + 1
        xl = xs.reshape(k, k, Z, f_in).permute(0, 2, 1, 3).reshape(k * Z, k * f_in)  # [(m,Z),(k,f)]
        yl = ys.conj().reshape(k, k, f_in, f_out)[l:].permute(1, 2, 0, 3).reshape(k * f_in, (l + 1) * f_out)
        zl = (xl @ yl).reshape(k, Z, l + 1, f_out)  # [m, Z, n >= 0, o]
        # (-1)^(m - n) at (m + l, n + l), n < 0: the parity of the sum of the two indices
        sign = (1.0 - 2.0 * (parity[:k, None] ^ parity[None, :l])).to(x.real.dtype)
        neg = zl.flip(0)[:, :, 1:].flip(2).conj() * sign[:, None, :, None]  # [m, Z, n < 0, o]
        out.append(torch.cat([neg, zl], 2).permute(0, 2, 1, 3).reshape(k * k, Z, f_out))
    return torch.cat(out)
