"""pytest-benchmark: the transforms at b = 16, each checked by an exact identity.

``pytest benchmarks/ --benchmark-json=out.json`` times them; with ``--benchmark-disable`` each
runs once and only the assertions matter. Inputs are band-limited (synthesised in float64 by
the ``torch`` backend from a random spectrum ``F``), so the forward transform must return ``F``
and the float64 analysis of an inverse transform's output must too.
"""

from __future__ import annotations

import torch

import s2cnn
from s2cnn.layout import so3_nspec
from verify.tolerances import rel_l2, tolerance

from .common import complex_dtype, rng, sync

B = 16
BATCH = 4


def _spectrum(space: str) -> torch.Tensor:
    rows = B * B if space == "s2" else so3_nspec(B)
    g = rng("micro", space, B)
    re, im = g.standard_normal((rows, BATCH)), g.standard_normal((rows, BATCH))
    return torch.complex(torch.from_numpy(re), torch.from_numpy(im))


def _timed(benchmark, fn, x, backend: str, device: str):
    def call():
        with torch.no_grad(), s2cnn.set_backend(backend, only=True):
            out = fn(x)
        sync(device)
        return out

    return benchmark(call)


def _analysis(benchmark, target, dtype, space: str):
    backend, device = target
    fwd, inv = (s2cnn.s2_fft, s2cnn.s2_ifft) if space == "s2" else (s2cnn.so3_fft, s2cnn.so3_ifft)
    F = _spectrum(space)
    with s2cnn.set_backend("torch", only=True):
        x = inv(F)  # band-limited, complex128
    benchmark.extra_info.update(b=B, batch=BATCH, backend=backend, device=device, dtype=dtype)
    got = _timed(benchmark, fwd, x.to(device, complex_dtype(dtype)), backend, device)
    assert got.dtype == complex_dtype(dtype)
    assert rel_l2(got, F) <= tolerance("roundtrip", got.dtype)


def _synthesis(benchmark, target, dtype, space: str):
    backend, device = target
    fwd, inv = (s2cnn.s2_fft, s2cnn.s2_ifft) if space == "s2" else (s2cnn.so3_fft, s2cnn.so3_ifft)
    F = _spectrum(space)
    benchmark.extra_info.update(b=B, batch=BATCH, backend=backend, device=device, dtype=dtype)
    got = _timed(benchmark, inv, F.to(device, complex_dtype(dtype)), backend, device)
    assert got.dtype == complex_dtype(dtype)
    with s2cnn.set_backend("torch", only=True):
        back = fwd(got.to("cpu", torch.complex128))
    assert rel_l2(back, F) <= tolerance("roundtrip", got.dtype)


def test_s2_fft(benchmark, target, dtype):
    _analysis(benchmark, target, dtype, "s2")


def test_s2_ifft(benchmark, target, dtype):
    _synthesis(benchmark, target, dtype, "s2")


def test_so3_fft(benchmark, target, dtype):
    _analysis(benchmark, target, dtype, "so3")


def test_so3_ifft(benchmark, target, dtype):
    _synthesis(benchmark, target, dtype, "so3")


def test_so3_ifft_real(benchmark, target, dtype):
    """The real synthesis of the spectrum of a real signal is that signal: its float64 analysis
    gives the spectrum back."""
    backend, device = target
    with s2cnn.set_backend("torch", only=True):
        F = s2cnn.so3_fft(s2cnn.so3_ifft(_spectrum("so3")).real)  # spectrum of a real signal
    benchmark.extra_info.update(b=B, batch=BATCH, backend=backend, device=device, dtype=dtype)
    got = _timed(benchmark, s2cnn.so3_ifft_real, F.to(device, complex_dtype(dtype)), backend, device)
    assert got.dtype == complex_dtype(dtype).to_real()
    with s2cnn.set_backend("torch", only=True):
        back = s2cnn.so3_fft(got.to("cpu", torch.float64))
    assert rel_l2(back, F) <= tolerance("roundtrip", got.dtype)
