"""Per-channel dataset statistics as exact, associative partial sums (so shards merge in any grouping).

The histogram is over each image's spatial maximum of the channel ("how strongly does an image excite it"),
on fixed, data-independent bins — two per octave, sign-symmetric, plus an exact-zero bin — so partial
histograms from any shard add up without knowing the dataset's range first (a second pass over ImageNet to
find it would double the cost).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from layerwalk.engine.reductions import MapReductions

OCTAVES = 20  # |v| from 2^-10 to 2^10, two bins per octave; values beyond fall into the end bins
HIST_BINS = 2 * OCTAVES + 1 + 2 * OCTAVES  # negative bins, the zero bin, positive bins


def histogram_edges() -> np.ndarray:
    """Edges of the positive half: bin ``OCTAVES*2+1+j`` holds 2^((j-OCTAVES)/2) ≤ v < 2^((j+1-OCTAVES)/2)."""
    return 2.0 ** ((np.arange(2 * OCTAVES + 1) - OCTAVES) / 2)


def histogram_bins(values: np.ndarray) -> np.ndarray:
    """Bin index of every value (int64): negatives mirror positives around the zero bin."""
    half = 2 * OCTAVES
    with np.errstate(divide="ignore"):
        step = np.floor(2 * np.log2(np.abs(values).astype(np.float64)))
    step = (np.clip(step, -OCTAVES, OCTAVES - 1) + OCTAVES).astype(np.int64)
    return np.where(values > 0, half + 1 + step, np.where(values < 0, half - 1 - step, half))


@dataclass(frozen=True)
class ChannelStats:
    """Partial statistics of one layer over some images; arrays have one entry per channel."""

    images: int
    positions: int  # spatial positions per image (1 for 1-D layers)
    sum: np.ndarray  # float64
    sum_sq: np.ndarray  # float64
    active: np.ndarray  # int64, positions with a value > 0
    max: np.ndarray  # float32
    min: np.ndarray  # float32
    max_histogram: np.ndarray  # int64 (C, HIST_BINS), of the per-image spatial maxima

    @property
    def mean(self) -> np.ndarray:
        return self.sum / (self.images * self.positions)

    @property
    def std(self) -> np.ndarray:
        n = self.images * self.positions
        return np.sqrt(np.maximum(self.sum_sq / n - self.mean**2, 0.0))

    @property
    def fraction_active(self) -> np.ndarray:
        return self.active / (self.images * self.positions)

    @property
    def dead(self) -> np.ndarray:
        """Channels that were never positive on any image (ConvViz's definition of a dead filter)."""
        return self.max <= 0

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("images", "positions")}


def of_batch(reduced: MapReductions, positions: int) -> ChannelStats:
    """Statistics of one batch from its per-(image, channel) reductions (``reductions.reduce_maps``: one pass over
    the maps, shared with the top-k and embeddings); the rest works on (B, C) arrays."""
    b, c = reduced.max.shape
    bins = histogram_bins(reduced.max) + np.arange(c)[None, :] * HIST_BINS
    return ChannelStats(
        images=b, positions=positions,
        sum=reduced.sum.sum(axis=0), sum_sq=reduced.sum_sq.sum(axis=0),
        active=reduced.positive.sum(axis=0),
        max=reduced.max.max(axis=0).astype(np.float32),
        min=reduced.min.min(axis=0).astype(np.float32),
        max_histogram=np.bincount(bins.ravel(), minlength=c * HIST_BINS).reshape(c, HIST_BINS).astype(np.int64),
    )


def merge(a: ChannelStats | None, b: ChannelStats | None) -> ChannelStats | None:
    """Statistics of the union of two disjoint image sets."""
    if a is None or b is None:
        return a if b is None else b
    return ChannelStats(
        images=a.images + b.images, positions=a.positions,
        sum=a.sum + b.sum, sum_sq=a.sum_sq + b.sum_sq, active=a.active + b.active,
        max=np.maximum(a.max, b.max), min=np.minimum(a.min, b.min),
        max_histogram=a.max_histogram + b.max_histogram,
    )
