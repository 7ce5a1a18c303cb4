"""The training set and queries as influence sees them: normalised image tensors, labels and a spec for the cache.

Accepted training sets: a ``TrainingSet``; an ``(inputs, labels)`` pair of tensors; a torch ``Dataset`` of
``(image tensor, label)``; a layerwalk ``ImageDataset`` (rendered at the network's input size with its
normalisation); or a ``layerwalk train`` run folder (the images and the labels *as trained on*, see ``run_data``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import torch

from layerwalk.errors import SpecError

__all__ = ["TrainingSet", "as_training_set", "as_queries", "tensor_fingerprint"]


@dataclass(frozen=True)
class TrainingSet:
    """``inputs`` (N, C, H, W) normalised float images, ``labels`` (N,) long, ``spec`` names the data (cache key),
    ``class_names`` for reports and ``display`` (N, C, H, W) uint8 pixels for showing the images (optional)."""

    inputs: torch.Tensor
    labels: torch.Tensor
    spec: str
    class_names: tuple[str, ...] = ()
    display: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: torch.Tensor | list[int]) -> TrainingSet:
        idx = torch.as_tensor(indices, dtype=torch.long)
        return TrainingSet(self.inputs[idx], self.labels[idx], f"{self.spec}[{tensor_fingerprint(idx)[:12]}]",
                           self.class_names, None if self.display is None else self.display[idx])


def tensor_fingerprint(*tensors: torch.Tensor) -> str:
    h = hashlib.sha256()
    for t in tensors:
        h.update(str((tuple(t.shape), t.dtype)).encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def as_training_set(data: Any, network: Any = None) -> TrainingSet:
    """Turn any accepted training-set form into a ``TrainingSet`` (see the module docstring)."""
    if isinstance(data, TrainingSet):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(torch.is_tensor(t) for t in data):
        inputs, labels = data
        inputs = inputs if inputs.is_floating_point() else inputs.float()
        return _checked(inputs, labels.long(), f"tensors:{tensor_fingerprint(inputs, labels)}")
    if isinstance(data, (str,)) or hasattr(data, "__fspath__"):
        from layerwalk.influence.run_data import load_run_data

        return load_run_data(data).train
    if hasattr(data, "image") and hasattr(data, "class_names"):
        return _from_image_dataset(data, network)
    if isinstance(data, torch.utils.data.Dataset):
        items = [data[i] for i in range(len(data))]  # type: ignore[arg-type]
        inputs = torch.stack([torch.as_tensor(x, dtype=torch.float32) for x, _ in items])
        labels = torch.tensor([int(y) for _, y in items])
        return _checked(inputs, labels, f"tensors:{tensor_fingerprint(inputs, labels)}")
    raise SpecError(f"cannot use a {type(data).__name__} as a training set; pass (inputs, labels) tensors, a torch "
                    "Dataset of (image, label), a layerwalk dataset or a 'layerwalk train' run folder")


def as_queries(queries: Any, network: Any = None) -> torch.Tensor:
    """Query images → (Q, C, H, W) normalised tensor (a tensor as is; PIL images through ``network.preprocess``)."""
    if torch.is_tensor(queries):
        batch = queries if queries.dim() == 4 else queries.unsqueeze(0)
        return batch if batch.is_floating_point() else batch.float()
    images = queries if isinstance(queries, (list, tuple)) else [queries]
    if not images:
        raise SpecError("no query images; pass at least one")
    if network is None or not hasattr(network, "preprocess"):
        raise SpecError("PIL query images need a layerwalk Network to preprocess them; pass tensors otherwise")
    return torch.cat([network.preprocess(image) for image in images])


def _checked(inputs: torch.Tensor, labels: torch.Tensor, spec: str, **extra: Any) -> TrainingSet:
    if inputs.dim() != 4 or labels.dim() != 1 or len(inputs) != len(labels):
        raise SpecError(f"training inputs must be (N, C, H, W) with (N,) labels, got {tuple(inputs.shape)} and "
                        f"{tuple(labels.shape)}")
    if len(labels) == 0:
        raise SpecError("the training set is empty; pass at least one image")
    return TrainingSet(inputs, labels, spec, **extra)


def _from_image_dataset(dataset: Any, network: Any) -> TrainingSet:
    from layerwalk.train.strategies import RenderedImages

    if network is None or not hasattr(network, "input_size"):
        raise SpecError("a layerwalk dataset needs the Network it is scored with (for its input size)")
    rendered = RenderedImages(dataset, tuple(network.input_size[1:]), mean=network.mean, std=network.std)
    return _checked(rendered.normalise(rendered.pixels), rendered.labels, dataset.spec,
                    class_names=tuple(dataset.class_names), display=rendered.pixels)
