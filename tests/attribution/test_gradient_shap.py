"""GradientShap's layer-only mode (``input_map=False``: the backward stops at the shallowest layer asked for) gives
the same layer maps as the full call; the walk shares each point's forward among the targets."""

from __future__ import annotations

import pytest
import torch

import layerwalk
from layerwalk.attribution import attribute
from layerwalk.errors import LayerwalkError

from .models import Small

SIZE = 16


@pytest.fixture(scope="module")
def net():
    net = layerwalk.Network(Small(classes=5), input_size=(3, SIZE, SIZE))
    net.model.double()
    return net


@pytest.fixture(scope="module")
def x():
    return torch.randn(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(3), dtype=torch.float64)


def test_layer_maps_without_the_input_map_are_the_same(net, x):
    layers = layerwalk.attribution.spatial_layers(net)[1:]
    full = attribute(net, "gradientshap", [0, 3, 4], layers, inputs=x, samples=6, batch=2)
    only = attribute(net, "gradientshap", [0, 3, 4], layers, inputs=x, samples=6, batch=2, input_map="false")
    assert only.input_attribution is None and only.delta is None
    assert full.input_attribution is not None and full.delta is not None
    for lid in layers:
        assert full.maps[lid].abs().max() > 0
        torch.testing.assert_close(only.maps[lid], full.maps[lid], rtol=1e-10, atol=0)
    # 6 samples, 2 per forward: 3 forwards (each point forwarded once for the 3 targets), plus the endpoints
    # (the input and the 4 baselines)
    assert only.cost["passes"] == 1 + 3 and only.cost["evaluations"] == (1 + 4) + 6


def test_input_map_flag_takes_words_and_rejects_others(net, x):
    with pytest.raises(LayerwalkError, match="input_map must be a bool"):
        attribute(net, "gradientshap", [0], inputs=x, samples=2, input_map="sometimes")


def test_sanity_check_still_runs_on_input_maps(net):
    r = attribute(net, "gradientshap", [0, 1], samples=4, input_map=False, sanity=True)
    assert r.input_attribution is None and len(r.sanity["correlations"]) >= 3
