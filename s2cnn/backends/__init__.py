"""Swappable spectral backends: ``torch`` (pure PyTorch, the default) and ``cuda``.

See :mod:`s2cnn.backends._dispatch` for the rules and :mod:`s2cnn.backends.protocol` for
what a backend implements.
"""

from ._dispatch import (
    OPS,
    BackendError,
    BackendFallbackWarning,
    Declined,
    active_backends,
    dispatch,
    get_backend,
    register_backend,
    registered_backends,
    set_backend,
    set_global_backend,
    skip_backend,
)

__all__ = [
    "OPS",
    "BackendError",
    "BackendFallbackWarning",
    "Declined",
    "active_backends",
    "dispatch",
    "get_backend",
    "register_backend",
    "registered_backends",
    "set_backend",
    "set_global_backend",
    "skip_backend",
]
