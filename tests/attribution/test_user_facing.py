"""The README's attribution example runs; the CLI writes its files and names bad input; the sanity badge."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import layerwalk
from layerwalk.attribution import attribute
from layerwalk.cli import main

from .models import Small

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    section = README.read_text().split("## Attribution", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    r, ig = namespace["r"], namespace["ig"]
    assert r.cost["passes"] == 1 and r.maps["layer4.1.add"].shape == (5, 2, 2)
    assert r.channel_scores["layer4.1.add"].shape == (5, 512)
    assert ig.delta.shape == (2,) and (tmp_path / "overview.png").stat().st_size > 0


@pytest.mark.slow  # loads ResNet18 at 224²
def test_cli_writes_maps_overview_and_json(tmp_path, capsys):
    code = main(["attribute", "torchvision:resnet18", "--method", "gradcam", "--targets", "3,7",
                 "--layers", "layer1.0.add,layer4.1.add", "--out", str(tmp_path)])
    assert code == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"class3_layer1.0.add.png", "class7_layer4.1.add.png", "class3_input.png", "overview.png",
            "result.json"} <= names
    result = json.loads((tmp_path / "result.json").read_text())
    assert [t["index"] for t in result["targets"]] == [3, 7] and result["cost"]["passes"] == 1
    assert len(result["layers"][1]["channel_scores"][0]) == 512


@pytest.mark.slow
@pytest.mark.parametrize(("argv", "message"), [
    (["--method", "nope"], "valid methods: gradcam"),
    (["--layers", "fc"], "spatial"),
    (["--targets", "1000"], "0…999"),
    (["--param", "steps"], "NAME=VALUE"),
])
def test_cli_bad_input_is_one_clear_line(tmp_path, capsys, argv, message):
    assert main(["attribute", "torchvision:resnet18", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_sanity_badge_separates_weight_dependent_maps():
    net = layerwalk.Network(Small(classes=5), input_size=(3, 16, 16))
    r = attribute(net, "gradcam", [0, 1], sanity=True)
    s = r.sanity
    assert len(s["correlations"]) >= 3 and s["layers_randomised"][0] == "head"  # cascading from the top
    assert s["rank_correlation"] < 0.3 and s["passes"] is True
    same = attribute(net, "gradcam", [0, 1], sanity=True)
    assert same.cached and same.sanity == s  # cached with its badge


@pytest.mark.slow
@pytest.mark.parametrize(("method", "params"), [("gradcam", {}), ("saliency", {}),
                                                ("integrated_gradients", {"steps": 8})])
def test_sanity_on_the_demo_model(method, params):
    net = layerwalk.Network.from_spec("demo", dataset="photos")
    r = attribute(net, method, targets=[p.index for p in net.snapshot.classification(2)], sanity=True, **params)
    assert r.sanity["rank_correlation"] < 0.3, r.sanity
    assert torch.isfinite(torch.tensor(r.sanity["correlations"])).all()
