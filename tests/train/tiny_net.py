"""A tiny CNN for fast training tests (loaded as ``tests/train/tiny_net.py:TinyNet``)."""

from torch import nn

INPUT_SIZE = (1, 16, 16)


class TinyNet(nn.Module):
    def __init__(self, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.relu(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(self.pool(x).flatten(1))
