"""A ``layerwalk train`` run folder as influence needs it: the model with its final weights, the training set
exactly as trained on (the strategy's labels — shuffled or noisy copies included — without augmentation), the test
set, and one checkpoint per epoch for TracIn (``train_with_checkpoints``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import torch
from torch import nn

from layerwalk.errors import SpecError
from layerwalk.influence.data import TrainingSet

__all__ = ["RunData", "load_run_data", "train_with_checkpoints"]


@dataclass
class RunData:
    """``normalise`` turns uint8 pixels (N, C, H, W) into the model's input, as the run's images were."""

    model: nn.Module
    train: TrainingSet
    test: TrainingSet
    config: dict
    normalise: Callable[[torch.Tensor], torch.Tensor]


def load_run_data(run: str | Path, *, weights: str | Path | None = None) -> RunData:
    """Model (``model.safetensors``, else the last checkpoint's weights), training and test sets of ``run``."""
    from layerwalk.train import TrainConfig
    from layerwalk.train.trainer import _build

    run = Path(run)
    if not (run / "config.json").exists():
        raise SpecError(f"{run} is not a 'layerwalk train' run folder (no config.json); train one with "
                        "'layerwalk train --out FOLDER' first")
    saved = json.loads((run / "config.json").read_text())
    known = {f.name for f in fields(TrainConfig)}
    config = TrainConfig(**{k: (tuple(v) if k == "image_size" and v else v) for k, v in saved.items() if k in known})
    bundle, train_set, test_images = _build(config)
    model = _with_weights(bundle.model, run, weights)
    spec = f"run:{run.resolve()}:{json.dumps(saved, sort_keys=True)}"
    return RunData(model, _training_set(train_set, spec), _test_set(test_images, spec), saved, test_images.normalise)


def _with_weights(model: nn.Module, run: Path, weights: str | Path | None) -> nn.Module:
    from safetensors.torch import load_file

    path = Path(weights) if weights else run / "model.safetensors"
    if path.exists():
        model.load_state_dict(load_file(str(path)))
    elif (run / "checkpoint.safetensors").exists():
        state = load_file(str(run / "checkpoint.safetensors"))
        model.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("model.")})
    else:
        raise SpecError(f"{run} has neither model.safetensors nor checkpoint.safetensors; the run has not finished "
                        "an epoch yet")
    return model.eval()


def _training_set(train_set, spec: str) -> TrainingSet:
    n = len(train_set)
    if hasattr(train_set, "augmentation"):  # standard / shuffled: the rendered images, the labels trained on
        images = train_set.images
        return TrainingSet(images.normalise(images.pixels), train_set.labels.clone(), f"{spec}:train",
                           tuple(images.class_names), images.pixels)
    x, y = train_set.batch(torch.arange(n), 0)  # noisy: originals + the fixed noisy copies
    return TrainingSet(x, y, f"{spec}:train", tuple(train_set.images.class_names))


def _test_set(images, spec: str) -> TrainingSet:
    return TrainingSet(images.normalise(images.pixels), images.labels.clone(), f"{spec}:test",
                       tuple(images.class_names), images.pixels)


def train_with_checkpoints(config, out: str | Path, *, progress: bool = False) -> Path:
    """Train ``config`` into ``out`` keeping a copy of the checkpoint after every epoch in ``out/epochs/`` (TracIn
    sums over them). Uses the trainer's resume: the weights equal an uninterrupted run's."""
    from layerwalk.train import train
    from layerwalk.train.trainer import CHECKPOINT

    out = Path(out)
    (out / "epochs").mkdir(parents=True, exist_ok=True)
    for epoch in range(1, config.epochs + 1):
        train(config, out, resume=True, progress=progress, stop_after=epoch)
        shutil.copyfile(out / CHECKPOINT, out / "epochs" / f"epoch-{epoch}.safetensors")
    return out
