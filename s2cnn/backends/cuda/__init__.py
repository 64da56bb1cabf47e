"""The ``cuda`` backend: CUDA C kernels compiled at run time by NVRTC through cupy.

Files
-----
``common.cuh``, ``wigner_contract.cu``, ``block_product.cu``
    The kernels (package data), with their math, index order and bounds in the comments.
``_source.py``
    The sources as one string, the list of instantiations, the tile sizes.
``_plan.py``
    Grid, block and arguments of every launch (pure Python).
``_runtime.py``
    cupy: availability, per-device module cache, launches on PyTorch's current stream.
``_tables.py``, ``_functions.py``, ``backend.py``
    Weighted Wigner tables, autograd wrappers, the six verbs.

``import s2cnn`` does not import cupy. Without a GPU, cupy or NVRTC, :meth:`CudaBackend.available`
returns ``(False, reason)`` and every verb raises :class:`s2cnn.backends.Declined` with that reason.
The extras ``s2cnn[cuda12]`` / ``s2cnn[cuda13]`` install cupy and NVRTC.
"""

from .backend import CudaBackend

__all__ = ["CudaBackend"]
