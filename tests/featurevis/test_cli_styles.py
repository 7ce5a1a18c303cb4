"""``layerwalk featurevis --style lucid --objective …`` writes the images and records style and objective."""

import json

import pytest

from layerwalk.cli import main


@pytest.mark.slow
def test_cli_lucid_style_with_an_objective(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAYERWALK_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "fv"
    code = main(["featurevis", "demo", "--layer", "_conv_stem.conv2d", "--channels", "0-1", "--steps", "3",
                 "--style", "lucid", "--objective", "channel - 0.1*tv", "--no-cache", "--out", str(out)])
    assert code == 0
    meta = json.loads((out / "featurevis.json").read_text())
    assert meta["style"] == "lucid" and meta["objective"] == "channel() - 0.1*tv()" and meta["channels"] == [0, 1]
    assert (out / "contact_sheet.png").exists()
    assert main(["featurevis", "demo", "--layer", "_conv_stem.conv2d", "--objective", "channel * tv",
                 "--out", str(out)]) != 0
    assert "scaled by numbers" in capsys.readouterr().err
