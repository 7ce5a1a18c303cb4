"""A tiny real CNN (with a branch and a join) behind the real engine ``Network``, on a tiny in-memory dataset."""

from __future__ import annotations

import torch
from torch import nn

from layerwalk.data import TorchDataset
from layerwalk.engine import Network


class TinyNet(nn.Module):
    def __init__(self, classes: int = 3):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
        self.main = nn.Conv2d(4, 4, 3, padding=1)
        self.side = nn.Conv2d(4, 4, 1)
        self.head = nn.Linear(4 * 16 * 16, classes)

    def forward(self, x):
        h = self.conv(x)
        h = torch.relu(self.main(h) + self.side(h))
        return self.head(h.flatten(1))


class _Items(torch.utils.data.Dataset):
    classes = ["circle", "square", "noise"]

    def __init__(self, n: int = 12):
        g = torch.Generator().manual_seed(1)
        self.items = [(torch.rand(1, 16, 16, generator=g), i % 3) for i in range(n)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def tiny_network():
    dataset = TorchDataset(_Items(), name="tiny shapes")
    return [Network(TinyNet(), dataset=dataset, name="TinyNet", device="cpu")], [dataset]
