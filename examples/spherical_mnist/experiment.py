"""The whole experiment: data, four trainings, the NR/NR, R/R and NR/R accuracies, JSON and plots.

Protocol (Cohen et al. 2018, sec. 5.1, table 1): each network is trained once on the
non-rotated (NR) train set and once on the rotated (R) one; the NR-trained model is tested on
the NR and on the R test set, the R-trained model on the R test set.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

import s2cnn

from .data import load_planar, make_spherical_sets
from .models import PlanarCNN, SphericalCNN, count_parameters, default_bandwidths
from .training import evaluate, train

__all__ = ["PAPER", "SETTINGS", "Config", "run", "format_table"]

#: Table 1 of Cohen et al. (2018), spherical MNIST (test accuracy).
PAPER = {
    "planar": {"NR/NR": 0.98, "R/R": 0.23, "NR/R": 0.11},
    "spherical": {"NR/NR": 0.96, "R/R": 0.95, "NR/R": 0.94},
}
#: (train set, test set) of each setting.
SETTINGS = {"NR/NR": ("train_nr", "test_nr"), "R/R": ("train_r", "test_r"), "NR/R": ("train_nr", "test_r")}


@dataclass
class Config:
    """Every knob of a run (the CPU-sized defaults; ``python -m examples.spherical_mnist --help``).

    Attributes
    ----------
    dataset : {"fashion-mnist", "digits"}
    data_dir : str or None
        Folder of the IDX files (default: the Debian package's).
    bandwidth : int
        Input bandwidth :math:`b`: images on the ``[2b, 2b]`` SOFT grid.
    b1, b2 : int or None
        Bandwidths after the two spherical convolutions (None: ``bandwidth/3``, ``bandwidth/5``).
    train_size, test_size : int or None
        Random subsets of the planar train and test images (None: all).
    epochs, planar_epochs : int
        Passes over the train set for the spherical and the planar network.
    batch_size : int
    lr, planar_lr : float
        Adam learning rates of the spherical and the planar network.
    eval_batch_size : int
    device : str
        ``"cpu"``, ``"cuda"``, ...
    jobs : int
        Trainings run at once, in worker processes when above 1.
    threads : int or None
        ``torch.set_num_threads`` of each training (None: 1 when ``jobs > 1``, else torch's
        default).
    seed : int
        Seeds the subsets, the rotations, the initialisations and the shuffling (the NR- and
        the R-trained copy of a network get the same initialisation and batch order).
    out_dir : str or None
        Where ``results.json`` and the PNGs go (None: write nothing).
    plots : bool
    progress : bool
        tqdm bars and per-epoch lines on stderr.
    """

    dataset: str = "fashion-mnist"
    data_dir: str | None = None
    bandwidth: int = 30
    b1: int | None = None
    b2: int | None = None
    train_size: int | None = 6000
    test_size: int | None = 2000
    epochs: int = 3
    planar_epochs: int = 10
    batch_size: int = 32
    lr: float = 5e-2
    planar_lr: float = 1e-3
    eval_batch_size: int = 128
    device: str = "cpu"
    jobs: int = 2
    threads: int | None = None
    seed: int = 0
    out_dir: str | None = "examples/results"
    plots: bool = True
    progress: bool = True


def format_table(accuracy: dict, paper: dict | None = PAPER) -> str:
    """The accuracy table as text, ours next to the paper's.

    Parameters
    ----------
    accuracy : dict
        ``{"planar": {"NR/NR": acc, ...}, "spherical": {...}}``.
    paper : dict, optional

    Returns
    -------
    str
    """
    lines = [f"{'':20s}" + "".join(f"{s:>8s}" for s in SETTINGS)]
    for net in ("planar", "spherical"):
        rows = [(f"{net} (ours)", accuracy.get(net))]
        if paper is not None:
            rows.append((f"{net} (paper)", paper[net]))
        for name, acc in rows:
            if acc is not None:
                lines.append(f"{name:20s}" + "".join(f"{acc[s]:8.3f}" for s in SETTINGS))
    return "\n".join(lines)


def _make_model(net: str, cfg: Config, n_classes: int, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    if net == "planar":
        return PlanarCNN(2 * cfg.bandwidth, n_classes=n_classes)
    return SphericalCNN(cfg.bandwidth, cfg.b1, cfg.b2, n_classes=n_classes)


def _fit(job: dict) -> dict:
    """Train one network on one train set and test it on the settings that use it.

    Runs inline or in a worker process (so it takes and returns plain picklable data).
    """
    cfg, net, train_key = job["cfg"], job["net"], job["train_key"]
    if job["threads"]:
        torch.set_num_threads(job["threads"])
    epochs = cfg.planar_epochs if net == "planar" else cfg.epochs
    lr = cfg.planar_lr if net == "planar" else cfg.lr
    tag = f"{net} {train_key[6:].upper()}"
    model = _make_model(net, cfg, job["n_classes"], job["seed"]).to(cfg.device)
    log = train(
        model, job["sets"][train_key], epochs, cfg.batch_size, lr, device=cfg.device,
        seed=job["seed"], desc=f"train {tag}", progress=cfg.progress, position=job["position"],
    )  # fmt: skip
    t_eval = time.perf_counter()
    accuracy = {
        setting: evaluate(
            model,
            job["sets"][te],
            cfg.eval_batch_size,
            cfg.device,
            desc=f"test {tag} on {te[5:].upper()}",
            progress=cfg.progress,
            position=job["position"],
        )
        for setting, (tr, te) in SETTINGS.items()
        if tr == train_key
    }
    return {
        "accuracy": accuracy,
        "parameters": count_parameters(model),
        "epochs": epochs,
        "lr": lr,
        "steps": log.steps,
        "epoch_losses": log.epoch_losses,
        "losses": [round(v, 4) for v in log.losses],
        "train_seconds": log.seconds,
        "eval_seconds": time.perf_counter() - t_eval,
        "threads": torch.get_num_threads(),
    }


def run(cfg: Config) -> dict:
    """Run the experiment.

    The four trainings (planar and spherical, each on NR and on R) are independent jobs; with
    ``cfg.jobs > 1`` they run in that many worker processes (``spawn``), each with
    ``cfg.threads`` torch threads (default 1 then), which on a small shared CPU uses the cores
    better than one process with several threads.

    Parameters
    ----------
    cfg : Config

    Returns
    -------
    dict
        JSON-ready: ``accuracy`` (``{net: {setting: acc}}``), ``paper``, ``config``, ``data``
        (sizes and shapes), ``models`` (parameters, training logs, seconds), ``seconds``
        (data, trainings, total) and ``environment``. Also written to
        ``cfg.out_dir/results.json`` with the plots beside it, when ``out_dir`` is set.
    """
    t0 = time.perf_counter()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    b1, b2 = default_bandwidths(cfg.bandwidth)
    cfg.b1 = b1 if cfg.b1 is None else cfg.b1
    cfg.b2 = b2 if cfg.b2 is None else cfg.b2

    planar = load_planar(cfg.dataset, cfg.data_dir)
    n_classes = len(planar.classes)
    sets = make_spherical_sets(planar, cfg.bandwidth, cfg.train_size, cfg.test_size, cfg.seed, cfg.progress)
    t_data = time.perf_counter() - t0

    # the NR- and the R-trained copy of a network share their initialisation and batch order,
    # so that they differ only by the rotations of the data
    jobs = []
    for k, net in enumerate(("planar", "spherical")):
        for train_key in ("train_nr", "train_r"):
            needed = {train_key} | {te for tr, te in SETTINGS.values() if tr == train_key}
            jobs.append({
                "cfg": cfg, "net": net, "train_key": train_key, "n_classes": n_classes,
                "sets": {key: sets[key] for key in needed}, "seed": cfg.seed + 10 * k,
                "threads": cfg.threads or (1 if cfg.jobs > 1 else None), "position": len(jobs) % max(cfg.jobs, 1),
            })  # fmt: skip
    t_fit = time.perf_counter()
    if cfg.jobs > 1:
        with ProcessPoolExecutor(cfg.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            outs = list(pool.map(_fit, jobs))
    else:
        outs = [_fit(job) for job in jobs]
    t_fit = time.perf_counter() - t_fit
    accuracy = {net: {} for net in ("planar", "spherical")}
    models = {}
    for job, out in zip(jobs, outs, strict=True):
        accuracy[job["net"]].update(out.pop("accuracy"))
        models[f"{job['net']}_{job['train_key'][6:]}"] = out
    accuracy = {net: {s: acc[s] for s in SETTINGS} for net, acc in accuracy.items()}

    results = {
        "accuracy": accuracy,
        "paper": PAPER,
        "config": asdict(cfg),
        "data": {
            "dataset": planar.name,
            "classes": list(planar.classes),
            "planar_shape": list(planar.train_images.shape[1:]),
            "train": len(sets["train_nr"]),
            "test": len(sets["test_nr"]),
            "sphere_grid": "SOFT",
            "spherical_shape": list(sets["train_nr"].images.shape[1:]),
        },
        "models": models,
        "seconds": {"data": t_data, "train_and_test": t_fit, "total": time.perf_counter() - t0},
        "environment": {
            "torch": torch.__version__,
            "s2cnn": s2cnn.__version__,
            "python": platform.python_version(),
            "jobs": cfg.jobs,
            "threads_per_job": sorted({m["threads"] for m in models.values()}),
            "cpus": os.cpu_count(),
            "device": cfg.device,
            "machine": platform.machine(),
        },
    }
    if cfg.out_dir:
        out = Path(cfg.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if cfg.plots:
            from .plots import plot_accuracy, plot_losses, plot_samples

            title = (
                f"{planar.name}: b = {cfg.bandwidth} -> {cfg.b1} -> {cfg.b2}, {len(sets['train_nr'])} train / "
                f"{len(sets['test_nr'])} test images, {cfg.epochs} spherical / {cfg.planar_epochs} planar epochs"
            )
            results["plots"] = [
                plot_samples(planar, sets, out / "samples.png"),
                plot_accuracy(accuracy, PAPER, out / "accuracy.png", title=title),
                plot_losses(models, out / "losses.png"),
            ]
        results["seconds"]["total"] = time.perf_counter() - t0
        (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    return results
