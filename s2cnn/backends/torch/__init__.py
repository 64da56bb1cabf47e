"""The ``torch`` backend: pure PyTorch on any device and dtype, the readable specification
that every other backend is checked against. It takes every case.

Modules: :mod:`._tables` (Wigner-d tables laid out for the GEMMs, and the symmetries they use),
:mod:`._plans` (index plans), :mod:`._s2` and :mod:`._so3` (the transforms), :mod:`._products`.
"""

from __future__ import annotations

from . import _products, _s2, _so3

__all__ = ["TorchBackend"]


class TorchBackend:
    """Spectral verbs in plain PyTorch (FFT + batched real GEMMs; autograd for the backward)."""

    name = "torch"

    @staticmethod
    def available() -> tuple[bool, str]:
        return True, "pure PyTorch: any device, float32/float64"

    s2_fft = staticmethod(_s2.s2_fft)
    s2_ifft = staticmethod(_s2.s2_ifft)
    so3_fft = staticmethod(_so3.so3_fft)
    so3_ifft = staticmethod(_so3.so3_ifft)
    so3_ifft_real = staticmethod(_so3.so3_ifft_real)
    s2_mm = staticmethod(_products.s2_mm)
    so3_mm = staticmethod(_products.so3_mm)
    so3_mm_real = staticmethod(_products.so3_mm_real)

    def __repr__(self) -> str:
        return "TorchBackend()"
