"""The redirected ReLU of feature visualization: ReLU6 redirected too (the demo's EfficientNet-Lite uses it), the
same ReLU-like rule as attribution's DeconvNet/guided modes, and "back into range" follows the loop's direction
(gradient ascent on the objective, or an optimiser minimising -objective)."""

import pytest
import torch
from torch import nn

from layerwalk.attribution._modes import relu_backward_rule
from layerwalk.featurevis.relu_override import relu_gradient_override


def _grad_at_activation(act: nn.Module, ascending: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(z, weights, d value / d z) under the override, for value = sum(w * act(z)) (or its negative as a loss)."""
    z = torch.tensor([-2.0, -2.0, 3.0, 3.0, 8.0, 8.0], requires_grad=True)
    w = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    with relu_gradient_override(ascending=ascending):
        value = (w * act(z)).sum()
        (grad,) = torch.autograd.grad(value if ascending else -value, z)
    return z, w, grad


@pytest.mark.parametrize("act", [nn.ReLU6(), nn.Hardtanh(0.0, 6.0)], ids=["relu6", "hardtanh0-6"])
def test_relu6_passes_only_what_moves_a_unit_back_into_range(act):
    _, _, up = _grad_at_activation(act, ascending=True)
    # below 0: only a push up; inside: everything; above 6: only a push down
    assert up.tolist() == [1.0, 0.0, 1.0, -1.0, 0.0, -1.0]
    _, _, down = _grad_at_activation(act, ascending=False)
    torch.testing.assert_close(down, -up)   # an optimiser minimising -objective takes the same steps


def test_plain_relu_has_no_upper_clamp():
    _, _, up = _grad_at_activation(nn.ReLU(), ascending=True)
    assert up.tolist() == [1.0, 0.0, 1.0, -1.0, 1.0, -1.0]


@pytest.mark.parametrize(("act", "is_relu"), [(nn.ReLU(), True), (nn.ReLU6(), True), (nn.Hardtanh(0.0, 6.0), True),
                                             (nn.Hardtanh(-1.0, 1.0), False), (nn.Tanh(), False)],
                         ids=["relu", "relu6", "hardtanh0-6", "hardtanh-1-1", "tanh"])
def test_featurevis_and_attribution_agree_on_what_is_a_relu(act, is_relu):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), act, nn.Conv2d(8, 4, 3))
    x = (torch.randn(1, 3, 10, 10) * 4).requires_grad_(True)

    def grad(mode=None):
        if mode is None:
            return torch.autograd.grad(model(x).sum(), x)[0]
        with mode:
            return torch.autograd.grad(model(x).sum(), x)[0]

    plain = grad()
    redirected = not torch.allclose(grad(relu_gradient_override()), plain)
    guided = not torch.allclose(grad(relu_backward_rule("guided")), plain)
    assert redirected == guided == is_relu
