"""Layers: equivariance (two independent rotation paths), the paper's Delta for ReLU nets,
agreement with the reference spatial correlation, gradients, module hygiene, bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

import s2cnn
from s2cnn.testing import assert_equivariant, equivariance_error

from . import checks
from .checks import DTYPES, LAYER_CASES
from .tolerances import rel_l2, tolerance


def _assert(row: checks.Row) -> None:
    assert row.passed, f"{row.check} {row.dtype}: error {row.error:.3e} > {row.tolerance:.1e}"


@pytest.mark.parametrize("mode", ["spectral", "grid"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name,b_in,b_out", LAYER_CASES)
def test_equivariance(name, b_in, b_out, dtype, mode, device):
    _assert(checks.check_layer_equivariance(name, b_in, b_out, dtype, mode, "torch", device))


@pytest.mark.parametrize("depth", checks.DELTA_DEPTHS)
@pytest.mark.parametrize("b", checks.DELTA_BANDWIDTHS[:2])
def test_relu_net_delta(b, depth, device):
    _assert(checks.check_relu_delta(b, depth, "torch", device))


def test_equivariance_helper_detects_a_broken_layer():
    """A map that is not equivariant (a fixed mask on the grid) must fail the helper."""
    conv = s2cnn.S2Convolution(1, 2, 4, 4, s2cnn.s2_near_identity_grid())
    mask = torch.linspace(0.5, 1.5, 8)[None, None, :, None]

    class Broken(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = conv

        def forward(self, x):
            return self.conv(x * mask.to(x.dtype))

    x = checks.layer_input(True, 4, "cpu", f_in=1)
    err = equivariance_error(Broken(), x, 2)
    assert err["max"] > 1e-2
    with pytest.raises(AssertionError, match="not equivariant"):
        assert_equivariant(Broken(), x, tol=1e-6)
    assert_equivariant(conv, x, tol=tolerance("equivariance", torch.float64))


@pytest.mark.parametrize("b_in,b_out", [(4, 3), (3, 3)])
def test_s2conv_against_reference_correlation(b_in, b_out):
    import reference

    layer, _ = checks.make_layer("S2Convolution", b_in, b_out)
    layer = layer.double()
    with torch.no_grad():  # a bias of each its own value: it enters as the coefficient l = 0
        layer.bias.copy_(torch.linspace(-1, 2, layer.nfeature_out).view_as(layer.bias))
    x = checks.layer_input(True, b_in, "cpu")
    kernel = (layer.kernel * layer.scaling).detach().numpy()
    want = reference.s2_correlation(x.numpy(), kernel, layer.grid, b_out)
    got = (layer(x) - layer.bias).detach()
    assert rel_l2(got, torch.from_numpy(np.ascontiguousarray(want))) <= tolerance("layer_reference", torch.float64)


@pytest.mark.parametrize("b_in,b_out", [(3, 2), (2, 3)])
def test_so3conv_against_reference_correlation(b_in, b_out):
    import reference

    torch.manual_seed(0)
    grid = s2cnn.so3_near_identity_grid(n_alpha=3, n_beta=2, n_gamma=2)
    layer = s2cnn.SO3Convolution(2, 2, b_in, b_out, grid).double()
    with torch.no_grad():
        layer.bias.copy_(torch.tensor([0.5, -1.5]).view_as(layer.bias))
    x = checks.layer_input(False, b_in, "cpu")
    want = reference.so3_correlation(x.numpy(), (layer.kernel * layer.scaling).detach().numpy(), layer.grid, b_out)
    got = (layer(x) - layer.bias).detach()
    assert rel_l2(got, torch.from_numpy(np.ascontiguousarray(want))) <= tolerance("layer_reference", torch.float64)


@pytest.mark.parametrize("name", ["S2Convolution", "SO3Convolution"])
def test_layer_output_is_contiguous(name):
    """A layer's output is a contiguous ``[batch, f_out, beta, alpha, gamma]`` grid, as the
    original's was: ported code flattens it with ``view``."""
    layer, s2_input = checks.make_layer(name, 5, 4)
    x = torch.randn((2, 2) + (10,) * (2 if s2_input else 3))
    with s2cnn.set_backend("torch", only=True):
        y = layer(x)
    assert y.shape == (2, 3, 8, 8, 8) and y.is_contiguous(), y.stride()
    assert y.view(2, -1).shape == (2, 1536)


