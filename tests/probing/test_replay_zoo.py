"""Re-running from a node with its own recorded value reproduces every later activation bit for bit, on the
issue's architectures: ResNet50, DenseNet121, GoogLeNet, the demo's EfficientNet-Lite0 (real weights) and the
paper's CovidResNet / CovidDenseNet (random weights, small inputs)."""

from __future__ import annotations

import pytest
import torch
import torchvision

from layerwalk.capture import capture_model
from layerwalk.data import load_model

from .models import seeded
from .test_replay import _replays_exactly


def _models():
    yield "resnet50", seeded(torchvision.models.resnet50()), (3, 32, 32)
    yield "densenet121", seeded(torchvision.models.densenet121()), (3, 32, 32)
    yield "googlenet", seeded(torchvision.models.googlenet(aux_logits=False, init_weights=False)), (3, 32, 32)
    yield "demo", load_model("demo").model, (3, 64, 64)
    yield "covidresnet", seeded(load_model("covidresnet").model), (3, 64, 96)
    yield "coviddensenet", seeded(load_model("coviddensenet").model), (3, 64, 96)


def _spread(graph, count: int = 10) -> list[str]:
    """Nodes spread over the whole graph, plus the first join of each kind (add, concat, mul)."""
    ids = [n.id for n in graph if n.kind not in ("output", "marker")]
    picked = ids[:: max(1, len(ids) // count)]
    for kind in ("add", "concat", "mul"):
        picked += [n.id for n in graph if n.kind == kind][:1]
    return list(dict.fromkeys(picked))


@pytest.mark.slow
@pytest.mark.parametrize("name, model, size", list(_models()), ids=lambda v: v if isinstance(v, str) else "")
def test_rerun_from_nodes_across_the_graph_is_exact(name, model, size):
    torch.manual_seed(1)
    cm = capture_model(model, torch.zeros(1, *size))
    assert cm.method == "fx", f"{name} is expected to trace"
    nodes = _spread(cm.graph)
    assert _replays_exactly(cm, torch.randn(1, *size), nodes) == len(nodes)
