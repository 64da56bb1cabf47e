"""Checks of the exact reference (``reference/``): quadrature, Wigner functions, transforms,
and the identity between the original s2cnn's spectral convolution pipeline and the
spatial correlations of ``reference.correlation``."""

import ast
import math
import os
import pathlib

import numpy as np
import pytest

import reference
from reference import (
    rotation_matrix,
    s2_bandlimit,
    s2_correlation,
    s2_fft,
    s2_ifft,
    s2_point,
    s2_weights,
    so3_bandlimit,
    so3_correlation,
    so3_fft,
    so3_ifft,
    so3_weights,
    soft_alphas,
    soft_betas,
    wigner_d,
    wigner_d_dps,
    wigner_D_matrix,
    wigner_d_matrix,
    wigner_d_mp,
)

SEED = int(os.environ.get("S2CNN_SEED", "1234"))  # same variable as verify/conftest.py

# absolute tolerances (float64 / complex128 throughout)
TOL = {
    "quadrature": 1e-14,
    "wigner": 1e-12,
    "orthogonality": 1e-13,
    "roundtrip": 1e-12,
    "correlation": 1e-12,  # relative to the largest output value
}


def _rng(*salt):
    return np.random.default_rng([SEED, *salt])


def _s2_offset(l):
    return l * l


def _so3_offset(l):
    return l * (4 * l * l - 1) // 3


def _random_spectrum(rng, nspec, batch):
    shape = (nspec,) + batch
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


# ---------------------------------------------------------------- grids and quadrature


def test_soft_grid_values():
    assert np.allclose(soft_betas(2), np.pi * np.array([1, 3, 5, 7]) / 8, rtol=0, atol=1e-15)
    assert np.allclose(soft_alphas(2), np.pi * np.array([0, 0.5, 1, 1.5]), rtol=0, atol=1e-15)
    with pytest.raises(ValueError):
        soft_betas(0)


@pytest.mark.parametrize("b", range(1, 17))
def test_weights_sum_to_one(b):
    assert so3_weights(b).shape == (2 * b,)
    assert abs(so3_weights(b).sum() * (2 * b) ** 2 - 1) < TOL["quadrature"]
    assert abs(s2_weights(b).sum() * 2 * b - 1) < TOL["quadrature"]
    assert np.allclose(s2_weights(b), so3_weights(b) * 2 * b, rtol=1e-15, atol=0)


@pytest.mark.parametrize("b", range(1, 13))
def test_quadrature_integrates_cosines_exactly(b):
    # (2b)^2 sum_j w_j cos(k beta_j) = 1/2 int_0^pi cos(k beta) sin(beta) dbeta, for all k < 2b
    betas, w = soft_betas(b), so3_weights(b)
    for k in range(2 * b):
        exact = 0.0 if k % 2 else 1.0 / (1.0 - k * k)
        assert abs((2 * b) ** 2 * np.sum(w * np.cos(k * betas)) - exact) < TOL["quadrature"], k


@pytest.mark.parametrize("b", [1, 2, 3, 5, 8])
def test_quadrature_orthogonality_of_wigner_d(b):
    # (2b)^2 sum_j w_j d^l_mn(beta_j) d^l'_mn(beta_j) = delta_ll' / (2l + 1) for l, l' < b
    betas, w = soft_betas(b), so3_weights(b)
    d = [wigner_d_matrix(l, betas) for l in range(b)]
    for l in range(b):
        for lp in range(l, b):
            for m in range(-l, l + 1):
                for n in range(-l, l + 1):
                    value = (2 * b) ** 2 * np.sum(w * d[l][:, m + l, n + l] * d[lp][:, m + lp, n + lp])
                    expected = 1.0 / (2 * l + 1) if l == lp else 0.0
                    assert abs(value - expected) < TOL["orthogonality"], (l, lp, m, n)


# ---------------------------------------------------------------- Wigner functions


