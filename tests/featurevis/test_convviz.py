"""ConvViz's variant: receptive-field canvas, dataset starts, restarts bounded by N, dead channels reported."""

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from layerwalk.data.datasets import ImageDataset
from layerwalk.engine import Network
from layerwalk.errors import LayerwalkError
from layerwalk.featurevis import featurevis
from layerwalk.featurevis.convviz import MIN_CANVAS, canvas_size


class Pictures(ImageDataset):
    """Eight random RGB pictures."""

    id = name = spec = "pictures"
    class_names = ["a"]
    mean, std = (0.5,) * 3, (0.25,) * 3
    channels = 3

    def __len__(self):
        return 8

    def image(self, i):
        rng = np.random.default_rng(i)
        return Image.fromarray(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8))

    def label(self, i):
        return 0


class DeadChannel(nn.Module):
    """Channel 1 of ``conv`` has zero weights and a negative bias: after the ReLU it is 0 for any input."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.act = nn.ReLU()
        with torch.no_grad():
            self.conv.weight[1] = 0.0
            self.conv.bias[1] = -1.0
        self.head = nn.Conv2d(3, 2, 5, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.pool(self.head(self.act(self.conv(x)))).flatten(1)


@pytest.fixture(scope="module")
def net():
    return Network(DeadChannel(), dataset=Pictures(), input_size=(3, 48, 48))


def test_canvas_is_the_receptive_field_but_at_least_35_px(net):
    assert canvas_size(net, "conv") == ((MIN_CANVAS, MIN_CANVAS), (3, 3))
    assert canvas_size(net, "output")[0] == (48, 48)


def test_restarts_stop_at_n_and_the_dead_channel_is_reported(net):
    r = featurevis(net, "conv", [0, 1, 2], style="convviz", restarts=5, steps=6)
    assert r.style == "convviz" and r.dead_channels == [1]
    assert r.attempts[1] == 5 and r.attempts[0] == 1 and r.attempts[2] == 1
    assert r.tensors.shape == (3, 3, MIN_CANVAS, MIN_CANVAS) and r.receptive_field == (3, 3)
    assert r.history.shape == (12, 3)           # optimised, start subtracted, optimised again
    assert r.final_objective[0] > r.start_objective[0] and r.final_objective[1] == 0
    red = np.asarray(r.images[0])[16, 16]       # the 3×3 field's box is drawn around the centre (16…18)
    assert tuple(red) == (255, 0, 0)
    again = featurevis(net, "conv", [0, 1, 2], style="convviz", restarts=2, steps=6)
    assert again.attempts[1] == 2


def test_convviz_needs_a_dataset():
    bare = Network(DeadChannel(), input_size=(3, 48, 48))
    with pytest.raises(LayerwalkError, match="needs? .*dataset|dataset"):
        featurevis(bare, "conv", [0], style="convviz", steps=2)
