"""Top-k and statistics merge exactly: any split of the images gives the same answer as one pass."""

import numpy as np
import pytest
import torch

from layerwalk.engine.reductions import max_sum_positive, reduce_maps
from layerwalk.precompute import stats, topk


def _split_topk(maps, cuts, k, largest):
    out = None
    for a, b in zip(cuts, cuts[1:]):
        out = topk.merge(out, topk.of_batch(maps[a:b], np.arange(a, b), k, largest), k)
    return out


@pytest.mark.parametrize("largest", [True, False])
def test_topk_independent_of_split_with_ties(largest):
    rng = np.random.default_rng(0)
    maps = rng.integers(-3, 4, (97, 5, 6)).astype(np.float32)  # few distinct values: many ties
    whole = topk.of_batch(maps, np.arange(97), 10, largest)
    for cuts in ([0, 97], [0, 1, 50, 97], list(range(0, 97, 7)) + [97]):
        part = _split_topk(maps, cuts, 10, largest)
        np.testing.assert_array_equal(part.values, whole.values)
        np.testing.assert_array_equal(part.indices, whole.indices)
        np.testing.assert_array_equal(part.locations, whole.locations)


def test_topk_order_is_value_then_smaller_index():
    maps = np.array([[[1.0]], [[5.0]], [[5.0]], [[2.0]]], np.float32)  # 4 images, 1 channel, 1 position
    t = topk.of_batch(maps, np.array([10, 11, 12, 13]), 3, True)
    assert t.indices[:, 0].tolist() == [11, 12, 13]
    b = topk.of_batch(maps, np.array([10, 11, 12, 13]), 2, False)
    assert b.indices[:, 0].tolist() == [10, 13]


def test_topk_locations_point_at_the_maximum():
    maps = np.zeros((2, 3, 12), np.float32)
    maps[1, 2, 7] = 9.0
    t = topk.of_batch(maps, np.array([0, 1]), 1, True)
    assert t.indices[0, 2] == 1 and t.locations[0, 2] == 7 and t.values[0, 2] == 9.0


