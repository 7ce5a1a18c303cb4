"""The filter view: a layer's kernels as the model holds them, and a first layer's map step by step."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from layerwalk.capture.replay import EditError
from layerwalk.probing.filters import first_layer_convolution, layer_weights


def test_weights_are_the_modules_own(net):
    w = layer_weights(net, "conv1")
    assert torch.equal(w.weight, net.model.conv1.weight.detach())
    assert w.bias is None and w.norms.shape == (64, 3)
    assert torch.allclose(w.norms[5, 1], net.model.conv1.weight[5, 1].detach().norm())
    fc = layer_weights(net, "fc")
    assert fc.weight.shape == (1000, 512, 1, 1) and torch.equal(fc.bias, net.model.fc.bias.detach())


def test_layers_without_kernels_are_refused_clearly(net):
    with pytest.raises(EditError, match="no conv or linear weights"):
        layer_weights(net, "maxpool")
    with pytest.raises(EditError, match="does not read the input directly.*conv1"):
        first_layer_convolution(net, "layer1.0.conv1", 0)
    with pytest.raises(EditError, match="has 64 channels"):
        first_layer_convolution(net, "conv1", 64)


def test_first_layer_steps_end_in_the_layers_own_output(net):
    steps = first_layer_convolution(net, "conv1", 7)
    x = net.snapshot.activations["input"][None]
    conv = net.model.conv1
    expected = F.conv2d(x, conv.weight[7:8], None, conv.stride, conv.padding)[0, 0]
    assert torch.allclose(steps.convolved, expected, atol=1e-5)
    assert steps.batch_norm and steps.bias == 0.0
    assert torch.allclose(torch.relu(steps.biased), steps.output, atol=1e-5)  # conv1 · bn1 · relu
    assert torch.equal(steps.output, net.snapshot.activations["conv1"][7])
    assert not torch.allclose(steps.biased, steps.convolved)
