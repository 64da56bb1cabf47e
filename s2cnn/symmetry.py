"""The symmetry of the SO(3) spectra of real signals.

A signal :math:`f` on SO(3) is real exactly when its spectrum (:func:`s2cnn.so3_fft`, layout
of :mod:`s2cnn.layout`) satisfies

.. math::

    F^l_{-m,-n} = (-1)^{m-n}\\, \\overline{F^l_{mn}},

because :math:`\\overline{D^l_{mn}(g)} = (-1)^{m-n} D^l_{-m,-n}(g)`. The block product of two
such spectra, :math:`z^l = x^l (y^l)^H`, has it again, so its columns ``n < 0`` follow from the
columns ``n > 0``: :func:`s2cnn.so3_mm_real` computes half the product and completes the rest.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ._cache import table_cache
from .layout import so3_bandwidth_from_nspec, so3_index, so3_orders

__all__ = ["so3_mirror", "so3_complete_real"]


class So3Mirror(NamedTuple):
    """Rows ``n < 0`` of the SO(3) layout below ``b`` and where they come from.

    Attributes
    ----------
    rows : LongTensor ``[K]``
        The rows of :math:`F^l_{mn}`, ``n < 0``, in layout order.
    source : LongTensor ``[K]``
        The row of :math:`F^l_{-m,-n}` of each.
    sign : Tensor ``[K]``
        :math:`(-1)^{m-n}`, in the real dtype of the key.
    """

    rows: torch.Tensor
    source: torch.Tensor
    sign: torch.Tensor


@table_cache(maxsize=32)
def so3_mirror(b: int, dtype: torch.dtype, device: torch.device) -> So3Mirror:
    """:class:`So3Mirror` of bandwidth ``b``, with the sign in ``dtype`` (real) on ``device``."""
    l, m, n = so3_orders(b)
    neg = n < 0
    sign = np.where((m[neg] - n[neg]) % 2 == 0, 1.0, -1.0)
    return So3Mirror(
        rows=torch.as_tensor(np.flatnonzero(neg), dtype=torch.long, device=device),
        source=torch.as_tensor(so3_index(l[neg], -m[neg], -n[neg]), dtype=torch.long, device=device),
        sign=torch.as_tensor(sign, dtype=dtype, device=device),
    )


def so3_complete_real(z: torch.Tensor) -> torch.Tensor:
    """``z [nspec, ...]`` complex with its rows ``n < 0`` replaced by
    :math:`(-1)^{m-n} \\overline{z^l_{-m,-n}}`: the spectrum of a real signal that agrees with
    ``z`` on the columns ``n >= 0`` (``z`` itself when ``z`` is one). Differentiable; a new
    tensor."""
    if not z.is_complex():
        raise TypeError(f"so3_complete_real: expected a complex spectrum; got dtype {z.dtype}")
    b = so3_bandwidth_from_nspec(z.shape[0])
    mirror = so3_mirror(b, z.real.dtype, z.device)
    shape = (-1,) + (1,) * (z.dim() - 1)
    values = z.index_select(0, mirror.source).conj() * mirror.sign.view(shape)
    return z.index_copy(0, mirror.rows, values)
