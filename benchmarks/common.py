"""What the asv suites share: the parameter grid, the problem sizes, set-up checks and metrics.

The grid is fixed; it never depends on what is installed. A case that cannot run here (the
``cuda`` backend without cupy, a CUDA device on a CPU machine, a table that does not fit)
raises :class:`NotImplementedError` from ``setup``, which asv records as skipped, with the
reason in the log.

Sizes are chosen per bandwidth so that every case that is not skipped fits in 24 GB of host
memory and each call takes at most a few seconds on one CPU core; see the tables below (they
are part of the benchmark's identity: change them and the history breaks).
"""

from __future__ import annotations

import abc
import contextlib
import os
import time
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import s2cnn
from s2cnn.layout import so3_nspec

__all__ = [
    "BANDWIDTHS",
    "BACKENDS",
    "DTYPES",
    "DEVICES",
    "PARAMS",
    "PARAM_NAMES",
    "S2_BATCH",
    "SO3_BATCH",
    "PRODUCT_SHAPES",
    "LAYER_SHAPES",
    "SO3_CPU_MAX_B",
    "Suite",
    "Case",
    "CaseSuite",
    "gpu_memory_suite",
    "prepared",
    "require_case",
    "require_so3_fits",
    "so3_table_bytes",
    "torch_dtype",
    "complex_dtype",
    "rng",
    "sync",
    "rel_l2",
    "gpu_peak_bytes",
    "host_faults",
    "backend_errors",
]

BANDWIDTHS = (8, 16, 32, 64, 128)
BACKENDS = ("torch", "cuda")
DTYPES = ("float32", "float64")
DEVICES = ("cpu", "cuda")

#: asv ``params`` / ``param_names`` of every spectral benchmark.
PARAMS = [list(BANDWIDTHS), list(BACKENDS), list(DTYPES), list(DEVICES)]
PARAM_NAMES = ["b", "backend", "dtype", "device"]

#: Batch of the S2 transforms: ``batch * (2b)**2 = 65536`` grid points per call.
S2_BATCH = {8: 256, 16: 64, 32: 16, 64: 4, 128: 1}

#: Batch of the SO(3) transforms: ``batch * (2b)**3 = 262144`` grid points up to b = 32, then 1.
SO3_BATCH = {8: 64, 16: 8, 32: 1, 64: 1, 128: 1}

#: ``(batch, f_in, f_out)`` of the spectral products (``so3_mm`` costs
#: ``batch * f_in * f_out * sum_l (2l+1)**3`` complex multiply-adds: 3e7 .. 9e9).
PRODUCT_SHAPES = {8: (16, 16, 16), 16: (8, 16, 16), 32: (4, 8, 8), 64: (2, 4, 4), 128: (1, 4, 4)}

#: ``(batch, f_in, f_out)`` of the layers, with ``b_in = b_out = b``.
LAYER_SHAPES = {8: (4, 8, 8), 16: (2, 8, 8), 32: (1, 4, 4), 64: (1, 2, 2), 128: (1, 2, 2)}

#: Largest SO(3) bandwidth run on a CPU device: the float64 Wigner tables at b = 128 take
#: ``so3_table_bytes(128) = 5.7 GB`` on the host (twice that while they are built, about a
#: minute of set-up in every benchmark process).
SO3_CPU_MAX_B = 64

#: Environment variable that overrides the torch thread count of every benchmark.
THREADS_ENV = "S2CNN_BENCH_THREADS"

_TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_COMPLEX_DTYPES = {"float32": torch.complex64, "float64": torch.complex128}


class Suite:
    """Defaults of every benchmark class (asv reads these attributes).

    ``threads``: torch intra-op threads, pinned by :meth:`pin_threads` (one unless a benchmark
    says otherwise, or ``S2CNN_BENCH_THREADS`` is set). Since asv 0.6 re-runs ``setup`` before
    every timed sample, the expensive part of a case (inputs, tables) is built once per process
    by :func:`prepared`; the forward tables by a warm-up call there, the backward ones by asv's
    warm-up call (``warmup_time`` > 0 makes at least one). :meth:`adapt_repeat` then picks the
    number of samples from the duration of one call.
    """

    params = PARAMS
    param_names = PARAM_NAMES
    threads = 1
    timeout = 900.0
    warmup_time = 0.05
    repeat = (3, 10, 10.0)

    def pin_threads(self) -> None:
        torch.set_num_threads(int(os.environ.get(THREADS_ENV, self.threads)))

    def adapt_repeat(self, seconds: float) -> None:
        """``(min, max, max_time)`` samples for a call of ``seconds`` (asv times one call per sample)."""
        if seconds < 1e-3:
            self.repeat = (10, 100, 1.0)
        elif seconds < 0.1:
            self.repeat = (5, 20, 1.5)
        elif seconds < 1.0:
            self.repeat = (3, 10, 3.0)
        else:
            self.repeat = (2, 3, 6.0)


