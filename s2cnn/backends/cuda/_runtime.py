"""Running launch plans on a GPU through cupy: availability, per-device modules, streams.

cupy is imported lazily (``import s2cnn`` never imports it). The kernels are compiled at run time
by NVRTC (``cupy.RawModule``) once per device and kept in a per-device cache; cupy also keeps the
binaries in its own on-disk cache (``~/.cupy/kernel_cache`` or ``CUPY_CACHE_DIR``). Each launch
goes to PyTorch's current stream of the tensors' device, so it is ordered with the surrounding
PyTorch work and with the caching allocator; tensors are passed as raw device addresses (the
memory stays owned by PyTorch).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .._dispatch import Declined
from ._plan import Launch
from ._source import COMPILE_OPTIONS, kernel_source, name_expressions

__all__ = ["availability", "CupyExecutor"]

_INSTALL_HINT = (
    "install the extra that matches the CUDA of your driver: pip install 's2cnn[cuda12]' "
    "(cupy-cuda12x, nvidia-cuda-nvrtc-cu12) or 's2cnn[cuda13]' (cupy-cuda13x, nvidia-cuda-nvrtc)"
)


@functools.cache
def availability() -> tuple[bool, str]:
    """Whether the kernels can run here, and why not.

    Returns
    -------
    (bool, str)
        ``(True, description)`` when PyTorch sees a CUDA device, cupy imports and reaches the
        driver, and NVRTC loads; otherwise ``(False, reason)`` naming the first missing piece.
    """
    if not torch.cuda.is_available():
        build = torch.version.cuda
        detail = (
            f"PyTorch {torch.__version__} is a CPU-only build"
            if build is None
            else (f"PyTorch {torch.__version__} (CUDA {build}) finds no usable CUDA device or driver")
        )
        return False, f"no CUDA device: {detail}"
    try:
        import cupy
    except Exception as exc:  # ImportError, or a cupy wheel that does not match the CUDA libraries
        return False, f"cupy is not importable ({type(exc).__name__}: {exc}); {_INSTALL_HINT}"
    try:
        n_devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return False, f"cupy {cupy.__version__} cannot use the CUDA driver ({exc}); {_INSTALL_HINT}"
    if n_devices < 1:
        return False, "cupy finds no CUDA device"
    try:
        major, minor = cupy.cuda.nvrtc.getVersion()
    except Exception as exc:
        return False, f"NVRTC cannot be loaded ({exc}); {_INSTALL_HINT}"
    return True, f"cupy {cupy.__version__}, NVRTC {major}.{minor}, {n_devices} CUDA device(s)"


def _cupy_stream(cupy: Any, device_index: int) -> Any:
    """A cupy handle on PyTorch's current stream of ``device_index`` (not owned by cupy)."""
    stream = torch.cuda.current_stream(device_index)
    if stream.cuda_stream == 0:  # the legacy default stream, which is also cupy's null stream
        return cupy.cuda.Stream.null
    if hasattr(cupy.cuda.Stream, "from_external") and hasattr(stream, "__cuda_stream__"):
        return cupy.cuda.Stream.from_external(stream)
    return cupy.cuda.ExternalStream(stream.cuda_stream, device_index)


def _kernel_args(args: Sequence[tuple[str, int]]) -> tuple[Any, ...]:
    out = []
    for kind, value in args:
        if kind == "ptr":
            out.append(np.uint64(value))
        elif kind == "int":
            out.append(np.int32(value))
        else:
            raise ValueError(f"unknown kernel argument kind {kind!r}")
    return tuple(out)


class CupyExecutor:
    """Runs :class:`~s2cnn.backends.cuda._plan.Launch` plans on CUDA tensors.

    The compiled module is cached per device index (``cupy.RawModule`` compiled and loaded under
    ``cupy.cuda.Device(index)``), so tensors on any of several GPUs run in their own context.
    """

    name = "cupy"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modules: dict[int, Any] = {}
        self._functions: dict[tuple[int, str], Any] = {}

    def available(self) -> tuple[bool, str]:
        """See :func:`availability`."""
        return availability()

    def check(self, tensor: torch.Tensor) -> None:
        """Raise :class:`~s2cnn.backends.Declined` unless ``tensor`` can be handed to the kernels."""
        ok, reason = availability()
        if not ok:
            raise Declined(reason)
        if tensor.device.type != "cuda":
            raise Declined(f"the cuda backend takes CUDA tensors; got a tensor on {tensor.device}")

    def _function(self, cupy: Any, device_index: int, name: str) -> Any:
        key = (device_index, name)
        with self._lock:
            fn = self._functions.get(key)
            if fn is None:
                module = self._modules.get(device_index)
                if module is None:
                    module = cupy.RawModule(
                        code=kernel_source(), options=COMPILE_OPTIONS, name_expressions=name_expressions()
                    )
                    self._modules[device_index] = module
                fn = module.get_function(name)  # compiles (NVRTC) for this device on first use
                self._functions[key] = fn
        return fn

    def launch(
        self, device: torch.device, launches: Sequence[Launch | None], operands: Sequence[torch.Tensor] = ()
    ) -> None:
        """Enqueue ``launches`` (None entries skipped) on PyTorch's current stream of ``device``.

        ``operands``, the tensors the launches address, are not used here: the CPU emulator
        (``verify/cuda_emu``) checks each launch's extents against them."""
        todo = [ln for ln in launches if ln is not None]
        if not todo:
            return
        import cupy

        index = device.index if device.index is not None else torch.cuda.current_device()
        with cupy.cuda.Device(index):
            stream = _cupy_stream(cupy, index)
            with stream:
                for ln in todo:
                    fn = self._function(cupy, index, ln.kernel)
                    fn(ln.grid, ln.block, _kernel_args(ln.args))
