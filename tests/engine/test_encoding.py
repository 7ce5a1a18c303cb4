import numpy as np
import pytest
import torch

from layerwalk.engine import atlas, colormap, encode, grid_shape, histogram


@pytest.mark.parametrize("values", [
    torch.randn(8, 5, 7) * 3,                 # mixed signs
    torch.rand(4, 6, 6) * 10,                 # ReLU-like, non-negative
    -torch.rand(16) - 0.5,                    # all negative
    torch.zeros(2, 3, 3),                     # constant
    torch.tensor([1e-8, -1e-8, 0.0]),         # tiny
])
def test_round_trip_error_is_at_most_one_step(values):
    enc = encode(values)
    decoded = enc.decode()
    assert enc.data.dtype == np.uint8 and enc.data.shape == tuple(values.shape)
    step = (enc.vmax - enc.vmin) / 255
    assert np.abs(decoded - values.numpy()).max() <= step + 1e-6
    assert enc.vmin <= values.min().item() + 1e-6 and enc.vmax >= values.max().item() - 1e-6


def test_zero_is_an_exact_level_and_the_pivot():
    values = torch.tensor([-2.0, 0.0, 0.0, 5.0, 1.0])
    enc = encode(values)
    assert enc.data[1] == enc.data[2] == enc.zero_level
    assert enc.decode()[1] == 0.0
    assert enc.data[0] < enc.zero_level < enc.data[3]
    assert encode(torch.rand(10)).zero_level == 0             # non-negative → black is the bottom


def test_per_channel_ranges():
    values = torch.stack([torch.linspace(0, 1, 16), torch.linspace(-100, 100, 16)]).view(2, 4, 4)
    enc = encode(values, per_channel=True)
    assert enc.per_channel and enc.vmax.shape == (2,)
    assert enc.data[0].max() == 255 and enc.data[1].max() == 255   # each channel uses the full range
    steps = (enc.vmax - enc.vmin) / 255
    err = np.abs(enc.decode() - values.numpy()).reshape(2, -1).max(1)
    assert (err <= steps + 1e-6).all()


def test_colormap_blue_black_white():
    rgb = colormap(np.array([0, 100, 255], np.uint8), zero_level=100)
    assert rgb[0].tolist() == [0, 0, 255] and rgb[1].tolist() == [0, 0, 0] and rgb[2].tolist() == [255, 255, 255]


def test_atlas_is_near_square_and_keeps_every_channel():
    maps = np.arange(10 * 3 * 2, dtype=np.uint8).reshape(10, 3, 2)
    assert grid_shape(10) == (4, 3) and grid_shape(2048) == (46, 45)
    img = atlas(maps, gap=1)
    assert img.shape == (3 * 4 - 1, 4 * 3 - 1)
    assert (img[4:7, 3:5] == maps[5]).all()   # channel 5 → row 1, column 1


def test_histogram_counts_everything():
    h = histogram(torch.tensor([0.0, 0.5, 1.0, 1.0]), bins=4)
    assert sum(h.counts) == 4 and h.counts[-1] == 2 and len(h.edges) == 5


def test_non_finite_values_do_not_break_the_encoding():
    enc = encode(torch.tensor([1.0, float("nan"), float("inf"), -2.0]))
    assert np.isfinite([enc.vmin, enc.vmax]).all()
    assert enc.data[1] == enc.data[2] == enc.zero_level       # shown as zero
    assert enc.decode()[0] == pytest.approx(1.0, abs=enc.step)
