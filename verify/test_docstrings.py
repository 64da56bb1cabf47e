"""Docstrings carry their math intact: a LaTeX command written with one backslash in a plain
string (``\\beta``, ``\\text``, ``\\rangle``) turns into a control character and the formula
renders wrong."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FILES = sorted(p for d in ("s2cnn", "reference", "verify", "benchmarks") for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters_in_docstrings(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False) or ""
            found = sorted({repr(c) for c in doc if c in "\a\b\f\r\t\v"})
            assert not found, f"{path.name}: docstring of {getattr(node, 'name', 'the module')} holds {found}"
