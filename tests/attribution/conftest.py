from __future__ import annotations

import pytest
import torch
import torchvision

import layerwalk


def float64_network(model: torch.nn.Module, size: int = 64) -> layerwalk.Network:
    """A real torchvision architecture (random init, fixed seed) behind the engine, switched to float64."""
    net = layerwalk.Network(model, input_size=(3, size, size))
    net.model.double()
    return net


@pytest.fixture(scope="session")
def resnet18_net():
    torch.manual_seed(0)
    return float64_network(torchvision.models.resnet18())


@pytest.fixture(scope="session")
def densenet121_net():
    torch.manual_seed(0)
    return float64_network(torchvision.models.densenet121())


@pytest.fixture(scope="session")
def x64():
    return torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1), dtype=torch.float64)


def assert_close_rel(ours: torch.Tensor, theirs: torch.Tensor, tol: float = 1e-5) -> None:
    """Within ``tol`` of max |attribution| (the issue's criterion)."""
    theirs = theirs.to(ours)
    scale = theirs.abs().max().clamp(min=1e-30)
    err = float((ours - theirs).abs().max() / scale)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert float(theirs.abs().max()) > 0, "the anchor's attribution is all zero: the comparison would prove nothing"
    assert err <= tol, f"max deviation {err:.2e} of max |attribution|"
