"""The CUDA C sources of the ``cuda`` backend and the list of kernels instantiated from them.

Imports neither cupy nor torch: the compile check (``verify/test_cuda_compile.py``) and the CPU
emulation of the kernels (``verify/test_cuda_emulated.py``) read the sources through here too, so
that all three compile exactly what the GPU runs.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

__all__ = [
    "SOURCE_FILES",
    "REALS",
    "KERNELS",
    "COMPILE_OPTIONS",
    "kernel_name",
    "kernel_source",
    "name_expressions",
]

#: Files concatenated into one translation unit, in this order (``common.cuh`` first).
SOURCE_FILES = ("common.cuh", "wigner_contract.cu", "block_product.cu")

#: Real types of the template instantiations: float for complex64, double for complex128.
REALS = ("float", "double")

#: Kernel templates, each instantiated as ``<real, so3>`` for every real and so3 in (false, true).
KERNELS = (
    "wigner_analysis",
    "wigner_synthesis",
    "block_product",
    "block_product_grad_x",
    "block_product_grad_y",
)

#: NVRTC options used at run time and by the compile check (the architecture is added by the caller).
COMPILE_OPTIONS = ("--std=c++17",)

_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$', re.MULTILINE)
_PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once\s*$", re.MULTILINE)


def kernel_name(kernel: str, real: str, so3: bool) -> str:
    """The name expression of one instantiation, e.g. ``s2cnn::wigner_analysis<float, true>``.

    Parameters
    ----------
    kernel : str
        One of :data:`KERNELS`.
    real : str
        ``"float"`` or ``"double"``.
    so3 : bool
        True for the SO(3) variant, False for the S2 one.
    """
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; expected one of {KERNELS}")
    if real not in REALS:
        raise ValueError(f"unknown real type {real!r}; expected one of {REALS}")
    return f"s2cnn::{kernel}<{real}, {'true' if so3 else 'false'}>"


def name_expressions() -> tuple[str, ...]:
    """Every instantiation the backend launches: 5 kernels x 2 reals x (S2, SO(3)) = 20 names."""
    return tuple(kernel_name(k, r, s) for k in KERNELS for r in REALS for s in (False, True))


@functools.cache
def kernel_source() -> str:
    """The kernels as one source string, ``#include "common.cuh"`` and ``#pragma once`` removed.

    The header is pasted first, so the string compiles without an include path and the on-disk
    cache of cupy (keyed by the source text) sees every change of any file.
    """
    pkg = resources.files(__package__)
    parts = []
    for name in SOURCE_FILES:
        text = pkg.joinpath(name).read_text(encoding="utf-8")
        for included in _INCLUDE.findall(text):
            if included not in SOURCE_FILES:
                raise RuntimeError(f"{name} includes {included!r}, which is not one of {SOURCE_FILES}")
        parts.append(f"// ---- {name} ----\n" + _PRAGMA_ONCE.sub("", _INCLUDE.sub("", text)))
    return "\n".join(parts)


_CONSTEXPR = re.compile(r"constexpr\s+int\s+(\w+)\s*=\s*(\w+)\s*(?:([*/])\s*(\w+))?\s*;")


def _operand(token: str, values: dict[str, int]) -> int:
    return int(token) if token.isdigit() else values[token]


@functools.cache
def tile_constants() -> dict[str, dict[str, int]]:
    """The tile sizes of the kernels, read from the sources (single source of truth).

    Returns
    -------
    dict
        ``{"contract": {"NT": 128, "TG": 8, ...}, "product": {"NT": 256, "TI": 32, ...}}``: the
        ``constexpr int`` of the namespaces ``s2cnn::contract`` and ``s2cnn::product`` (each an
        integer literal, or a product or quotient of two earlier ones).
    """
    source = kernel_source()
    out: dict[str, dict[str, int]] = {}
    for space in ("contract", "product"):
        found = re.search(rf"namespace\s+{space}\s*\{{(.*?)\}}\s*//\s*namespace\s+{space}", source, re.DOTALL)
        if found is None:
            raise RuntimeError(f"namespace s2cnn::{space} with its tile sizes not found in the sources")
        values: dict[str, int] = {}
        for name, lhs, op, rhs in _CONSTEXPR.findall(found.group(1)):
            value = _operand(lhs, values)
            if op == "*":
                value *= _operand(rhs, values)
            elif op == "/":
                value //= _operand(rhs, values)
            values[name] = value
        out[space] = values
    return out
