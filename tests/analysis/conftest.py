from __future__ import annotations

import pytest
import torch
from torch import nn

from layerwalk.data import TorchDataset
from layerwalk.engine import Network


class _Pixels(torch.utils.data.Dataset):
    """Grey 3×3 images whose pixels are multiples of 1/255 (exact through the uint8 round trip)."""

    def __init__(self, n: int = 7):
        g = torch.Generator().manual_seed(3)
        self.items = [(torch.randint(0, 256, (1, 3, 3), generator=g).float() / 255, i % 2) for i in range(n)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def hand_set_network() -> tuple[Network, TorchDataset]:
    """conv1×1 with weights (1, −1, 2, 0.5) and biases (0, 0.1, −1000, 0) then ReLU, on raw pixels (mean 0,
    std 1): channel c's map is relu(w_c·x + b_c), so every statistic can be written down by hand."""
    conv = nn.Conv2d(1, 4, 1)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([1.0, -1.0, 2.0, 0.5]).view(4, 1, 1, 1))
        conv.bias.copy_(torch.tensor([0.0, 0.1, -1000.0, 0.0]))
    model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(36, 2))
    dataset = TorchDataset(_Pixels(), name="pixels", mean=(0.0,), std=(1.0,))
    return Network(model, dataset=dataset, input_size=(1, 3, 3), device="cpu"), dataset


@pytest.fixture(scope="module")
def hand_set():
    return hand_set_network()
