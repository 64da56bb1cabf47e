"""s2cnn: rotation-equivariant spherical CNNs with swappable spectral backends."""

from . import backends, layout, symmetry, wigner
from ._cache import cache_info, clear_caches
from .backends import register_backend, set_backend, set_global_backend, skip_backend
from .grids import (
    s2_equatorial_grid,
    s2_near_identity_grid,
    s2_soft_grid,
    so3_equatorial_grid,
    so3_near_identity_grid,
    so3_soft_grid,
)
from .integrate import so3_integrate
from .nn import S2Convolution, SO3Convolution, SO3Shortcut
from .quadrature import s2_quadrature_weights, so3_quadrature_weights
from .rotation import s2_rotation, so3_rotation
from .spectral import s2_fft, s2_ifft, s2_mm, so3_fft, so3_ifft, so3_ifft_real, so3_mm, so3_mm_real

__version__ = "0.1.0"

__all__ = [
    "backends",
    "layout",
    "symmetry",
    "wigner",
    "register_backend",
    "set_backend",
    "set_global_backend",
    "skip_backend",
    "cache_info",
    "clear_caches",
    "s2_equatorial_grid",
    "s2_near_identity_grid",
    "s2_soft_grid",
    "so3_equatorial_grid",
    "so3_near_identity_grid",
    "so3_soft_grid",
    "s2_quadrature_weights",
    "so3_quadrature_weights",
    "s2_fft",
    "s2_ifft",
    "s2_mm",
    "so3_fft",
    "so3_ifft",
    "so3_ifft_real",
    "so3_mm",
    "so3_mm_real",
    "so3_integrate",
    "so3_rotation",
    "s2_rotation",
    "S2Convolution",
    "SO3Convolution",
    "SO3Shortcut",
]
