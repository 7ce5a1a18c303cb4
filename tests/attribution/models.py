"""Small CNNs with the constructs the anchors break on: in-place and functional ReLU, a ReLU module called twice,
``+=`` residuals, squeeze-excitation, concatenation, BatchNorm. ``inplace=False`` gives the reference copy."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Tricky(nn.Module):
    def __init__(self, inplace: bool = True, classes: int = 6):
        super().__init__()
        torch.manual_seed(0)
        self.inplace = inplace
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=inplace))
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1)
        self.act = nn.ReLU(inplace=inplace)  # used twice
        self.se_down, self.se_up = nn.Linear(8, 4), nn.Linear(4, 8)
        self.side = nn.Conv2d(8, 4, 1)
        self.head = nn.Linear(12, classes)
        for bn in self.modules():  # non-trivial BatchNorm statistics (eval mode uses them)
            if isinstance(bn, nn.BatchNorm2d):
                bn.running_mean.uniform_(-0.2, 0.2)
                bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        h = self.stem(x)
        identity = h
        h = self.act(self.a(h))
        h = self.b(h)
        h += identity  # in-place residual
        h = self.act(h)
        gate = torch.sigmoid(self.se_up(F.relu(self.se_down(h.mean((2, 3))), inplace=self.inplace)))
        h = h * gate[:, :, None, None]  # squeeze-excitation
        h = torch.cat([h, F.relu(self.side(h), inplace=self.inplace)], 1)  # concat
        return self.head(F.adaptive_avg_pool2d(h, 1).flatten(1))


class Small(nn.Module):
    """conv-BN-ReLU ×2 and a linear head; ``ignore_right`` zeroes the right half of the input first."""

    def __init__(self, ignore_right: bool = False, classes: int = 5, size: int = 16):
        super().__init__()
        torch.manual_seed(1)
        self.body = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                                  nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2))
        self.head = nn.Linear(6 * (size // 2) ** 2, classes)
        mask = torch.ones(1, 1, size, size)
        if ignore_right:
            mask[..., size // 2:] = 0
        self.register_buffer("mask", mask)

    def forward(self, x):
        return self.head(self.body(x * self.mask).flatten(1))
