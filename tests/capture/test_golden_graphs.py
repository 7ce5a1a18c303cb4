"""Node ids are part of the URL contract (``/api/networks/{nid}/layers/{lid}/…``): the captured graphs of a few
known models are pinned as golden JSON (as torchview does). After an intended change, regenerate and review:

    .venv/bin/python -m pytest tests/capture/test_golden_graphs.py --regen-golden -m "slow or not slow"
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch
import torchvision

from layerwalk.capture import capture
from layerwalk.data import load_model

GOLDEN = Path(__file__).parent / "golden"


def _torchvision(name: str, **kwargs):
    def build():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return torchvision.models.get_model(name, weights=None, **kwargs).eval(), (3, 224, 224)
    return build


def _spec(spec: str):
    def build():
        bundle = load_model(spec)
        return bundle.model, bundle.input_size
    return build


MODELS = {
    "demo": _spec("demo"),
    "covidresnet": _spec("covidresnet"),
    "resnet18": _torchvision("resnet18"),
    "googlenet": pytest.param(_torchvision("googlenet", aux_logits=False, init_weights=False),
                              marks=pytest.mark.slow),
}


def graph_json(build) -> dict:
    """What clients rely on: every node's id, kind, shape, precursors, label … (free-text notes left out)."""
    model, size = build()
    data = capture(model, torch.zeros(1, *size)).to_dict()
    data.pop("notes", None)
    return data


@pytest.mark.parametrize("build", list(MODELS.values()), ids=list(MODELS))
def test_graph_matches_golden(build, request):
    name = request.node.callspec.id
    path = GOLDEN / f"{name}.json"
    actual = graph_json(build)
    if request.config.getoption("--regen-golden"):
        path.write_text(json.dumps(actual, indent=1) + "\n")
    assert path.exists(), f"no golden file {path.name}: run with --regen-golden"
    expected = json.loads(path.read_text())
    assert [n["id"] for n in actual["nodes"]] == [n["id"] for n in expected["nodes"]], "node ids changed"
    for got, want in zip(actual["nodes"], expected["nodes"]):
        assert got == want, f"node {want['id']} changed"
    assert actual == expected
