import json

import pytest

from layerwalk.cli import main

from .conftest import TINY


def test_train_command(tmp_path, capsys):
    code = main(["train", "--model", TINY, "--strategy", "noisy", "--copies", "1", "--epochs", "1", "--subset", "40",
                 "--image-size", "16,16", "--batch-size", "16", "--threads", "1", "--out", str(tmp_path)])
    assert code == 0
    assert "test acc" in capsys.readouterr().out
    assert json.loads((tmp_path / "metrics.json").read_text())["summary"]["train_images"] == 80


def test_train_command_bad_dataset_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--model", TINY, "--dataset", "photos", "--out", str(tmp_path)]) == 2
    assert "train/test split" in capsys.readouterr().err


def test_unknown_preset_is_rejected():
    with pytest.raises(SystemExit):
        main(["train", "--preset", "nope", "--out", "x"])


@pytest.mark.slow
def test_study_writes_a_report(tmp_path):
    from layerwalk.study import run_study

    results = run_study(tmp_path, model=TINY, budget_minutes=0.3, image_size=(16, 16), epochs=1, copies=1,
                        progress=False)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert set(results["accuracy"]) == {"standard", "shuffled", "noisy"}
    assert results["verdict"]["total"] > 0
