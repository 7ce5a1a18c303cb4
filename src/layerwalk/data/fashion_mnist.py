"""``fashion-mnist[:train|test]``: Zalando's Fashion-MNIST from the Debian package ``dataset-fashion-mnist``."""

from __future__ import annotations

import gzip
import struct
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from layerwalk.data.datasets import ImageDataset
from layerwalk.errors import SpecError

__all__ = ["FashionMNIST", "FASHION_MNIST_DIR", "FASHION_MNIST_CLASSES"]

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot")
# statistics of the 60000 training images (tests/data/test_fashion_mnist.py recomputes them)
_MEAN, _STD = (0.286,), (0.353,)
_FILES = {"train": "train", "test": "t10k"}


class FashionMNIST(ImageDataset):
    """Fashion-MNIST, 28×28 grayscale, 10 classes; 60000 train or 10000 test images.

    Args:
        split: ``"train"`` or ``"test"``.
        root: folder with the idx files (``t10k-images-idx3-ubyte[.gz]`` …).

    >>> len(FashionMNIST("train"))
    60000
    """

    def __init__(self, split: str = "test", root: str | Path = FASHION_MNIST_DIR):
        if split not in _FILES:
            raise SpecError(f"fashion-mnist has the splits train and test, not {split!r}; "
                            "use fashion-mnist:train or fashion-mnist:test")
        self.id = f"fashion-mnist-{split}"
        self.name = f"Fashion-MNIST ({split})"
        self.spec = f"fashion-mnist:{split}"
        self.class_names = list(FASHION_MNIST_CLASSES)
        self.mean, self.std, self.channels = _MEAN, _STD, 1
        self.images, self.labels = _load(Path(root), _FILES[split])

    def __len__(self) -> int:
        return len(self.labels)

    def image(self, i: int) -> Image.Image:
        return Image.fromarray(self.images[self._check_index(i)], "L")

    def label(self, i: int) -> int:
        return int(self.labels[self._check_index(i)])


@cache  # both splits together are 55 MB; decompressing them once per process is enough
def _load(root: Path, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    images = _read_idx(root, f"{prefix}-images-idx3-ubyte")
    labels = _read_idx(root, f"{prefix}-labels-idx1-ubyte")
    if len(images) != len(labels):
        raise SpecError(f"{root}: {len(images)} images but {len(labels)} labels; reinstall dataset-fashion-mnist")
    return images, labels


def _read_idx(root: Path, stem: str) -> np.ndarray:
    for path in (root / f"{stem}.gz", root / stem):
        if path.is_file():
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            return _parse_idx(data, path)
    raise SpecError(f"Fashion-MNIST is not installed ({root / stem}.gz is missing); install it with "
                    "apt-get install dataset-fashion-mnist")


def _parse_idx(data: bytes, path: Path) -> np.ndarray:
    # idx format: 0x00 0x00 <type 0x08 = uint8> <ndim>, then ndim big-endian uint32 sizes, then the data
    if len(data) < 4 or data[:3] != b"\x00\x00\x08":
        raise SpecError(f"{path} is not an idx file of uint8; reinstall dataset-fashion-mnist")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    array = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise SpecError(f"{path} is truncated; reinstall dataset-fashion-mnist")
    array = array.reshape(shape)
    array.flags.writeable = False  # shared by every FashionMNIST of this split
    return array