def test_wigner_d_closed_forms():
    beta = 0.7
    c, s = np.cos(beta), np.sin(beta)
    expected = np.array([[(1 + c) / 2, -s / np.sqrt(2), (1 - c) / 2],
                         [s / np.sqrt(2), c, -s / np.sqrt(2)],
                         [(1 - c) / 2, s / np.sqrt(2), (1 + c) / 2]])[::-1, ::-1]
    # rows/columns above are written from m = +1 down to m = -1, hence the reversal
    assert abs(wigner_d(1, 1, 0, beta) + s / np.sqrt(2)) < 1e-16
    assert np.abs(wigner_d_matrix(1, beta) - expected).max() < 1e-15
    for l in range(21):
        legendre = np.polynomial.legendre.legval(np.cos(beta), np.eye(l + 1)[l])
        assert abs(wigner_d(l, 0, 0, beta) - legendre) < 1e-14, l


def test_wigner_sum_matches_jacobi_form_small_l():
    for l in range(6):
        for m in range(-l, l + 1):
            for n in range(-l, l + 1):
                for beta in (0.0, 0.4, 1.9, np.pi, 4.0):
                    exact = float(wigner_d_mp(l, m, n, beta, dps=30))
                    assert abs(wigner_d(l, m, n, beta) - exact) < 1e-15, (l, m, n, beta)


@pytest.mark.parametrize("l", [20, 64, 150, 300, 512])
def test_wigner_d_large_l_against_extended_precision(l):
    rng = _rng(1, l)
    betas = np.array([0.05, 1.234, np.pi / 2 + 0.3, 3.0])
    matrices = wigner_d_matrix(l, betas)
    orders = [(l, l), (-l, l), (0, 0), (l, -1)] + [tuple(int(x) for x in rng.integers(-l, l + 1, 2))
                                                   for _ in range(3)]
    for i, beta in enumerate(betas):
        for m, n in orders:
            exact = float(wigner_d_mp(l, m, n, beta, dps=40))
            assert abs(wigner_d(l, m, n, beta) - exact) <= TOL["wigner"], (m, n, beta)
            assert abs(matrices[i, m + l, n + l] - exact) <= TOL["wigner"], (m, n, beta)
    assert wigner_d_dps(l, 0, 0) <= math.ceil(0.61 * l) + 21


@pytest.mark.parametrize("l", [0, 1, 7, 40, 150])
def test_wigner_d_matrix_orthogonal_and_symmetric(l):
    betas = np.array([0.0, 0.3, 2.2, np.pi])
    d = wigner_d_matrix(l, betas)
    assert d.shape == (4, 2 * l + 1, 2 * l + 1)
    eye = np.eye(2 * l + 1)
    assert np.abs(d @ np.swapaxes(d, -1, -2) - eye).max() < TOL["orthogonality"]
    assert np.abs(d[0] - eye).max() < 1e-15
    orders = np.arange(-l, l + 1)
    parity = (-1.0) ** (orders[:, None] - orders[None, :])
    assert np.abs(d - parity * np.swapaxes(d, -1, -2)).max() < 1e-15  # d_mn = (-1)^(m-n) d_nm


def _euler_zyz(matrix):
    beta = np.arccos(np.clip(matrix[2, 2], -1, 1))
    return np.arctan2(matrix[1, 2], matrix[0, 2]), beta, np.arctan2(matrix[2, 1], -matrix[2, 0])


def test_wigner_D_represents_zyz_rotations():
    # D^l(R1) D^l(R2) = D^l(R1 R2) with (alpha, beta, gamma) <-> Rz(alpha) Ry(beta) Rz(gamma)
    rng = _rng(2)
    for _ in range(3):
        a1, a2 = rng.uniform(0, 2 * np.pi, 3), rng.uniform(0, 2 * np.pi, 3)
        a1[1], a2[1] = rng.uniform(0.1, 3.0, 2)
        r1, r2 = rotation_matrix(*a1), rotation_matrix(*a2)
        product = _euler_zyz(r1 @ r2)
        assert np.abs(rotation_matrix(*product) - r1 @ r2).max() < 1e-14
        assert np.abs(rotation_matrix(a1[0], a1[1], 0.3) @ [0, 0, 1] - s2_point(a1[1], a1[0])).max() < 1e-15
        for l in range(6):
            lhs = wigner_D_matrix(l, *a1) @ wigner_D_matrix(l, *a2)
            assert np.abs(lhs - wigner_D_matrix(l, *product)).max() < 1e-13, l