@pytest.mark.parametrize("name", ["S2Convolution", "SO3Convolution", "SO3Shortcut"])
def test_gradcheck_inputs_and_weights(name):
    layer, s2_input = checks.make_layer(name, 2, 2, f_in=1, f_out=2)
    if name == "S2Convolution":
        layer = s2cnn.S2Convolution(1, 2, 2, 2, s2cnn.s2_near_identity_grid(n_alpha=3, n_beta=1))
    elif name == "SO3Convolution":
        layer = s2cnn.SO3Convolution(1, 2, 2, 2, s2cnn.so3_near_identity_grid(n_alpha=2, n_beta=1, n_gamma=2))
    layer = layer.double()
    x = checks.layer_input(s2_input, 2, "cpu", f_in=1)[:1].requires_grad_(True)
    names = [n for n, _ in layer.named_parameters()]
    assert names, "the layer has weights"

    def fn(x, *ps):
        return torch.func.functional_call(layer, dict(zip(names, ps, strict=True)), (x,))

    inputs = (x, *[p.detach().clone().requires_grad_(True) for p in layer.parameters()])
    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("space", ["s2", "so3"])
def test_kernel_spectrum_is_the_sum_of_conjugate_wigner_d(space):
    """The compact kernel spectrum equals the definition c sum_p k_p conj(D^l_mn(g_p)), on the
    default grid (3 distinct betas) and on a grid whose betas all differ."""
    from s2cnn.nn._kernel import kernel_spectrum, kernel_tables
    from s2cnn.wigner import s2_harmonic_rows, wigner_D_rows

    b = 5
    g = np.random.default_rng(0)
    for grid in (
        s2cnn.s2_near_identity_grid() if space == "s2" else s2cnn.so3_near_identity_grid(),
        tuple(tuple(p) for p in g.uniform(0, 3, size=(7, 2 if space == "s2" else 3))),
    ):
        pts = np.array(grid)
        if space == "s2":
            dense = 2 * b * np.conj(s2_harmonic_rows(b, pts[:, 1], pts[:, 0]))
        else:
            dense = np.conj(wigner_D_rows(b, pts[:, 1], pts[:, 0], pts[:, 2]))
        kernel = torch.randn(2, 3, len(grid), dtype=torch.float64)
        want = torch.einsum("iop,ps->sio", kernel.to(torch.complex128), torch.from_numpy(dense))
        tables, sizes = kernel_tables(b, grid, space)
        torch.testing.assert_close(kernel_spectrum(kernel, tables, sizes), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "row_block_bytes",
    [1, 4 * 8 * 8, 3 * 8 * 8, 2 << 20],  # a row is 2C = 8 float64: 11 rows in blocks of 4 or 3 end partial
    ids=["one-row-blocks", "blocks-of-4", "blocks-of-3", "default-blocks"],
)
def test_box_to_spectrum_and_its_adjoint(row_block_bytes, monkeypatch):
    """The Wigner-d factor of the kernel spectrum, run a block of rows at a time (the last block
    partial in two cases), equals the one-line gather ``sum_u d[u, s] box[u, column[s]]``
    (repeated columns included); its backward is the adjoint (gradcheck) and is differentiable
    in turn (gradgradcheck)."""
    from s2cnn.nn import _kernel

    monkeypatch.setattr(_kernel, "ROW_BLOCK_BYTES", row_block_bytes)
    g = torch.Generator().manual_seed(3)
    U, K, C, nspec = 3, 5, 4, 11
    box = torch.randn(U, K, C, dtype=torch.complex128, generator=g, requires_grad=True)
    d = torch.randn(U, nspec, dtype=torch.float64, generator=g)
    column = torch.randint(0, K, (nspec,), generator=g)
    want = (d[:, :, None] * box[:, column]).sum(0)
    torch.testing.assert_close(_kernel.box_to_spectrum(box, d, column), want, rtol=1e-14, atol=1e-14)
    y = torch.randn(nspec, C, dtype=torch.complex128, generator=g)
    (got,) = torch.autograd.grad(_kernel.box_to_spectrum(box, d, column), box, y)
    (ref,) = torch.autograd.grad(want, box, y)
    torch.testing.assert_close(got, ref, rtol=1e-14, atol=1e-14)
    fn = lambda t: _kernel.box_to_spectrum(t, d, column)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (box,))
    assert torch.autograd.gradgradcheck(fn, (box,))


def test_integrate_of_one_is_one():
    for b in (1, 3, 8):
        x = torch.ones(2, 2 * b, 2 * b, 2 * b, dtype=torch.float64)
        torch.testing.assert_close(s2cnn.so3_integrate(x), torch.ones(2, dtype=torch.float64))


