"""The library's Wigner-d recursion against lie_learn, up to lie_learn's limit l = 150.

Runs in the ``lie_learn`` tox environment (lie-learn 0.0.2 needs numpy<2); skips elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from s2cnn.wigner import wigner_d_matrix

from .tolerances import TOLERANCES

pytestmark = pytest.mark.lie_learn

BETAS = (0.0, 1e-3, 0.3, 1.0, np.pi / 2, 2.2, 3.0, np.pi)
DEGREES = (0, 1, 2, 7, 31, 64, 100, 150)


@pytest.fixture(scope="module")
def lie_learn_d():
    import warnings

    import reference

    with warnings.catch_warnings():
        # deprecations lie_learn 0.0.2's own modules raise on import are not under test here
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"lie_learn(\.|$)")
        pytest.importorskip("lie_learn", reason="lie_learn is installed in the numpy<2 tox env 'lie_learn' only")
        reference.lie_learn_wigner_d_matrix(0, 0.0)
    return reference.lie_learn_wigner_d_matrix


@pytest.mark.parametrize("l", DEGREES)
def test_recursion_matches_lie_learn(l, lie_learn_d):
    import torch

    tol = TOLERANCES[torch.float64]["wigner_anchor"]
    for beta in BETAS:
        ours = wigner_d_matrix(l, beta)
        theirs = np.real(lie_learn_d(l, beta))
        err = np.abs(ours - theirs).max()
        assert err <= tol, f"l={l} beta={beta}: max |ours - lie_learn| = {err:.2e} > {tol:.0e}"
