import json

import torch

from layerwalk.train import TrainConfig, train
from layerwalk.train.batchnorm import calibration_indices, recalibrate_batchnorm


def test_a_model_that_fits_its_labels_reports_it_in_eval_mode(tmp_path):
    # CovidResNet memorizes 32 shuffled labels in 15 epochs of 2 steps; the running statistics left by those few
    # fast-moving steps gave eval mode about 20 % train accuracy (docs/study/bn_diagnosis.txt)
    config = TrainConfig(model="covidresnet", strategy="shuffled", epochs=15, image_size=(16, 16), train_subset=32,
                         test_subset=32, batch_size=16, eval_every=15)
    result = train(config, tmp_path, progress=False)
    curve = result.history[-1]["train_acc"]
    assert curve >= 0.95
    assert result.summary["train_acc"] >= 0.95
    assert abs(result.summary["train_acc"] - curve) <= 0.05
    # the curve's last test point and the table's test accuracy are the same evaluation
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs"][-1]["test_acc"] == metrics["summary"]["test_acc"]
    assert 0 <= metrics["summary"]["train_acc_running_stats"] <= 1


def test_recalibration_sets_the_statistics_of_the_data_and_keeps_the_weights():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3))
    weights = {k: v.clone() for k, v in model.state_dict().items() if "running" not in k and "num_batches" not in k}
    x = torch.randn(64, 1, 8, 8) * 5 + 2
    assert recalibrate_batchnorm(model, [(x[:32], None), (x[32:], None)], "cpu")
    features = model[0](x).detach()
    assert torch.allclose(model[1].running_mean, features.mean((0, 2, 3)), atol=1e-5)
    assert torch.allclose(model[1].running_var, features.var((0, 2, 3)), rtol=0.05)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in weights.items())
    assert model.training  # the mode is restored


def test_model_without_batchnorm_is_left_alone():
    assert recalibrate_batchnorm(torch.nn.Linear(2, 2), [], "cpu") is False


def test_calibration_sample_is_fixed_and_bounded():
    assert torch.equal(calibration_indices(50_000, 3), calibration_indices(50_000, 3))
    assert not torch.equal(calibration_indices(50_000, 3), calibration_indices(50_000, 4))
    assert len(calibration_indices(50_000, 3, items=100).unique()) == 100
