"""Panels mean what they say: channels-last layers are shown channels-first, tokens as rows or patch grids, the
batch is found wherever it is, and what cannot be shown is left out with a note — never half a tensor."""

import pytest
import torch
from torch import nn

from layerwalk.capture import capture_model


class ChannelsLastBlock(nn.Module):
    """ConvNeXt's block: depthwise conv, permute to (N, H, W, C), LayerNorm and Linear there, permute back."""

    def __init__(self):
        super().__init__()
        self.dwconv = nn.Conv2d(3, 6, 3, padding=1)
        self.norm = nn.LayerNorm(6)
        self.pwconv = nn.Linear(6, 10)
        self.head = nn.Linear(10, 2)

    def forward(self, x):
        x = self.dwconv(x).permute(0, 2, 3, 1)
        x = self.pwconv(self.norm(x)).permute(0, 3, 1, 2)
        return self.head(x.mean((2, 3)))


class WindowAttention(nn.Module):
    """Swin's window partition (windows folded into the batch), a per-window linear, and windows put back."""

    def __init__(self, window=2):
        super().__init__()
        self.window = window
        self.embed = nn.Conv2d(3, 4, 1)
        self.mix = nn.Linear(4, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        x = self.embed(x).permute(0, 2, 3, 1)                     # (B, H, W, C)
        b, h, w, c, s = x.shape[0], x.shape[1], x.shape[2], x.shape[3], self.window
        windows = x.view(b, h // s, s, w // s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, s * s, c)
        windows = self.mix(windows)                               # (B·windows, s², C): batch folded
        x = windows.view(b, h // s, w // s, s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, c)
        return self.head(x.mean((1, 2)))


class QkvFirst(nn.Module):
    """An attention reshape that puts q/k/v in front of the batch: (3, B, heads, N, d)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(3, 4, 2, stride=2)
        self.qkv = nn.Linear(4, 12)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)               # (B, N, C)
        qkv = self.qkv(t).reshape(t.shape[0], t.shape[1], 3, 1, 4).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        y = (q @ k.transpose(-2, -1)).softmax(-1) @ v              # (B, heads, N, d)
        return self.head(y.mean((1, 2)))


def _capture(model, size, method, detail="layers"):
    return capture_model(model.eval(), torch.zeros(1, 3, size, size), detail=detail, method=method)


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_channels_last_layers_are_shown_channels_first(method):
    model = ChannelsLastBlock()
    cm = _capture(model, 8, method)
    assert cm.graph.node("dwconv").shape == (6, 8, 8)             # conv · ln folded: still 6 maps of 8×8
    assert cm.graph.node("pwconv").shape == (10, 8, 8)
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        out = cm.run(x)
        expected = model.pwconv(model.norm(model.dwconv(x).permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
    assert torch.allclose(out["pwconv"], expected, atol=1e-6)


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_folded_windows_are_left_out_with_a_note_and_the_rest_is_whole(method):
    model = WindowAttention()
    cm = _capture(model, 8, method)
    graph = cm.graph
    assert "mix" not in graph                                      # (B·16 windows, 4, 4): no panel can show it
    assert any("batch is folded" in note and "mix" in note for note in graph.notes)
    assert graph.node("mean").precursors == ("embed",)             # edges skip what is left out
    for n in graph:                                                # nothing shows one window only
        assert n.shape in ((3, 8, 8), (4, 8, 8), (4,), (2,)), (n.id, n.shape)


@pytest.mark.parametrize("method", ["fx", "dynamic"])
def test_batch_dimension_found_behind_qkv(method):
    model = QkvFirst()
    graphs = [_capture(model, 8, method, "ops").graph for _ in range(1)]
    cm = capture_model(model.eval(), torch.zeros(2, 3, 8, 8), detail="ops", method=method)
    assert [(n.id, n.shape) for n in graphs[0]] == [(n.id, n.shape) for n in cm.graph]  # batch 2 changes nothing
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        out = cm.run(x)
    for node in cm.graph:
        if node.id in out:
            assert tuple(out[node.id].shape) == (2, *node.shape), node.id
    tokens = cm.graph.node("qkv")
    assert tokens.shape == (12, 4, 4)                              # 16 tokens of a 4×4 grid, 12 features each
    with torch.no_grad():
        t = model.embed(x).flatten(2).transpose(1, 2)
        assert torch.allclose(out["qkv"], model.qkv(t).transpose(1, 2).reshape(2, 12, 4, 4), atol=1e-6)
    assert all(len(n.shape) <= 3 for n in cm.graph)
    assert cm.graph.notes                                          # the 5-d qkv split is left out, and said so
