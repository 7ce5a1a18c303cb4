from pathlib import Path

import pytest
import torch

from layerwalk.study.plan import TRAINING_SHARE, measure_throughput, plan_study, save_plan, saved_plan

FAST = [120.0, 118.0, 121.0, 119.0, 120.0]


def test_one_slow_measurement_among_several_does_not_shrink_the_plan():
    steady = plan_study(30, FAST, train_size=60000)
    for slot in range(len(FAST) + 1):
        spiked = FAST[:slot] + [6.6] + FAST[slot:]  # one round during a load spike, first, last or between
        plan = plan_study(30, spiked, train_size=60000)
        assert (plan.train_subset, plan.epochs, plan.images_per_second) == \
            (steady.train_subset, steady.epochs, steady.images_per_second)
        assert 6.6 in plan.throughput_samples and "6.6" not in plan.scale.split("(")[0]  # on record, not used
    assert plan_study(30, [6.6], train_size=60000).train_subset < steady.train_subset  # a spike alone would shrink it


def test_planned_scale_fits_the_training_share_of_the_budget():
    plan = plan_study(30, FAST, train_size=60000)
    assert plan.training_minutes <= TRAINING_SHARE * 30 + 0.1
    assert plan.training_minutes > 0.9 * TRAINING_SHARE * 30  # and uses it
    assert "budget" in plan.scale and "best of 5" in plan.scale
    bigger = plan_study(30, [240.0], train_size=60000)
    assert bigger.train_subset > plan.train_subset


def test_user_fixed_scale_is_kept_and_its_time_estimated():
    plan = plan_study(30, [10.0], train_size=60000, train_images=500, epochs=40)
    assert (plan.train_subset, plan.epochs) == (500, 40)
    # standard + shuffled + noisy (original + 3 copies) = 6 passes per image and epoch, plus one evaluation
    assert plan.training_minutes == pytest.approx(500 * (40 * 6 + 2) / 10 / 60, abs=0.1)
    assert "fixed by the user" in plan.scale
    # only the images fixed: the epochs fill the budget
    assert plan_study(30, [120.0], train_size=60000, train_images=500).epochs == \
        int(TRAINING_SHARE * 30 * 60 * 120 / 500 / 6)


def test_saved_plan_is_resumed_only_with_the_same_fixed_scale(tmp_path):
    save_plan(tmp_path, plan_study(30, FAST, train_size=60000, train_images=500, epochs=40))
    assert saved_plan(tmp_path, 30, (64, 64), train_images=500, epochs=40).epochs == 40
    assert saved_plan(tmp_path, 30, (64, 64)) is not None
    assert saved_plan(tmp_path, 30, (64, 64), train_images=800) is None
    assert saved_plan(tmp_path, 30, (64, 64), epochs=10) is None
    assert saved_plan(tmp_path, 15, (64, 64)) is None


def test_throughput_is_measured_in_several_rounds():
    torch.set_num_threads(1)
    tiny = f"{Path(__file__).parents[1] / 'train' / 'tiny_net.py'}:TinyNet"
    samples = measure_throughput(tiny, 1, 10, (16, 16), 4, torch.device("cpu"), rounds=3, pause=0.0)
    assert len(samples) == 3 and all(s > 0 for s in samples)
