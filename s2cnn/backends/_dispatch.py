"""Backend registry and dispatch, modelled on ``scipy.fft``'s backend protocol.

A *backend* is any object with a ``name`` attribute and some of the spectral verbs
(:data:`OPS`) as methods. A verb receives validated, flattened tensors (see
:mod:`s2cnn.backends.protocol`) and returns the result, or declines the case by returning
``NotImplemented`` or by raising :class:`Declined` with a reason.

Which backends are tried, in order:

1. the backends of the active :func:`set_backend` contexts of this thread, innermost first
   (a context with ``only=True`` stops the search after itself);
2. the global backend (:func:`set_global_backend`; default ``"torch"``, or the name in the
   environment variable ``S2CNN_BACKEND``), unless its ``only`` flag stops the search;
3. the ``torch`` backend, the readable reference that takes every case.

Backends in a :func:`skip_backend` context are passed over. Falling back from a backend that
declined to a later one emits a :class:`BackendFallbackWarning` naming the reason: a user
who asked for a backend never silently gets another one. With ``only=True`` the dispatcher
raises :class:`BackendError` instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = [
    "OPS",
    "Declined",
    "BackendError",
    "BackendFallbackWarning",
    "register_backend",
    "registered_backends",
    "get_backend",
    "set_backend",
    "set_global_backend",
    "skip_backend",
    "active_backends",
    "dispatch",
]

#: The verbs a backend may implement.
OPS = ("s2_fft", "s2_ifft", "so3_fft", "so3_ifft", "so3_ifft_real", "s2_mm", "so3_mm", "so3_mm_real")

ENV_VAR = "S2CNN_BACKEND"


class Declined(Exception):  # noqa: N818 - it is a signal, not an error
    """Raised by a backend verb that does not take this case; the message says why."""


class BackendError(RuntimeError):
    """No backend took the call, or the requested backend declined under ``only=True``."""


class BackendFallbackWarning(UserWarning):
    """A requested backend declined and a later backend ran the call instead."""


_lock = threading.RLock()
_registry: dict[str, Any] = {}
_global: dict[str, Any] = {"backend": None, "only": False}
_local = threading.local()


def _stack() -> list[tuple[Any, bool]]:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def _skipped() -> list[Any]:
    if not hasattr(_local, "skip"):
        _local.skip = []
    return _local.skip


def register_backend(backend: Any) -> None:
    """Make ``backend`` addressable by its ``name`` (``set_backend("name")``).

    Parameters
    ----------
    backend : object
        Has a string attribute ``name`` and any of the verbs in :data:`OPS`.
    """
    name = getattr(backend, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"a backend needs a non-empty string attribute 'name'; got {backend!r}")
    with _lock:
        _registry[name] = backend


def registered_backends() -> dict[str, Any]:
    """A copy of the name -> backend registry."""
    with _lock:
        return dict(_registry)


def get_backend(backend: Any) -> Any:
    """Resolve a backend given by name or as an object."""
    if isinstance(backend, str):
        _ensure_builtin()
        with _lock:
            found = _registry.get(backend)
        if found is None:
            raise ValueError(
                f"unknown backend {backend!r}; registered backends: {sorted(registered_backends())}"
            )
        return found
    if not hasattr(backend, "name"):
        raise TypeError(f"a backend is a registered name or an object with a 'name'; got {backend!r}")
    return backend


@contextlib.contextmanager
def set_backend(backend: Any, only: bool = False) -> Iterator[Any]:
    """Use ``backend`` first inside the ``with`` block (this thread only).

    Parameters
    ----------
    backend : str or object
        A registered name (``"torch"``, ``"cuda"``, ...) or a backend object.
    only : bool
        If True, a case that ``backend`` declines raises :class:`BackendError` rather than
        falling back to the global and torch backends.
    """
    be = get_backend(backend)
    stack = _stack()
    stack.append((be, bool(only)))
    try:
        yield be
    finally:
        stack.pop()


def set_global_backend(backend: Any, only: bool = False) -> None:
    """Set the backend tried after the contexts, for all threads.

    Parameters
    ----------
    backend : str or object
        A registered name or a backend object.
    only : bool
        If True, a case that it declines raises instead of falling back to ``torch``.
    """
    be = get_backend(backend)
    with _lock:
        _global["backend"] = be
        _global["only"] = bool(only)


@contextlib.contextmanager
def skip_backend(backend: Any) -> Iterator[None]:
    """Pass over ``backend`` inside the ``with`` block (this thread only)."""
    be = get_backend(backend)
    skip = _skipped()
    skip.append(be)
    try:
        yield
    finally:
        skip.pop()


def _global_backend() -> tuple[Any, bool]:
    with _lock:
        be, only = _global["backend"], _global["only"]
    if be is None:
        be = get_backend(os.environ.get(ENV_VAR, "torch") or "torch")
        with _lock:
            if _global["backend"] is None:
                _global["backend"] = be
    return be, only


def active_backends() -> list[tuple[Any, bool]]:
    """The ``(backend, only)`` pairs a call would try now, in order."""
    order: list[tuple[Any, bool]] = []
    for be, only in reversed(_stack()):
        order.append((be, only))
        if only:
            return _without_skipped(order)
    be, only = _global_backend()
    order.append((be, only))
    if not only:
        order.append((get_backend("torch"), False))
    return _without_skipped(order)


def _without_skipped(order: list[tuple[Any, bool]]) -> list[tuple[Any, bool]]:
    skip = _skipped()
    seen: list[Any] = []
    out = []
    for be, only in order:
        if any(be is s for s in skip) or any(be is s for s in seen):
            continue
        seen.append(be)
        out.append((be, only))
    return out


def dispatch(op: str, *args: Any, **kwargs: Any) -> Any:
    """Run verb ``op`` on the first backend that takes the case.

    Raises
    ------
    BackendError
        If a backend under ``only=True`` declines, or if no backend takes the case.
    """
    if op not in OPS:
        raise ValueError(f"unknown spectral verb {op!r}; expected one of {OPS}")
    reasons: list[str] = []
    for be, only in active_backends():
        fn = getattr(be, op, None)
        if fn is None:
            reason = f"backend {be.name!r} does not implement {op}"
        else:
            try:
                out = fn(*args, **kwargs)
            except Declined as exc:
                reason = f"backend {be.name!r} declined {op}: {exc}"
            else:
                if out is not NotImplemented:
                    if reasons:
                        warnings.warn(
                            f"{op} ran on backend {be.name!r} because " + "; ".join(reasons),
                            BackendFallbackWarning,
                            stacklevel=3,
                        )
                    return out
                reason = f"backend {be.name!r} returned NotImplemented for {op}"
        reasons.append(reason)
        if only:
            raise BackendError(reason + " (only=True: no fallback)")
    raise BackendError(f"no backend took {op}: " + "; ".join(reasons))


_builtin_loaded = False


def _ensure_builtin() -> None:
    """Register the built-in backends on first use (import cycles keep this lazy)."""
    global _builtin_loaded
    if _builtin_loaded:
        return
    with _lock:
        if _builtin_loaded:
            return
        from .torch import TorchBackend

        _registry.setdefault("torch", TorchBackend())
        try:
            from .cuda import CudaBackend
        except ImportError:  # pragma: no cover - the cuda package is always shipped
            pass
        else:
            _registry.setdefault("cuda", CudaBackend())
        _builtin_loaded = True
