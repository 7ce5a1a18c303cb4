"""DeconvNet and guided backpropagation treat ReLU6 (``nn.ReLU6`` = ``F.hardtanh(x, 0, 6)``, used by the demo's
EfficientNet-Lite and by MobileNets) as the ReLU it is; before, both fell back to the plain gradient there."""

import pytest
import torch
from torch import nn

from layerwalk.attribution._modes import relu_backward_rule


def _grads(model, x, rule=None, hook=None):
    handle = model[1].register_full_backward_hook(hook) if hook else None
    try:
        if rule is None:
            return torch.autograd.grad(model(x).sum(), x)[0]
        with relu_backward_rule(rule):
            return torch.autograd.grad(model(x).sum(), x)[0]
    finally:
        if handle:
            handle.remove()


@pytest.mark.parametrize("act", [nn.ReLU6(), nn.Hardtanh(0.0, 6.0), nn.ReLU()], ids=["relu6", "hardtanh0-6", "relu"])
def test_guided_and_deconv_rules_apply_to_relu6(act):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), act, nn.Conv2d(8, 4, 3))
    x = (torch.randn(1, 3, 10, 10) * 4).requires_grad_(True)
    assert ((model[1](model[0](x)) >= 6).any() or isinstance(act, nn.ReLU))  # the upper clamp is exercised
    plain = _grads(model, x)
    # guided = the gradient through the activation, then only its positive part (as Captum's module hooks do)
    reference = _grads(model, x, hook=lambda m, gi, go: (gi[0].clamp(min=0),))
    guided = _grads(model, x, "guided")
    deconv = _grads(model, x, "deconv")
    torch.testing.assert_close(guided, reference)
    assert not torch.allclose(guided, plain) and not torch.allclose(deconv, plain)
    assert not torch.allclose(deconv, guided)


def test_a_hardtanh_that_is_not_relu_like_keeps_its_gradient():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Hardtanh(-1.0, 1.0), nn.Conv2d(8, 4, 3))
    x = torch.randn(1, 3, 10, 10).requires_grad_(True)
    torch.testing.assert_close(_grads(model, x, "guided"), _grads(model, x))
