"""The ``cuda`` backend on a GPU, against the ``torch`` backend; and how it declines without one.

The GPU tests (marker ``cuda``) skip with the backend's own reason where it is unavailable (no
GPU, no cupy, no NVRTC); ``pytest -m cuda --device cuda:1`` picks another GPU. The kernels'
logic is also checked without a GPU, by emulation (``test_cuda_emulated.py``), and their
compilation by ``test_cuda_compile.py``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import s2cnn
from s2cnn.backends import BackendError, Declined, get_backend, set_backend
from s2cnn.layout import so3_nspec
from verify.checks import layers_vs_torch
from verify.tolerances import rel_l2, tolerance

CUDA = get_backend("cuda")
OK, REASON = CUDA.available()
gpu = pytest.mark.skipif(not OK, reason=f"cuda backend unavailable: {REASON}")
CDTYPE = {torch.float32: torch.complex64, torch.float64: torch.complex128}


# ------------------------------------------------------------------------------------------
# everywhere: availability and declining


def test_import_does_not_import_cupy():
    code = "import sys, s2cnn, s2cnn.backends; s2cnn.backends.get_backend('cuda'); print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_available_gives_a_reason():
    ok, reason = CUDA.available()
    assert isinstance(ok, bool) and isinstance(reason, str) and reason
    assert CUDA.name == "cuda"


def test_cpu_tensors_are_declined():
    x = torch.randn(2, 8, 8)
    with pytest.raises(Declined) as info:
        CUDA.s2_fft(x, 4)
    assert str(info.value)  # the reason: backend unavailable, or "takes CUDA tensors"
    with set_backend("cuda", only=True), pytest.raises(BackendError, match="cuda"):
        s2cnn.spectral.s2_fft(x)


@pytest.mark.skipif(OK, reason="the cuda backend is available here")
def test_unavailable_backend_declines_with_its_reason():
    for verb, args in [
        ("s2_fft", (torch.randn(1, 4, 4), 2)),
        ("so3_ifft", (torch.randn(10, 1, dtype=torch.complex64), 2)),
        ("so3_mm", (torch.randn(10, 1, 1, dtype=torch.complex64), torch.randn(10, 1, 1, dtype=torch.complex64))),
        ("so3_mm_real", (torch.randn(10, 1, 1, dtype=torch.complex64), torch.randn(10, 1, 1, dtype=torch.complex64))),
    ]:
        with pytest.raises(Declined) as info:
            getattr(CUDA, verb)(*args)
        assert str(info.value) == REASON


# ------------------------------------------------------------------------------------------
# on a GPU


@pytest.fixture
def gpu_device(request) -> torch.device:
    opt = request.config.getoption("--device")
    dev = torch.device(opt if opt.startswith("cuda") else "cuda")
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        pytest.skip(f"{dev} not present ({torch.cuda.device_count()} CUDA devices)")
    return dev


def _compare(verb, inputs, b_out=None, dtype=torch.float64, stream=None):
    """Outputs and gradients (all inputs) of ``verb`` on the cuda and torch backends."""
    front = getattr(s2cnn.spectral, verb)
    results = []
    g_out = None
    for backend in ("cuda", "torch"):
        xs = [t.detach().clone().requires_grad_(True) for t in inputs]
        with set_backend(backend, only=True):
            out = front(*xs) if b_out is None else front(*xs, b_out)
            if g_out is None:
                g_out = torch.randn_like(out)
            grads = torch.autograd.grad(out, xs, grad_outputs=g_out)
        results.append((out.detach(), grads))
    torch.cuda.synchronize()
    (out, grads), (ref, ref_grads) = results
    tol = tolerance("backend", dtype)
    assert out.shape == ref.shape and out.dtype == ref.dtype and out.device == ref.device
    errors = [rel_l2(out, ref)] + [rel_l2(a, b) for a, b in zip(grads, ref_grads, strict=True)]
    assert max(errors) < tol, f"{verb}: output and gradient errors {errors} above {tol}"


TRANSFORMS = [  # (b_in, b_out, batch)
    (1, 1, (1,)),
    (4, 4, (3,)),
    (8, 5, (2, 3)),
    (5, 8, (4,)),
    (16, 16, (2,)),
    (12, 12, (70,)),  # several batch tiles
]


@gpu
@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("b_in, b_out, batch", TRANSFORMS)
def test_transforms_match_torch(gpu_device, dtype, b_in, b_out, batch):
    torch.manual_seed(b_in * 100 + b_out)
    n = 2 * b_in
    cd = CDTYPE[dtype]
    if b_out <= b_in:
        _compare("s2_fft", [torch.randn(*batch, n, n, dtype=dtype, device=gpu_device)], b_out, dtype)
        _compare("s2_fft", [torch.randn(*batch, n, n, dtype=cd, device=gpu_device)], b_out, dtype)
    if b_out >= b_in:
        _compare("s2_ifft", [torch.randn(b_in**2, *batch, dtype=cd, device=gpu_device)], b_out, dtype)
    if b_in <= 12:
        _compare("so3_fft", [torch.randn(*batch, n, n, n, dtype=dtype, device=gpu_device)], b_out, dtype)
        _compare("so3_ifft", [torch.randn(so3_nspec(b_in), *batch, dtype=cd, device=gpu_device)], b_out, dtype)
        _compare("so3_ifft_real", [torch.randn(so3_nspec(b_in), *batch, dtype=cd, device=gpu_device)], b_out, dtype)


PRODUCTS = [  # (b, Z, f_in, f_out)
    (1, 1, 1, 1),
    (4, 3, 2, 5),
    (6, 40, 17, 33),  # crosses every tile of the block products
    (10, 8, 4, 4),
]


@gpu
@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("b, Z, f_in, f_out", PRODUCTS)
def test_products_match_torch(gpu_device, dtype, b, Z, f_in, f_out):
    torch.manual_seed(b * 1000 + Z)
    cd = CDTYPE[dtype]
    x = torch.randn(b * b, Z, f_in, dtype=cd, device=gpu_device)
    y = torch.randn(b * b, f_in, f_out, dtype=cd, device=gpu_device)
    _compare("s2_mm", [x, y], dtype=dtype)  # input and weight gradients
    x = torch.randn(so3_nspec(b), Z, f_in, dtype=cd, device=gpu_device)
    y = torch.randn(so3_nspec(b), f_in, f_out, dtype=cd, device=gpu_device)
    _compare("so3_mm", [x, y], dtype=dtype)
    _compare("so3_mm_real", [x, y], dtype=dtype)


@gpu
@pytest.mark.cuda
def test_layers_match_torch(gpu_device):
    """A small S2 -> SO(3) -> SO(3) network: output and every parameter's gradient."""
    errors = layers_vs_torch("cuda", gpu_device)
    assert max(errors) < tolerance("backend", torch.float64), errors


