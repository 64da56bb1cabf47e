"""Cross-checks of the exact reference against lie_learn (the original s2cnn's Wigner source).

Runs in the environment with ``lie-learn==0.0.2`` and ``numpy<2``; skipped where lie_learn is
not importable.
"""

import warnings

import numpy as np
import pytest
import torch

from reference import (
    lie_learn_wigner_d_matrix,
    so3_weights,
    soft_alphas,
    soft_betas,
    wigner_D_matrix,
    wigner_d_matrix,
)

from .tolerances import TOLERANCES

with warnings.catch_warnings():
    # lie_learn 0.0.2 predates current Python and numpy: deprecations its own modules raise while
    # importing are not under test here (everything else still turns into an error)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"lie_learn(\.|$)")
    pytest.importorskip("lie_learn")
    lie_learn_wigner_d_matrix(0, 0.0)  # imports lie_learn's Wigner module, after the collections shim
    import lie_learn.spaces.S3 as S3
    from lie_learn.representations.SO3.wigner_d import wigner_D_matrix as lie_learn_D

pytestmark = pytest.mark.lie_learn

TOL = TOLERANCES[torch.float64]["wigner_anchor"]  # absolute

BETAS = (0.0, 0.1, 1.0, np.pi / 2, 2.5, np.pi) + tuple(soft_betas(4)[[0, 3, 7]])


@pytest.mark.parametrize("l", [0, 1, 2, 3, 5, 10, 31, 64, 100, 128, 150])
def test_wigner_d_matches_lie_learn(l):
    ours = wigner_d_matrix(l, np.array(BETAS))
    for i, beta in enumerate(BETAS):
        theirs = lie_learn_wigner_d_matrix(l, beta)
        assert theirs.shape == (2 * l + 1, 2 * l + 1)
        assert np.abs(ours[i] - theirs).max() <= TOL, beta


def test_wigner_D_matches_lie_learn():
    for l in range(6):
        for alpha, beta, gamma in [(0.3, 0.7, 1.1), (2.0, 2.9, -0.4), (0.0, np.pi / 2, np.pi)]:
            theirs = lie_learn_D(l, alpha, beta, gamma, field="complex", normalization="quantum",
                                 order="centered", condon_shortley="cs")
            assert np.abs(wigner_D_matrix(l, alpha, beta, gamma) - theirs).max() <= TOL


@pytest.mark.parametrize("b", [1, 2, 3, 8, 16, 32])
def test_quadrature_weights_match_lie_learn(b):
    assert np.abs(so3_weights(b) - S3.quadrature_weights(b)).max() <= 1e-16
    assert np.allclose(soft_alphas(b), np.arange(2 * b) * np.pi / b, rtol=0, atol=1e-15)
