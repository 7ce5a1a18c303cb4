from pathlib import Path

import pytest
import torch

from layerwalk.data import load_dataset
from layerwalk.train.strategies import RenderedImages, pick_subset

TINY = f"{Path(__file__).parent / 'tiny_net.py'}:TinyNet"


@pytest.fixture(scope="session")
def rendered() -> RenderedImages:
    ds = load_dataset("fashion-mnist:test")
    return RenderedImages(ds, (16, 16), indices=pick_subset(ds, 40, 0))


@pytest.fixture(autouse=True)
def _threads():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine is shared
    yield
    torch.set_num_threads(before)
