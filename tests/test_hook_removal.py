"""Every path that installs module hooks or a TorchFunctionMode leaves none behind — after success AND after an
exception in the middle of the forward pass (table-driven, as Captum's ``test_hook_removal.py``)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import layerwalk
from layerwalk.capture import capture_model
from layerwalk.featurevis.fold_batchnorm import FoldBatchNorm
from layerwalk.featurevis.relu_override import relu_gradient_override
from layerwalk.featurevis.shortcuts import ForwardShortcuts


class Boom(Exception):
    """Raised from inside the model's forward pass."""


class TripConv(nn.Conv2d):
    """A conv that raises when ``armed`` (a leaf for fx and dynamic capture alike: it has parameters)."""

    armed = False

    def forward(self, x):
        if self.armed:
            raise Boom("inside the forward pass")
        return super().forward(x)


class BoomNet(nn.Module):
    """conv → BN → ReLU → conv → BN → ReLU → pool → fc; ``dynamic`` adds a value-dependent branch (fx cannot
    trace it); ``arm()`` makes the second conv raise, in the middle of the forward pass."""

    def __init__(self, dynamic: bool = False):
        super().__init__()
        torch.manual_seed(0)
        self.conv1, self.bn1 = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.conv2, self.bn2 = TripConv(4, 6, 3, padding=1), nn.BatchNorm2d(6)
        self.fc = nn.Linear(6, 3)
        self.dynamic, self.fails = dynamic, False
        for bn in (self.bn1, self.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2)

    def arm(self) -> None:
        self.conv2.armed = self.fails

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        if self.dynamic and float(h.detach().mean()) > 1e9:  # data-dependent: fx cannot trace it
            h = h * 2
        h = torch.relu(self.bn2(self.conv2(h)))
        return self.fc(h.mean((2, 3)))


X = torch.rand(2, 3, 8, 8)


def _capture(model):
    model.arm()
    capture_model(model, X[:1])


def _run(model):
    captured = capture_model(model, X[:1])
    model.arm()
    captured.run(X, stop_after="conv2")


def _shortcuts(model):
    captured = capture_model(model, X[:1])
    model.arm()
    ForwardShortcuts(captured, "conv2").run(X.clone().requires_grad_(), torch.tensor([0, 5]))


def _fold_batchnorm(model):
    model.arm()
    with FoldBatchNorm([(model.conv1.weight, model.bn1), (model.conv2.weight, model.bn2)]):
        model(X)


def _relu_override(model):
    x = X.clone().requires_grad_()
    model.arm()
    with relu_gradient_override():
        model(x).sum().backward()


def _featurevis(model):
    network = layerwalk.Network(model, input_size=(3, 8, 8), mean=(0.5,) * 3, std=(0.25,) * 3, device="cpu")
    model.arm()
    layerwalk.featurevis(network, "conv2", [0, 1], start="noise:0", steps=2, cache=False, relu_override=True)


PATHS = {"capture": _capture, "run": _run, "featurevis shortcuts": _shortcuts, "BatchNorm folding": _fold_batchnorm,
         "ReLU override": _relu_override, "featurevis": _featurevis}


def assert_clean(model: nn.Module) -> None:
    for name, m in model.named_modules():
        hooks = (m._forward_hooks, m._forward_pre_hooks, m._backward_hooks, m._backward_pre_hooks,
                 m._forward_hooks_with_kwargs, m._forward_pre_hooks_with_kwargs)
        assert not any(hooks), f"module {name or 'model'} still has hooks"
    from torch.nn.modules import module as torch_module

    assert not torch_module._global_forward_hooks and not torch_module._global_forward_pre_hooks
    assert not torch.overrides._get_current_function_mode_stack(), "a TorchFunctionMode is still active"


@pytest.mark.parametrize("dynamic", [False, True], ids=["fx", "dynamic"])
@pytest.mark.parametrize("fails", [False, True], ids=["ok", "exception"])
@pytest.mark.parametrize("path", PATHS)
def test_no_hook_or_mode_survives(path, fails, dynamic):
    model = BoomNet(dynamic=dynamic).eval()
    expected = model(X)
    model.fails = fails  # each path arms the model right before the forward pass that must raise
    if fails:
        with pytest.raises((Boom, layerwalk.errors.LayerwalkError)):
            PATHS[path](model)
    else:
        PATHS[path](model)
    assert_clean(model)
    model.conv2.armed = False
    assert torch.equal(model(X), expected)  # still the same ordinary module


@pytest.mark.parametrize(("dynamic", "method"), [(False, "fx"), (True, "dynamic")])
def test_both_capture_paths_are_exercised(dynamic, method):
    assert capture_model(BoomNet(dynamic=dynamic).eval(), X[:1]).graph.method == method
