import numpy as np
import pytest

from layerwalk.study.measures import bootstrap_diff_ci, bootstrap_paired_diff_ci
from layerwalk.study.power import needed_units, power_row
from layerwalk.study.table5 import accuracy_ci, compare_table5


def _acc(train, test, n_test=1000, **kw):
    return {"train_acc": train, "test_acc": test, "test_images": n_test, **kw}


def test_the_papers_pattern_is_recognised():
    t = compare_table5({"standard": _acc(0.99, 0.82), "shuffled": _acc(1.0, 0.09),
                        "noisy": _acc(0.99, 0.70, train_acc_originals=1.0)}, classes=10)
    assert t["reproduced"] and all(c["holds"] for c in t["checks"])


@pytest.mark.parametrize("strategy, change, failing", [
    ("shuffled", {"test_acc": 0.30}, [2]),  # generalizes: not memorization without generalization
    ("shuffled", {"train_acc": 0.46}, [1]),  # did not fit its labels
    ("standard", {"test_acc": 0.15}, [0, 4]),  # barely above chance (and now below noisy)
    ("noisy", {"train_acc_originals": 0.8}, [3]),
    ("noisy", {"test_acc": 0.95}, [4]),  # better than standard
])
def test_each_broken_part_of_the_pattern_is_named(strategy, change, failing):
    accuracy = {"standard": _acc(0.99, 0.82), "shuffled": _acc(1.0, 0.09),
                "noisy": _acc(0.99, 0.70, train_acc_originals=1.0)}
    accuracy[strategy].update(change)
    t = compare_table5(accuracy, classes=10)
    assert not t["reproduced"]
    assert [k for k, c in enumerate(t["checks"]) if not c["holds"]] == failing


def test_chance_is_judged_by_the_interval():
    lo, hi = accuracy_ci(0.12, 100)[1:]
    assert lo < 0.1 < hi  # 12 of 100 right is consistent with chance on 10 classes
    lo, hi = accuracy_ci(0.12, 10000)[1:]
    assert lo > 0.1


def test_sample_size_formula():
    assert needed_units(0.5, 2.0) == pytest.approx(62.8, abs=0.1)  # Cohen's d = 0.5: 63 per group
    assert needed_units(0.25, 2.0) == pytest.approx(4 * needed_units(0.5, 2.0))
    assert needed_units(0.0, 1.0) == float("inf")


def test_pairing_removes_the_image_to_image_spread():
    rng = np.random.default_rng(0)
    image = rng.normal(0, 1, 60)  # how strongly each image drives the measure, shared by both models
    a, b = image + 0.1 + rng.normal(0, 0.05, 60), image + rng.normal(0, 0.05, 60)
    _, lo_i, hi_i = bootstrap_diff_ci(a, b)
    _, lo_p, hi_p = bootstrap_paired_diff_ci(a, b)
    assert lo_i < 0 < hi_i  # independent: inconclusive
    assert lo_p > 0  # paired: the same images show the difference
    assert power_row(a, b, paired=True)["needed"] < 60 < power_row(a, b, paired=False)["needed"]
    assert power_row(np.append(a, np.nan), np.append(b, 1.0), paired=True)["units"] == 60
