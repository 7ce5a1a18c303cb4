"""Shared fixtures of the data tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from layerwalk.data.fashion_mnist import FASHION_MNIST_DIR

needs_fashion_mnist = pytest.mark.skipif(not (FASHION_MNIST_DIR / "t10k-labels-idx1-ubyte.gz").exists(),
                                         reason="apt-get install dataset-fashion-mnist")


@pytest.fixture(scope="session")
def demo_bundle():
    from layerwalk.data import load_model

    return load_model("demo")


def preprocess(image: Image.Image, bundle) -> torch.Tensor:
    """Resize the whole image to the model's input size and normalise it: (1, C, H, W)."""
    c, h, w = bundle.input_size
    image = image.convert("RGB" if c == 3 else "L").resize((w, h), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255).reshape(h, w, c).permute(2, 0, 1)
    mean, std = torch.tensor(bundle.mean)[:, None, None], torch.tensor(bundle.std)[:, None, None]
    return ((x - mean) / std)[None]


def top1(bundle, image: Image.Image) -> tuple[str, float]:
    """The most probable class name and its probability."""
    with torch.no_grad():
        probs = bundle.model(preprocess(image, bundle)).softmax(1)[0]
    k = int(probs.argmax())
    return bundle.class_names[k], float(probs[k])


@pytest.fixture
def classify():
    return top1
