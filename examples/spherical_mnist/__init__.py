"""Rotated spherical MNIST (Cohen et al., Spherical CNNs, ICLR 2018, sec. 5.1), end to end.

Planar images (Fashion-MNIST from Debian's ``dataset-fashion-mnist``, or scikit-learn's 8 x 8
digits) are projected onto the SOFT grid of the sphere, once as they are (NR) and once with a
Haar-random rotation per image (R); a planar CNN and the paper's spherical CNN are trained on
NR or R and tested on NR or R. Run ``python -m examples.spherical_mnist --help``.

Modules: :mod:`.projection` (geometry, exactly what is sampled where), :mod:`.data` (sources
and the four sets), :mod:`.models`, :mod:`.training`, :mod:`.experiment` (the protocol, the
results JSON), :mod:`.plots`, :mod:`.cli`.
"""

from .data import load_digits, load_fashion_mnist, make_spherical_sets
from .experiment import PAPER, Config, format_table, run
from .models import PlanarCNN, SphericalCNN
from .projection import inverse_angles, project_images

__all__ = [
    "Config",
    "PAPER",
    "PlanarCNN",
    "SphericalCNN",
    "format_table",
    "inverse_angles",
    "load_digits",
    "load_fashion_mnist",
    "make_spherical_sets",
    "project_images",
    "run",
]
