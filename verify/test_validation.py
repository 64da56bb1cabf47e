"""Bad input raises a clear error naming what was expected."""

from __future__ import annotations

import pytest
import torch

import s2cnn


@pytest.mark.parametrize(
    "fn,x,match",
    [
        (s2cnn.s2_fft, torch.zeros(4, 6), r"same even size 2b"),
        (s2cnn.s2_fft, torch.zeros(5, 5), r"same even size 2b"),
        (s2cnn.s2_fft, torch.zeros(6), r"S2 signal \[\.\.\., 2b, 2b\]"),
        (s2cnn.so3_fft, torch.zeros(6, 6, 4), r"same even size 2b"),
        (s2cnn.s2_ifft, torch.zeros(5, 2, dtype=torch.complex64), r"b\*\*2 rows"),
        (s2cnn.so3_ifft, torch.zeros(11, 2, dtype=torch.complex64), r"b\(4b\^2-1\)/3 rows"),
        (s2cnn.so3_ifft_real, torch.zeros(11, 2, dtype=torch.complex64), r"so3_ifft_real: .*b\(4b\^2-1\)/3 rows"),
    ],
)
def test_bad_shapes(fn, x, match):
    with pytest.raises(ValueError, match=match):
        fn(x)


def test_bad_bandwidths():
    with pytest.raises(ValueError, match=r"b_out must be <= b_in = 3"):
        s2cnn.s2_fft(torch.zeros(6, 6), b_out=4)
    with pytest.raises(ValueError, match=r"b_out must be >= b_in = 3"):
        s2cnn.s2_ifft(torch.zeros(9, 1, dtype=torch.complex128), b_out=2)
    with pytest.raises(ValueError, match=r"integer >= 1"):
        s2cnn.so3_fft(torch.zeros(4, 4, 4), b_out=0)
    with pytest.raises(ValueError, match=r"integer >= 1"):
        s2cnn.so3_fft(torch.zeros(4, 4, 4), b_out=1.5)


@pytest.mark.parametrize("dtype", [torch.float16, torch.int64, torch.bfloat16])
def test_bad_dtypes(dtype):
    with pytest.raises(TypeError, match=r"float32, float64, complex64 or complex128"):
        s2cnn.s2_fft(torch.zeros(4, 4, dtype=dtype))


def test_not_a_tensor():
    with pytest.raises(TypeError, match=r"expected a torch.Tensor"):
        s2cnn.so3_fft([[0.0]])


def test_products_mismatch():
    x = torch.zeros(4, 2, 3, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"matching spectral rows and f_in"):
        s2cnn.s2_mm(x, torch.zeros(4, 2, 5, dtype=torch.complex64))
    with pytest.raises(TypeError, match=r"share dtype and device"):
        s2cnn.s2_mm(x, torch.zeros(4, 3, 5, dtype=torch.complex128))
    with pytest.raises(ValueError, match=r"b\*\*2 rows"):
        s2cnn.s2_mm(torch.zeros(5, 2, 3, dtype=torch.complex64), torch.zeros(5, 3, 1, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"batch, f_in"):
        s2cnn.so3_mm(torch.zeros(10, 3, dtype=torch.complex64), torch.zeros(10, 3, 1, dtype=torch.complex64))


def test_grid_helpers_reject_bad_bandwidth():
    with pytest.raises(ValueError, match=r"bandwidth b must be an integer >= 1"):
        s2cnn.s2_soft_grid(0)


def test_device_mismatch():
    """Operands, or an input and a layer, on different devices: the library's own error, not
    torch's (``meta`` stands in for a GPU on a machine without one)."""
    x = torch.zeros(4, 2, 3, dtype=torch.complex64)
    with pytest.raises(TypeError, match=r"share dtype and device"):
        s2cnn.s2_mm(x, torch.zeros(4, 3, 5, dtype=torch.complex64, device="meta"))
    layer = s2cnn.S2Convolution(2, 3, 4, 3, s2cnn.s2_near_identity_grid()).to("meta")
    with pytest.raises(ValueError, match=r"input on cpu but the layer's parameters on meta"):
        layer(torch.randn(1, 2, 8, 8))
