"""``layerwalk analyze``: tables, JSON and charts in the output folder; bad requests explained, no traceback."""

from __future__ import annotations

import csv
import json

from layerwalk.cli import main

MODEL = '''
from torch import nn
INPUT_SIZE = (3, 32, 32)

def build(num_classes=13, in_channels=3):
    return nn.Sequential(nn.Conv2d(in_channels, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(16, num_classes))
'''


def test_analyze_writes_tables_and_charts(tmp_path, capsys):
    model = tmp_path / "tiny.py"
    model.write_text(MODEL)
    out = tmp_path / "out"
    code = main(["analyze", f"{model}:build", "--dataset", "photos", "--what", "rf,stats,dead,pca,focus",
                 "-n", "6", "--top", "2", "--out", str(out)])
    assert code == 0
    rf = list(csv.DictReader((out / "rf.csv").open()))
    conv2 = next(r for r in rf if r["node"] == "4")
    assert (conv2["size_h"], conv2["stride_h"], conv2["offset_h"]) == ("8", "2", "-3")   # 3, pool 2 → 4, +2·2
    stats = json.loads((out / "stats.json").read_text())
    assert len(stats["items"]) == 6 and {layer["node"] for layer in stats["layers"]} >= {"0", "4"}
    dead = list(csv.DictReader((out / "dead.csv").open()))
    assert len(dead) == 8 + 16 and set(dead[0]) >= {"negative_pct", "energy", "bias", "dead", "reason"}
    focus = json.loads((out / "focus.json").read_text())["filters"]
    assert len(focus) == 2 and all(f["boxes"] for f in focus)
    for png in ("rf.png", "stats-0.png", "dead-4.png", "pca-0.png", "focus.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert "rf: " in capsys.readouterr().out


def test_analyze_explains_bad_requests(tmp_path, capsys):
    model = tmp_path / "tiny.py"
    model.write_text(MODEL)
    assert main(["analyze", f"{model}:build", "--what", "rf,magic", "--out", str(tmp_path)]) == 2
    assert "unknown analysis magic; choose from rf, stats" in capsys.readouterr().err
    assert main(["analyze", f"{model}:build", "--what", "stats", "--out", str(tmp_path)]) == 2
    assert "needs a dataset (CLI: --dataset SPEC)" in capsys.readouterr().err
    assert main(["analyze", f"{model}:build", "--dataset", "photos", "--what", "pca", "--layers", "nope",
                 "--out", str(tmp_path)]) == 2
    assert "no layer 'nope'" in capsys.readouterr().err
