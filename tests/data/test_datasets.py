"""Photos, Fashion-MNIST, the torch Dataset wrapper and load_dataset specs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from layerwalk.data import DATASET_SPECS, TorchDataset, load_dataset
from layerwalk.data.datasets import image_mean_std
from layerwalk.data.fashion_mnist import FashionMNIST
from layerwalk.errors import NotFoundError, SpecError

from .conftest import needs_fashion_mnist


def test_photos_are_real_offline_photos():
    photos = load_dataset("photos")
    assert photos.id == "photos" and photos.channels == 3 and len(photos) >= 10
    assert {"chelsea", "coffee", "astronaut", "rocket", "china", "flower"} <= set(photos.class_names)
    assert [photos.label(i) for i in range(len(photos))] == list(range(len(photos)))
    for i in range(len(photos)):
        image = photos.image(i)
        assert image.mode == "RGB" and min(image.size) >= 100
        assert np.asarray(image).std() > 10  # a photo, not a blank placeholder
    assert photos.image(0).size == (451, 300)  # chelsea, 451×300


def test_out_of_range_index_names_the_valid_range():
    photos = load_dataset("photos")
    with pytest.raises(NotFoundError, match=f"0…{len(photos) - 1}"):
        photos.image(len(photos))


@needs_fashion_mnist
@pytest.mark.parametrize("spec, size", [("fashion-mnist", 10000), ("fashion-mnist:test", 10000),
                                        ("fashion-mnist:train", 60000)])
def test_fashion_mnist_sizes(spec, size):
    ds = load_dataset(spec)
    assert len(ds) == size and ds.channels == 1 and len(ds.class_names) == 10
    image = ds.image(size - 1)
    assert image.mode == "L" and image.size == (28, 28)


@needs_fashion_mnist
def test_fashion_mnist_labels_and_pixels():
    test = load_dataset("fashion-mnist:test")
    assert test.class_name(0) == "Ankle boot" and test.label(1) == 2  # the well-known first two test items
    assert np.bincount([test.label(i) for i in range(len(test))]).tolist() == [1000] * 10
    train = load_dataset("fashion-mnist:train")
    assert train.label(0) == 9 and train.id == "fashion-mnist-train"
    assert np.asarray(test.image(0)).max() == 255


@needs_fashion_mnist
def test_fashion_mnist_declared_statistics_match_the_training_set():
    train = FashionMNIST("train")
    counts = np.bincount(train.images.ravel(), minlength=256)  # a histogram: no 47 M-element float copy
    values = np.arange(256) / 255
    mean = (counts * values).sum() / counts.sum()
    std = np.sqrt((counts * (values - mean) ** 2).sum() / counts.sum())
    assert train.mean[0] == pytest.approx(mean, abs=1e-3) and train.std[0] == pytest.approx(std, abs=1e-3)


def test_fashion_mnist_missing_says_how_to_install(tmp_path):
    with pytest.raises(SpecError, match="apt-get install dataset-fashion-mnist"):
        FashionMNIST("test", root=tmp_path)
    with pytest.raises(SpecError, match="fashion-mnist:train"):
        load_dataset("fashion-mnist:validation")


@pytest.mark.parametrize("spec", ["mnist", "imagefolder:", "photos:1"])
def test_unknown_dataset_spec_lists_the_forms(spec):
    with pytest.raises(SpecError) as err:
        load_dataset(spec)
    assert all(form in err.value.detail for form in DATASET_SPECS)


class _Tensors(torch.utils.data.Dataset):
    """Item i: a 3×4×5 tensor filled with i/10, label i % 2."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return torch.full((3, 4, 5), i / 10), i % 2


def test_torch_dataset_wrapper_with_tensors():
    ds = TorchDataset(_Tensors(), ["even", "odd"], name="Tensors")
    assert (len(ds), ds.channels, ds.class_names, ds.id) == (6, 3, ["even", "odd"], "tensors")
    image = ds.image(3)
    assert image.mode == "RGB" and image.size == (5, 4)
    assert np.asarray(image)[0, 0].tolist() == [76, 76, 76]  # round(0.3 · 255)
    assert ds.label(3) == 1 and ds.class_name(4) == "even"
    assert ds.mean[0] == pytest.approx(0.25, abs=0.01)  # mean of 0, 0.1 … 0.5


def test_torch_dataset_wrapper_with_pil_grayscale_and_classes_attribute():
    class Gray(torch.utils.data.Dataset):
        classes = ["zero", "one", "two"]

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return Image.new("L", (7, 7), 100 * i), i

    ds = TorchDataset(Gray())
    assert ds.channels == 1 and ds.class_names == ["zero", "one", "two"]
    assert ds.image(2).getpixel((0, 0)) == 200 and ds.label(2) == 2


def test_torch_dataset_wrapper_default_class_names():
    ds = TorchDataset(_Tensors(), mean=(0.5,) * 3, std=(0.2,) * 3)
    assert ds.class_names == ["0", "1"] and ds.std == (0.2, 0.2, 0.2)


def test_image_mean_std():
    mean, std = image_mean_std([Image.new("RGB", (2, 1), (0, 255, 51)), Image.new("RGB", (2, 1), (255, 255, 51))], 3)
    assert mean == (0.5, 1.0, 0.2) and std == (0.5, 0.0, 0.0)