def test_rotation_composition_and_inverse():
    x = checks.layer_input(False, 4, "cpu")
    a, b, c = 0.4, 1.2, -2.0
    back = s2cnn.so3_rotation(s2cnn.so3_rotation(x, a, b, c), -c, -b, -a)
    assert rel_l2(back, x) < 1e-13
    y = checks.layer_input(True, 4, "cpu")
    back = s2cnn.s2_rotation(s2cnn.s2_rotation(y, a, b, c), -c, -b, -a)
    assert rel_l2(back, y) < 1e-13


def test_s2_rotation_moves_points_like_the_rotation_matrix():
    """Rotating a band-limited bump centred at the north pole by R centres it at R e_z."""
    import reference

    b = 8
    F = torch.zeros(b * b, dtype=torch.complex128)
    for l in range(b):
        F[l * l + l] = 1.0  # zonal: sum_l (2l+1) d^l_00 = a bump at beta = 0
    bump = s2cnn.s2_ifft(F).real[None, None]
    a, be, c = 0.7, 1.1, 0.3
    rotated = s2cnn.s2_rotation(bump, a, be, c)[0, 0]
    target = reference.rotation_matrix(a, be, c) @ np.array([0.0, 0.0, 1.0])
    pts = reference.s2_grid_points(b)  # [2b, 2b, 3]
    j, k = np.unravel_index(int(torch.argmax(rotated)), rotated.shape)
    assert np.linalg.norm(pts[j, k] - target) < 2 * np.pi / (2 * b)


class TestModuleHygiene:
    def test_buffers_not_persistent_and_follow_dtype(self):
        layer = s2cnn.SO3Convolution(2, 3, 3, 2, s2cnn.so3_near_identity_grid())
        assert set(layer.state_dict()) == {"kernel", "bias"}
        assert layer.kernel_d.dtype == torch.float32
        layer.double()
        assert layer.kernel_d.dtype == torch.float64
        # float64 buffers come from the float64 master copy, not from the float32 ones
        fresh, _ = s2cnn.nn._kernel.kernel_tables(2, layer.grid, "so3")
        assert torch.equal(layer.kernel_d, fresh["d"])
        assert torch.equal(layer.kernel_phase_alpha_imag, fresh["phase_alpha_imag"])

    def test_state_dict_and_save_load_round_trip(self):
        layer = s2cnn.S2Convolution(2, 3, 4, 3, s2cnn.s2_near_identity_grid()).double()
        x = checks.layer_input(True, 4, "cpu")
        other = s2cnn.S2Convolution(2, 3, 4, 3, s2cnn.s2_near_identity_grid()).double()
        other.load_state_dict(layer.state_dict())
        torch.testing.assert_close(other(x), layer(x), rtol=0, atol=0)
        buf = io.BytesIO()
        torch.save(layer, buf)
        buf.seek(0)
        loaded = torch.load(buf, weights_only=False)
        torch.testing.assert_close(loaded(x), layer(x), rtol=0, atol=0)

    def test_extra_repr(self):
        r = repr(s2cnn.S2Convolution(2, 3, 4, 3, s2cnn.s2_near_identity_grid()))
        assert "nfeature_in=2" in r and "b_out=3" in r and "24 points" in r
        assert "b_in=4" in repr(s2cnn.SO3Shortcut(2, 3, 4, 3))

    def test_shortcut_identity(self):
        sc = s2cnn.SO3Shortcut(3, 3, 4, 4)
        x = torch.randn(2, 3, 8, 8, 8)
        assert sc(x) is x
        assert sc.conv is None

    def test_original_parameter_scale(self):
        layer = s2cnn.S2Convolution(4, 5, 30, 10, s2cnn.s2_near_identity_grid())
        assert layer.kernel.shape == (4, 5, 24) and layer.bias.shape == (1, 5, 1, 1, 1)
        assert layer.scaling == pytest.approx(1 / np.sqrt(24 * 4 * 10**4 / 30**2))
        assert float(layer.kernel.detach().abs().max()) <= 1.0
        so3 = s2cnn.SO3Convolution(4, 5, 10, 6, s2cnn.so3_near_identity_grid())
        assert so3.scaling == pytest.approx(1 / np.sqrt(192 * 4 * 6**3 / 10**3))


