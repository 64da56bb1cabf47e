"""The cupy glue of the ``cuda`` backend (``_runtime.CupyExecutor``), run on the CPU.

A stand-in for cupy records what the executor does (device contexts, streams, modules, kernel
arguments) and forwards each kernel call to the CPU emulator of ``verify/cuda_emu``, so the whole
path from a spectral verb to a kernel call runs without a GPU: one module per device, launches
inside ``cupy.cuda.Device(index)`` on PyTorch's current stream of that device, pointers passed as
64-bit and sizes as 32-bit integers.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import torch

import s2cnn
from s2cnn.backends import set_backend
from s2cnn.backends.cuda import CudaBackend, _plan, _runtime
from s2cnn.backends.cuda._source import COMPILE_OPTIONS, kernel_source, name_expressions
from s2cnn.layout import so3_nspec
from verify.cuda_emu import EmulatorExecutor, compiler
from verify.tolerances import rel_l2, tolerance

pytestmark = pytest.mark.skipif(compiler() is None, reason="no host C++ compiler for the CUDA kernel emulation")


class FakeCupy:
    """Just the part of cupy that ``_runtime`` uses; kernel calls run in the emulator."""

    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.device = None
        self.stream = None
        self.emulator = EmulatorExecutor()
        fake = self

        class Device:
            def __init__(self, index):
                self.index = index

            def __enter__(self):
                fake.events.append(("device", self.index))
                fake.device = self.index

            def __exit__(self, *exc):
                fake.device = None

        class Stream:
            null = None

            def __init__(self, ptr):
                self.ptr = ptr

            @classmethod
            def from_external(cls, obj):
                return cls(obj.__cuda_stream__()[1])

            def __enter__(self):
                fake.stream = self.ptr

            def __exit__(self, *exc):
                fake.stream = None

        Stream.null = Stream(0)

        class RawModule:
            def __init__(self, code, options, name_expressions):
                assert code == kernel_source() and tuple(options) == COMPILE_OPTIONS
                assert tuple(name_expressions) == name_expressions_all
                self.device = None

            def get_function(self, name):
                assert fake.device is not None, "compiled outside a device context"
                if self.device is None:
                    self.device = fake.device
                    fake.events.append(("compile", fake.device))
                assert self.device == fake.device, "module of one device used on another"
                return lambda grid, block, args: fake.call(self.device, name, grid, block, args)

        name_expressions_all = name_expressions()
        self.cuda = types.SimpleNamespace(Device=Device, Stream=Stream, ExternalStream=None)
        self.RawModule = RawModule

    def call(self, device, name, grid, block, args):
        assert self.device == device and self.stream is not None, "launched outside its device or stream"
        kinds = []
        for a in args:
            assert type(a) in (np.uint64, np.int32), f"kernel argument of type {type(a)}"
            kinds.append(("ptr" if type(a) is np.uint64 else "int", int(a)))
        self.events.append(("launch", device, self.stream, name))
        self.emulator.launch(torch.device("cpu"), [_plan.Launch(name, tuple(grid), tuple(block), tuple(kinds))])


class FakeStream:
    def __init__(self, device_index: int) -> None:
        self.cuda_stream = 1000 + device_index

    def __cuda_stream__(self):
        return (0, self.cuda_stream)


class CpuCupyExecutor(_runtime.CupyExecutor):
    """The real executor, with the device check relaxed so that CPU tensors reach it."""

    def check(self, tensor):
        pass


@pytest.fixture
def fake_cupy(monkeypatch):
    fake = FakeCupy()
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(torch.cuda, "current_stream", lambda index=None: FakeStream(index))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    return fake


def test_verbs_reach_the_kernels_through_the_executor(fake_cupy):
    be = CudaBackend(CpuCupyExecutor())
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 8, 8, 8, dtype=torch.float32, generator=g)
    u = torch.randn(so3_nspec(4), 3, 2, dtype=torch.complex64, generator=g)
    v = torch.randn(so3_nspec(4), 2, 5, dtype=torch.complex64, generator=g)
    with set_backend(be, only=True):
        got = (s2cnn.so3_fft(x), s2cnn.so3_mm(u, v))
    with set_backend("torch", only=True):
        want = (s2cnn.so3_fft(x), s2cnn.so3_mm(u, v))
    for a, b in zip(got, want, strict=True):
        assert rel_l2(a, b) < tolerance("backend", torch.float32)
    launches = [e for e in fake_cupy.events if e[0] == "launch"]
    assert [e[3].split("<")[0] for e in launches] == ["s2cnn::wigner_analysis", "s2cnn::block_product"]
    assert all(e[1] == 0 and e[2] == 1000 for e in launches)  # device 0, its current stream


def test_one_module_per_device(fake_cupy):
    ex = _runtime.CupyExecutor()
    src = torch.randn(4, 2, dtype=torch.complex128)  # S2 spectrum, b = 2
    table = torch.randn(4, 4, dtype=torch.float64)
    for index in (1, 0, 1):
        out = torch.empty(2, 4, 4, dtype=torch.complex128)
        ln = _plan.synthesis("double", False, src.data_ptr(), table.data_ptr(), out.data_ptr(), Z=2, J=4, N=4, L=2)
        ex.launch(torch.device("cuda", index), [ln, None])
    compiles = [e[1] for e in fake_cupy.events if e[0] == "compile"]
    launches = [(e[1], e[2]) for e in fake_cupy.events if e[0] == "launch"]
    assert compiles == [1, 0]  # compiled once per device, on first use
    assert launches == [(1, 1001), (0, 1000), (1, 1001)]  # each on its device's current stream


def test_default_stream_is_cupys_null_stream(fake_cupy, monkeypatch):
    class LegacyDefault(FakeStream):
        def __init__(self, index):
            self.cuda_stream = 0

    monkeypatch.setattr(torch.cuda, "current_stream", lambda index=None: LegacyDefault(index))
    x = torch.randn(1, 1, 2, dtype=torch.complex64)  # s2_mm at b = 1: z = sum_f x_f conj(y_f)
    y = torch.randn(1, 2, 1, dtype=torch.complex64)
    out = torch.empty(1, 1, 1, dtype=torch.complex64)
    ln = _plan.product("forward", "float", False, x.data_ptr(), y.data_ptr(), out.data_ptr(), b=1, Z=1, Fi=2, Fo=1)
    _runtime.CupyExecutor().launch(torch.device("cuda", 0), [ln])
    assert [e[2] for e in fake_cupy.events if e[0] == "launch"] == [0]
    assert torch.allclose(out[0, 0, 0], (x[0, 0] * y[0, :, 0].conj()).sum())


def test_availability_without_gpu_names_the_missing_piece():
    ok, reason = _runtime.availability()
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert not ok and "no CUDA device" in reason