@gpu
@pytest.mark.cuda
def test_gradcheck_on_gpu(gpu_device):
    opts = {"dtype": torch.complex128, "device": gpu_device, "requires_grad": True}
    s3 = torch.randn(so3_nspec(2), 2, **opts)
    x, y = torch.randn(so3_nspec(2), 2, 2, **opts), torch.randn(so3_nspec(2), 2, 3, **opts)
    with set_backend("cuda", only=True):
        assert torch.autograd.gradcheck(lambda t: s2cnn.spectral.so3_fft(s2cnn.spectral.so3_ifft(t, 3), 2), (s3,))
        assert torch.autograd.gradcheck(s2cnn.spectral.so3_mm, (x, y))


@gpu
@pytest.mark.cuda
def test_runs_on_the_current_torch_stream(gpu_device):
    """Work queued on a side stream is ordered with the kernels launched on it."""
    torch.manual_seed(1)
    side = torch.cuda.Stream(gpu_device)
    x = torch.randn(64, 16, 16, 16, dtype=torch.float32, device=gpu_device)
    with set_backend("torch", only=True):
        ref = s2cnn.spectral.so3_fft(x)
    torch.cuda.synchronize(gpu_device)
    with torch.cuda.stream(side), set_backend("cuda", only=True):
        x2 = x * 1.0  # queued on the side stream, read by the kernel right after
        out = s2cnn.spectral.so3_fft(x2)
    side.synchronize()
    assert rel_l2(out, ref) < tolerance("backend", torch.float32)


@gpu
@pytest.mark.cuda
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
def test_second_device():
    dev = torch.device("cuda", 1)
    torch.manual_seed(2)
    _compare("so3_ifft", [torch.randn(so3_nspec(4), 3, dtype=torch.complex64, device=dev)], 4, torch.float32)
    _compare(
        "s2_mm",
        [
            torch.randn(16, 3, 2, dtype=torch.complex64, device=dev),
            torch.randn(16, 2, 4, dtype=torch.complex64, device=dev),
        ],
        dtype=torch.float32,
    )
