from __future__ import annotations

import pytest
import torch
import torchvision

import layerwalk

from .models import seeded


@pytest.fixture(scope="session")
def resnet18_net():
    """ResNet18 at 32×32 behind the real engine ``Network`` (captured once for the whole package)."""
    torch.manual_seed(0)
    net = layerwalk.Network(seeded(torchvision.models.resnet18()), input_size=(3, 32, 32), device="cpu")
    net.set_input(torch.randn(1, 3, 32, 32))
    return net


@pytest.fixture
def net(resnet18_net):
    """The shared ResNet18 with no ablation before and after the test."""
    resnet18_net.set_edits({})
    yield resnet18_net
    resnet18_net.set_edits({})