def test_stats_merge_equals_one_pass():
    g = torch.Generator().manual_seed(1)
    maps = torch.randn(40, 6, 25, generator=g) * torch.tensor([0.01, 0.1, 1, 10, 100, 0.0]).view(1, 6, 1)
    whole = stats.of_batch(reduce_maps(maps), maps.shape[2])
    part = None
    for a, b in ((0, 3), (3, 21), (21, 40)):
        part = stats.merge(part, stats.of_batch(reduce_maps(maps[a:b]), maps.shape[2]))
    np.testing.assert_array_equal(part.max_histogram, whole.max_histogram)
    np.testing.assert_array_equal(part.active, whole.active)
    np.testing.assert_array_equal(part.max, whole.max)
    np.testing.assert_array_equal(part.min, whole.min)
    np.testing.assert_allclose(part.mean, maps.double().mean(dim=(0, 2)).numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(part.std, maps.double().std(dim=(0, 2), unbiased=False).numpy(), rtol=1e-5)
    np.testing.assert_array_equal(part.active, (maps > 0).sum(dim=(0, 2)).numpy())
    assert part.dead.tolist() == [False] * 5 + [True]  # the all-zero channel never activates
    assert part.max_histogram.sum(axis=1).tolist() == [40] * 6


def test_histogram_bins_follow_the_documented_edges():
    edges = stats.histogram_edges()
    zero = 2 * stats.OCTAVES
    v = np.array([0.0, 1.0, 1.5, -1.0, 1e-9, 1e9])
    bins = stats.histogram_bins(v).tolist()
    one = zero + 1 + int(np.searchsorted(edges, 1.0, side="right") - 1)
    assert bins[0] == zero and bins[1] == one and bins[2] == one + 1
    assert bins[3] == zero - 1 - (one - zero - 1)  # negatives mirror positives
    assert bins[4] == zero + 1 and bins[5] == stats.HIST_BINS - 1  # clamped into the end bins


def test_one_pass_reductions_equal_torch():
    """The fused kernel gives what the five torch reductions give: max/min and their first position, sums and
    sums of squares (float64), positive counts — including ties (a ReLU map of zeros) and NaN-free extremes."""
    g = torch.Generator().manual_seed(2)
    maps = torch.relu(torch.randn(7, 5, 33, generator=g))
    maps[0, 0] = 0.0                  # all ties: position 0, as torch
    maps[1, 1, [3, 9]] = 50.0         # a tie for the maximum: the first
    maps[2, 2] = -torch.arange(33.0)  # strictly decreasing
    r = reduce_maps(maps)
    values, where = maps.max(dim=2)
    np.testing.assert_array_equal(r.max, values.numpy())
    np.testing.assert_array_equal(r.max_at, where.numpy())
    values, where = maps.min(dim=2)
    np.testing.assert_array_equal(r.min, values.numpy())
    np.testing.assert_array_equal(r.min_at, where.numpy())
    assert r.max_at[1, 1] == 3 and r.max_at[0, 0] == 0 and r.min_at[2, 2] == 32
    np.testing.assert_allclose(r.sum, maps.double().sum(dim=2).numpy(), rtol=1e-12)
    np.testing.assert_allclose(r.sum_sq, maps.double().square().sum(dim=2).numpy(), rtol=1e-12)
    np.testing.assert_array_equal(r.positive, (maps > 0).sum(dim=2).numpy())


@pytest.mark.parametrize("shape", [(3, 4, 50), (8, 64, 1024)])  # one block, and rows split over threads
def test_vectorised_reductions_equal_the_scalar_loop_with_nans_and_signed_zeros(shape):
    """The SIMD extremes and reassociated sums give what one scalar pass gives: the same extremes and first
    positions (NaNs skipped, -0.0 and 0.0 tied), equal counts, sums within float64 rounding."""
    from layerwalk.engine.reductions import _reduce_rows

    g = torch.Generator().manual_seed(3)
    maps = torch.randn(*shape, generator=g)
    maps[0, 0, 0] = float("nan")                      # a NaN first: nothing compares above it, it stays
    maps[0, 1, 7] = float("nan")
    maps[0, 2] = float("nan")                          # only NaNs: position 0, as the scalar loop
    maps[1, 0, :3] = torch.tensor([-0.0, 0.0, -0.0])  # signed zeros tie: the first is kept, sign included
    maps[1, 0, 3:] = -1.0
    maps[2, 3, [5, 20]] = float("inf")
    r = reduce_maps(maps)
    exact = _reduce_rows(maps.reshape(-1, shape[2]).numpy())
    for name, got, want in zip(r._fields, r, exact):
        want = want.reshape(shape[:2])
        if name in ("sum", "sum_sq"):
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)
    assert np.signbit(r.max[1, 0]) and r.max_at[1, 0] == 0 and r.max_at[0, 1] != 7
    assert r.max_at[2, 3] == 5 and np.isnan(r.max[0, 2])
    maxima, sums, positive = max_sum_positive(maps)   # what channel statistics use: the same numbers
    np.testing.assert_array_equal(maxima, r.max)
    np.testing.assert_array_equal(sums, r.sum)
    np.testing.assert_array_equal(positive, r.positive)


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("n", [3, 16, 17, 500])
def test_select_in_order_equals_the_full_sort(largest, n):
    """The partition-based selection (rows in image order) keeps exactly the rows, in exactly the order, of the
    full lexsort — with heavy ties (ReLU zeros, signed zeros, repeated values), infinities and NaNs."""
    rng = np.random.default_rng(n)
    values = rng.integers(-3, 4, size=(n, 9)).astype(np.float32)   # many ties in every column
    values[:, 0] = 0.0                                               # a dead channel: every row tied
    values[::2, 1] = -0.0                                            # -0.0 ties with 0.0
    values[:, 2] = rng.standard_normal(n)                            # no ties
    values[n // 2, 3] = np.inf
    values[0, 4] = -np.inf
    index = np.sort(rng.choice(10 * n, size=n, replace=False)).astype(np.int64)
    locations = rng.integers(0, 50, size=(n, 9))
    for vals in (values, np.where(np.arange(9) == 5, np.nan, values).astype(np.float32)):  # a NaN column: lexsort
        got = topk.select_in_order(vals, index, locations, 16, largest)
        want = topk.select(vals, np.ascontiguousarray(np.broadcast_to(index[:, None], vals.shape)), locations, 16,
                           largest)
        for field in ("values", "indices", "locations"):
            np.testing.assert_array_equal(getattr(got, field), getattr(want, field), err_msg=field)
        np.testing.assert_array_equal(np.signbit(got.values), np.signbit(want.values))
