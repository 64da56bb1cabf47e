"""Slow exact reference for s2cnn: float64 / complex128 NumPy direct sums, no FFT.

Independent of the library it checks (it never imports ``s2cnn``). Conventions are those
of the original s2cnn (see ``shared/CONVENTIONS.md``):

* :mod:`reference.grids`: SOFT angles; :mod:`reference.quadrature`: closed-form weights.
* :mod:`reference.wigner`: Wigner d (exact sum, Jacobi form in mpmath, float64 matrix),
  Wigner D, and lie_learn's d for cross-checks.
* :mod:`reference.transforms`: S2 / SO(3) forward and inverse transforms.
* :mod:`reference.rotations`: ZYZ rotation matrices and sphere points.
* :mod:`reference.bandlimit`: band-limited projection evaluated anywhere (zonal kernels).
* :mod:`reference.correlation`: spatial-domain S2 / SO(3) correlations equal to the
  original's convolution layers.
"""

from .bandlimit import s2_bandlimit, s2_zonal_kernel, so3_bandlimit, so3_zonal_kernel
from .correlation import s2_correlation, so3_correlation
from .grids import soft_alphas, soft_betas
from .quadrature import s2_weights, so3_weights
from .rotations import rotation_matrix, s2_grid_points, s2_point, so3_grid_rotations
from .transforms import s2_fft, s2_ifft, so3_fft, so3_ifft
from .wigner import (
    lie_learn_wigner_d_matrix,
    wigner_d,
    wigner_d_dps,
    wigner_D_matrix,
    wigner_d_matrix,
    wigner_d_mp,
)

__all__ = [
    "lie_learn_wigner_d_matrix",
    "rotation_matrix",
    "s2_bandlimit",
    "s2_correlation",
    "s2_fft",
    "s2_grid_points",
    "s2_ifft",
    "s2_point",
    "s2_weights",
    "s2_zonal_kernel",
    "so3_bandlimit",
    "so3_correlation",
    "so3_fft",
    "so3_grid_rotations",
    "so3_ifft",
    "so3_weights",
    "so3_zonal_kernel",
    "soft_alphas",
    "soft_betas",
    "wigner_D_matrix",
    "wigner_d",
    "wigner_d_dps",
    "wigner_d_matrix",
    "wigner_d_mp",
]
