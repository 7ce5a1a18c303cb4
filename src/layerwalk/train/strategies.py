"""The paper's three training strategies (§4.1) as training sets over an ``ImageDataset``.

* ``standard``: the original images and labels, augmented (§4.1.1).
* ``shuffled``: the labels permuted once with a fixed seed and kept for every epoch; no augmentation (§4.1.2).
* ``noisy``: the original set plus ``copies`` copies with random labels and white noise; each copy's noise and
  label come from a seed derived from its index, so they are the same in every epoch (§4.1.3).

All three share one interface: ``len(s)``, ``s.labels`` (the labels trained on), ``s.batch(indices, epoch)`` →
``(x, y)`` normalised float images and labels. ``epoch`` only matters for augmentation, which is seeded per
(seed, epoch, index) so an interrupted and resumed run sees exactly the same batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from layerwalk.engine.preprocess import fit_image
from layerwalk.errors import SpecError
from layerwalk.train.augment import Augmentation

__all__ = ["STRATEGIES", "RenderedImages", "StandardSet", "ShuffledSet", "NoisySet", "make_training_set",
           "pick_subset"]

STRATEGIES = ("standard", "shuffled", "noisy")


class RenderedImages:
    """A dataset's images resized once to ``size`` and kept as uint8, with labels and normalisation.

    Args:
        dataset: any ``ImageDataset``.
        size: (H, W) the model is trained at.
        indices: which items to take (default: all).
        mean, std: normalisation (default: the dataset's).

    >>> from layerwalk.data import load_dataset
    >>> r = RenderedImages(load_dataset("fashion-mnist:test"), (32, 32), indices=range(4))
    >>> r.pixels.shape, r.normalise(r.pixels[:1]).dtype
    (torch.Size([4, 1, 32, 32]), torch.float32)
    """

    def __init__(self, dataset, size: tuple[int, int], *, indices: Sequence[int] | None = None,
                 mean: Sequence[float] | None = None, std: Sequence[float] | None = None):
        every = indices is None  # a chosen subset may leave classes out on purpose; the whole dataset may not
        indices = list(range(len(dataset)) if indices is None else indices)
        self.num_classes = len(dataset.class_names)
        _check_classes(dataset, indices, self.num_classes, every)
        self.channels, self.size = dataset.channels, tuple(size)
        self.class_names = list(dataset.class_names)
        frames = [np.asarray(fit_image(dataset.image(i), self.size, self.channels)[0]) for i in indices]
        pixels = torch.from_numpy(np.stack(frames))
        self.pixels = pixels[:, None] if pixels.dim() == 3 else pixels.permute(0, 3, 1, 2).contiguous()
        self.labels = torch.tensor([dataset.label(i) for i in indices], dtype=torch.long)
        self._mean = torch.tensor(mean or dataset.mean, dtype=torch.float32).view(-1, 1, 1)
        self._std = torch.tensor(std or dataset.std, dtype=torch.float32).view(-1, 1, 1).clamp_min(1e-6)

    def __len__(self) -> int:
        return len(self.labels)

    def unit(self, i: int | torch.Tensor) -> torch.Tensor:
        """Image(s) as float 0…1."""
        return self.pixels[i].float() / 255

    def normalise(self, unit: torch.Tensor) -> torch.Tensor:
        """0…1 images → the model's input (accepts uint8 too)."""
        if unit.dtype == torch.uint8:
            unit = unit.float() / 255
        return (unit - self._mean) / self._std


def _check_classes(dataset, indices: list[int], num_classes: int, every: bool) -> None:
    if not indices:
        raise SpecError(f"{dataset.spec} has no images to train on; add images or choose a larger subset")
    present = {dataset.label(i) for i in indices}
    if num_classes < 2 or len(present) < 2:
        raise SpecError(f"{dataset.spec} has images of only {len(present)} class(es); training a classifier "
                        "needs at least two classes with images")
    empty = [name for k, name in enumerate(dataset.class_names) if k not in present] if every else []
    if empty:
        raise SpecError(f"{dataset.spec}: the class(es) {', '.join(map(repr, empty))} have no training images; "
                        "add images to them or remove their folders")


def pick_subset(dataset, count: int | None, seed: int) -> list[int]:
    """``count`` items, the same number from every class where possible (all items if ``count`` is None)."""
    if count is None or count >= len(dataset):
        return list(range(len(dataset)))
    order = np.random.default_rng((seed, 17)).permutation(len(dataset))
    by_class: dict[int, list[int]] = {}
    for i in order.tolist():
        by_class.setdefault(dataset.label(i), []).append(i)
    picked: list[int] = []
    for rank in range(len(dataset)):
        for items in by_class.values():
            if rank < len(items) and len(picked) < count:
                picked.append(items[rank])
        if len(picked) >= count:
            break
    return sorted(picked)


class StandardSet:
    """Original labels; each item augmented with a generator seeded by (seed, epoch, index).

    >>> from layerwalk.data import load_dataset
    >>> s = StandardSet(RenderedImages(load_dataset("fashion-mnist:test"), (28, 28), indices=range(8)))
    >>> x, y = s.batch(torch.arange(4), epoch=0)
    >>> x.shape, y.tolist() == s.labels[:4].tolist()
    (torch.Size([4, 1, 28, 28]), True)
    """

    name = "standard"

    def __init__(self, images: RenderedImages, augmentation: Augmentation | None = Augmentation(), seed: int = 0):
        self.images, self.augmentation, self.seed = images, augmentation, seed
        self.labels = images.labels

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, indices: torch.Tensor, epoch: int) -> tuple[torch.Tensor, torch.Tensor]:
        unit = self.images.unit(indices)
        if self.augmentation is not None:
            unit = torch.stack([self.augmentation(u, _generator(self.seed, epoch, int(i)))
                                for u, i in zip(unit, indices)])
        return self.images.normalise(unit), self.labels[indices]


