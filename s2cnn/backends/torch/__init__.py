"""The ``torch`` backend: pure PyTorch on any device and dtype, the readable specification
that every other backend is checked against. It takes every case."""

from __future__ import annotations

from . import _products, _transforms

__all__ = ["TorchBackend"]


class TorchBackend:
    """Spectral verbs in plain PyTorch (FFT + batched real GEMMs; autograd for the backward)."""

    name = "torch"

    @staticmethod
    def available() -> tuple[bool, str]:
        return True, "pure PyTorch: any device, float32/float64"

    s2_fft = staticmethod(_transforms.s2_fft)
    s2_ifft = staticmethod(_transforms.s2_ifft)
    so3_fft = staticmethod(_transforms.so3_fft)
    so3_ifft = staticmethod(_transforms.so3_ifft)
    s2_mm = staticmethod(_products.s2_mm)
    so3_mm = staticmethod(_products.so3_mm)

    def __repr__(self) -> str:
        return "TorchBackend()"
