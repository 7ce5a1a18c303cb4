import numpy as np
import pytest

from layerwalk.study.measures import active, bootstrap_ci, bootstrap_diff_ci, high_frequency_fraction, morans_i

Y, X = np.mgrid[0:32, 0:32]


def test_low_frequency_sinusoid_has_no_high_frequency_power():
    assert high_frequency_fraction(np.sin(2 * np.pi * X / 32))[0] < 1e-6
    assert high_frequency_fraction(np.sin(2 * np.pi * (X + Y) / 16))[0] < 1e-6
    # not periodic in the frame: a little leakage, still close to 0
    assert high_frequency_fraction(np.sin(2 * np.pi * X / 23))[0] < 0.05


def test_checkerboard_is_all_high_frequency():
    assert high_frequency_fraction((X + Y) % 2)[0] == pytest.approx(1.0)
    assert high_frequency_fraction(np.cos(2 * np.pi * 0.375 * X))[0] == pytest.approx(1.0)


def test_white_noise_matches_the_area_outside_the_cutoff_circle():
    noise = np.random.default_rng(0).normal(size=(200, 32, 32))
    assert high_frequency_fraction(noise).mean() == pytest.approx(1 - np.pi / 16, abs=0.02)


def test_constant_maps_are_nan_and_inactive():
    maps = np.stack([np.zeros((8, 8)), np.full((8, 8), 3.0), (X[:8, :8] + Y[:8, :8]) % 2])
    assert np.isnan(high_frequency_fraction(maps)[:2]).all()
    assert active(maps).tolist() == [False, False, True]
    assert np.isnan(morans_i(maps)[:2]).all()


def test_morans_i_smooth_noise_checkerboard():
    assert morans_i(np.sin(2 * np.pi * X / 64))[0] > 0.9
    assert abs(morans_i(np.random.default_rng(0).normal(size=(50, 32, 32))).mean()) < 0.02
    assert morans_i((X + Y) % 2)[0] == pytest.approx(-1.0)


def test_accepts_leading_dims_and_tensors():
    import torch

    assert high_frequency_fraction(torch.zeros(2, 3, 4, 4) + torch.arange(4.0)).shape == (6,)


def test_bootstrap_intervals():
    rng = np.random.default_rng(1)
    m, lo, hi = bootstrap_ci(rng.normal(5, 1, 400))
    assert lo < m < hi and lo < 5 < hi and hi - lo < 0.3
    d, lo, hi = bootstrap_diff_ci(rng.normal(1, 1, 300), rng.normal(0, 1, 300))
    assert 0 < lo < d < hi
    assert np.isnan(bootstrap_ci([np.nan])[0])
