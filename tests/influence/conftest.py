import pytest
import torch
from torch import nn

from layerwalk.influence.loo import fashion_logistic


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def convex():
    """L2-regularised logistic regression on T-shirt vs Shirt (200 images at 14×14), trained to its optimum."""
    return fashion_logistic(classes=(0, 6), n_train=200, n_test=20, size=14, l2=0.01, seed=0)


class SmallConvNet(nn.Module):
    """conv → batch-norm → relu → conv → pool → linear: both layer types, a frozen-statistics norm in between."""

    def __init__(self, classes: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2)
        self.fc = nn.Linear(6, classes)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv1(x)))
        x = torch.relu(self.conv2(x)).mean((2, 3))
        return self.fc(x)


@pytest.fixture
def small():
    """A SmallConvNet with fixed random weights and batch-norm statistics, 48 training and 3 query images."""
    g = torch.Generator().manual_seed(0)
    model = SmallConvNet()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
        model.bn.running_mean.copy_(torch.randn(4, generator=g) * 0.1)
        model.bn.running_var.copy_(torch.rand(4, generator=g) + 0.5)
    x = torch.randn(51, 1, 8, 8, generator=g)
    y = torch.randint(0, 3, (51,), generator=g)
    return model.eval(), x[:48], y[:48], x[48:], y[48:]


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine is shared
    yield
    torch.set_num_threads(before)
