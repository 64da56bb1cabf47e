"""Planar images onto the sphere: the SOFT grid, a stereographic projection, bilinear sampling
and random rotations.

What is done, exactly
---------------------
1. **Grid.** The SOFT grid of bandwidth :math:`b` (the one :func:`s2cnn.s2_fft` assumes):
   :math:`\\beta_j = \\pi(2j+1)/(4b)`, :math:`\\alpha_k = 2\\pi k/(2b)`, :math:`j, k < 2b`; the
   point :math:`(\\beta, \\alpha)` is :math:`x = (\\sin\\beta\\cos\\alpha, \\sin\\beta\\sin\\alpha,
   \\cos\\beta)` on the unit sphere. A spherical image is the array ``[2b, 2b]`` indexed
   ``[beta, alpha]``.
2. **Projection.** Stereographic projection from the south pole :math:`(0, 0, -1)` onto the
   plane tangent to the sphere at the north pole: :math:`q = 2 (x_1, x_2) / (1 + x_3)`, so a
   point at polar angle :math:`\\beta` lands at radius :math:`2\\tan(\\beta/2)`. The image fills the
   square :math:`[-s, s]^2` of that plane with half-width :math:`s = 1.5` (``HALF_WIDTH``), the
   scale of the original s2cnn example (a sphere of diameter 2 seen from the far pole through a
   plane window of width 3), so it covers the northern hemisphere: the middle of each edge sits
   at :math:`\\beta = 2\\arctan(0.75) \\approx 74°`, the corners at :math:`\\approx 93°`. The
   original put the image on the southern cap with the mirror-image formula; the pole does not
   matter to either network.
3. **Pixels.** An ``H x W`` image has pixel centres at integer coordinates; the plane point
   :math:`q` sits at column :math:`u = (q_1 + s) W / (2s) - 1/2` and row
   :math:`v = (s - q_2) H / (2s) - 1/2` (row 0 at the top, so that looking down on the north pole,
   with :math:`x_1` to the right and :math:`x_2` up, the image reads upright and unmirrored).
4. **Sampling.** Bilinear interpolation between the four nearest pixel centres, with zeros
   outside the image (a one-pixel ring of zeros, so the image fades out over one pixel); every
   grid point that misses the image, the whole southern cap included, gets 0. Pixel values are
   used as given (the loaders scale them to ``[0, 1]``); nothing is renormalised afterwards.
5. **Rotation.** For a rotation :math:`R = R_z(\\alpha) R_y(\\beta) R_z(\\gamma)` (ZYZ, the
   library's convention) the rotated image is :math:`f_R(x) = f(R^{-1} x)`: the grid points are
   rotated by :math:`R^{-1} = R^T` and the *planar* image is sampled there by steps 2-4. This
   is the same action as :func:`s2cnn.s2_rotation` (``s2_rotation(f, alpha, beta, gamma)``
   approximates ``f_R`` up to the band limit), with no interpolation on the sphere at all.
   The digit's centre, the north pole, moves to :math:`R e_z`.
"""

from __future__ import annotations

import numpy as np

from s2cnn.grids import soft_alphas, soft_betas

__all__ = [
    "HALF_WIDTH",
    "soft_sphere_points",
    "rotation_matrices",
    "inverse_angles",
    "plane_coordinates",
    "sample_bilinear",
    "project_images",
]

HALF_WIDTH = 1.5


def soft_sphere_points(b: int) -> np.ndarray:
    """Unit vectors of the SOFT grid.

    Parameters
    ----------
    b : int
        Bandwidth.

    Returns
    -------
    numpy.ndarray
        float64 ``[2b, 2b, 3]``, indexed ``[beta_j, alpha_k, xyz]``.
    """
    beta, alpha = np.meshgrid(soft_betas(b), soft_alphas(b), indexing="ij")
    return np.stack([np.sin(beta) * np.cos(alpha), np.sin(beta) * np.sin(alpha), np.cos(beta)], axis=-1)


def rotation_matrices(angles: np.ndarray) -> np.ndarray:
    """ZYZ rotation matrices :math:`R_z(\\alpha) R_y(\\beta) R_z(\\gamma)`.

    Parameters
    ----------
    angles : array_like
        ``[..., 3]`` Euler angles ``(alpha, beta, gamma)`` in radians.

    Returns
    -------
    numpy.ndarray
        float64 ``[..., 3, 3]``.
    """
    angles = np.asarray(angles, dtype=np.float64)
    a, b, g = angles[..., 0], angles[..., 1], angles[..., 2]

    def rz(t):
        c, s, z, o = np.cos(t), np.sin(t), np.zeros_like(t), np.ones_like(t)
        return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)

    def ry(t):
        c, s, z, o = np.cos(t), np.sin(t), np.zeros_like(t), np.ones_like(t)
        return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)

    return rz(a) @ ry(b) @ rz(g)


