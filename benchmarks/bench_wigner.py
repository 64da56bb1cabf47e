"""asv: building the Wigner-d tables of the SOFT grid (:mod:`s2cnn.wigner`).

``wigner_d_table_s2(b, b)`` is :math:`d^l_{m0}(\\beta_j)` as ``[b**2, 2b]`` and
``wigner_d_table_so3(b, b)`` is :math:`d^l_{mn}(\\beta_j)` as ``[b(4b^2-1)/3, 2b]``, both computed
in float64 on the host and cast to the case's dtype and device.

* ``time_build``: a cold build, every table cache cleared first (:func:`s2cnn._cache.clear_caches`,
  inside the timed region: it frees the previous table);
* ``peakmem_build``: peak resident host memory of a cold build;
* ``track_bytes``: size of the table (bytes);
* ``track_orthogonality_error``: :math:`\\max |G - I|` over the Gram matrices
  :math:`G_{ll'} = (2b)^2 \\sqrt{(2l+1)(2l'+1)} \\sum_j w_j d^l_{mn}(\\beta_j) d^{l'}_{mn}(\\beta_j)` of every
  ``(m, n)`` (SOFT quadrature makes them the identity for ``l, l' < b``), from the table as
  stored (cast back to float64): the accuracy of the recursion and of the storage precision.
"""

from __future__ import annotations

import time

import numpy as np
import torch

import s2cnn
from s2cnn._cache import clear_caches
from s2cnn.layout import so3_nspec
from s2cnn.wigner import so3_group_pairs, wigner_d_table_s2, wigner_d_table_so3

from .common import BANDWIDTHS, DEVICES, DTYPES, Suite, prepared, require_so3_fits, sync, torch_dtype

__all__ = ["WignerTables"]


def _gram_error(table: np.ndarray, b: int, so3: bool) -> float:
    """``max |G - I|`` of the quadrature Gram matrices of a float64 table (see the module doc)."""
    w = s2cnn.so3_quadrature_weights(b).numpy() * (2 * b) ** 2
    worst = 0.0
    for L, (m, n) in enumerate(so3_group_pairs(b)):
        if not so3:  # S2: the pairs (m, 0), |m| = L
            m = np.array([-L, L]) if L else np.array([0])
            n = np.zeros_like(m)
        l = np.arange(L, b)
        if so3:
            rows = so3_nspec(l)[None, :] + (m[:, None] + l) * (2 * l + 1) + (n[:, None] + l)
        else:
            rows = (l * l)[None, :] + m[:, None] + l
        d = table[rows] * np.sqrt(2 * l + 1)[None, :, None]  # [pairs, l, j]
        gram = np.einsum("pij,pkj->pik", d * w, d)
        worst = max(worst, float(np.abs(gram - np.eye(l.size)).max()))
    return worst


class WignerTables(Suite):
    params = [list(BANDWIDTHS), ["s2", "so3"], list(DTYPES), list(DEVICES)]
    param_names = ["b", "table", "dtype", "device"]

    def setup(self, b, table, dtype, device):
        if device == "cuda" and not torch.cuda.is_available():
            raise NotImplementedError("no CUDA device visible to torch")
        if table == "so3":
            require_so3_fits(b, device)
        self.pin_threads()
        builder = wigner_d_table_so3 if table == "so3" else wigner_d_table_s2
        self.build = lambda: builder(b, b, torch_dtype(dtype), device)
        self.seconds = prepared(("WignerTables", b, table, dtype, device), self._time_once)
        self.adapt_repeat(self.seconds)

    def _time_once(self) -> float:
        clear_caches()
        start = time.perf_counter()
        self.build()
        return time.perf_counter() - start

    def time_build(self, b, table, dtype, device):
        clear_caches()
        self.build()
        sync(device)

    def peakmem_build(self, b, table, dtype, device):
        clear_caches()
        self.build()

    def track_bytes(self, b, table, dtype, device):
        t = self.build()
        return float(t.numel() * t.element_size())

    track_bytes.unit = "bytes"

    def track_orthogonality_error(self, b, table, dtype, device):
        t = self.build().to("cpu", torch.float64).numpy()
        return _gram_error(t, b, table == "so3")

    track_orthogonality_error.unit = "max |G - I| of the quadrature Gram matrices"
