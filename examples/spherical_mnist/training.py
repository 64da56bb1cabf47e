"""Training and evaluation loops with tqdm progress bars."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .data import SphericalSet

__all__ = ["TrainLog", "batches", "train", "evaluate"]


@dataclass
class TrainLog:
    """What one training run recorded.

    Attributes
    ----------
    losses : list of float
        Cross-entropy of every step, in order.
    epoch_losses : list of float
        Mean loss of each epoch.
    seconds : float
        Wall time of the whole run.
    steps : int
    """

    losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0


def batches(data: SphericalSet, batch_size: int, rng: np.random.Generator | None = None):
    """Yield ``(images [B, 1, 2b, 2b], labels [B])`` CPU tensors, shuffled when ``rng`` is given."""
    n = len(data)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield torch.from_numpy(data.images[idx][:, None]), torch.from_numpy(data.labels[idx])


def train(
    model: nn.Module,
    data: SphericalSet,
    epochs: int,
    batch_size: int,
    lr: float,
    device: str | torch.device = "cpu",
    seed: int = 0,
    desc: str = "train",
    progress: bool = True,
    position: int = 0,
) -> TrainLog:
    """Train with Adam on the cross-entropy, one shuffled pass over ``data`` per epoch.

    Parameters
    ----------
    model : torch.nn.Module
        Already on ``device``.
    data : SphericalSet
    epochs, batch_size : int
    lr : float
        Adam's learning rate.
    device : str or torch.device
    seed : int
        Seeds the shuffling.
    desc : str
        Progress-bar label.
    progress : bool
        Show a tqdm bar (one per epoch, with the running loss).
    position : int
        Line of the bar (for bars of parallel jobs).

    Returns
    -------
    TrainLog
    """
    log = TrainLog()
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    steps_per_epoch = -(-len(data) // batch_size)
    start = time.perf_counter()
    model.train()
    for epoch in range(epochs):
        total, count = 0.0, 0
        bar = tqdm(
            batches(data, batch_size, rng),
            total=steps_per_epoch,
            desc=f"{desc} {epoch + 1}/{epochs}",
            unit="batch",
            disable=not progress,
            leave=False,
            position=position,
        )
        for images, labels in bar:
            images, labels = images.to(device), labels.to(device)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(images), labels)
            loss.backward()
            opt.step()
            value = loss.item()
            log.losses.append(value)
            total += value * len(labels)
            count += len(labels)
            bar.set_postfix(loss=f"{total / count:.3f}")
        bar.close()
        log.epoch_losses.append(total / max(count, 1))
        if progress:
            tqdm.write(f"{desc}: epoch {epoch + 1}/{epochs} mean loss {log.epoch_losses[-1]:.4f}")
    log.seconds = time.perf_counter() - start
    log.steps = len(log.losses)
    return log


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: SphericalSet,
    batch_size: int = 128,
    device: str | torch.device = "cpu",
    desc: str = "test",
    progress: bool = True,
    position: int = 0,
) -> float:
    """Classification accuracy of ``model`` on ``data`` (a fraction in ``[0, 1]``)."""
    model.eval()
    correct = 0
    steps = -(-len(data) // batch_size)
    for images, labels in tqdm(
        batches(data, batch_size),
        total=steps,
        desc=desc,
        unit="batch",
        disable=not progress,
        leave=False,
        position=position,
    ):
        pred = model(images.to(device)).argmax(dim=1).cpu()
        correct += int((pred == labels).sum())
    return correct / max(len(data), 1)
