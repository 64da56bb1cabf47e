"""The spherical MNIST example end to end on scikit-learn's 8 x 8 digits (seconds, CPU).

Checks the data pipeline (IDX reading, the projection's geometry, that the rotated sets really
are rotated, in the library's convention), the models' shapes and invariance, and a whole run
of the experiment through the command line: the losses fall, the JSON and the PNGs are written.
"""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest
import torch

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

import s2cnn  # noqa: E402
from examples.spherical_mnist import cli, data, experiment, models, projection  # noqa: E402

B = 8  # bandwidth of the small runs: 16 x 16 grids


def _rel(a, b) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def digits() -> data.PlanarData:
    return data.load_digits()


@pytest.fixture(scope="module")
def sets(digits) -> dict[str, data.SphericalSet]:
    return data.make_spherical_sets(digits, B, train_size=120, test_size=60, seed=3, progress=False)


# ---------------------------------------------------------------------------------------- data


def _write_idx(path, array: np.ndarray, gz: bool) -> None:
    code = {np.dtype(np.uint8): 0x08}[array.dtype]
    raw = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    with (gzip.open if gz else open)(path, "wb") as fh:
        fh.write(raw)


def test_fashion_mnist_loader_reads_idx_files(tmp_path):
    """The real loader on four small IDX files made here (gzipped and not)."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 5, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 3, dtype=np.uint8),
    }
    for i, (name, arr) in enumerate(arrays.items()):
        gz = i % 2 == 0
        _write_idx(tmp_path / (name + (".gz" if gz else "")), arr, gz)
    d = data.load_fashion_mnist(tmp_path)
    assert d.train_images.shape == (5, 28, 28) and d.test_images.shape == (3, 28, 28)
    assert d.train_images.dtype == np.float32 and d.train_labels.dtype == np.int64
    np.testing.assert_allclose(d.train_images, arrays["train-images-idx3-ubyte"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(d.test_labels, arrays["t10k-labels-idx1-ubyte"])
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(tmp_path / "bad")
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        data.load_fashion_mnist(tmp_path / "missing")


def test_projection_geometry():
    """A white image covers the northern cap and nothing of the southern hemisphere; its
    top-left quadrant lands at x < 0, y > 0 (seen from above, upright, not mirrored)."""
    beta = s2cnn.grids.soft_betas(B)
    alpha = s2cnn.grids.soft_alphas(B)
    white = project_one(np.ones((8, 8)))
    assert white.shape == (2 * B, 2 * B) and white.dtype == np.float32
    np.testing.assert_allclose(white[beta < np.radians(60)], 1.0)  # well inside the image square
    assert np.all(white[beta > np.radians(105)] == 0.0)  # beyond its corners (~100 degrees)
    corner = np.zeros((8, 8))
    corner[:4, :4] = 1.0
    ring = project_one(corner)[(beta > np.radians(30)) & (beta < np.radians(60))]
    quadrant = (alpha > np.pi / 2 + 0.1) & (alpha < np.pi - 0.1)  # x < 0, y > 0
    elsewhere = (alpha < np.pi / 2 - 0.1) | (alpha > np.pi + 0.1)
    assert ring[:, quadrant].min() > 0.99 and ring[:, elsewhere].max() < 0.01


def project_one(image: np.ndarray, angles=None) -> np.ndarray:
    return projection.project_images(image[None], B, None if angles is None else np.asarray([angles]))[0]


def test_rotation_about_z_by_grid_steps_is_a_roll(digits):
    """R = Rz(2 pi k / 2b): f(R^{-1} x) is the NR image rolled by +k along alpha, exactly."""
    image = digits.train_images[0]
    nr = project_one(image)
    for k in (1, 5):
        r = project_one(image, (2 * np.pi * k / (2 * B), 0.0, 0.0))
        np.testing.assert_allclose(r, np.roll(nr, k, axis=-1), atol=1e-6)


def test_rotated_sets_are_rotated(sets):
    """R images differ from NR ones, and rotating an R image back by the inverse rotation with
    the library's spectral :func:`s2cnn.s2_rotation` gives its NR image up to the band limit."""
    nr, r = sets["test_nr"], sets["test_r"]
    assert r.images.shape == nr.images.shape == (60, 2 * B, 2 * B)
    assert r.angles.shape == (60, 3) and nr.angles is None
    np.testing.assert_array_equal(r.labels, nr.labels)
    np.testing.assert_array_equal(r.planar, nr.planar)
    far, back = [], []
    for i in range(12):
        f = nr.images[i].astype(np.float64)
        low = s2cnn.s2_ifft(s2cnn.s2_fft(torch.from_numpy(f))).real.numpy()  # f at bandwidth b
        rot = s2cnn.s2_rotation(torch.from_numpy(r.images[i]).double(), *projection.inverse_angles(*r.angles[i]))
        far.append(_rel(r.images[i], f))
        back.append(_rel(rot.numpy(), low))
    assert np.median(far) > 0.7, far
    assert np.median(back) < 0.15 and max(back) < 0.3, back
    # Haar-random: cos(beta) of the rotations spreads over [-1, 1]
    assert np.ptp(np.cos(sets["train_r"].angles[:, 1])) > 1.5


