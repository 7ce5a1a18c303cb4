"""Both capture methods agree on which layers exist: leaves returning tuples (nn.MultiheadAttention) and layers
whose parameters are used through functional code (timm's weight-standardised convs) are layers in both."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from layerwalk.capture import capture_model


class TinyAttention(nn.Module):
    """Patch embedding, one self-attention layer (a leaf returning a tuple), a classifier on the mean token."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(3, 8, 4, stride=4)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        tokens = self.embed(x).flatten(2).transpose(1, 2)
        mixed, _ = self.attn(tokens, tokens, tokens)
        return self.head((tokens + mixed).mean(1))


class StdConv(nn.Conv2d):
    """A conv whose weight is standardised on the fly (as timm's ScaledStdConv2d in NFNets)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gain = nn.Parameter(torch.ones(self.out_channels, 1, 1, 1))

    def forward(self, x):
        w = F.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, training=True)
        return F.conv2d(x, w.reshape_as(self.weight) * self.gain, self.bias, self.stride, self.padding)


class StdConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = StdConv(3, 4, 3)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).mean((2, 3)))


def _weighted(graph):
    return {(n.module, n.params) for n in graph if n.params}


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_multihead_attention_is_a_layer_with_its_parameters(method):
    model = TinyAttention().eval()
    cm = capture_model(model, torch.zeros(1, 3, 16, 16), method=method)
    attn = cm.graph.node("attn")
    assert attn.kind == "attention" and attn.params == sum(p.numel() for p in model.attn.parameters())
    assert cm.graph.total_params == sum(p.numel() for p in model.parameters())
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        recorded = cm.run(x)["attn"]
        tokens = model.embed(x).flatten(2).transpose(1, 2)
        expected = model.attn(tokens, tokens, tokens)[0]
    # 16 tokens of 8 channels, channels last: shown as 8 channels of a 4×4 patch grid
    assert attn.shape == (8, 4, 4)
    assert torch.allclose(recorded, expected.transpose(1, 2).reshape(2, 8, 4, 4), atol=1e-6)


def test_both_methods_agree_on_the_layers_of_attention_and_std_conv_models():
    for model, size in ((TinyAttention(), 16), (StdConvNet(), 8)):
        graphs = [capture_model(model.eval(), torch.zeros(1, 3, size, size), method=m).graph
                  for m in ("fx", "dynamic")]
        assert _weighted(graphs[0]) == _weighted(graphs[1])
        assert [n.id for n in graphs[0]] == [n.id for n in graphs[1]]


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_functionally_used_parameters_are_counted_and_belong_to_their_module(method):
    model = StdConvNet().eval()
    graph = capture_model(model, torch.zeros(1, 3, 8, 8), method=method).graph
    assert graph.node("conv").params == 4 * 3 * 9 + 4 + 4 and graph.node("conv").module == "conv"
    assert graph.total_params == sum(p.numel() for p in model.parameters())
