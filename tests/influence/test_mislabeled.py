"""Self-influence finds flipped labels (issue 20's proof): a CovidResNet trained on Fashion-MNIST with 10 % of the
labels flipped; the top 10 % by self-influence must hold most of the flipped images, where random inspection finds
10 %."""

import pytest
import torch

import layerwalk
from layerwalk.influence.mislabeled import detection_curve, flip_labels, flipped_fashion_experiment


def test_flip_labels_changes_exactly_the_fraction():
    labels = torch.arange(50) % 5
    flipped_labels, mask = flip_labels(labels, 0.1, 5, seed=2)
    assert int(mask.sum()) == 5
    assert (flipped_labels[mask] != labels[mask]).all() and (flipped_labels[~mask] == labels[~mask]).all()
    assert ((flipped_labels >= 0) & (flipped_labels < 5)).all()


def test_detection_curve_counts_flipped_images_from_the_top():
    scores = torch.tensor([0.9, 0.1, 0.8, 0.2, 0.3, 0.05, 0.4, 0.0, 0.6, 0.7])
    flipped = torch.tensor([1, 0, 0, 0, 0, 0, 0, 1, 1, 0], dtype=torch.bool)
    # order: 0 (f), 2, 9, 8 (f), 6, 4, 3, 1, 5, 7 (f)
    assert detection_curve(scores, flipped, (0.1, 0.4, 0.9, 1.0)) == [(0.1, 1 / 3), (0.4, 2 / 3), (0.9, 2 / 3),
                                                                       (1.0, 1.0)]


@pytest.mark.slow
def test_self_influence_finds_flipped_labels_on_covidresnet():
    exp = flipped_fashion_experiment(n_train=800, fraction=0.1, epochs=2, seed=0)
    assert int(exp.flipped.sum()) == 80
    assert exp.clean_accuracy > 0.85  # the model learned the clean images (else nothing stands out)
    result = layerwalk.influence(exp.model, exp.train, exp.train.inputs[:1], method="ekfac", layers="last",
                                 cache=False)
    curve = detection_curve(result.self_influence, exp.flipped)
    found = dict(curve)
    # random inspection finds the fraction it inspects: 10 % of the flipped images in 10 % of the training set
    assert found[0.1] >= 0.6, f"top 10 % by self-influence holds {found[0.1]:.0%} of the flipped labels"
    assert all(hit >= 2 * inspected for inspected, hit in curve if inspected <= 0.3), curve
    assert found[1.0] == 1.0