class ShuffledSet:
    """The labels permuted once (seeded), the same in every epoch; no augmentation.

    >>> from layerwalk.data import load_dataset
    >>> r = RenderedImages(load_dataset("fashion-mnist:test"), (28, 28), indices=range(50))
    >>> sorted(ShuffledSet(r).labels.tolist()) == sorted(r.labels.tolist())
    True
    """

    name = "shuffled"

    def __init__(self, images: RenderedImages, seed: int = 0):
        self.images, self.seed = images, seed
        perm = torch.from_numpy(np.random.default_rng((seed, 1)).permutation(len(images)))
        self.labels = images.labels[perm]

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, indices: torch.Tensor, epoch: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images.normalise(self.images.unit(indices)), self.labels[indices]


class NoisySet:
    """``(copies + 1) × N`` items: item ``j < N`` is the original; item ``j ≥ N`` is image ``j mod N`` with its own
    fixed white noise and a random label (both derived from ``(seed, j)``, so stable over epochs); no augmentation.

    Args:
        images: the rendered originals.
        copies: noisy copies per image (paper: 9).
        noise_std: standard deviation of the white noise in pixel units (0…1).
        seed: seed of the labels and the noise.

    >>> from layerwalk.data import load_dataset
    >>> r = RenderedImages(load_dataset("fashion-mnist:test"), (28, 28), indices=range(10))
    >>> len(NoisySet(r, copies=9))
    100
    """

    name = "noisy"

    def __init__(self, images: RenderedImages, copies: int = 9, noise_std: float = 0.1, seed: int = 0):
        if copies < 0:
            raise SpecError(f"copies must be 0 or more, not {copies}")
        self.images, self.copies, self.noise_std, self.seed = images, copies, noise_std, seed
        n, k = len(images), images.num_classes
        random_labels = torch.from_numpy(np.random.default_rng((seed, 2)).integers(0, k, n * copies))
        self.labels = torch.cat([images.labels, random_labels.long()])

    def __len__(self) -> int:
        return len(self.labels)

    def is_original(self, indices: torch.Tensor) -> torch.Tensor:
        return indices < len(self.images)

    def noise(self, j: int) -> torch.Tensor:
        """The white noise of item ``j`` (zeros for an original)."""
        shape = self.images.pixels.shape[1:]
        if j < len(self.images):
            return torch.zeros(shape)
        return self.noise_std * torch.randn(shape, generator=_generator(self.seed, -1, j))

    def batch(self, indices: torch.Tensor, epoch: int) -> tuple[torch.Tensor, torch.Tensor]:
        base = indices % len(self.images)
        unit = self.images.unit(base) + torch.stack([self.noise(int(j)) for j in indices])
        return self.images.normalise(unit.clamp(0, 1)), self.labels[indices]


def _generator(seed: int, epoch: int, index: int) -> torch.Generator:
    # one independent stream per (seed, epoch, item): no state to carry across an interruption
    key = np.random.SeedSequence([seed, epoch + 1, index]).generate_state(2, np.uint64)[0]
    return torch.Generator().manual_seed(int(key) & 0x7FFF_FFFF_FFFF_FFFF)


def make_training_set(strategy: str, images: RenderedImages, *, seed: int = 0, augmentation: Augmentation | None = None,
                      copies: int = 9, noise_std: float = 0.1):
    """The training set of a strategy (``standard``, ``shuffled`` or ``noisy``)."""
    if strategy == "standard":
        return StandardSet(images, augmentation or Augmentation(), seed)
    if strategy == "shuffled":
        return ShuffledSet(images, seed)
    if strategy == "noisy":
        return NoisySet(images, copies, noise_std, seed)
    raise SpecError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
