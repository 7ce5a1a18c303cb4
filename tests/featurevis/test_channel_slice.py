"""Computing only each image's own channel of the target layer gives exactly what the full layer gives."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from layerwalk.engine import Network
from layerwalk.featurevis import channel_slice, featurevis
from layerwalk.featurevis.core import _objective

CONVS = [  # (in, out, kernel, stride, padding, dilation, groups)
    (3, 8, 7, 2, 3, 1, 1),       # a first layer
    (6, 6, 3, 1, 1, 1, 6),       # depthwise
    (8, 12, 3, 1, "same", 1, 4),  # grouped, padding spelled "same"
    (4, 5, 1, 1, 0, 1, 1),       # 1×1
    (4, 5, 3, 2, 2, 2, 1),       # dilated, strided
    (4, 5, 3, 1, "valid", 1, 1),
]


@pytest.mark.parametrize("cin,cout,k,s,p,d,g", CONVS)
def test_one_channel_conv_equals_the_full_layer_channel_and_its_gradient(cin, cout, k, s, p, d, g):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(5, cin, 19, 23, generator=gen, requires_grad=True)
    w, b = torch.randn(cout, cin // g, k, k, generator=gen), torch.randn(cout, generator=gen)
    ch = torch.randint(0, cout, (5,), generator=gen)
    full = F.conv2d(x, w, b, s, p, d, g)[torch.arange(5), ch]
    part = channel_slice._conv2d_one_channel(ch, x, w, b, s, p, d, g)
    assert part.shape == (5, 1) + full.shape[1:]
    assert torch.allclose(part[:, 0], full, atol=1e-4)
    (g_full,) = torch.autograd.grad(full.square().sum(), x)
    (g_part,) = torch.autograd.grad(part.square().sum(), x)
    assert torch.allclose(g_full, g_part, atol=1e-3)


def test_one_channel_linear_and_batch_norm():
    gen = torch.Generator().manual_seed(1)
    x, w, b = torch.randn(4, 7, generator=gen), torch.randn(3, 7, generator=gen), torch.randn(3, generator=gen)
    ch = torch.tensor([2, 0, 1, 2])
    assert torch.allclose(channel_slice._linear_one_channel(ch, x, w, b)[:, 0], F.linear(x, w, b)[torch.arange(4), ch])
    bn = nn.BatchNorm2d(3).eval()
    bn.running_mean.uniform_(-1, 1, generator=gen)
    bn.running_var.uniform_(0.5, 2, generator=gen)
    bn.weight.data.uniform_(0.5, 2, generator=gen)
    y = torch.randn(4, 3, 5, 5, generator=gen)
    picked = y[torch.arange(4), ch].unsqueeze(1)
    part = channel_slice._batch_norm_one_channel(ch, picked, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                                                 False, 0.1, bn.eps)
    assert torch.allclose(part[:, 0], bn(y)[torch.arange(4), ch], atol=1e-5)


class ConvBnRelu(nn.Module):
    def __init__(self, norm: nn.Module):
        super().__init__()
        torch.manual_seed(0)
        self.conv, self.norm, self.relu = nn.Conv2d(3, 6, 5, stride=2, padding=2), norm, nn.ReLU()
        self.head = nn.Linear(6, 3)

    def forward(self, x):
        return self.head(self.relu(self.norm(self.conv(x))).mean((2, 3)))


def _net(norm):
    net = Network(ConvBnRelu(norm), input_size=(3, 24, 24), mean=(0.5,) * 3, std=(0.25,) * 3)
    if isinstance(norm, nn.BatchNorm2d):
        norm.running_mean.uniform_(-0.5, 0.5)
        norm.running_var.uniform_(0.5, 2)
    return net


def test_featurevis_objective_is_the_same_with_and_without_the_shortcut():
    net = _net(nn.BatchNorm2d(6))
    assert channel_slice.verify(net.captured, "conv", net.snapshot.activations["input"][None])
    x = torch.randn(6, 3, 24, 24)
    chans = [0, 5, 2, 2, 1, 4]
    sliced, _ = _objective(net, "conv", one_channel=True)(x, chans)
    full, _ = _objective(net, "conv", one_channel=False)(x, chans)
    assert torch.allclose(sliced, full, atol=1e-5)
    a = featurevis(net, "conv", steps=8, start="noise:3", cache=False)
    b = featurevis(net, "conv", steps=8, start="noise:3", cache=False, diversity=1e-9)  # diversity → full layer
    assert torch.allclose(a.tensors, b.tensors, atol=1e-3)


def test_a_norm_that_mixes_channels_falls_back_to_the_full_layer():
    net = _net(nn.GroupNorm(2, 6))
    assert not channel_slice.verify(net.captured, "conv", net.snapshot.activations["input"][None])
    result = featurevis(net, "conv", channels=[0, 4], steps=5, cache=False)
    assert (result.final_objective > result.start_objective).all()
