"""asv: the Fourier transforms, ``s2_fft``, ``s2_ifft``, ``so3_fft``, ``so3_ifft``, and the real
part of the SO(3) synthesis, ``so3_ifft_real`` (what the convolution layers call).

Each class runs on the grid of :mod:`benchmarks.common` (b x backend x dtype x device) with the
methods of :class:`~benchmarks.common.CaseSuite` (``time_forward``, ``time_forward_backward``,
``peakmem_forward``, ``track_rel_error``); the analysis classes add ``track_roundtrip_error``,
``fft(ifft(F))`` against ``F`` for a random spectrum ``F`` at the case's backend and dtype (the
accuracy of the float64 baseline itself). ``track_floor_ratio`` is the transform's median time
over that of its floor (:mod:`benchmarks.floor`: the FFT it must do plus one GEMM with the
multiply-adds of its Wigner-d contraction), both timed in the same process, one call of each in
turn: the number to drive down, and one that the machine's swings in speed move much less than
the timings. ``track_floor_ratio_backward`` is the same for the forward+backward, against the
floor and the floor of the adjoint (:func:`benchmarks.floor.floor_calls` with ``adjoint``): what
training pays. ``GpuMemory`` tracks the peak GPU memory of the same cases on CUDA devices.

Inputs are random: forward transforms take real white noise ``[batch, 2b, 2b]`` (S2,
``S2_BATCH``) or ``[batch, 2b, 2b, 2b]`` (SO(3), ``SO3_BATCH``), inverse transforms complex
Gaussian spectra ``[rows, batch]``.
"""

from __future__ import annotations

import torch

import s2cnn
from s2cnn.layout import so3_nspec

from .common import (
    S2_BATCH,
    SO3_BATCH,
    Case,
    CaseSuite,
    backend_errors,
    complex_dtype,
    gpu_memory_suite,
    rel_l2,
    require_case,
    require_so3_fits,
    rng,
    sync,
    torch_dtype,
)
from .floor import floor_calls, interleaved_ratio

#: Seconds of interleaved calls per ``track_floor_ratio`` (at least three pairs).
FLOOR_BUDGET = 2.0

__all__ = ["S2FFT", "S2IFFT", "SO3FFT", "SO3IFFT", "SO3IFFTReal", "GpuMemory"]


def _gaussian(key: tuple, shape: tuple, complex_: bool) -> torch.Tensor:
    g = rng(*key)
    x = torch.from_numpy(g.standard_normal(shape))
    if complex_:
        x = torch.complex(x, torch.from_numpy(g.standard_normal(shape)))
    return x


class _Transform(CaseSuite):
    """One transform; subclasses set the verb, its space and direction."""

    op = ""
    inverse = ""
    space = ""  # "s2" or "so3"
    analysis = True  # grid in, spectrum out

    def _batch(self, b: int) -> int:
        return (S2_BATCH if self.space == "s2" else SO3_BATCH)[b]

    def _rows(self, b: int) -> int:
        return b * b if self.space == "s2" else so3_nspec(b)

    def prepare(self, b: int, backend: str, dtype: str, device: str) -> Case:
        require_case(backend, device)
        if self.space == "so3":
            require_so3_fits(b, device)
        self.pin_threads()
        nb = 2 * b
        if self.analysis:
            shape = (self._batch(b),) + (nb,) * (2 if self.space == "s2" else 3)
        else:
            shape = (self._rows(b), self._batch(b))
        x64 = _gaussian((self.op, b), shape, complex_=not self.analysis).to(device)
        x = x64.to(torch_dtype(dtype) if self.analysis else complex_dtype(dtype))
        fn = getattr(s2cnn, self.op)

        def reference():
            with torch.no_grad(), s2cnn.set_backend("torch", only=True):
                return fn(x64)

        return Case(fn, (x,), backend, device, reference=reference).warm_up()

    def _floor(self, b, dtype, device, adjoint_too: bool):
        """The floor's calls in one function: the forward's, then (``adjoint_too``) the adjoint's."""
        verb = self.op.split("_", 1)[1]  # fft, ifft, ifft_real
        calls = []
        for adjoint in (False, True) if adjoint_too else (False,):
            fft, gemm, _ = floor_calls(self.space, verb, b, self._batch(b), dtype, device,
                                       sync=lambda: sync(device), adjoint=adjoint)
            calls += [fft, gemm]

        def floor():
            for call in calls:
                call()

        return floor

    def track_floor_ratio(self, b, backend, dtype, device):
        return interleaved_ratio(self.case.forward, self._floor(b, dtype, device, False), budget=FLOOR_BUDGET)[0]

    track_floor_ratio.unit = "median time over the floor's (same process)"

    def track_floor_ratio_backward(self, b, backend, dtype, device):
        floor = self._floor(b, dtype, device, True)
        return interleaved_ratio(self.case.forward_backward, floor, budget=FLOOR_BUDGET)[0]

    track_floor_ratio_backward.unit = "forward+backward median time over the floor's and its adjoint's (same process)"


class _Analysis(_Transform):
    def track_roundtrip_error(self, b, backend, dtype, device):
        F = _gaussian(("roundtrip", self.op, b), (self._rows(b), self._batch(b)), complex_=True)
        F = F.to(device, complex_dtype(dtype))
        fwd, inv = getattr(s2cnn, self.op), getattr(s2cnn, self.inverse)
        with torch.no_grad(), backend_errors(), s2cnn.set_backend(backend, only=True):
            back = fwd(inv(F))
        return rel_l2(back, F)

    track_roundtrip_error.unit = "relative L2 error of fft(ifft(F))"


class S2FFT(_Analysis):
    op, inverse, space = "s2_fft", "s2_ifft", "s2"


class S2IFFT(_Transform):
    op, space, analysis = "s2_ifft", "s2", False


class SO3FFT(_Analysis):
    op, inverse, space = "so3_fft", "so3_ifft", "so3"


class SO3IFFT(_Transform):
    op, space, analysis = "so3_ifft", "so3", False


class SO3IFFTReal(_Transform):
    op, space, analysis = "so3_ifft_real", "so3", False


GpuMemory = gpu_memory_suite(
    [S2FFT, S2IFFT, SO3FFT, SO3IFFT, SO3IFFTReal], "Peak GPU memory of the transform cases (CUDA devices only)."
)
