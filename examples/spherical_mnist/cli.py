"""Command line: ``python -m examples.spherical_mnist [--preset cpu|paper|tiny] [flags]``."""

from __future__ import annotations

import argparse
import dataclasses
import sys

import torch

from .experiment import PAPER, Config, format_table, run

__all__ = ["PRESETS", "parse_args", "main"]

#: Named starting points; any flag given on the command line overrides them.
PRESETS = {
    # finishes in well under 15 minutes on 2 CPU cores (measured numbers in examples/README.md)
    "cpu": {},
    # the paper's run: all 60 000 + 10 000 images at b = 30, 20 epochs, the original's Adam 5e-3 (a GPU job)
    "paper": {
        "bandwidth": 30,
        "b1": 10,
        "b2": 6,
        "train_size": None,
        "test_size": None,
        "epochs": 20,
        "planar_epochs": 20,
        "lr": 5e-3,
        "eval_batch_size": 256,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "jobs": 1,
    },
    # scikit-learn's 8 x 8 digits at a small bandwidth: a smoke run of the whole pipeline (seconds)
    "tiny": {
        "dataset": "digits",
        "bandwidth": 8,
        "train_size": None,
        "test_size": None,
        "epochs": 3,
        "planar_epochs": 10,
        "jobs": 1,
        "out_dir": None,
    },
}


def _size(text: str) -> int | None:
    if text.lower() in ("all", "none", "0"):
        return None
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'all'; got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m examples.spherical_mnist",
        description=(
            "Rotated spherical MNIST (Cohen et al. 2018, table 1) on Fashion-MNIST: a planar CNN and the "
            "spherical CNN trained on non-rotated (NR) or rotated (R) images, tested on NR or R."
        ),
    )
    d = Config()
    p.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="cpu",
        help="starting values of the flags below (in brackets: the cpu preset's) [cpu]",
    )
    p.add_argument("--dataset", choices=("fashion-mnist", "digits"), help=f"[{d.dataset}]")
    p.add_argument("--data-dir", help="folder with the IDX files [/usr/share/datasets/fashion-mnist]")
    p.add_argument("--bandwidth", type=int, help=f"input bandwidth b, images on a 2b x 2b grid [{d.bandwidth}]")
    p.add_argument("--b1", type=int, help="bandwidth after the S2 convolution [bandwidth/3]")
    p.add_argument("--b2", type=int, help="bandwidth after the SO(3) convolution [bandwidth/5]")
    p.add_argument("--train-size", type=_size, help=f"train images, or 'all' [{d.train_size}]")
    p.add_argument("--test-size", type=_size, help=f"test images, or 'all' [{d.test_size}]")
    p.add_argument("--epochs", type=int, help=f"epochs of the spherical CNN [{d.epochs}]")
    p.add_argument("--planar-epochs", type=int, help=f"epochs of the planar CNN [{d.planar_epochs}]")
    p.add_argument("--batch-size", type=int, help=f"[{d.batch_size}]")
    p.add_argument("--lr", type=float, help=f"Adam learning rate of the spherical CNN [{d.lr}]")
    p.add_argument("--planar-lr", type=float, help=f"Adam learning rate of the planar CNN [{d.planar_lr}]")
    p.add_argument("--eval-batch-size", type=int, help=f"[{d.eval_batch_size}]")
    p.add_argument("--device", help=f"torch device, e.g. cuda [{d.device}]")
    p.add_argument("--jobs", type=int, help=f"trainings at once, in worker processes when > 1 [{d.jobs}]")
    p.add_argument("--threads", type=int, help="torch threads per training [1 with --jobs > 1, else torch's default]")
    p.add_argument("--seed", type=int, help=f"[{d.seed}]")
    p.add_argument("--out-dir", help=f"where results.json and the PNGs go; 'none' writes nothing [{d.out_dir}]")
    p.add_argument("--no-plots", dest="plots", action="store_false", default=None, help="skip the PNGs")
    p.add_argument("--no-progress", dest="progress", action="store_false", default=None, help="no tqdm bars")
    return p


def parse_args(argv=None) -> Config:
    """Build a :class:`Config` from the preset and the flags.

    Parameters
    ----------
    argv : list of str, optional
        Default ``sys.argv[1:]``.

    Returns
    -------
    Config
    """
    ns = vars(_parser().parse_args(argv))
    values = dict(PRESETS[ns.pop("preset")])
    explicit = {k: v for k, v in ns.items() if v is not None}
    # an explicit "all" arrives as None: tell it apart from an absent flag
    args = sys.argv[1:] if argv is None else list(argv)
    for key in ("train_size", "test_size"):
        if any(a == "--" + key.replace("_", "-") or a.startswith("--" + key.replace("_", "-") + "=") for a in args):
            explicit[key] = ns[key]
    values.update(explicit)
    if isinstance(values.get("out_dir"), str) and values["out_dir"].lower() == "none":
        values["out_dir"] = None
    names = {f.name for f in dataclasses.fields(Config)}
    return Config(**{k: v for k, v in values.items() if k in names})


def main(argv=None) -> dict:
    """Run the experiment from the command line and print the table next to the paper's.

    Returns
    -------
    dict
        The results (see :func:`examples.spherical_mnist.experiment.run`).
    """
    cfg = parse_args(argv)
    print(f"config: {dataclasses.asdict(cfg)}", flush=True)
    results = run(cfg)
    data = results["data"]
    print(
        f"\n{data['dataset']}: {data['train']} train / {data['test']} test images on the SOFT grid "
        f"{data['spherical_shape']} (b = {cfg.bandwidth} -> {cfg.b1} -> {cfg.b2}); "
        f"{cfg.epochs} spherical / {cfg.planar_epochs} planar epochs; "
        f"wall time {results['seconds']['total']:.0f} s"
    )
    print("test accuracy (paper: MNIST, all 60 000 images, b = 30):")
    print(format_table(results["accuracy"], PAPER))
    if cfg.out_dir:
        print(f"results and plots in {cfg.out_dir}/")
    return results
