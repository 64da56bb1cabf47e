"""The one table of tolerances, keyed by dtype then by check.

Every error is a relative L2 error, :math:`\\|a - b\\|_2 / \\|b\\|_2` (:func:`rel_l2`), unless the
check says otherwise (the Wigner-d checks are absolute: the functions are bounded by one).

The float64 rows are what exact arithmetic in double precision reaches on these transforms
(a few hundred ulps at b = 64); the float32 rows are the same for single precision.
"""

from __future__ import annotations

import torch

__all__ = ["TOLERANCES", "tolerance", "rel_l2", "real_dtype"]

TOLERANCES: dict[torch.dtype, dict[str, float]] = {
    torch.float64: {
        "reference": 1e-12,  # backend vs the float64 reference direct sums, b <= 10
        "roundtrip": 1e-14,  # fft(ifft(F)) vs F for band-limited spectra, b <= 64
        "adjoint": 1e-10,  # <A x, y> vs <x, A^H y>
        "backend": 1e-12,  # one backend vs the torch backend (outputs and gradients)
        "wigner": 1e-14,  # absolute, library recursion vs closed form / extended precision, l <= 512
        "wigner_anchor": 1e-12,  # absolute, library vs lie_learn's float64 matrices (their rounding)
        "equivariance": 1e-10,  # linear layers, exact rotations
        "layer_reference": 1e-10,  # layers vs the reference spatial correlation
    },
    torch.float32: {
        "reference": 1e-5,
        "roundtrip": 1e-6,
        "adjoint": 1e-4,
        "backend": 1e-5,
        "wigner": 1e-6,
        "wigner_anchor": 1e-6,
        "equivariance": 1e-5,
        "layer_reference": 1e-5,
    },
}


def real_dtype(dtype: torch.dtype) -> torch.dtype:
    """float32 for float32/complex64, float64 for float64/complex128."""
    return {torch.complex64: torch.float32, torch.complex128: torch.float64}.get(dtype, dtype)


def tolerance(check: str, dtype: torch.dtype) -> float:
    """Tolerance of ``check`` at ``dtype`` (complex dtypes map to their real precision)."""
    return TOLERANCES[real_dtype(dtype)][check]


def rel_l2(a, b) -> float:
    """:math:`\\|a - b\\|_2 / \\|b\\|_2` in float64 (0 when both vanish)."""
    a = torch.as_tensor(a).detach().cpu().to(torch.complex128)
    b = torch.as_tensor(b).detach().cpu().to(torch.complex128)
    den = torch.linalg.vector_norm(b).item()
    num = torch.linalg.vector_norm(a - b).item()
    if den == 0.0:
        return num
    return num / den
