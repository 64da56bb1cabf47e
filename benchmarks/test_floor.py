"""``benchmarks.floor``: the floor's calls, and the ratio of interleaved timings (bookkeeping with
a fake clock: no timing assertions)."""

from __future__ import annotations

import math

import pytest
import torch

from . import bench_transforms
from .floor import VERBS, contraction_rows, floor_calls, interleaved_ratio


@pytest.mark.parametrize(("space", "verb"), [("s2", "fft"), ("s2", "ifft"), ("so3", "fft"), ("so3", "ifft"),
                                             ("so3", "ifft_real")])
def test_floor_calls_shapes(space, verb):
    b, Z = 4, 3
    fft, gemm, what = floor_calls(space, verb, b, Z, "float32")
    y, g = fft(), gemm()
    grid = (Z,) + (2 * b,) * (2 if space == "s2" else 3)
    if verb == "fft":
        assert y.shape == grid[:-1] + (b + 1,) and y.dtype == torch.complex64
    else:
        assert y.shape == grid
        assert y.dtype == (torch.float32 if verb == "ifft_real" else torch.complex64)
    P = contraction_rows(space, b)
    assert g.shape == (P, Z if verb == "ifft_real" else 2 * Z) and g.dtype == torch.float32
    assert f"[{P}, {2 * b}]" in what
    assert what.startswith({"fft": "rfftn + ", "ifft": "ifftn + ", "ifft_real": "irfftn + "}[verb])


@pytest.mark.parametrize(("space", "verb"), [("s2", "fft"), ("s2", "ifft"), ("so3", "fft"), ("so3", "ifft"),
                                             ("so3", "ifft_real")])
def test_adjoint_floor_calls_run_the_adjoint_fft(space, verb):
    """The adjoint's FFT maps the forward FFT's output space back to its input space; the GEMM
    is the forward's."""
    b, Z = 4, 3
    fft, gemm, what = floor_calls(space, verb, b, Z, "float64")
    afft, agemm, awhat = floor_calls(space, verb, b, Z, "float64", adjoint=True)
    y, ay = fft(), afft()
    grid = (Z,) + (2 * b,) * (2 if space == "s2" else 3)
    half = grid[:-1] + (b + 1,)
    forward_in = {"fft": (grid, torch.float64), "ifft": (grid, torch.complex128), "ifft_real": (half, torch.complex128)}
    shape, dtype = forward_in[verb]
    assert (ay.shape, ay.dtype) == (shape, dtype)  # the adjoint lands where the forward starts
    assert y.shape == (half if verb == "fft" else grid)
    assert awhat.startswith({"fft": "irfftn + ", "ifft": "fftn + ", "ifft_real": "rfftn + "}[verb])
    assert awhat.split(" + ")[1] == what.split(" + ")[1]
    assert agemm().shape == gemm().shape


def test_floor_calls_reject_bad_cases():
    for args, match in [(("s2", "ifft_real"), "ifft_real"), (("so3", "synth"), "verb"), (("r3", "fft"), "space")]:
        with pytest.raises(ValueError, match=match):
            floor_calls(*args, 4, 2, "float64")
    with pytest.raises(ValueError, match="dtype"):
        floor_calls("s2", "fft", 4, 2, "float16")
    assert set(VERBS) == {"fft", "ifft", "ifft_real"}


def test_contraction_rows():
    assert contraction_rows("s2", 4) == 16
    assert contraction_rows("so3", 2) == 1 + 9


def test_interleaved_ratio_takes_turns_and_medians():
    """A fake clock: each call of ``ours`` takes 3 ticks, the floor 1 or 2 in turn."""
    now = [0.0]
    calls = []
    floor_ticks = iter([5.0] + [1.0, 2.0] * 100)  # the untimed first call is slow

    def clock():
        return now[0]

    def ours():
        calls.append("ours")
        now[0] += 3.0

    def floor():
        calls.append("floor")
        now[0] += next(floor_ticks)

    ratio, mo, mf = interleaved_ratio(ours, floor, budget=20.0, min_pairs=3, clock=clock)
    assert calls[:4] == ["ours", "floor", "ours", "floor"]
    pairs = (len(calls) - 2) // 2
    assert 3 <= pairs <= 50 and pairs == 5  # 4.5 ticks a pair: the fifth pair starts before 20 ticks
    assert mo == 3.0 and mf == 1.0  # median of [1, 2, 1, 2, 1]
    assert ratio == 3.0


def test_track_floor_ratio_of_small_cases():
    """The asv metrics on the transforms at b = 8: finite positive ratios."""
    for cls in (bench_transforms.S2FFT, bench_transforms.SO3IFFTReal):
        bench = cls()
        bench.setup(8, "torch", "float64", "cpu")
        for metric in (bench.track_floor_ratio, bench.track_floor_ratio_backward):
            got = metric(8, "torch", "float64", "cpu")
            assert math.isfinite(got) and got > 0