class CaseSuite(Suite, abc.ABC):
    """Benchmarks of one prepared :class:`Case` per parameter set; subclasses define
    :meth:`prepare` (raising :class:`NotImplementedError` for cases that cannot run).

    * ``time_forward``: the call alone, no autograd graph;
    * ``time_forward_backward``: the call and the gradients of ``<out, cotangent>`` for every
      input (and a layer's parameters);
    * ``peakmem_forward``: peak resident host memory of the process during set-up and the call
      (torch itself, tables, inputs, their gradient copies and the cotangent included);
    * ``track_rel_error``: relative L2 error of the output against the ``torch`` backend in
      float64 on the same inputs (zero for that baseline itself);
    * ``track_host_faults``: minor page faults per forward call in steady state
      (:func:`host_faults`): the fresh pages of the output and of every temporary that the
      allocator took from the system again. A count, so unlike the timings free of the
      machine's noise; glibc hands large freed blocks back to the system, and touching them
      again costs about half a millisecond per MB (2 µs per 4 KiB page) on this project's CPU VM.
    """

    @abc.abstractmethod
    def prepare(self, *params) -> Case:
        """Build the case, or raise :class:`NotImplementedError` if it cannot run here."""

    def setup(self, *params):  # asv: runs before every sample; the case is built once
        self.case = prepared((type(self).__name__, *params), lambda: self.prepare(*params))
        self.pin_threads()
        self.adapt_repeat(self.case.seconds)

    def time_forward(self, *params):
        self.case.forward()

    def time_forward_backward(self, *params):
        self.case.forward_backward()

    def peakmem_forward(self, *params):
        self.case.forward()

    def track_rel_error(self, *params):
        return self.case.rel_error()

    track_rel_error.unit = "relative L2 error vs torch float64"

    def track_host_faults(self, *params):
        return host_faults(self.case.forward)

    track_host_faults.unit = "minor page faults per forward call"


def gpu_memory_suite(suites: list[type[CaseSuite]], doc: str) -> type:
    """A class ``GpuMemory`` over ``op`` (the suites' ``op`` names) and the common grid that
    tracks ``torch.cuda.max_memory_allocated`` (bytes, everything resident included) of the
    suites' cases, forward and forward+backward; CPU devices are skipped."""
    by_op = {cls.op: cls for cls in suites}

    class GpuMemory(Suite):
        params = [list(by_op)] + PARAMS
        param_names = ["op"] + PARAM_NAMES

        def setup(self, op, *params):
            if params[PARAM_NAMES.index("device")] != "cuda":
                raise NotImplementedError("GPU memory is tracked on CUDA devices only")
            self.bench = by_op[op]()
            self.bench.setup(*params)

        def track_forward_peak(self, op, *params):
            return gpu_peak_bytes(self.bench.case.forward, "cuda")

        track_forward_peak.unit = "bytes"

        def track_forward_backward_peak(self, op, *params):
            return gpu_peak_bytes(self.bench.case.forward_backward, "cuda")

        track_forward_backward_peak.unit = "bytes"

    GpuMemory.__doc__ = doc
    return GpuMemory


_prepared: dict = {}


def prepared(key: tuple, build: Callable[[], Any]) -> Any:
    """``build()`` once per process for ``key`` (asv forks a process per benchmark and re-runs
    ``setup`` before each sample); only the latest case is kept."""
    if key not in _prepared:
        _prepared.clear()
        _prepared[key] = build()
    return _prepared[key]


class Case:
    """A prepared call: ``fn(*inputs)`` on one backend, its float64 baseline, its backward.

    Parameters
    ----------
    fn : callable
        The verb or the layer.
    inputs : tuple of Tensor
        On the benchmark's device and dtype.
    backend, device : str
    params : tuple of Tensor
        Parameters the backward also differentiates (a layer's kernel and bias).
    reference : callable
        Returns the float64 result of the ``torch`` backend on the same inputs (cast to float64).
    """

    def __init__(self, fn, inputs, backend: str, device: str, params=(), reference=None):
        self.fn = fn
        self.inputs = tuple(inputs)
        self.grad_inputs = tuple(t.detach().clone().requires_grad_(True) for t in self.inputs)
        self.backend = backend
        self.device = device
        self.params = tuple(params)
        self.reference = reference
        self.cotangent = None
        self.seconds = float("nan")

    def forward(self) -> torch.Tensor:
        """The forward pass alone (no autograd graph), synchronised."""
        with torch.no_grad(), s2cnn.set_backend(self.backend, only=True):
            out = self.fn(*self.inputs)
        sync(self.device)
        return out

    def forward_backward(self) -> tuple:
        """Forward, then the gradients of ``<out, cotangent>`` for inputs and parameters, synchronised."""
        with s2cnn.set_backend(self.backend, only=True):
            out = self.fn(*self.grad_inputs)
            grads = torch.autograd.grad(out, self.grad_inputs + self.params, self.cotangent)
        sync(self.device)
        return grads

    def warm_up(self) -> Case:
        """Build the forward tables, draw the cotangent, time one more forward call.

        Also runs a tiny ``torch.autograd.grad`` with ``grad_outputs``: its first call imports
        sympy (about a second) which would otherwise land in the first timed backward.
        """
        t = torch.ones(2, requires_grad=True)
        torch.autograd.grad(2 * t, t, torch.ones(2))
        with backend_errors():
            out = self.forward()
            g = torch.Generator(device="cpu").manual_seed(1)
            cot = torch.randn(out.shape, dtype=out.dtype, generator=g)
            self.cotangent = cot.to(out.device)
            start = time.perf_counter()
            self.forward()
            self.seconds = time.perf_counter() - start
        return self

    def rel_error(self) -> float:
        """Relative L2 error of the forward output against :attr:`reference`."""
        with backend_errors():
            out = self.forward()
        return rel_l2(out, self.reference())


