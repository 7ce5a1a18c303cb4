"""A dataset with items added at run time (edited inputs saved from the 3D view), on top of any other dataset."""

from __future__ import annotations

import threading

from PIL import Image

from layerwalk.data.datasets import ImageDataset


class AddedItems(ImageDataset):
    """``base``'s items, then the added ones (index ``len(base)`` on), each with its image and label.

    >>> from layerwalk.data import load_dataset
    >>> ds = AddedItems(load_dataset("photos"))
    >>> ds.add(Image.new("RGB", (8, 8)), label=None) == len(ds) - 1
    True
    """

    def __init__(self, base: ImageDataset):
        self.base = base
        self.id, self.name, self.spec = base.id, base.name, base.spec
        self.class_names, self.mean, self.std, self.channels = base.class_names, base.mean, base.std, base.channels
        self._added: list[tuple[Image.Image, int | None]] = []
        self._lock = threading.Lock()

    def add(self, image: Image.Image, label: int | None = None) -> int:
        """Append ``image`` (converted to the dataset's mode) and return its index."""
        image = image.convert("L" if self.channels == 1 else "RGB")
        with self._lock:
            self._added.append((image, label))
            return len(self.base) + len(self._added) - 1

    def __len__(self) -> int:
        return len(self.base) + len(self._added)

    def image(self, i: int) -> Image.Image:
        n = len(self.base)
        return self.base.image(i) if i < n else self._added[self._check_index(i) - n][0].copy()

    def label(self, i: int) -> int | None:
        n = len(self.base)
        return self.base.label(i) if i < n else self._added[self._check_index(i) - n][1]
