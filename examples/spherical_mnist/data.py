"""Planar data sources and the four spherical sets (train/test, non-rotated/rotated).

Sources, both shipped by packages (nothing is downloaded at run time):

* ``"fashion-mnist"``: Debian's ``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``),
  the four IDX files of Zalando's Fashion-MNIST (MNIST's format and sizes: 60 000 + 10 000
  images of 28 x 28, 10 classes) under ``/usr/share/datasets/fashion-mnist``;
  ``$FASHION_MNIST_DIR`` or ``--data-dir`` point elsewhere (any folder with the four MNIST-named
  IDX files, gzipped or not, so the real MNIST works too).
* ``"digits"``: scikit-learn's bundled 8 x 8 digits (1 797 images, 10 classes), split 1 347 /
  450 with a fixed permutation; the small set CI uses.
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from s2cnn.testing import random_rotation

from .projection import project_images

__all__ = [
    "FASHION_MNIST_DIR",
    "FASHION_MNIST_CLASSES",
    "PlanarData",
    "SphericalSet",
    "read_idx",
    "load_fashion_mnist",
    "load_digits",
    "load_planar",
    "subset",
    "random_angles",
    "make_spherical_set",
    "make_spherical_sets",
]

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass
class PlanarData:
    """Planar images with labels, split into train and test.

    Attributes
    ----------
    name : str
    train_images, test_images : numpy.ndarray
        float32 ``[N, H, W]`` in ``[0, 1]``.
    train_labels, test_labels : numpy.ndarray
        int64 ``[N]``.
    classes : tuple of str
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...]


@dataclass
class SphericalSet:
    """Images on the SOFT grid with labels and, for a rotated set, each image's rotation.

    Attributes
    ----------
    images : numpy.ndarray
        float32 ``[N, 2b, 2b]`` indexed ``[beta, alpha]``.
    labels : numpy.ndarray
        int64 ``[N]``.
    angles : numpy.ndarray or None
        float64 ``[N, 3]`` ZYZ angles ``(alpha, beta, gamma)``: image ``i`` is
        :math:`f_i(R_i^{-1} x)`. ``None`` for a non-rotated set.
    planar : numpy.ndarray or None
        The planar images they were made from, ``[N, H, W]`` (for the plots).
    """

    images: np.ndarray
    labels: np.ndarray
    angles: np.ndarray | None = None
    planar: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labels)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzipped (``.gz``) or not.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    numpy.ndarray
        The array with the shape and element type the header declares (native byte order).

    Raises
    ------
    ValueError
        When the header is not an IDX header or the payload has the wrong size.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4]!r})")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} ({np.prod(shape)} items) but holds {data.size}")
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(
        f"{stem}(.gz) not found in {folder}. Install the data set with "
        "`apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or point --data-dir / "
        "$FASHION_MNIST_DIR at a folder with the four IDX files, or use --dataset digits."
    )