def torch_dtype(dtype: str) -> torch.dtype:
    """``"float32"`` -> ``torch.float32``."""
    return _TORCH_DTYPES[dtype]


def complex_dtype(dtype: str) -> torch.dtype:
    """``"float32"`` -> ``torch.complex64``, ``"float64"`` -> ``torch.complex128``."""
    return _COMPLEX_DTYPES[dtype]


def require_case(backend: str, device: str) -> None:
    """Raise :class:`NotImplementedError` unless ``backend`` can run on ``device`` here."""
    if backend == "cuda" and device != "cuda":
        raise NotImplementedError("the cuda backend takes CUDA tensors only")
    if device == "cuda" and not torch.cuda.is_available():
        raise NotImplementedError("no CUDA device visible to torch")
    try:
        be = s2cnn.backends.get_backend(backend)
    except ValueError as exc:  # a commit that predates the backend
        raise NotImplementedError(str(exc)) from None
    ok, why = be.available()
    if not ok:
        raise NotImplementedError(f"backend {backend!r} unavailable: {why}")


def so3_table_bytes(b: int, itemsize: int = 8) -> int:
    """Bytes of the SO(3) Wigner-d table ``[b(4b^2-1)/3, 2b]`` at bandwidth ``b``."""
    return so3_nspec(b) * 2 * b * itemsize


def require_so3_fits(b: int, device: str) -> None:
    """Raise :class:`NotImplementedError` when the SO(3) tables of ``b`` do not fit ``device``.

    On a CPU device the limit is :data:`SO3_CPU_MAX_B`. On a GPU the float64 table is built on
    the host (twice its size at the peak) and needs at most three times its size on the card
    (float64 master, cast copy, weighted copy): skipped when the card has less free memory.
    """
    need = so3_table_bytes(b)
    if device == "cpu" and b > SO3_CPU_MAX_B:
        raise NotImplementedError(
            f"SO(3) Wigner tables at b={b} take {need / 1e9:.1f} GB (float64) on the host and about a "
            f"minute to build; CPU cases stop at b={SO3_CPU_MAX_B} (run them on a GPU machine)"
        )
    if device == "cuda":
        free, _ = torch.cuda.mem_get_info()
        if 3 * need > free:
            raise NotImplementedError(
                f"SO(3) tables at b={b} need about {3 * need / 1e9:.1f} GB on the GPU; {free / 1e9:.1f} GB free"
            )


def rng(*key) -> np.random.Generator:
    """A generator seeded by the case, so that every process draws the same inputs."""
    return np.random.default_rng([20180130, *(zlib.crc32(str(k).encode()) for k in key)])


def host_faults(fn: Callable[[], Any], calls: int = 4, warmup: int = 3) -> float:
    """Minor page faults of this process per call of ``fn``, over ``calls`` calls after
    ``warmup`` untimed ones (``nan`` where the platform has no ``getrusage``). Each is a page of
    ``resource.getpagesize()`` bytes (4 KiB here) fresh from the system, or a huge page where
    the allocator asks for them (torch's ``THP_MEM_ALLOC_ENABLE=1``; NumPy's large arrays)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return float("nan")
    for _ in range(warmup):
        fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def sync(device: str | torch.device) -> None:
    """Wait for the GPU (timings on CUDA synchronise inside the timed function): its kernels run
    asynchronously, so without it the clock stops at the launch. Nothing on the CPU."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def rel_l2(a: torch.Tensor, b: torch.Tensor) -> float:
    """:math:`\\|a - b\\|_2 / \\|b\\|_2`, computed in complex128 on the CPU."""
    a = a.detach().to("cpu", torch.complex128)
    b = b.detach().to("cpu", torch.complex128)
    den = torch.linalg.vector_norm(b).item()
    num = torch.linalg.vector_norm(a - b).item()
    return num / den if den else num


def gpu_peak_bytes(fn, device: str) -> float:
    """Peak of ``torch.cuda.max_memory_allocated`` while ``fn()`` runs (everything allocated,
    tables and inputs included), in bytes."""
    if device != "cuda":
        raise NotImplementedError("GPU memory is tracked on CUDA devices only")
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    fn()
    torch.cuda.synchronize()
    return float(torch.cuda.max_memory_allocated())


@contextlib.contextmanager
def backend_errors():
    """Turn a backend declining the case (:class:`s2cnn.backends.BackendError`) into
    :class:`NotImplementedError`, which asv records as a skip when raised from ``setup``."""
    try:
        yield
    except s2cnn.backends.BackendError as exc:
        raise NotImplementedError(f"backend declined: {exc}") from None
