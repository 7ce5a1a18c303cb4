"""Mislabeled-data detection by self-influence (Koh & Liang 2017 §5.4; issue 20's proof on the CovidResNet).

Flip a fraction of the training labels, train the model on the flipped set, rank the training images by
self-influence ∇L(i)ᵀH⁻¹∇L(i) and inspect them from the top: the *detection curve* says which fraction of the
flipped images has been found after inspecting each fraction of the training set (random inspection finds the
same fraction it inspects).

>>> from layerwalk.influence.mislabeled import flipped_fashion_experiment
>>> exp = flipped_fashion_experiment()  # doctest: +SKIP
>>> result = layerwalk.influence(exp.model, exp.train, exp.train.inputs[:1], layers="last")  # doctest: +SKIP
>>> detection_curve(result.self_influence, exp.flipped)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from layerwalk.influence.data import TrainingSet

__all__ = ["FlippedExperiment", "detection_curve", "flip_labels", "flipped_fashion_experiment"]

INSPECTED = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)


def flip_labels(labels: torch.Tensor, fraction: float, num_classes: int, seed: int = 0
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """(new labels, flipped mask): ``round(fraction · N)`` images get a different class, drawn uniformly."""
    rng = np.random.default_rng(seed)
    picked = torch.from_numpy(rng.choice(len(labels), round(fraction * len(labels)), replace=False))
    shift = torch.from_numpy(rng.integers(1, num_classes, len(picked)))
    out = labels.clone()
    out[picked] = (labels[picked] + shift) % num_classes
    mask = torch.zeros(len(labels), dtype=torch.bool)
    mask[picked] = True
    return out, mask


def detection_curve(self_influence: torch.Tensor, flipped: torch.Tensor,
                    inspected: Sequence[float] = INSPECTED) -> list[tuple[float, float]]:
    """[(fraction of the training set inspected, fraction of the flipped images found)], highest self-influence
    first."""
    order = torch.sort(self_influence, descending=True, stable=True).indices
    hits = flipped[order].double().cumsum(0)
    total = max(int(flipped.sum()), 1)
    return [(f, float(hits[max(round(f * len(order)), 1) - 1]) / total) for f in inspected]


@dataclass
class FlippedExperiment:
    """A CovidResNet trained on Fashion-MNIST images of which ``flipped`` have a wrong label (``true_labels``)."""

    model: nn.Module
    train: TrainingSet
    flipped: torch.Tensor
    true_labels: torch.Tensor
    clean_accuracy: float


FASHION_CLASSES = (0, 1, 7, 8)  # T-shirt/top, Trouser, Sneaker, Bag: four classes a short training tells apart


def flipped_fashion_experiment(classes: Sequence[int] = FASHION_CLASSES, n_train: int = 800, fraction: float = 0.1,
                               epochs: int = 2, lr: float = 1e-3, batch_size: int = 32,
                               seed: int = 0) -> FlippedExperiment:
    """Train a Kaiming-initialised CovidResNet (1×28×28) on ``n_train`` Fashion-MNIST images of ``classes`` with
    ``fraction`` of the labels flipped.

    Written as a short AdamW loop rather than through ``layerwalk train``: the trainer has no flipped-label
    strategy, and this experiment needs the labels it flipped. Short training on classes it can tell apart fits the
    clean images without memorising the flipped ones — the regime in which self-influence can find them (a model
    that has memorised its wrong labels gives them small gradients)."""
    from layerwalk.data import load_dataset, load_model
    from layerwalk.data.fashion_mnist import FASHION_MNIST_CLASSES
    from layerwalk.data.weight_init import kaiming_init

    ds = load_dataset("fashion-mnist:train")
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(np.flatnonzero(np.isin(ds.labels, classes)), n_train, replace=False))
    pixels = torch.from_numpy(ds.images[pick])[:, None]
    inputs = (pixels.float() / 255 - ds.mean[0]) / ds.std[0]
    true = torch.tensor([list(classes).index(int(c)) for c in ds.labels[pick]])
    labels, flipped = flip_labels(true, fraction, len(classes), seed)
    torch.manual_seed(seed)
    model = load_model("covidresnet", num_classes=len(classes), in_channels=1).model
    kaiming_init(model)
    _fit(model, inputs, labels, epochs, lr, batch_size, seed)
    with torch.no_grad():
        correct = model(inputs).argmax(1) == labels
    names = tuple(FASHION_MNIST_CLASSES[c] for c in classes)
    spec = f"fashion-flipped:{tuple(classes)}:{n_train}:{fraction}:{seed}"
    return FlippedExperiment(model, TrainingSet(inputs, labels, spec, names, pixels), flipped, true,
                             float(correct[~flipped].float().mean()))


def _fit(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, epochs: int, lr: float, batch_size: int,
         seed: int) -> None:
    optimizer = torch.optim.AdamW(model.parameters(), lr, weight_decay=0.0)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad()
            F.cross_entropy(model(inputs[batch]), labels[batch]).backward()
            optimizer.step()
    model.eval()