def test_inverse_angles_compose_to_identity():
    rng = np.random.default_rng(1)
    for _ in range(5):
        a = s2cnn.testing.random_rotation(rng)
        prod = projection.rotation_matrices(a) @ projection.rotation_matrices(projection.inverse_angles(*a))
        np.testing.assert_allclose(prod, np.eye(3), atol=1e-12)


# -------------------------------------------------------------------------------------- models


def test_models_shapes_and_invariance(sets):
    x = torch.from_numpy(sets["test_nr"].images[:6, None])
    sph = models.SphericalCNN(B)
    pla = models.PlanarCNN(2 * B)
    assert sph.bandwidths == (8, 3, 2)
    assert sph(x).shape == pla(x).shape == (6, 10)
    # a rotation about z by pi: whole alpha steps of every grid of the net (16, 6 and 4 points),
    # so exactly invariant for the spherical CNN up to rounding; not for the planar one
    xr = torch.roll(x, B, dims=-1)
    with torch.no_grad():
        assert _rel(sph(xr).numpy(), sph(x).numpy()) < 1e-5
        assert _rel(pla(xr).numpy(), pla(x).numpy()) > 1e-2
    assert models.default_bandwidths(30) == (10, 6)
    assert models.PlanarCNN(60).out.in_features == 64 * 5 * 5  # the paper's 60 -> 19 -> 5


# ---------------------------------------------------------------------------------- end to end


def test_cli_flags():
    cfg = cli.parse_args(["--preset", "paper", "--train-size", "all", "--epochs", "2", "--out-dir", "none"])
    assert (cfg.bandwidth, cfg.b1, cfg.b2, cfg.train_size, cfg.test_size, cfg.epochs) == (30, 10, 6, None, None, 2)
    assert cfg.out_dir is None
    cfg = cli.parse_args(["--train-size", "100", "--bandwidth", "12"])
    assert (cfg.train_size, cfg.bandwidth, cfg.dataset) == (100, 12, "fashion-mnist")


def test_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["--preset", "tiny", "--train-size", "256", "--test-size", "64", "--epochs", "3", "--planar-epochs", "3",
            "--lr", "2e-2", "--planar-lr", "3e-3", "--jobs", "2", "--out-dir", str(out), "--no-progress"]  # fmt: skip
    results = cli.main(args)
    printed = capsys.readouterr().out
    assert "spherical (paper)" in printed and "NR/R" in printed

    saved = json.loads((out / "results.json").read_text())
    assert saved["accuracy"] == results["accuracy"]
    want = {"dataset": "digits", "train": 256, "test": 64, "spherical_shape": [16, 16]}
    assert {k: saved["data"][k] for k in want} == want
    assert saved["environment"]["jobs"] == 2 and saved["environment"]["threads_per_job"] == [1]
    for net in ("planar", "spherical"):
        assert set(saved["accuracy"][net]) == set(experiment.SETTINGS)
        assert all(0.0 <= v <= 1.0 for v in saved["accuracy"][net].values())
    for name, m in saved["models"].items():
        loss = np.asarray(m["losses"])
        assert m["steps"] == len(loss) == 3 * 8, name
        assert loss[-8:].mean() < loss[:8].mean(), (name, m["epoch_losses"])
    for png in ("samples.png", "accuracy.png", "losses.png"):
        head = (out / png).read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n", png
    assert sorted(saved["plots"]) == sorted(str(out / p) for p in ("samples.png", "accuracy.png", "losses.png"))