# ---------------------------------------------------------------- transforms


@pytest.mark.parametrize("b", range(1, 7))
def test_so3_round_trip(b):
    rng = _rng(3, b)
    nspec = b * (4 * b * b - 1) // 3
    F = _random_spectrum(rng, nspec, (2, 3) if b < 4 else (2,))
    f = so3_ifft(F)
    assert f.shape == F.shape[1:] + (2 * b,) * 3 and f.dtype == np.complex128
    assert np.abs(so3_fft(f) - F).max() < TOL["roundtrip"]
    # upsampled grid, then back
    assert np.abs(so3_fft(so3_ifft(F, b_out=b + 1), b_out=b) - F).max() < TOL["roundtrip"]


@pytest.mark.parametrize("b", range(1, 7))
def test_s2_round_trip(b):
    rng = _rng(4, b)
    F = _random_spectrum(rng, b * b, (3,))
    f = s2_ifft(F)
    assert f.shape == (3, 2 * b, 2 * b) and f.dtype == np.complex128
    assert np.abs(s2_fft(f) - F).max() < TOL["roundtrip"]
    assert np.abs(s2_fft(s2_ifft(F, b_out=b + 2), b_out=b) - F).max() < TOL["roundtrip"]
    # a scalar spectrum (no batch axis)
    assert np.abs(s2_fft(s2_ifft(F[:, 0])) - F[:, 0]).max() < TOL["roundtrip"]


def test_forward_transforms_of_sampled_wigner_functions():
    # F^l_mn of D^l'_m'n' sampled on the grid is delta / (2l + 1): fixes the forward convention alone
    b = 3
    betas, alphas = soft_betas(b), soft_alphas(b)
    for l, m, n in [(0, 0, 0), (1, 1, 0), (2, -1, 2), (2, 2, -2)]:
        samples = wigner_D_matrix(l, alphas[None, :, None], betas[:, None, None], alphas[None, None, :])
        F = so3_fft(samples[..., m + l, n + l])
        expected = np.zeros_like(F)
        expected[_so3_offset(l) + (m + l) * (2 * l + 1) + (n + l)] = 1 / (2 * l + 1)
        assert np.abs(F - expected).max() < TOL["roundtrip"], (l, m, n)
        samples = wigner_D_matrix(l, alphas[None, :], betas[:, None], 0.0)
        F = s2_fft(samples[..., m + l, l])
        expected = np.zeros_like(F)
        expected[_s2_offset(l) + m + l] = 1 / (2 * l + 1)
        assert np.abs(F - expected).max() < TOL["roundtrip"], (l, m)


def test_so3_bandwidth_changes():
    rng = _rng(5)
    f = rng.standard_normal((2, 6, 6, 6))  # b_in = 3
    up = so3_fft(f, b_out=5)
    assert up.shape == (165, 2)
    assert np.abs(up[:35] - so3_fft(f)).max() < 1e-15
    assert np.abs(up[35:]).max() == 0  # degrees l >= b_in are zero, not aliased
    assert np.abs(so3_fft(f, b_out=2) - so3_fft(f)[:10]).max() < 1e-15
    F = so3_fft(f)
    truncated = so3_ifft(F, b_out=2)
    assert truncated.shape == (2, 4, 4, 4)
    assert np.abs(truncated - so3_ifft(F[:10])).max() < TOL["roundtrip"]


def test_transforms_reject_bad_sizes():
    with pytest.raises(ValueError):
        so3_fft(np.zeros((4, 4, 5)))
    with pytest.raises(ValueError):
        so3_fft(np.zeros((3, 3, 3)))
    with pytest.raises(ValueError):
        so3_ifft(np.zeros((11, 2)))
    with pytest.raises(ValueError):
        s2_fft(np.zeros((4, 4)), b_out=3)
    with pytest.raises(ValueError):
        s2_ifft(np.zeros((9,)), b_out=2)
    with pytest.raises(ValueError):
        s2_ifft(np.zeros((8, 2)))
    with pytest.raises(ValueError):
        s2_fft(np.zeros((4, 6)))