def inverse_angles(alpha: float, beta: float, gamma: float) -> tuple[float, float, float]:
    """ZYZ angles of :math:`R(\\alpha, \\beta, \\gamma)^{-1}` with the middle angle kept in ``[0, pi]``.

    :math:`R^{-1} = R_z(-\\gamma) R_y(-\\beta) R_z(-\\alpha)` and
    :math:`R_y(-\\beta) = R_z(\\pi) R_y(\\beta) R_z(-\\pi)`, so the answer is
    :math:`(\\pi - \\gamma, \\beta, -\\pi - \\alpha)`.
    """
    return float(np.pi - gamma), float(beta), float(-np.pi - alpha)


def plane_coordinates(points: np.ndarray, half_width: float = HALF_WIDTH) -> tuple[np.ndarray, np.ndarray]:
    """Stereographic projection from the south pole onto the plane tangent at the north pole.

    Parameters
    ----------
    points : numpy.ndarray
        ``[..., 3]`` unit vectors.
    half_width : float
        The image fills ``[-half_width, half_width]^2`` of the plane.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``q1 / half_width`` and ``q2 / half_width``, each ``[...]``: the image square is
        ``[-1, 1]^2``. Points within ``1e-9`` of the south pole map to NaN (off the image).
    """
    den = 1.0 + points[..., 2]
    far = den < 1e-9
    scale = 2.0 / np.where(far, 1.0, den) / half_width
    return np.where(far, np.nan, points[..., 0] * scale), np.where(far, np.nan, points[..., 1] * scale)


def sample_bilinear(images: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Bilinear samples of images at fractional pixel coordinates, zero outside.

    Parameters
    ----------
    images : numpy.ndarray
        ``[N, H, W]``.
    u, v : numpy.ndarray
        Column and row coordinates (pixel centres at integers), ``[N, P]`` (one set of points per
        image) or ``[P]`` (shared). Non-finite coordinates give 0.

    Returns
    -------
    numpy.ndarray
        float64 ``[N, P]``.
    """
    n, h, w = images.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=np.float64)
    padded[:, 1:-1, 1:-1] = images
    flat = padded.reshape(n, -1)
    u = np.broadcast_to(u, (n, u.shape[-1]))
    v = np.broadcast_to(v, (n, v.shape[-1]))
    inside = np.isfinite(u) & np.isfinite(v) & (u > -1) & (u < w) & (v > -1) & (v < h)
    # shift into the padded frame and keep the four corners within it
    uu = np.where(inside, u + 1, 0.0)
    vv = np.where(inside, v + 1, 0.0)
    u0 = np.clip(np.floor(uu).astype(np.int64), 0, w)
    v0 = np.clip(np.floor(vv).astype(np.int64), 0, h)
    fu, fv = uu - u0, vv - v0

    def at(r, c):
        return np.take_along_axis(flat, r * (w + 2) + c, axis=1)

    top = (1 - fu) * at(v0, u0) + fu * at(v0, u0 + 1)
    bottom = (1 - fu) * at(v0 + 1, u0) + fu * at(v0 + 1, u0 + 1)
    return np.where(inside, (1 - fv) * top + fv * bottom, 0.0)


def project_images(
    images: np.ndarray, b: int, angles: np.ndarray | None = None, half_width: float = HALF_WIDTH
) -> np.ndarray:
    """Project planar images onto the SOFT grid, optionally each rotated by its own rotation.

    Parameters
    ----------
    images : numpy.ndarray
        ``[N, H, W]`` pixel values (any real dtype).
    b : int
        Bandwidth of the output grid.
    angles : numpy.ndarray, optional
        ``[N, 3]`` ZYZ angles; image ``i`` becomes :math:`f_i(R_i^{-1} x)`. ``None``: not rotated.
    half_width : float
        See :func:`plane_coordinates`.

    Returns
    -------
    numpy.ndarray
        float32 ``[N, 2b, 2b]`` indexed ``[beta, alpha]``.
    """
    images = np.asarray(images)
    n, h, w = images.shape
    pts = soft_sphere_points(b).reshape(-1, 3)  # [P, 3]
    if angles is not None:
        rot = rotation_matrices(angles)  # [N, 3, 3]
        pts = pts @ rot  # row i: (R^T x)^T = x^T R, i.e. R^{-1} x, shape [N, P, 3]
    x, y = plane_coordinates(pts, half_width)
    u = (x + 1.0) * (w / 2.0) - 0.5
    v = (1.0 - y) * (h / 2.0) - 0.5
    out = sample_bilinear(images, u, v)
    return out.reshape(n, 2 * b, 2 * b).astype(np.float32)