def load_fashion_mnist(folder: str | os.PathLike | None = None) -> PlanarData:
    """Fashion-MNIST from its IDX files.

    Parameters
    ----------
    folder : path-like, optional
        Default ``$FASHION_MNIST_DIR`` or ``/usr/share/datasets/fashion-mnist``.

    Returns
    -------
    PlanarData
        60 000 train and 10 000 test images, 28 x 28, scaled to ``[0, 1]``.
    """
    folder = Path(folder or os.environ.get("FASHION_MNIST_DIR") or FASHION_MNIST_DIR)
    parts = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(_find(folder, f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(_find(folder, f"{prefix}-labels-idx1-ubyte"))
        if images.ndim != 3 or labels.shape != images.shape[:1]:
            raise ValueError(f"{folder}: {split} images {images.shape} and labels {labels.shape} do not match")
        parts[split] = (images.astype(np.float32) / 255.0, labels.astype(np.int64))
    return PlanarData("fashion-mnist", *parts["train"], *parts["test"], FASHION_MNIST_CLASSES)


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> PlanarData:
    """scikit-learn's bundled 8 x 8 handwritten digits, scaled to ``[0, 1]``.

    Parameters
    ----------
    test_fraction : float
        Share of the 1 797 images held out (a fixed permutation drawn with ``seed``).
    seed : int

    Returns
    -------
    PlanarData
    """
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    images = bunch.images.astype(np.float32) / 16.0
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = round(test_fraction * len(labels))
    test, train = order[:n_test], order[n_test:]
    classes = tuple(str(c) for c in range(10))
    return PlanarData("digits", images[train], labels[train], images[test], labels[test], classes)


def load_planar(name: str, folder: str | os.PathLike | None = None) -> PlanarData:
    """Load a source by name: ``"fashion-mnist"`` or ``"digits"``."""
    if name == "fashion-mnist":
        return load_fashion_mnist(folder)
    if name == "digits":
        return load_digits()
    raise ValueError(f"unknown data set {name!r}; expected 'fashion-mnist' or 'digits'")


def subset(images: np.ndarray, labels: np.ndarray, size: int | None, rng: np.random.Generator):
    """A class-balanced-in-expectation random subset (``size=None`` or too large: all, shuffled)."""
    order = rng.permutation(len(labels))
    if size is not None:
        order = order[:size]
    return images[order], labels[order]


def random_angles(n: int, rng: np.random.Generator) -> np.ndarray:
    """``[n, 3]`` Haar-random ZYZ angles, one :func:`s2cnn.testing.random_rotation` each."""
    return np.array([random_rotation(rng) for _ in range(n)], dtype=np.float64).reshape(n, 3)


def make_spherical_set(
    images: np.ndarray,
    labels: np.ndarray,
    b: int,
    rotate: bool,
    rng: np.random.Generator | None = None,
    chunk: int = 1000,
    desc: str | None = None,
    progress: bool = True,
) -> SphericalSet:
    """Project planar images onto the SOFT grid, each with its own random rotation if ``rotate``.

    Parameters
    ----------
    images : numpy.ndarray
        ``[N, H, W]``.
    labels : numpy.ndarray
        ``[N]``.
    b : int
        Bandwidth.
    rotate : bool
        Draw one Haar-random rotation per image (from ``rng``) and apply it.
    rng : numpy.random.Generator, optional
        Needed when ``rotate``.
    chunk : int
        Images projected at once (memory: about ``chunk * (2b)^2 * 100`` bytes).
    desc : str, optional
        Progress-bar label.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    SphericalSet
    """
    n = len(labels)
    angles = None
    if rotate:
        if rng is None:
            raise ValueError("make_spherical_set: rotate=True needs an rng")
        angles = random_angles(n, rng)
    out = np.empty((n, 2 * b, 2 * b), dtype=np.float32)
    with tqdm(total=n, desc=desc, unit="img", disable=not progress, leave=False) as bar:
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            out[start:stop] = project_images(images[start:stop], b, None if angles is None else angles[start:stop])
            bar.update(stop - start)
    return SphericalSet(out, np.asarray(labels, dtype=np.int64), angles, images)


def make_spherical_sets(
    data: PlanarData,
    b: int,
    train_size: int | None,
    test_size: int | None,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, SphericalSet]:
    """The four sets of the experiment.

    The same subsets of planar images (``train_size`` / ``test_size`` drawn at random, ``None``
    for all) give the non-rotated and the rotated sets, with independent rotations for train
    and test.

    Parameters
    ----------
    data : PlanarData
    b : int
    train_size, test_size : int or None
    seed : int
    progress : bool

    Returns
    -------
    dict
        ``"train_nr"``, ``"train_r"``, ``"test_nr"``, ``"test_r"`` -> :class:`SphericalSet`.
    """
    pick, rot_train, rot_test = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    train = subset(data.train_images, data.train_labels, train_size, pick)
    test = subset(data.test_images, data.test_labels, test_size, pick)
    return {
        "train_nr": make_spherical_set(*train, b, False, desc="project train NR", progress=progress),
        "train_r": make_spherical_set(*train, b, True, rot_train, desc="project train R", progress=progress),
        "test_nr": make_spherical_set(*test, b, False, desc="project test NR", progress=progress),
        "test_r": make_spherical_set(*test, b, True, rot_test, desc="project test R", progress=progress),
    }
