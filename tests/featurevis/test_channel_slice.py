"""The forward-pass shortcuts of feature visualization give what the plain pass gives: only each image's own channel
of the target layer, BatchNorms folded into convs."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from layerwalk.engine import Network
from layerwalk.featurevis import channel_slice, featurevis
from layerwalk.featurevis.fold_batchnorm import FoldBatchNorm
from layerwalk.featurevis.objective_eval import BoundObjective
from layerwalk.featurevis.objectives import channel
from layerwalk.featurevis.shortcuts import ForwardShortcuts

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
    x = torch.randn(6, 3, 24, 24)
    out, sliced = ForwardShortcuts(net.captured, "conv").run(x, torch.tensor([0, 1, 2, 3, 4, 5]))
    assert sliced and out.shape == (6, 1, 12, 12)
    chans = [0, 5, 2, 2, 1, 4]
    sliced, _ = BoundObjective(net, channel(), "conv")(x, chans)
    full, _ = BoundObjective(net, channel(), "conv", full_target=True)(x, chans)
    assert torch.allclose(sliced, full, atol=1e-5)
    a = featurevis(net, "conv", steps=8, start="noise:3", cache=False)
    b = featurevis(net, "conv", steps=8, start="noise:3", cache=False, diversity=1e-9)  # diversity → full layer
    assert torch.allclose(a.tensors, b.tensors, atol=1e-3)


def test_a_norm_that_mixes_channels_falls_back_to_the_full_layer():
    net = _net(nn.GroupNorm(2, 6))
    out, sliced = ForwardShortcuts(net.captured, "conv").run(torch.randn(2, 3, 24, 24), torch.tensor([0, 4]))
    assert not sliced and out.shape == (2, 6, 12, 12)
    result = featurevis(net, "conv", channels=[0, 4], steps=5, cache=False)
    assert (result.final_objective > result.start_objective).all()


class TwoBlocks(nn.Module):
    """conv→bn→relu twice (the first conv with a bias), then a conv whose output also skips its norm."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.a, self.bn_a = nn.Conv2d(3, 8, 3, padding=1, bias=True), nn.BatchNorm2d(8)
        self.b, self.bn_b = nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8)
        self.c, self.bn_c = nn.Conv2d(8, 8, 1), nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = torch.relu(self.bn_b(self.b(torch.relu(self.bn_a(self.a(x))))))
        y = self.c(x)
        return self.fc((self.bn_c(y) + y).mean((2, 3)))


def test_batchnorm_folding_matches_and_skips_convs_whose_output_is_used_elsewhere():
    model = TwoBlocks()
    for bn in (model.bn_a, model.bn_b, model.bn_c):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 2)
        bn.bias.data.uniform_(-1, 1)
    net = Network(model, input_size=(3, 16, 16), mean=(0.5,) * 3, std=(0.25,) * 3)
    pairs = net.captured.conv_norm_pairs()
    assert [w is model.a.weight or w is model.b.weight for w, _ in pairs] == [True, True]  # not c: y is reused
    x = torch.randn(3, 3, 16, 16)
    with torch.no_grad():
        plain = net.captured.run(x)
        with FoldBatchNorm(pairs):
            folded = net.captured.run(x)
    for node in ("a", "b", "output"):
        assert torch.allclose(folded[node], plain[node], atol=1e-5), node


def test_the_demo_takes_both_shortcuts_and_gets_the_plain_objective():
    net = Network.from_spec("demo")
    target = "_blocks.1._expand_conv.conv2d"
    shortcuts = ForwardShortcuts(net.captured, target)
    assert bool(shortcuts.fold)
    x = torch.randn(3, 3, 224, 224)
    chans = [5, 0, 95]
    fast, _ = BoundObjective(net, channel(), target)(x, chans)
    with torch.no_grad():
        plain = net.captured.run(x, record={target}, stop_after=target)[target]
    want = plain[torch.arange(3), chans].mean((1, 2))
    assert torch.allclose(fast, want, rtol=1e-3)
    assert shortcuts._decide(x, torch.tensor(chans)) == (True, True)
