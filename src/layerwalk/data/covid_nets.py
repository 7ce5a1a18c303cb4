"""CovidResNet and CovidDenseNet, the two networks of the DeepVisionVR paper (Tables 3 and 4).

Both come from Alshazly et al., "COVID-Nets: deep CNN architectures for detecting COVID-19 using chest CT scans"
(reference [36] of the paper). They are small ResNet/DenseNet variants for 250×180 (W×H) inputs. Plain
``nn.Module`` s: nothing layerwalk-specific is inside, so they can be trained and saved like any other model.

With 2 classes CovidResNet has 4,980,802 parameters (paper: 4.98 M) and CovidDenseNet 1,633,538 (paper: 1.63 M).
The stage outputs for a ``1×3×180×250`` input (W×H as in the tables):

=============  ================  =============================================================
stage          CovidResNet       CovidDenseNet
=============  ================  =============================================================
conv1          125×90            125×90
maxpool        63×45             63×45   (2×2/s2 with ``ceil_mode`` — the tables round up)
layer1/dense1  63×45             63×45
layer2         32×23             trans1: 63×45 (1×1 conv) → 31×22 (2×2 average pool)
layer3         16×12             dense2 31×22, trans2 → 15×11, dense3 15×11, trans3 → 7×5
layer4         8×6               dense4 7×5
=============  ================  =============================================================
"""

from __future__ import annotations

import torch
from torch import nn

from layerwalk.data.weight_init import kaiming_init

__all__ = ["CovidResNet", "CovidDenseNet", "INPUT_SIZE"]

INPUT_SIZE = (3, 180, 250)  # (C, H, W): the 250×180 images of Tables 3 and 4


def _stem(in_channels: int) -> list[tuple[str, nn.Module]]:
    # 7×7/64 s2 then 2×2/s2 max pool; ceil_mode turns 125×90 into the tables' 63×45 (not 62×45)
    return [
        ("conv1", nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)),
        ("bn1", nn.BatchNorm2d(64)),
        ("relu", nn.ReLU(inplace=True)),
        ("maxpool", nn.MaxPool2d(2, stride=2, ceil_mode=True)),
    ]


class BasicBlock(nn.Module):
    """Two 3×3 convolutions plus a shortcut (a 1×1 conv + BN when the shape changes), summed, then ReLU."""

    def __init__(self, in_channels: int, channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = None
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class CovidResNet(nn.Module):
    """The residual network of Table 3: stem, residual blocks [2, 1, 1, 1] × 64/128/256/512, pool, linear.

    Args:
        num_classes: outputs of the final linear layer (logits).
        in_channels: channels of the input image.

    >>> model = CovidResNet(num_classes=2)
    >>> model(torch.zeros(1, 3, 180, 250)).shape
    torch.Size([1, 2])
    """

    def __init__(self, num_classes: int = 2, in_channels: int = 3):
        super().__init__()
        for name, module in _stem(in_channels):
            self.add_module(name, module)
        self.layer1 = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, stride=2))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, stride=2))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)
        kaiming_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class DenseLayer(nn.Module):
    """BN-ReLU-1×1 conv (bottleneck 128) then BN-ReLU-3×3 conv (growth 32); the result is appended to the input."""

    def __init__(self, in_channels: int, growth: int = 32, bottleneck: int = 128):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, bottleneck, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bottleneck)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bottleneck, growth, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        new = self.conv1(self.relu1(self.norm1(x)))
        new = self.conv2(self.relu2(self.norm2(new)))
        return torch.cat([x, new], 1)  # the concatenation the paper's Fig. 4 shows


class Transition(nn.Module):
    """BN-ReLU-1×1 conv to ``out_channels``, then 2×2/s2 average pool (floor: 63×45 → 31×22)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.pool = nn.AvgPool2d(2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(self.relu(self.norm(x))))


def _dense_block(in_channels: int, layers: int, growth: int = 32) -> nn.Sequential:
    return nn.Sequential(*(DenseLayer(in_channels + i * growth, growth) for i in range(layers)))


class CovidDenseNet(nn.Module):
    """The densely connected network of Table 4.

    Dense blocks of 6, 10, 2 and 1 layers (bottleneck 1×1/128, growth 3×3/32); the transitions set the width to
    128, 256 and 512 channels as the table lists (not DenseNet's usual halving); final BN-ReLU, pool, linear.

    Args:
        num_classes: outputs of the final linear layer (logits).
        in_channels: channels of the input image.

    >>> model = CovidDenseNet(num_classes=2)
    >>> model(torch.zeros(1, 3, 180, 250)).shape
    torch.Size([1, 2])
    """

    BLOCKS = (6, 10, 2, 1)
    TRANSITIONS = (128, 256, 512)

    def __init__(self, num_classes: int = 2, in_channels: int = 3):
        super().__init__()
        for name, module in _stem(in_channels):
            self.add_module(name, module)
        channels = 64
        for i, layers in enumerate(self.BLOCKS, start=1):
            self.add_module(f"dense{i}", _dense_block(channels, layers))
            channels += 32 * layers
            if i <= len(self.TRANSITIONS):
                self.add_module(f"trans{i}", Transition(channels, self.TRANSITIONS[i - 1]))
                channels = self.TRANSITIONS[i - 1]
        self.norm = nn.BatchNorm2d(channels)
        self.relu_out = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)
        kaiming_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.trans1(self.dense1(x))
        x = self.trans2(self.dense2(x))
        x = self.trans3(self.dense3(x))
        x = self.relu_out(self.norm(self.dense4(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))