class TestBadInput:
    def test_wrong_feature_count(self):
        layer = s2cnn.S2Convolution(2, 3, 4, 3, s2cnn.s2_near_identity_grid())
        with pytest.raises(ValueError, match=r"expected 2 input features"):
            layer(torch.randn(1, 3, 8, 8))

    def test_wrong_size(self):
        layer = s2cnn.SO3Convolution(2, 3, 4, 3, s2cnn.so3_near_identity_grid())
        with pytest.raises(ValueError, match=r"2\*b_in = 8"):
            layer(torch.randn(1, 2, 6, 6, 6))

    def test_wrong_ndim(self):
        layer = s2cnn.S2Convolution(2, 3, 4, 3, s2cnn.s2_near_identity_grid())
        with pytest.raises(ValueError, match=r"4-D tensor \[batch, feature, beta, alpha\]"):
            layer(torch.randn(2, 8, 8))
        layer = s2cnn.SO3Convolution(2, 3, 4, 3, s2cnn.so3_near_identity_grid())
        with pytest.raises(ValueError, match=r"5-D tensor"):
            layer(torch.randn(1, 2, 8, 8))

    def test_dtype_mismatch(self):
        layer = s2cnn.S2Convolution(2, 3, 4, 3, s2cnn.s2_near_identity_grid())
        with pytest.raises(TypeError, match=r"layer.double\(\)"):
            layer(torch.randn(1, 2, 8, 8, dtype=torch.float64))

    @pytest.mark.parametrize(
        "grid,match",
        [
            (((4.0, 0.0),), r"beta must lie in \[0, pi\]"),
            (((0.1, float("nan")),), r"finite"),
            (((0.1, 0.2, 0.3),), r"\(beta, alpha\) tuple"),
            ((), r"at least one"),
        ],
    )
    def test_bad_grid(self, grid, match):
        with pytest.raises(ValueError, match=match):
            s2cnn.S2Convolution(1, 1, 4, 4, grid)

    def test_bad_bandwidths(self):
        with pytest.raises(ValueError, match=r"b_out must be <= b_in = 4"):
            s2cnn.S2Convolution(1, 1, 4, 5, s2cnn.s2_near_identity_grid())
        with pytest.raises(ValueError, match=r"integer >= 1"):
            s2cnn.SO3Convolution(0, 1, 4, 5, s2cnn.so3_near_identity_grid())


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf:UserWarning")
def test_torch_compile_keeps_working():
    """The layers trace under torch.compile (dispatch resolves in Python, outside the graph
    where needed) and give the eager result, forward and backward."""
    torch._dynamo.reset()
    net = torch.nn.Sequential(
        s2cnn.S2Convolution(1, 2, 3, 2, s2cnn.s2_near_identity_grid(), backend="torch"),
        torch.nn.ReLU(),
        s2cnn.SO3Convolution(2, 2, 2, 2, s2cnn.so3_near_identity_grid(), backend="torch"),
    )
    x = torch.randn(2, 1, 6, 6)
    compiled = torch.compile(net, backend="aot_eager")
    want = net(x)
    got = compiled(x)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    got.sum().backward()
    g = net[0].kernel.grad.clone()
    net.zero_grad()
    want.sum().backward()
    torch.testing.assert_close(g, net[0].kernel.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["S2Convolution", "SO3Convolution"])
def test_layer_output_takes_in_place_operations(name):
    """The output is no view made inside an autograd Function: an in-place ReLU on it works and
    gives the gradients of the out-of-place one."""
    layer, s2_input = checks.make_layer(name, 3, 3)
    layer = layer.double()
    x = checks.layer_input(s2_input, 3, "cpu")
    grads = []
    for inplace in (False, True):
        layer.zero_grad()
        torch.nn.ReLU(inplace=inplace)(layer(x)).square().sum().backward()
        grads.append([p.grad.clone() for p in layer.parameters()])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b)


def test_shortcut_resamples_when_only_the_bandwidth_changes():
    """``SO3Shortcut`` is the identity only when features and bandwidth both stay."""
    sc = s2cnn.SO3Shortcut(3, 3, 4, 3)
    assert sc.conv is not None
    assert sc(torch.randn(2, 3, 8, 8, 8)).shape == (2, 3, 6, 6, 6)


def test_kernel_grids_are_the_originals():
    """The grid helpers give the original s2cnn's points in its order (ported weights index
    them): betas ``max_beta * (1..n_beta) / n_beta``; on SO(3) :math:`\\gamma = \\gamma' - \\alpha`."""
    pi = np.pi
    s2 = np.array(s2cnn.s2_near_identity_grid(max_beta=pi / 8, n_alpha=2, n_beta=2))
    np.testing.assert_allclose(s2, [[pi / 16, 0], [pi / 16, pi], [pi / 8, 0], [pi / 8, pi]])
    so3 = np.array(s2cnn.so3_near_identity_grid(max_beta=pi / 8, max_gamma=pi / 4, n_alpha=2, n_beta=1, n_gamma=2))
    q = pi / 4
    np.testing.assert_allclose(so3, [[pi / 8, 0, -q], [pi / 8, 0, q], [pi / 8, pi, -q - pi], [pi / 8, pi, q - pi]])
