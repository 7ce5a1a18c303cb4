import json
import subprocess
import sys

from layerwalk.cli import main


def test_graph_json_covidresnet(capsys):
    assert main(["graph", "covidresnet", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ids = [n["id"] for n in data["nodes"]]
    assert ids[0] == "input" and ids[-1] == "output"
    assert abs(data["total_params"] - 4.98e6) / 4.98e6 < 0.01
    assert {"id", "name", "kind", "shape", "params", "precursors"} <= set(data["nodes"][1])
    assert sum(n["kind"] == "add" for n in data["nodes"]) == 5


def test_graph_ops_detail_with_input_size(capsys):
    assert main(["graph", "torchvision:resnet18", "--input-size", "3,64,64", "--detail", "ops", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["detail"] == "ops" and data["nodes"][0]["shape"] == [3, 64, 64]
    assert any(n["kind"] == "norm" for n in data["nodes"])


def test_user_errors_are_one_line_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "layerwalk.cli", "graph", "resnet"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown model spec 'resnet'" in proc.stderr and "torchvision:NAME" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "layerwalk.cli", "graph", "covidresnet", "--input-size", "3,x"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--input-size" in proc.stderr and "Traceback" not in proc.stderr