# ---------------------------------------------------------------- band-limited projection


def test_bandlimit_equals_transform_round_trip():
    rng = _rng(6)
    f = rng.standard_normal((2, 8, 8))
    points = reference.s2_grid_points(4)
    assert np.abs(s2_bandlimit(f, 3, points) - s2_ifft(s2_fft(f, 3), 4).real).max() < 1e-13
    g = rng.standard_normal((2, 6, 6, 6))
    rotations = reference.so3_grid_rotations(3)
    assert np.abs(so3_bandlimit(g, 2, rotations) - so3_ifft(so3_fft(g, 2), 3).real).max() < 1e-13


# ---------------------------------------------------------------- correlations vs the original's pipeline


def _kernel_s2_spectrum(kernel, grid, b_out):
    """Original ``s2_rft``: y^l_n = 2 b_out sum_p k_p conj(D^l_n0(alpha_p, beta_p, 0)), [b_out^2, i, o]."""
    spectrum = np.zeros((b_out ** 2,) + kernel.shape[:2], dtype=np.complex128)
    for p, (beta, alpha) in enumerate(grid):
        for l in range(b_out):
            column = wigner_D_matrix(l, alpha, beta, 0.0)[:, l].conj()
            spectrum[_s2_offset(l):_s2_offset(l + 1)] += 2 * b_out * column[:, None, None] * kernel[:, :, p]
    return spectrum


def _kernel_so3_spectrum(kernel, grid, b_out):
    """Original ``so3_rft``: y^l_mn = sum_p k_p conj(D^l_mn(alpha_p, beta_p, gamma_p)), [nspec, i, o]."""
    nspec = b_out * (4 * b_out ** 2 - 1) // 3
    spectrum = np.zeros((nspec,) + kernel.shape[:2], dtype=np.complex128)
    for p, (beta, alpha, gamma) in enumerate(grid):
        for l in range(b_out):
            flat = wigner_D_matrix(l, alpha, beta, gamma).conj().reshape(-1)
            spectrum[_so3_offset(l):_so3_offset(l + 1)] += flat[:, None, None] * kernel[:, :, p]
    return spectrum


def _original_s2_convolution(f, kernel, grid, b_out):
    x = s2_fft(np.moveaxis(f, (0, 1), (0, 1)), b_out)  # [b_out^2, batch, f_in]
    y = _kernel_s2_spectrum(kernel, grid, b_out)  # [b_out^2, f_in, f_out]
    blocks = []
    for l in range(b_out):  # s2_mm: z^l_mn = sum_i x^l_m conj(y^l_n)
        xl, yl = x[_s2_offset(l):_s2_offset(l + 1)], y[_s2_offset(l):_s2_offset(l + 1)]
        blocks.append(np.einsum("mzi,nio->mnzo", xl, yl.conj()).reshape((2 * l + 1) ** 2, *f.shape[:1], -1))
    return so3_ifft(np.concatenate(blocks), b_out)  # [batch, f_out, beta, alpha, gamma]


def _original_so3_convolution(f, kernel, grid, b_out):
    x = so3_fft(f, b_out)  # [nspec, batch, f_in]
    y = _kernel_so3_spectrum(kernel, grid, b_out)  # [nspec, f_in, f_out]
    blocks = []
    for l in range(b_out):  # so3_mm: z^l_mn = sum_i sum_k x^l_mk conj(y^l_nk)
        size = 2 * l + 1
        xl = x[_so3_offset(l):_so3_offset(l + 1)].reshape(size, size, *x.shape[1:])
        yl = y[_so3_offset(l):_so3_offset(l + 1)].reshape(size, size, *y.shape[1:])
        blocks.append(np.einsum("mkzi,nkio->mnzo", xl, yl.conj()).reshape(size ** 2, x.shape[1], -1))
    return so3_ifft(np.concatenate(blocks), b_out)


