"""Streaming top-k per channel: the running k best images merged with each batch, exactly and associatively.

Ordering is (value, then image index ascending), so ties never depend on how the images were split into
batches or shards: any split and any merge order of contiguous pieces gives the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TopK:
    """The best ``k`` images per channel; every array is (k', C) with k' ≤ k, best first.

    ``values``: the per-image score of the channel (spatial max for top-k, spatial min for bottom-k);
    ``indices``: dataset image index; ``locations``: flat spatial position of that max/min (0 for 1-D layers).
    """

    values: np.ndarray  # float32
    indices: np.ndarray  # int64
    locations: np.ndarray  # int64
    largest: bool = True

    @property
    def k(self) -> int:
        return self.values.shape[0]


def select(values: np.ndarray, indices: np.ndarray, locations: np.ndarray, k: int, largest: bool) -> TopK:
    """Keep the ``k`` best rows of each column: by value (descending if ``largest``), ties by smaller index."""
    keyed = -values if largest else values
    # np.lexsort sorts by the last key first; along axis 0 it orders each channel's column independently.
    order = np.lexsort((indices, keyed), axis=0)[:k]
    take = lambda a: np.take_along_axis(a, order, axis=0)  # noqa: E731
    return TopK(take(values), take(indices), take(locations), largest)


def select_in_order(values: np.ndarray, index: np.ndarray, locations: np.ndarray, k: int, largest: bool) -> TopK:
    """``select`` for rows that are images in ascending index order (``index``: (n,), one per row): the same table.

    A full sort of every column to keep k of thousands of rows was most of the selection's cost. Here each column's
    k-th best value is found by partitioning (linear); everything better is kept, and of the rows tied with it the
    first ones in row order (= the smaller image indices) until there are k; only those k are then sorted.
    """
    n = len(values)
    keyed = -values if largest else values
    if n <= k or np.isnan(keyed).any() or (n > 1 and not (index[1:] > index[:-1]).all()):
        indices = np.ascontiguousarray(np.broadcast_to(index[:, None], values.shape))
        return select(values, indices, locations, k, largest)  # NaNs: lexsort's order; few rows: nothing to save
    kth = np.partition(keyed, k - 1, axis=0)[k - 1]
    better = keyed < kth
    tied = keyed == kth
    room = k - better.sum(axis=0)                   # how many of the tied rows each column still takes
    keep = better | (tied & (np.cumsum(tied, axis=0) <= room))
    cols, rows = np.nonzero(keep.T)                  # exactly k per column, by column, rows ascending
    rows = rows.reshape(values.shape[1], k).T
    take = lambda a: np.take_along_axis(a, rows, axis=0)  # noqa: E731
    return select(take(values), index[rows], take(locations), k, largest)


def merge(a: TopK | None, b: TopK | None, k: int) -> TopK | None:
    """The top-k of the union of two top-k tables (exact: the union's top-k is inside the two tops)."""
    if a is None or b is None:
        return a if b is None else b
    if a.largest != b.largest:
        raise ValueError("cannot merge a top-k with a bottom-k table")
    cat = lambda x, y: np.concatenate([x, y], axis=0)  # noqa: E731
    return select(cat(a.values, b.values), cat(a.indices, b.indices), cat(a.locations, b.locations), k, a.largest)


def of_batch(maps: np.ndarray, image_indices: np.ndarray, k: int, largest: bool) -> TopK:
    """Top-k of one batch. ``maps``: (B, C, P) with P flat spatial positions (P = 1 for 1-D layers)."""
    locations = maps.argmax(axis=2) if largest else maps.argmin(axis=2)
    values = np.take_along_axis(maps, locations[..., None], axis=2)[..., 0]
    indices = np.broadcast_to(image_indices[:, None], values.shape)
    return select(values.astype(np.float32), np.ascontiguousarray(indices, dtype=np.int64),
                  locations.astype(np.int64), k, largest)
