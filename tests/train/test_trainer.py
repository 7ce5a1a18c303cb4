import json

import pytest
import torch
from safetensors.torch import load_file

from layerwalk.data import load_model
from layerwalk.errors import SpecError
from layerwalk.train import TrainConfig, train
from layerwalk.train.trainer import CHECKPOINT, WEIGHTS, dataset_splits

from .conftest import TINY


def _config(**kw) -> TrainConfig:
    base = {"model": TINY, "dataset": "fashion-mnist", "strategy": "shuffled", "epochs": 4, "image_size": (16, 16),
            "train_subset": 64, "test_subset": 32, "batch_size": 16, "copies": 1}
    return TrainConfig(**{**base, **kw})


def test_tiny_run_decreases_loss_and_writes_everything(tmp_path):
    result = train(_config(strategy="standard", lr=0.01, epochs=5), tmp_path, progress=False)
    losses = [h["train_loss"] for h in result.history]
    assert losses[-1] < losses[0]
    for name in (CHECKPOINT, WEIGHTS, "metrics.json", "metrics.png", "config.json"):
        assert (tmp_path / name).is_file()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["epochs"]) == 5 and metrics["summary"]["finished"]
    assert 0 <= metrics["summary"]["test_acc"] <= 1
    # the final weights load into a fresh model like any weights file
    load_model(TINY, weights=tmp_path / WEIGHTS, num_classes=10, in_channels=1)


@pytest.mark.parametrize("strategy", ["standard", "noisy"])
def test_interrupted_run_resumes_to_identical_weights(tmp_path, strategy):
    config = _config(strategy=strategy)
    straight = train(config, tmp_path / "a", progress=False)
    partial = train(config, tmp_path / "b", progress=False, stop_after=2)
    assert partial.summary["finished"] is False and len(partial.history) == 2
    resumed = train(config, tmp_path / "b", progress=False)
    a, b = load_file(str(tmp_path / "a" / WEIGHTS)), load_file(str(tmp_path / "b" / WEIGHTS))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h["train_loss"] for h in straight.history] == [h["train_loss"] for h in resumed.history]


def test_resume_with_other_settings_is_refused(tmp_path):
    train(_config(epochs=1), tmp_path, progress=False)
    with pytest.raises(SpecError, match="different settings"):
        train(_config(epochs=2, lr=0.5), tmp_path, progress=False)


def test_strategy_defaults_follow_table_1():
    standard = _config(strategy="standard").resolved()
    assert (standard.lr, standard.augment) == (0.002, True)
    noisy = _config(strategy="noisy").resolved()
    assert (noisy.lr, noisy.weight_decay, noisy.augment) == (0.001, 0.0, False)


def test_dataset_splits():
    assert dataset_splits("fashion-mnist") == ("fashion-mnist:train", "fashion-mnist:test")
    assert dataset_splits("imagefolder:/d/x:train") == ("imagefolder:/d/x:train?undersample", "imagefolder:/d/x:test")
    with pytest.raises(SpecError, match="train/test split"):
        dataset_splits("photos")