def _random_s2_grid(rng, size):
    return tuple((float(rng.uniform(0, np.pi)), float(rng.uniform(0, 2 * np.pi))) for _ in range(size))


def _random_so3_grid(rng, size):
    angles = rng.uniform(0, 1, (size, 3)) * [np.pi, 2 * np.pi, 2 * np.pi]
    return tuple(tuple(float(x) for x in point) for point in angles)


@pytest.mark.parametrize("b_in, b_out", [(4, 3), (3, 1), (2, 2)])
def test_s2_correlation_equals_original_spectral_pipeline(b_in, b_out):
    rng = _rng(7, b_in, b_out)
    f = rng.standard_normal((2, 2, 2 * b_in, 2 * b_in))
    kernel = rng.uniform(-1, 1, (2, 3, 5))
    grid = _random_s2_grid(rng, 5)
    spectral = _original_s2_convolution(f, kernel, grid, b_out)
    spatial = s2_correlation(f, kernel, grid, b_out)
    assert spatial.shape == (2, 3) + (2 * b_out,) * 3 and spatial.dtype == np.float64
    scale = np.abs(spatial).max()
    assert np.abs(spectral.imag).max() < TOL["correlation"] * scale
    assert np.abs(spectral.real - spatial).max() < TOL["correlation"] * scale


@pytest.mark.parametrize("b_in, b_out", [(3, 2), (2, 3), (2, 2)])
def test_so3_correlation_equals_original_spectral_pipeline(b_in, b_out):
    rng = _rng(8, b_in, b_out)
    f = rng.standard_normal((2, 2) + (2 * b_in,) * 3)
    kernel = rng.uniform(-1, 1, (2, 3, 4))
    grid = _random_so3_grid(rng, 4)
    spectral = _original_so3_convolution(f, kernel, grid, b_out)
    spatial = so3_correlation(f, kernel, grid, b_out)
    assert spatial.shape == (2, 3) + (2 * b_out,) * 3 and spatial.dtype == np.float64
    scale = np.abs(spatial).max()
    assert np.abs(spectral.imag).max() < TOL["correlation"] * scale
    assert np.abs(spectral.real - spatial).max() < TOL["correlation"] * scale


def test_correlation_rotation_convention_is_pinned():
    # the kernel is carried by R (R x_p), not by R^{-1}: the inverse convention disagrees
    rng = _rng(9)
    f = rng.standard_normal((1, 1, 6, 6))
    kernel = rng.uniform(-1, 1, (1, 1, 3))
    grid = _random_s2_grid(rng, 3)
    spectral = _original_s2_convolution(f, kernel, grid, 2).real
    rotations = reference.so3_grid_rotations(2)
    points = s2_point(*np.array(grid).T[[0, 1]])
    inverse_targets = np.einsum("...ba,pb->...pa", rotations, points)  # R^T x_p
    inverse = 4 * np.einsum("jklp,p->jkl", s2_bandlimit(f[0, 0], 2, inverse_targets), kernel[0, 0])
    assert np.abs(spectral[0, 0] - inverse).max() > 1e-3 * np.abs(spectral).max()


def test_correlations_reject_bad_inputs():
    f = np.zeros((1, 2, 4, 4))
    with pytest.raises(ValueError):
        s2_correlation(f, np.zeros((3, 1, 1)), ((0.1, 0.2),), 2)
    with pytest.raises(ValueError):
        s2_correlation(f, np.zeros((2, 1, 2)), ((0.1, 0.2),), 2)
    with pytest.raises(ValueError):
        so3_correlation(f, np.zeros((2, 1, 1)), ((0.1, 0.2, 0.3),), 2)
    with pytest.raises(ValueError):
        s2_correlation(f + 0j, np.zeros((2, 1, 1)), ((0.1, 0.2),), 2)


# ---------------------------------------------------------------- independence


def test_reference_never_imports_s2cnn():
    package = pathlib.Path(reference.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "s2cnn" for name in names), path.name
