"""``photos``: real photographs that ship inside the scikit-image and scikit-learn wheels (no download).

Each photo is its own class, so the dataset's labels are 0…N-1 in order and ``class_names`` are the photo names.
Grayscale photos are returned as RGB so that the whole dataset has 3 channels.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image

from layerwalk.data.datasets import ImageDataset
from layerwalk.data.imagenet import IMAGENET_MEAN, IMAGENET_STD

__all__ = ["Photos", "PHOTO_NAMES"]


def _skimage(name: str):
    def load() -> np.ndarray:
        import skimage.data

        image = getattr(skimage.data, name)()
        return image[0] if isinstance(image, tuple) else image  # stereo_motorcycle: (left, right, disparity)

    return load


def _sklearn(filename: str):
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(filename)

    return load


# only images that are inside the wheels; skimage.data functions that need pooch downloads are left out
_PHOTOS = {
    "chelsea": _skimage("chelsea"),
    "coffee": _skimage("coffee"),
    "astronaut": _skimage("astronaut"),
    "rocket": _skimage("rocket"),
    "motorcycle": _skimage("stereo_motorcycle"),
    "china": _sklearn("china.jpg"),
    "flower": _sklearn("flower.jpg"),
    "camera": _skimage("camera"),
    "coins": _skimage("coins"),
    "moon": _skimage("moon"),
    "hubble deep field": _skimage("hubble_deep_field"),
    "immunohistochemistry": _skimage("immunohistochemistry"),
    "retina": _skimage("retina"),
}
PHOTO_NAMES = tuple(_PHOTOS)


@cache
def _photo(name: str) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(_PHOTOS[name]())).convert("RGB")


class Photos(ImageDataset):
    """The shipped photos, one class each, ImageNet normalisation.

    >>> ds = Photos()
    >>> ds.class_names[:2], ds.image(0).size
    (['chelsea', 'coffee'], (451, 300))
    """

    def __init__(self):
        self.id = "photos"
        self.name = "Photos (scikit-image, scikit-learn)"
        self.spec = "photos"
        self.class_names = list(PHOTO_NAMES)
        self.mean, self.std = IMAGENET_MEAN, IMAGENET_STD
        self.channels = 3

    def __len__(self) -> int:
        return len(PHOTO_NAMES)

    def image(self, i: int) -> Image.Image:
        return _photo(PHOTO_NAMES[self._check_index(i)]).copy()  # a copy: callers may draw on it

    def label(self, i: int) -> int:
        return self._check_index(i)
