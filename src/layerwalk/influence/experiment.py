"""The dissertation's disturbance experiment (Caffe2Unity ch. 6.3–6.4) on a ``layerwalk train`` run.

Test images of each class are shown to the trained model as they are and as four disturbed copies (white
background, inverted background, patch shuffle, texture transfer from an image of another class, see
``disturbances``); every copy is a query whose loss is taken at its true class, scored per layer against the training
set. ``analysis`` turns the scores into the dissertation's clustering (Algorithm 2) and a per-layer comparison.

>>> from layerwalk.influence.experiment import run_disturbance_experiment
>>> experiment = run_disturbance_experiment("runs/fm", per_class=4)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from layerwalk.errors import SpecError
from layerwalk.influence.data import TrainingSet
from layerwalk.influence.disturbances import DISTURBANCES
from layerwalk.influence.result import InfluenceResult

__all__ = ["DisturbedQueries", "DisturbanceExperiment", "disturbed_queries", "run_disturbance_experiment"]


@dataclass(frozen=True)
class DisturbedQueries:
    """One query per (test image, disturbance): ``pixels`` (Q, C, H, W) uint8, ``labels`` (Q,) the true class,
    ``disturbance`` (Q,) the disturbance's name, ``source`` (Q,) the test-set index it was made from."""

    pixels: torch.Tensor
    labels: torch.Tensor
    disturbance: tuple[str, ...]
    source: tuple[int, ...]


@dataclass
class DisturbanceExperiment:
    """The queries, the model's predictions for them and the influence ``result`` (queries in the same order)."""

    queries: DisturbedQueries
    predictions: torch.Tensor
    result: InfluenceResult
    class_names: tuple[str, ...]
    run: str

    @property
    def disturbances(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.queries.disturbance))


def disturbed_queries(test: TrainingSet, classes: Sequence[int] | None = None, per_class: int = 4,
                      seed: int = 0) -> DisturbedQueries:
    """The first ``per_class`` test images of each class in ``classes`` (default: all), each as the original and
    its disturbed copies. The texture-transfer style image is the same-rank test image of the next class."""
    if test.display is None:
        raise SpecError("the test set has no display pixels to disturb; use a 'layerwalk train' run folder")
    if per_class < 1:
        raise SpecError(f"per_class must be at least 1, got {per_class}")
    labels = test.labels.tolist()
    present = sorted(set(labels))
    chosen = present if classes is None else list(classes)
    missing = [c for c in chosen if c not in present]
    if missing or not chosen:
        raise SpecError(f"classes {missing or chosen} have no test images in this run; choose among {present}")
    if len(present) < 2:
        raise SpecError("the texture transfer needs test images of at least two classes")
    members = {c: [i for i, y in enumerate(labels) if y == c] for c in present}
    pixels, out_labels, names, sources = [], [], [], []
    for c in chosen:
        style_class = present[(present.index(c) + 1) % len(present)]
        for rank, index in enumerate(members[c][:per_class]):
            style = test.display[members[style_class][rank % len(members[style_class])]]
            for name, disturb in DISTURBANCES.items():
                image = disturb(_hwc(test.display[index]), style=_hwc(style), seed=seed + rank,
                                patch=max(2, test.display.shape[-1] // 4))
                pixels.append(_chw(image))
                out_labels.append(c)
                names.append(name)
                sources.append(index)
    return DisturbedQueries(torch.stack(pixels), torch.tensor(out_labels), tuple(names), tuple(sources))


def run_disturbance_experiment(run: str | Path, *, classes: Sequence[int] | None = None, per_class: int = 4,
                               method: str = "ekfac", layers: str | list[str] = "all",
                               train_limit: int | None = None, seed: int = 0, cache: bool = True,
                               progress: Callable[[float, str], None] | None = None) -> DisturbanceExperiment:
    """Build the disturbed queries from ``run``'s test set and score them per layer against its training set
    (the first ``train_limit`` images), each at its true class (the intra-class scores of the dissertation's
    eq. 6)."""
    from layerwalk.influence.run import influence
    from layerwalk.influence.run_data import load_run_data

    data = load_run_data(run)
    queries = disturbed_queries(data.test, classes, per_class, seed)
    inputs = data.normalise(queries.pixels)
    train = data.train if train_limit is None else data.train.subset(range(min(train_limit, len(data.train))))
    result = influence(data.model, train, inputs, method=method, layers=layers, query_labels=queries.labels,
                       self_influence=False, seed=seed, cache=cache, progress=progress,
                       checkpoints=run if method == "tracin" else None)
    with torch.no_grad():
        predictions = data.model(inputs).argmax(1)
    return DisturbanceExperiment(queries, predictions, result, data.test.class_names, str(run))


def _hwc(pixels: torch.Tensor) -> np.ndarray:
    """(C, H, W) tensor → (H, W) or (H, W, C) array, the layout the disturbances take."""
    array = pixels.cpu().numpy()
    return array[0] if array.shape[0] == 1 else np.transpose(array, (1, 2, 0))


def _chw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image[None] if image.ndim == 2 else np.transpose(image, (2, 0, 1))))
