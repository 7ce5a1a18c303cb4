"""DeconvNet focus: the projection equals Captum's Deconvolution on the same neurons; squares are the neurons'
receptive fields."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import Deconvolution
from torch import nn

from layerwalk.analysis import focus, receptive_fields
from layerwalk.analysis.focus import focus_layers
from layerwalk.analysis.plots import FOCUS_PALETTE, focus_plot, png
from layerwalk.data import noise_image
from layerwalk.engine import Network


def _network() -> Network:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 6, 3), nn.ReLU(),
                          nn.Flatten(), nn.Linear(6 * 14 * 14, 3))
    return Network(model, input_size=(3, 32, 32), device="cpu")


class _MaskedLayer(nn.Module):
    """Sum of a layer's activation weighted by a fixed map: its gradient is that map (Captum needs a model)."""

    def __init__(self, network, layer, weight):
        super().__init__()
        self.model, self.network, self.layer, self.weight = network.model, network, layer, weight

    def forward(self, x):
        a = self.network.captured.run(x, record={self.layer}, stop_after=self.layer)[self.layer]
        return (a * self.weight).flatten(1).sum(1, keepdim=True)


def test_projection_equals_captum_deconvolution():
    network = _network()
    network.set_input(noise_image(4, (32, 32)))
    result = focus(network, "5", top=3)
    x = network.snapshot.activations["input"][None]
    activation = network.snapshot.activations["5"]
    for f in result.filters:
        peak = activation[f.channel].max()
        weight = torch.zeros_like(activation)
        weight[f.channel] = activation[f.channel] * (activation[f.channel] >= 0.98 * peak)
        expected = Deconvolution(_MaskedLayer(network, "5", weight)).attribute(x.clone(), target=0)[0]
        assert np.abs(expected.numpy()).max() > 0
        np.testing.assert_allclose(f.projection, expected.numpy(), rtol=1e-5, atol=1e-7)


def test_neurons_above_the_threshold_and_their_squares():
    network = _network()
    network.set_input(noise_image(5, (32, 32)))
    activation = network.snapshot.activations["3"]
    result = focus(network, "3", [0, 4], threshold=0.9)
    fields = receptive_fields(network)
    for f in result.filters:
        values = activation[f.channel]
        expected = {tuple(ij) for ij in torch.nonzero(values >= 0.9 * values.max()).tolist()}
        assert {(r, c) for r, c, _ in f.neurons} == expected
        assert f.boxes == [fields["3"].unit_box(r, c) for r, c, _ in f.neurons]
        support = np.abs(f.projection).sum(0) > 0          # the projection stays inside the squares
        inside = np.zeros_like(support)
        for y0, x0, y1, x1 in f.boxes:
            inside[y0:y1 + 1, x0:x1 + 1] = True
        assert support.any() and not (support & ~inside).any()
    assert png(focus_plot(result))[:4] == b"\x89PNG"


def test_several_layers_one_colour_per_layer_in_the_2d_export():
    """Figure 18 of the thesis: the focus of several layers at once, each layer's squares in its own colour of the
    categorical palette (the client's, in the same order), and a legend naming the layers and their squares."""
    from matplotlib.colors import to_rgba

    network = _network()
    network.set_input(noise_image(6, (32, 32)))
    result = focus_layers(network, ["0", "3", "5"], top=2)
    assert [f.layer for f in result.filters] == ["0", "0", "3", "3", "5", "5"]
    fig = focus_plot(result)
    ax = fig.axes[0]
    squares = list(ax.patches)
    assert len(squares) == sum(len(f.boxes) for f in result.filters) > 0
    k = 0
    for f in result.filters:
        expected = to_rgba(FOCUS_PALETTE[["0", "3", "5"].index(f.layer)], 0.3)
        for patch, box in zip(squares[k:k + len(f.boxes)], f.boxes):
            assert patch.get_facecolor() == pytest.approx(expected)
            assert (patch.get_width(), patch.get_height()) == (box[3] - box[1] + 1, box[2] - box[0] + 1)
        k += len(f.boxes)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"{layer} ({sum(len(f.boxes) for f in result.filters if f.layer == layer)})"
                      for layer in ("0", "3", "5")]
    # one layer: one colour per filter instead
    one = focus_plot(focus(network, "3", [1, 4]))
    faces = {tuple(p.get_facecolor()) for p in one.axes[0].patches}
    assert faces == {tuple(to_rgba(FOCUS_PALETTE[i], 0.3)) for i in range(2)}
