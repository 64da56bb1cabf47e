"""Every kernel instantiation of the ``cuda`` backend compiles with NVRTC, without a GPU.

Runs on a machine without GPU or driver: NVRTC is a plain library (``libnvrtc.so``, from the pip
package ``nvidia-cuda-nvrtc`` / ``nvidia-cuda-nvrtc-cu12``), reached through cupy's low-level
binding ``cupy_backends.cuda.libs.nvrtc``, which loads neither ``libcuda`` nor the runtime.

For each architecture the one translation unit that the backend compiles at run time
(:func:`s2cnn.backends.cuda._source.kernel_source`) is compiled with every name expression
(:func:`~s2cnn.backends.cuda._source.name_expressions`: 5 kernels x float/double x S2/SO(3)):

* to PTX for the virtual architectures ``compute_75``, ``compute_80``, ``compute_90`` (what the
  driver JIT-compiles for any newer GPU);
* to CUBIN for ``sm_75``, ``sm_80``, ``sm_90``, which also runs ``ptxas`` and so checks the
  registers and the static shared memory (at most 48 KiB) of every kernel.

A kernel that does not compile, or an instantiation that is missing, fails the test. Without
cupy the module is skipped, unless ``S2CNN_REQUIRE_NVRTC=1`` (set it in CI), which turns the
skip into a failure; with cupy installed but NVRTC not loadable it fails.
"""

from __future__ import annotations

import os
import re

import pytest

from s2cnn.backends.cuda._source import COMPILE_OPTIONS, KERNELS, REALS, kernel_source, name_expressions

REQUIRE = os.environ.get("S2CNN_REQUIRE_NVRTC", "") not in ("", "0")

try:
    from cupy_backends.cuda.libs import nvrtc
except ImportError as exc:  # cupy not installed
    if REQUIRE:
        raise ImportError(
            "S2CNN_REQUIRE_NVRTC is set but cupy is not installed: pip install 's2cnn[cuda13]' "
            "(cupy-cuda13x, nvidia-cuda-nvrtc) or 's2cnn[cuda12]'"
        ) from exc
    pytest.skip(
        f"cupy is not installed ({exc}); install s2cnn[cuda13] or s2cnn[cuda12] to compile the kernels",
        allow_module_level=True,
    )

SMEM_LIMIT = 48 * 1024  # static shared memory per block


def _compile(arch: str) -> tuple[bytes, str, dict[str, str]]:
    """Compile every instantiation for ``arch``; return the binary, the log and the lowered names."""
    names = name_expressions()
    prog = nvrtc.createProgram(kernel_source(), "s2cnn_kernels.cu", [], [])
    try:
        for name in names:
            nvrtc.addNameExpression(prog, name)
        options = [*COMPILE_OPTIONS, f"--gpu-architecture={arch}"]
        if arch.startswith("sm_"):
            options.append("--ptxas-options=-v")
        try:
            nvrtc.compileProgram(prog, options)
        except nvrtc.NVRTCError as exc:
            pytest.fail(f"NVRTC failed for {arch}: {exc}\n{nvrtc.getProgramLog(prog)}")
        log = nvrtc.getProgramLog(prog)
        binary = nvrtc.getCUBIN(prog) if arch.startswith("sm_") else nvrtc.getPTX(prog)
        lowered = {name: nvrtc.getLoweredName(prog, name) for name in names}
    finally:
        nvrtc.destroyProgram(prog)
    return binary, log, lowered


def test_nvrtc_loads():
    major, minor = nvrtc.getVersion()
    assert (major, minor) >= (11, 2), f"NVRTC {major}.{minor} is too old (>= 11.2 needed)"


def test_every_instantiation_is_listed():
    names = name_expressions()
    assert len(names) == len(set(names)) == len(KERNELS) * len(REALS) * 2
    for kernel in KERNELS:
        assert re.search(rf"\b{kernel}\s*\(", kernel_source()), f"kernel {kernel} not found in the sources"


@pytest.mark.parametrize("arch", ["compute_75", "compute_80", "compute_90"])
def test_kernels_compile_to_ptx(arch):
    ptx, log, lowered = _compile(arch)
    text = ptx.decode() if isinstance(ptx, bytes) else ptx
    assert "error" not in log.lower(), log
    for name, symbol in lowered.items():
        assert symbol, f"{name} has no lowered name"
        assert f".entry {symbol}(" in text, f"{name} ({symbol}) missing from the PTX for {arch}"


@pytest.mark.parametrize("arch", ["sm_75", "sm_80", "sm_90"])
def test_kernels_compile_to_cubin(arch):
    cubin, log, lowered = _compile(arch)
    assert len(cubin) > 0
    symbols = set(lowered.values())
    smem = {}
    current = None
    for line in log.splitlines():
        found = re.search(r"Compiling entry function '([^']+)'", line) or re.search(
            r"Function properties for (\S+)", line
        )
        if found:
            current = found.group(1)
        used = re.search(r"(\d+) bytes smem", line)
        if used and current is not None:
            smem[current] = int(used.group(1))
    assert symbols <= set(smem), f"ptxas reported no resources for {sorted(symbols - set(smem))}"
    too_big = {s: v for s, v in smem.items() if s in symbols and v > SMEM_LIMIT}
    assert not too_big, f"static shared memory above 48 KiB on {arch}: {too_big}"
