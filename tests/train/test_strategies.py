import numpy as np
import pytest
import torch

from layerwalk.errors import SpecError
from layerwalk.train.strategies import NoisySet, ShuffledSet, StandardSet, make_training_set, pick_subset


def test_shuffled_labels_are_a_fixed_permutation(rendered):
    s = ShuffledSet(rendered, seed=3)
    assert sorted(s.labels.tolist()) == sorted(rendered.labels.tolist())  # same class counts
    assert (s.labels != rendered.labels).float().mean() > 0.5  # really shuffled
    idx = torch.arange(len(s))
    labels = [s.batch(idx, epoch)[1] for epoch in range(4)]
    assert all(torch.equal(labels[0], other) for other in labels[1:])  # stable over epochs
    assert torch.equal(ShuffledSet(rendered, seed=3).labels, s.labels)  # and over runs with the same seed
    assert not torch.equal(ShuffledSet(rendered, seed=4).labels, s.labels)


def test_shuffled_images_are_not_augmented(rendered):
    s = ShuffledSet(rendered)
    idx = torch.arange(5)
    assert torch.equal(s.batch(idx, 0)[0], s.batch(idx, 7)[0])


def test_noisy_copy_count_and_originals(rendered):
    n = len(rendered)
    for copies in (0, 1, 9):
        s = NoisySet(rendered, copies=copies)
        assert len(s) == len(s.labels) == (copies + 1) * n
    s = NoisySet(rendered, copies=9)
    assert torch.equal(s.labels[:n], rendered.labels)  # the original set with original labels, exactly once
    x, _ = s.batch(torch.arange(n), 0)
    assert torch.equal(x, rendered.normalise(rendered.pixels))


def test_noisy_noise_fixed_per_image_across_epochs(rendered):
    s = NoisySet(rendered, copies=3, noise_std=0.2, seed=1)
    idx = torch.tensor([len(rendered) + 2, 2 * len(rendered) + 2, 3 * len(rendered) + 5])
    batches = [s.batch(idx, epoch) for epoch in range(3)]
    assert all(torch.equal(batches[0][0], b[0]) and torch.equal(batches[0][1], b[1]) for b in batches[1:])
    # every copy of the same image has its own noise
    assert not torch.allclose(batches[0][0][0], batches[0][0][1])
    # order within a batch does not matter
    assert torch.equal(s.batch(idx.flip(0), 9)[0], batches[0][0].flip(0))
    noise = s.noise(int(idx[0]))
    assert 0.15 < float(noise.std()) < 0.25


def test_noisy_labels_are_random(rendered):
    s = NoisySet(rendered, copies=9, seed=0)
    random_part = s.labels[len(rendered):].numpy()
    counts = np.bincount(random_part, minlength=10)
    assert counts.min() > 0 and len(set(random_part.tolist())) == 10


def test_standard_augmentation_differs_per_epoch_but_is_reproducible(rendered):
    s = StandardSet(rendered, seed=0)
    idx = torch.arange(6)
    a0, y0 = s.batch(idx, 0)
    assert torch.equal(a0, StandardSet(rendered, seed=0).batch(idx, 0)[0])
    assert not torch.equal(a0, s.batch(idx, 1)[0])
    assert torch.equal(y0, rendered.labels[:6])


def test_unknown_strategy(rendered):
    with pytest.raises(SpecError, match="standard, shuffled, noisy"):
        make_training_set("mixup", rendered)


def test_pick_subset_is_stratified(rendered):
    from layerwalk.data import load_dataset

    ds = load_dataset("fashion-mnist:test")
    picked = pick_subset(ds, 50, 0)
    assert len(picked) == 50 and np.bincount([ds.label(i) for i in picked]).tolist() == [5] * 10
