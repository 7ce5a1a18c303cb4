"""The dataset protocol every dataset implements, the torch ``Dataset`` wrapper, and ``load_dataset``.

============================================  ==============================================================
spec                                          dataset
============================================  ==============================================================
``photos``                                    real photos shipped with scikit-image and scikit-learn
``fashion-mnist[:train|test]``                Fashion-MNIST from ``/usr/share/datasets/fashion-mnist`` (test)
``imagefolder:PATH[:train|test|all][?undersample]``  one sub-folder per class, stratified 80/20 split (all)
============================================  ==============================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import torch
from PIL import Image

from layerwalk.errors import ImageError, NotFoundError, SpecError

__all__ = ["ImageDataset", "TorchDataset", "load_dataset", "DATASET_SPECS", "image_mean_std"]

DATASET_SPECS = ("photos", "fashion-mnist[:train|test]", "imagefolder:PATH[:train|test|all][?undersample]")


class ImageDataset:
    """What layerwalk needs from a dataset: images with their original pixels, labels and class names.

    Attributes:
        id: URL-safe identifier derived from the spec.
        name: human name. spec: the spec it was loaded from.
        class_names: name of each label. channels: 1 (images in mode ``L``) or 3 (``RGB``).
        mean, std: per-channel statistics of 0…1 pixels, for models that take the dataset's normalisation.
    """

    id: str
    name: str
    spec: str
    class_names: list[str]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    channels: int

    def __len__(self) -> int:
        raise NotImplementedError

    def image(self, i: int) -> Image.Image:
        """The ``i``-th image, original pixels, mode ``RGB`` or ``L`` (as ``channels`` says)."""
        raise NotImplementedError

    def label(self, i: int) -> int | None:
        """The class index of the ``i``-th image (``None`` if unknown)."""
        raise NotImplementedError

    def class_name(self, i: int) -> str | None:
        """The class name of the ``i``-th image, or ``None``."""
        label = self.label(i)
        return None if label is None else self.class_names[label]

    def _check_index(self, i: int) -> int:
        if not isinstance(i, (int, np.integer)) or not 0 <= i < len(self):
            raise NotFoundError(f"dataset {self.id} has no item {i!r}; valid indices are 0…{len(self) - 1}")
        return int(i)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}: {len(self)} images, {len(self.class_names)} classes>"


def slug(text: str) -> str:
    """A URL-safe id: lower case, runs of other characters turned into ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def image_mean_std(images: Iterable[Image.Image], channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and standard deviation of 0…1 pixels over some images.

    Args:
        images: images in any mode (converted to ``L`` or ``RGB`` as ``channels`` says).
        channels: 1 or 3.

    Returns:
        ``(mean, std)``, each a tuple with ``channels`` floats.

    >>> image_mean_std([Image.new("L", (2, 2), 255)], 1)
    ((1.0,), (0.0,))
    """
    total, total_sq, count = np.zeros(channels), np.zeros(channels), 0
    for img in images:
        a = np.asarray(img.convert("L" if channels == 1 else "RGB"), dtype=np.float64).reshape(-1, channels) / 255
        total, total_sq, count = total + a.sum(0), total_sq + (a * a).sum(0), count + len(a)
    if count == 0:
        raise SpecError("no readable images to compute the dataset's mean/std from; add images")
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean * mean, 0.0))
    return tuple(round(float(v), 4) for v in mean), tuple(round(float(v), 4) for v in std)


class TorchDataset(ImageDataset):
    """Wrap any torch ``Dataset`` whose items are ``(image, label, ...)``.

    The image may be a ``PIL.Image``, a CHW float tensor with values in 0…1, or an HWC uint8 array.

    Args:
        dataset: the torch dataset (anything with ``__len__`` and ``__getitem__``).
        class_names: label names; default ``dataset.classes`` if it has them, else ``"0"``, ``"1"``, … up to the
            highest label among the first items.
        name: human name (default: the dataset's class name).
        mean, std: default: computed from up to 64 evenly spaced items.

    >>> from torchvision.datasets import FakeData
    >>> TorchDataset(FakeData(size=4, image_size=(3, 8, 8), num_classes=2)).channels
    3
    """

    _SAMPLE = 64

    def __init__(self, dataset, class_names: Sequence[str] | None = None, *, name: str | None = None,
                 mean: Sequence[float] | None = None, std: Sequence[float] | None = None):
        self.dataset = dataset
        self.name = name or type(dataset).__name__
        self.spec = f"torch:{self.name}"
        self.id = slug(self.name)
        if len(dataset) == 0:
            raise SpecError(f"{self.name} is empty; wrap a dataset with at least one item")
        sample = [dataset[int(i)] for i in np.linspace(0, len(dataset) - 1, min(self._SAMPLE, len(dataset)))]
        images = [to_pil(item[0]) for item in sample]
        self.channels = 1 if all(img.mode == "L" for img in images) else 3
        self.class_names = _class_names(dataset, class_names, [item[1] for item in sample])
        computed = image_mean_std(images, self.channels) if mean is None or std is None else None
        self.mean = tuple(mean) if mean is not None else computed[0]
        self.std = tuple(std) if std is not None else computed[1]

    def __len__(self) -> int:
        return len(self.dataset)

    def image(self, i: int) -> Image.Image:
        img = to_pil(self.dataset[self._check_index(i)][0])
        return img.convert("L" if self.channels == 1 else "RGB")

    def label(self, i: int) -> int | None:
        label = self.dataset[self._check_index(i)][1]
        return None if label is None else int(label)


def _class_names(dataset, given: Sequence[str] | None, labels: list) -> list[str]:
    if given is not None:
        return [str(c) for c in given]
    if getattr(dataset, "classes", None):
        return [str(c) for c in dataset.classes]
    highest = max((int(lab) for lab in labels if lab is not None), default=0)
    return [str(k) for k in range(highest + 1)]


def to_pil(image) -> Image.Image:
    """A PIL image from a PIL image, a CHW tensor in 0…1 (C = 1 or 3) or an HWC/HW uint8 array."""
    if isinstance(image, Image.Image):
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if isinstance(image, torch.Tensor):
        if image.ndim == 2:
            image = image[None]
        if image.ndim != 3 or image.shape[0] not in (1, 3):
            raise ImageError(f"expected a C×H×W tensor with 1 or 3 channels, got shape {tuple(image.shape)}")
        image = (image.detach().float().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ImageError(f"expected uint8 pixels or a float tensor in 0…1, got a {array.dtype} array")
    array = array[..., 0] if array.ndim == 3 and array.shape[2] == 1 else array
    return Image.fromarray(array, "L" if array.ndim == 2 else "RGB")


def load_dataset(spec: str, *, undersample: bool | None = None) -> ImageDataset:
    """Open the dataset a spec names.

    Args:
        spec: one of ``DATASET_SPECS``.
        undersample: imagefolder only; overrides ``?undersample`` in the spec.

    Returns:
        An ``ImageDataset``.

    Raises:
        SpecError: unknown spec, missing files or an unusable folder (the message says what to do).

    >>> ds = load_dataset("fashion-mnist")
    >>> len(ds), ds.class_names[ds.label(0)]
    (10000, 'Ankle boot')
    """
    spec = spec.strip()
    head, _, rest = spec.partition(":")
    if spec.lower() == "photos":
        from layerwalk.data.photos import Photos

        return Photos()
    if head.lower() == "fashion-mnist":
        from layerwalk.data.fashion_mnist import FashionMNIST

        return FashionMNIST(rest or "test")
    if head.lower() == "imagefolder" and rest:
        from layerwalk.data.imagefolder import parse_imagefolder_spec

        return parse_imagefolder_spec(spec, undersample=undersample)
    raise SpecError(f"unknown dataset spec {spec!r}; use one of: {', '.join(DATASET_SPECS)}")
