"""CPU emulation of the ``cuda`` backend's kernels, for machines without a GPU.

The kernel sources of :mod:`s2cnn.backends.cuda` are compiled unchanged by the host C++ compiler
against ``shim.h`` (CUDA threads as fibers, ``__syncthreads`` as a barrier of the scheduler,
``__shared__`` as statics) into a shared library, and :class:`EmulatorExecutor` runs the launch
plans of :mod:`s2cnn.backends.cuda._plan` on CPU tensors with it. So the kernels' index math,
tiling, masking and barrier placement, and the launcher's grids and arguments, are exercised
exactly as the GPU would run them, except for what only hardware shows (timing, the memory model
between barriers, occupancy).

On every launch the emulator

* derives the extent of every buffer from the kernel's arguments (the shapes the kernel is
  documented to read and write) and rejects any load or store outside them;
* given the tensors the launch addresses (``operands``, as the backend passes them), rejects a
  launch whose derived extents exceed them: a launcher's wrong grid or size, found before any
  thread runs (it corrupted the heap and aborted the test process before 2026-12-07);
* fills the outputs with NaN first and counts the stores of every output element, which
  :attr:`EmulatorExecutor.strict` requires to be exactly one;
* reports a ``__syncthreads`` that some threads of a block skip.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from s2cnn.backends import Declined
from s2cnn.backends.cuda._plan import Launch
from s2cnn.backends.cuda._source import kernel_source
from s2cnn.layout import s2_nspec, so3_bandwidth_from_nspec, so3_nspec

__all__ = ["EmulatorExecutor", "EmulationError", "build", "compiler"]

_HERE = Path(__file__).resolve().parent
_lock = threading.Lock()
_libs: dict[str, ctypes.CDLL] = {}
_ORDERS = {"forward": 0, "reverse": 1, "alternate": 2}


class EmulationError(AssertionError):
    """A kernel misbehaved under emulation (out-of-bounds access, divergent barrier, double store)."""


def compiler() -> str | None:
    """The host C++ compiler (``$CXX``, else ``g++`` or ``c++`` on the PATH), or None."""
    for name in (os.environ.get("CXX"), "g++", "c++"):
        if name and shutil.which(name):
            return name
    return None


def build(source: str | None = None) -> ctypes.CDLL:
    """Compile and load the emulator of ``source`` (default: the backend's kernels).

    Built once per source text and compiler, into the temporary directory (reused by later runs).
    """
    source = kernel_source() if source is None else source
    with _lock:
        if source in _libs:
            return _libs[source]
        cxx = compiler()
        if cxx is None:
            raise RuntimeError("no host C++ compiler (set CXX or install g++)")
        harness = (_HERE / "harness.cpp").read_text()
        shim = (_HERE / "shim.h").read_text()
        key = hashlib.sha256("\0".join((source, harness, shim, cxx)).encode()).hexdigest()[:16]
        out_dir = Path(tempfile.gettempdir()) / f"s2cnn-cuda-emu-{os.getuid()}-{key}"
        lib_path = out_dir / "emu.so"
        if not lib_path.exists():
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "s2cnn_kernels.inc").write_text(source)
            tmp = out_dir / f"emu.{os.getpid()}.so"
            cmd = [
                cxx,
                "-std=c++17",
                "-O1",
                "-shared",
                "-fPIC",
                "-Wl,-Bsymbolic",
                f"-I{out_dir}",
                f"-I{_HERE}",
                str(_HERE / "harness.cpp"),
                "-o",
                str(tmp),
            ]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"building the emulator failed:\n{' '.join(cmd)}\n{done.stderr}")
            os.replace(tmp, lib_path)
        lib = ctypes.CDLL(str(lib_path))
        u64p = ctypes.POINTER(ctypes.c_ulonglong)
        lib.emu_set_buffers.argtypes = [ctypes.c_int, u64p, u64p, u64p, ctypes.POINTER(ctypes.c_int)]
        lib.emu_get_writes.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int32)]
        lib.emu_error.restype = ctypes.c_char_p
        lib.emu_launch.argtypes = [
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.POINTER(ctypes.c_uint),
            ctypes.POINTER(ctypes.c_longlong),
            ctypes.c_int,
            ctypes.c_int,
        ]
        lib.emu_launch.restype = ctypes.c_int
        _libs[source] = lib
        return lib


def _parse(kernel: str) -> tuple[str, int, bool]:
    """``"s2cnn::wigner_analysis<float, true>"`` -> ``("wigner_analysis", 4, True)``."""
    name, _, rest = kernel.removeprefix("s2cnn::").partition("<")
    real, _, so3 = rest.rstrip(">").partition(",")
    return name, {"float": 4, "double": 8}[real.strip()], so3.strip() == "true"


def buffers(launch: Launch) -> list[tuple[int, int, int, bool]]:
    """``(address, bytes, element bytes, written)`` of every buffer of a launch.

    The extents are the documented shapes of the kernel's operands, computed from its integer
    arguments (and, for the products, the bandwidth from ``grid.x``); they do not come from the
    tensors, so a kernel that strays outside its documented operands is caught.
    """
    name, r, so3 = _parse(launch.kernel)
    c = 2 * r
    ptr = [v for kind, v in launch.args if kind == "ptr"]
    ints = [v for kind, v in launch.args if kind == "int"]
    if name in ("wigner_analysis", "wigner_synthesis"):
        Z, J, N, L, _ = ints
        rows = so3_nspec(L) if so3 else s2_nspec(L)
        signal = Z * J * N ** (2 if so3 else 1)
        if name == "wigner_analysis":
            return [(ptr[0], signal * c, c, False), (ptr[1], rows * J * r, r, False), (ptr[2], rows * Z * c, c, True)]
        return [(ptr[0], rows * Z * c, c, False), (ptr[1], rows * J * r, r, False), (ptr[2], signal * c, c, True)]
    Z, Fi, Fo = ints
    grid_rows = launch.grid[0]
    if name == "block_product":
        b = so3_bandwidth_from_nspec(grid_rows)
    elif so3:
        b = so3_bandwidth_from_nspec(grid_rows)
    else:
        b = round(grid_rows**0.5)
    rows, srows = (so3_nspec(b) if so3 else s2_nspec(b)), so3_nspec(b)
    x, y, g = rows * Z * Fi, rows * Fi * Fo, srows * Z * Fo
    sizes = {
        "block_product": (x, y, g),
        "block_product_grad_x": (g, y, x),
        "block_product_grad_y": (x, g, y),
    }[name]
    return [(p, n * c, c, i == 2) for i, (p, n) in enumerate(zip(ptr, sizes, strict=True))]


class EmulatorExecutor:
    """Runs launch plans on CPU tensors through the emulated kernels.

    Parameters
    ----------
    order : {"forward", "reverse", "alternate"}
        Order in which the threads of a block run between barriers. A missing barrier shows as a
        wrong result in at least one order.
    strict : bool
        Require every output element to be stored exactly once (else at least once).
    source : str, optional
        Kernel source to emulate instead of the backend's (the tests feed it broken variants).
    """

    name = "emulator"

    def __init__(self, order: str = "forward", strict: bool = True, source: str | None = None) -> None:
        if order not in _ORDERS:
            raise ValueError(f"order is one of {sorted(_ORDERS)}; got {order!r}")
        self.order = order
        self.strict = strict
        self.source = source
        self.launches: list[Launch] = []  # every launch run, for the tests

    def available(self) -> tuple[bool, str]:
        cxx = compiler()
        if cxx is None:
            return False, "no host C++ compiler for the CPU emulation (set CXX or install g++)"
        return True, f"CPU emulation of the CUDA kernels, compiled by {cxx}"

    def check(self, tensor: torch.Tensor) -> None:
        if tensor.device.type != "cpu":
            raise Declined(f"the emulator takes CPU tensors; got a tensor on {tensor.device}")

    def launch(
        self, device: torch.device, launches: Sequence[Launch | None], operands: Sequence[torch.Tensor] = ()
    ) -> None:
        """Run ``launches`` (None entries skipped). With ``operands``, the tensors they address,
        every buffer extent derived from a launch's arguments must lie inside one of them: a
        launcher that passes a wrong grid or size is reported instead of corrupting the heap."""
        lib = build(self.source)
        regions = [(t.data_ptr(), t.data_ptr() + t.numel() * t.element_size()) for t in operands]
        with _lock:  # the emulator's state is global
            for ln in launches:
                if ln is not None:
                    self._run(lib, ln, regions)

    def _run(self, lib: ctypes.CDLL, ln: Launch, regions: Sequence[tuple[int, int]] = ()) -> None:
        self.launches.append(ln)
        bufs = buffers(ln)
        for i, (addr, nbytes, _, _) in enumerate(bufs):
            if regions and not any(lo <= addr and addr + nbytes <= hi for lo, hi in regions):
                held = [hi - addr for lo, hi in regions if lo <= addr < hi]
                raise EmulationError(
                    f"{ln.kernel} grid {ln.grid}: operand {i} spans {nbytes} bytes by the launch's "
                    f"arguments, but its tensor holds {held[0] if held else 0} bytes from that address"
                )
        for addr, nbytes, _, written in bufs:
            if written:  # poison the outputs: an element never stored stays NaN
                ctypes.memset(addr, 0xFF, nbytes)
        n = len(bufs)
        arr = ctypes.c_ulonglong * n
        flags = (ctypes.c_int * n)(*(int(b[3]) for b in bufs))
        lib.emu_set_buffers(
            n, arr(*(b[0] for b in bufs)), arr(*(b[1] for b in bufs)), arr(*(b[2] for b in bufs)), flags
        )
        grid = (ctypes.c_uint * 3)(*ln.grid)
        block = (ctypes.c_uint * 3)(*ln.block)
        args = (ctypes.c_longlong * len(ln.args))(*(v for _, v in ln.args))
        rc = lib.emu_launch(ln.kernel.encode(), grid, block, args, len(ln.args), _ORDERS[self.order])
        if rc != 0:
            raise EmulationError(f"{ln.kernel} grid {ln.grid}: {lib.emu_error().decode()}")
        for i, (_, nbytes, elem, written) in enumerate(bufs):
            if not written:
                continue
            counts = np.zeros(nbytes // elem, dtype=np.int32)
            lib.emu_get_writes(i, counts.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)))
            bad = np.flatnonzero(counts != 1) if self.strict else np.flatnonzero(counts < 1)
            if bad.size:
                raise EmulationError(
                    f"{ln.kernel} grid {ln.grid}: {bad.size} of {counts.size} output elements stored "
                    f"{sorted(set(counts[bad].tolist()))} times (first at element {bad[0]})"
                )
