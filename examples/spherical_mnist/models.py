"""The two networks of the paper's spherical MNIST experiment (Cohen et al. 2018, sec. 5.1).

* :class:`PlanarCNN`, the baseline: a 2D CNN on the ``[beta, alpha]`` grid seen as a flat
  image, conv(5x5, stride 3) - ReLU - conv(5x5, stride 3) - ReLU - linear, with 32 and 64
  channels (the paper's planar baseline).
* :class:`SphericalCNN`: S2 convolution ``b_in -> b1`` with 20 features, SO(3) convolution
  ``b1 -> b2`` with 40 features, ReLU after each, :func:`s2cnn.so3_integrate` over SO(3) and a
  linear layer (the paper's ``30 -> 10 -> 6`` network and the original example's ``original``
  model), with the default kernel grids :func:`s2cnn.s2_near_identity_grid` (24 points) and
  :func:`s2cnn.so3_near_identity_grid` (192 points).
"""

from __future__ import annotations

import torch
from torch import nn

import s2cnn

__all__ = ["PlanarCNN", "SphericalCNN", "default_bandwidths", "count_parameters"]


def default_bandwidths(b_in: int) -> tuple[int, int]:
    """The inner bandwidths for an input bandwidth, scaled like the paper's ``30 -> 10 -> 6``.

    Parameters
    ----------
    b_in : int

    Returns
    -------
    (int, int)
        ``(b1, b2)`` with ``b1 = max(2, round(b_in / 3))`` and ``b2 = max(1, round(b_in / 5))``
        (``30 -> (10, 6)``, ``20 -> (7, 4)``, ``12 -> (4, 2)``, ``8 -> (3, 2)``).
    """
    return max(2, round(b_in / 3)), max(1, round(b_in / 5))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class PlanarCNN(nn.Module):
    """Planar baseline on the ``[2b, 2b]`` equirectangular image.

    Parameters
    ----------
    size : int
        Side of the input image (``2b``); inputs are ``[batch, 1, size, size]``.
    channels : (int, int)
        Channels of the two convolutions (paper: 32, 64).
    n_classes : int
    kernel, stride : int
        Of both convolutions (paper: 5, 3).

    Notes
    -----
    No padding (the paper's net: ``60 -> 19 -> 5`` pixels at ``b = 30``), unless the image is
    too small for two unpadded convolutions (``size < 20``); then both pad by ``kernel // 2``.
    """

    def __init__(self, size: int, channels=(32, 64), n_classes: int = 10, kernel: int = 5, stride: int = 3):
        super().__init__()
        c1, c2 = channels
        after_one = (size - kernel) // stride + 1
        pad = 0 if after_one >= kernel else kernel // 2
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel, stride=stride, padding=pad),
            nn.ReLU(),
            nn.Conv2d(c1, c2, kernel, stride=stride, padding=pad),
            nn.ReLU(),
            nn.Flatten(),
        )
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, 1, size, size)).shape[1]
        self.out = nn.Linear(n_flat, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[batch, 1, 2b, 2b]`` -> logits ``[batch, n_classes]``."""
        return self.out(self.features(x))


class SphericalCNN(nn.Module):
    """The paper's spherical CNN: S2Conv - ReLU - SO3Conv - ReLU - integrate - linear.

    Parameters
    ----------
    b_in : int
        Input bandwidth; inputs are ``[batch, 1, 2b_in, 2b_in]``.
    b1, b2 : int, optional
        Bandwidths after the S2 and the SO(3) convolution (default :func:`default_bandwidths`;
        paper: 10 and 6 for ``b_in = 30``).
    features : (int, int)
        Features of the two convolutions (paper: 20, 40).
    n_classes : int
    """

    def __init__(self, b_in: int, b1: int | None = None, b2: int | None = None, features=(20, 40), n_classes=10):
        super().__init__()
        d1, d2 = default_bandwidths(b_in)
        b1 = d1 if b1 is None else b1
        b2 = d2 if b2 is None else b2
        f1, f2 = features
        self.bandwidths = (b_in, b1, b2)
        self.conv1 = s2cnn.S2Convolution(1, f1, b_in, b1, s2cnn.s2_near_identity_grid())
        self.conv2 = s2cnn.SO3Convolution(f1, f2, b1, b2, s2cnn.so3_near_identity_grid())
        self.out = nn.Linear(f2, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[batch, 1, 2b_in, 2b_in]`` -> logits ``[batch, n_classes]``; rotation-invariant
        up to sampling and the pointwise ReLU."""
        x = torch.relu(self.conv1(x))  # [batch, f1, 2b1, 2b1, 2b1]
        x = torch.relu(self.conv2(x))  # [batch, f2, 2b2, 2b2, 2b2]
        return self.out(s2cnn.so3_integrate(x))  # [batch, f2] -> [batch, n_classes]
