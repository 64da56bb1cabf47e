"""PNG figures of a run: projected images on the sphere, the accuracy table, the training losses.

Uses matplotlib's object-oriented API (:class:`matplotlib.figure.Figure`), so nothing depends
on, or changes, the pyplot backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from .data import PlanarData, SphericalSet
from .experiment import SETTINGS

__all__ = ["sphere_surface", "plot_samples", "plot_accuracy", "plot_losses"]

_CMAP = "viridis"


def sphere_surface(ax, image: np.ndarray, cmap: str = _CMAP) -> None:
    """Draw an S2 image on a 3D axis, one quadrilateral per SOFT grid cell.

    Parameters
    ----------
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D
    image : numpy.ndarray
        ``[2b, 2b]`` indexed ``[beta, alpha]``; cell ``(j, k)`` spans
        :math:`\\beta \\in [\\pi j/2b, \\pi(j+1)/2b]`, :math:`\\alpha \\in \\alpha_k \\pm \\pi/2b`.
    cmap : str
    """
    n = image.shape[0]
    beta = np.linspace(0, np.pi, n + 1)
    alpha = (np.arange(n + 1) - 0.5) * (2 * np.pi / n)
    B, A = np.meshgrid(beta, alpha, indexing="ij")
    lo, hi = float(image.min()), float(image.max())
    colors = colormaps[cmap]((image - lo) / (hi - lo if hi > lo else 1.0))
    ax.plot_surface(
        np.sin(B) * np.cos(A), np.sin(B) * np.sin(A), np.cos(B),
        facecolors=colors, rstride=1, cstride=1, shade=False, linewidth=0, antialiased=False,
    )  # fmt: skip
    ax.set_box_aspect((1, 1, 1))
    ax.set_xlim(-0.8, 0.8)
    ax.set_ylim(-0.8, 0.8)
    ax.set_zlim(-0.8, 0.8)
    ax.set_axis_off()


def plot_samples(
    planar: PlanarData, sets: dict[str, SphericalSet], path: str | Path, n: int = 4, split: str = "test"
) -> str:
    """A few images: planar, on the sphere (NR and R) and as the ``[beta, alpha]`` grids.

    Columns: the planar image; the NR image on the sphere seen from above the north pole; the
    R image seen from :math:`R e_z` (where the image's centre went); the NR and the R grid as
    the networks get them (rows beta from 0 at the top, columns alpha).

    Parameters
    ----------
    planar : PlanarData
        For the class names.
    sets : dict
        From :func:`make_spherical_sets`; uses ``{split}_nr`` and ``{split}_r`` (same images).
    path : path-like
        PNG to write.
    n : int
        How many images (the first ``n`` of the split).
    split : {"test", "train"}

    Returns
    -------
    str
        ``path``.
    """
    nr, r = sets[f"{split}_nr"], sets[f"{split}_r"]
    n = min(n, len(nr))
    b = nr.images.shape[-1] // 2
    fig = Figure(figsize=(12.5, 2.6 * n))
    titles = ("planar image", "NR, seen from +z", "R, seen from R e_z", "NR grid [beta, alpha]", "R grid [beta, alpha]")
    for i in range(n):
        axes = [fig.add_subplot(n, 5, 5 * i + c + 1, projection="3d" if c in (1, 2) else None) for c in range(5)]
        axes[0].imshow(nr.planar[i], cmap=_CMAP)
        axes[0].set_ylabel(planar.classes[int(nr.labels[i])])
        axes[0].set_xticks([])
        axes[0].set_yticks([])
        sphere_surface(axes[1], nr.images[i])
        axes[1].view_init(elev=90, azim=-90)
        a, be, g = r.angles[i]
        sphere_surface(axes[2], r.images[i])
        axes[2].view_init(elev=90 - np.degrees(be), azim=np.degrees(a))
        caption = f"R = ({a:.2f}, {be:.2f}, {g:.2f})"
        axes[2].text2D(0.5, 0.0, caption, transform=axes[2].transAxes, ha="center", fontsize=8)
        for ax, img in ((axes[3], nr.images[i]), (axes[4], r.images[i])):
            ax.imshow(img, cmap=_CMAP, extent=(0, 2 * np.pi, np.pi, 0), aspect="auto")
            ax.set_xticks([0, np.pi, 2 * np.pi], ["0", "π", "2π"])
            ax.set_yticks([0, np.pi / 2, np.pi], ["0", "π/2", "π"])
            ax.tick_params(labelsize=7)
        if i == 0:
            for ax, t in zip(axes, titles, strict=True):
                ax.set_title(t, fontsize=10)
    fig.suptitle(f"{planar.name} on the sphere (SOFT grid, b = {b}); R: one Haar-random rotation per image")
    fig.subplots_adjust(left=0.04, right=0.99, top=0.92, bottom=0.04, wspace=0.25, hspace=0.25)
    fig.savefig(path, dpi=80)
    return str(path)


def plot_accuracy(accuracy: dict, paper: dict | None, path: str | Path, title: str = "") -> str:
    """Grouped bars of the test accuracies, ours beside the paper's (hatched).

    Parameters
    ----------
    accuracy : dict
        ``{"planar": {"NR/NR": acc, "R/R": ..., "NR/R": ...}, "spherical": {...}}``.
    paper : dict or None
    path : path-like
    title : str

    Returns
    -------
    str
        ``path``.
    """
    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.add_subplot()
    x = np.arange(len(SETTINGS))
    bars = [("planar", "ours", accuracy, "C0", None), ("spherical", "ours", accuracy, "C1", None)]
    if paper is not None:
        bars += [("planar", "paper (MNIST)", paper, "C0", "//"), ("spherical", "paper (MNIST)", paper, "C1", "//")]
    bars.sort(key=lambda t: t[0] == "spherical")
    width = 0.8 / len(bars)
    for i, (net, who, table, color, hatch) in enumerate(bars):
        values = [table[net][s] for s in SETTINGS]
        pos = x - 0.4 + width * (i + 0.5)
        rects = ax.bar(
            pos, values, width, label=f"{net}, {who}", color=color, alpha=0.45 if hatch else 1.0,
            hatch=hatch, edgecolor="black", linewidth=0.6,
        )  # fmt: skip
        ax.bar_label(rects, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
    ax.set_xticks(x, [f"{s}\n(train/test)" for s in SETTINGS])
    ax.set_ylim(0, 1.3)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("test accuracy")
    ax.set_title(title or "test accuracy", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", ncols=2)
    ax.grid(axis="y", alpha=0.3)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.15)
    fig.savefig(path, dpi=100)
    return str(path)


def plot_losses(models: dict, path: str | Path, window: int = 20) -> str:
    """Training cross-entropy against epochs (running mean over ``window`` steps).

    Parameters
    ----------
    models : dict
        ``results["models"]``: name -> dict with ``losses`` (per step) and ``epochs``.
    path : path-like
    window : int

    Returns
    -------
    str
        ``path``.
    """
    fig = Figure(figsize=(7, 3.8))
    ax = fig.add_subplot()
    for name, m in models.items():
        loss = np.asarray(m["losses"], dtype=np.float64)
        if loss.size == 0:
            continue
        w = max(1, min(window, loss.size // 5))
        smooth = np.convolve(loss, np.ones(w) / w, mode="valid")
        steps = np.arange(w, loss.size + 1) * (m["epochs"] / loss.size)
        net, trained_on = name.split("_")
        ax.plot(steps, smooth, label=f"{net}, trained on {trained_on.upper()}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("train loss (running mean)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.13, right=0.98, top=0.95, bottom=0.13)
    fig.savefig(path, dpi=100)
    return str(path)
