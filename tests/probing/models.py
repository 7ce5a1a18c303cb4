"""Small models for the probing tests: real architectures at tiny inputs, random weights."""

from __future__ import annotations

import torch
from torch import nn


def seeded(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random weights AND random BatchNorm statistics, so no layer is an identity map in eval mode."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
    return model.eval()


class ChannelsLastBlock(nn.Module):
    """A ConvNeXt-like block: (N, H, W, C) LayerNorm and Linear layers, shown channels-first on the panels."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = nn.LayerNorm(8)
        self.mlp = nn.Linear(8, 8)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        h = self.stem(x).permute(0, 2, 3, 1)
        h = torch.relu(self.mlp(self.norm(h)))
        return self.head(h.mean((1, 2)))


class TinyBranchNet(nn.Module):
    """A branch, a join (in-place add), an in-place ReLU and a flatten: what replay must get right."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.relu = nn.ReLU(inplace=True)
        self.left = nn.Conv2d(6, 6, 3, padding=1)
        self.right = nn.Conv2d(6, 6, 1)
        self.head = nn.Linear(6 * 8 * 8, 5)

    def forward(self, x):
        h = self.relu(self.bn(self.conv(x)))
        y = self.left(h)
        y += self.right(h)
        return self.head(self.relu(y).flatten(1))


class InPlaceReader(nn.Module):
    """A conv output changed by an in-place ReLU and then read again under its old name: the reader sees the ReLU."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.left = nn.Conv2d(4, 4, 1)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        c = self.conv(x)
        r = self.relu(c)  # c is now relu(c) too
        y = self.left(r) + c
        return self.head(y.mean((2, 3)))
