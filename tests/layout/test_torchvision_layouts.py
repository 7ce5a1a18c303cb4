"""Layouts of graphs captured from real torchvision models: ResNet50, DenseNet121, GoogLeNet."""

from __future__ import annotations

import pytest
import torch
import torchvision

from layerwalk.layout import layout_graph

from .checks import assert_edges_avoid_panels, assert_edges_forward, assert_no_overlaps

pytestmark = pytest.mark.slow  # capturing three torchvision models takes ~40 s


@pytest.fixture(scope="module", params=["resnet50", "densenet121", "googlenet"])
def captured(request):
    from layerwalk.capture import capture

    kwargs = {"aux_logits": False, "init_weights": False} if request.param == "googlenet" else {}
    model = getattr(torchvision.models, request.param)(weights=None, **kwargs).eval()
    return request.param, capture(model, torch.zeros(1, 3, 224, 224))


@pytest.mark.parametrize("arrangement", ["conveyor", "wrap"])
def test_invariants(captured, arrangement):
    name, graph = captured
    layout = layout_graph(graph, arrangement)
    assert_no_overlaps(layout)
    assert_edges_forward(layout)
    assert_edges_avoid_panels(layout)


def test_readable_proportions(captured):
    """The default ("auto") layout of a deep network is a compact block, not a line hundreds of metres long."""
    name, graph = captured
    layout = layout_graph(graph, "auto")
    nodes = layout["nodes"]
    lanes = {p["lane"] for p in nodes.values()}
    width = layout["bounds"]["max"][0] - layout["bounds"]["min"][0]
    depth = -layout["bounds"]["min"][2]
    assert len(lanes) <= 6, f"{name}: {len(lanes)} lanes"  # branches side by side, not a sprawl
    assert width < 100 and depth < 120, (name, width, depth)
    assert nodes["output"]["lane"] == 0 and nodes["input"]["lane"] == 0
    joins = [n for n in graph.nodes if n.kind in ("add", "concat") and len(n.precursors) > 1]
    assert joins and all(nodes[n.id]["lane"] == 0 for n in joins), name  # branches join back onto the main lane
