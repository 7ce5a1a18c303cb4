"""Small models for the analysis tests: the ConvViz thesis's 9-conv network and a multi-path net."""

from __future__ import annotations

import torch
from torch import nn


def thesis_network(in_channels: int = 1, size: int = 64) -> nn.Sequential:
    """Table 1 of the thesis: three blocks of conv3-32 ×3 + maxpool2, then FC (input 512² there, smaller here)."""
    layers: list[nn.Module] = []
    channels = in_channels
    for _ in range(3):
        for _ in range(3):
            layers += [nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU()]
            channels = 32
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(32 * (size // 8) ** 2, 250))


class MultiPath(nn.Module):
    """Two paths of different reach joined by an add (misaligned: one pads asymmetrically), a concat, a strided
    dilated conv, a ceil-mode pool, an asymmetric zero pad and global pooling."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 5, stride=2, padding=2)
        self.wide = nn.Conv2d(4, 4, 3, padding=2, dilation=2)
        self.pad = nn.ZeroPad2d((0, 1, 0, 1))
        self.narrow = nn.Conv2d(4, 4, 2)
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.side = nn.Conv2d(4, 4, 1, stride=2)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        h = torch.relu(self.stem(x))
        joined = self.wide(h) + self.narrow(self.pad(h))
        both = torch.cat([self.pool(joined), self.side(h)], 1)
        return self.head(nn.functional.adaptive_avg_pool2d(both, 1).flatten(1))
