"""Per-channel dataset statistics as exact, associative partial sums (so shards merge in any grouping).

The histogram is over each image's spatial maximum of the channel ("how strongly does an image excite it"),
on fixed, data-independent bins — two per octave, sign-symmetric, plus an exact-zero bin — so partial
histograms from any shard add up without knowing the dataset's range first (a second pass over ImageNet to
find it would double the cost).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch

OCTAVES = 20  # |v| from 2^-10 to 2^10, two bins per octave; values beyond fall into the end bins
HIST_BINS = 2 * OCTAVES + 1 + 2 * OCTAVES  # negative bins, the zero bin, positive bins


def histogram_edges() -> np.ndarray:
    """Edges of the positive half: bin ``OCTAVES*2+1+j`` holds 2^((j-OCTAVES)/2) ≤ v < 2^((j+1-OCTAVES)/2)."""
    return 2.0 ** ((np.arange(2 * OCTAVES + 1) - OCTAVES) / 2)


def histogram_bins(values: torch.Tensor) -> torch.Tensor:
    """Bin index of every value (int64): negatives mirror positives around the zero bin."""
    half = 2 * OCTAVES
    step = torch.floor(2 * torch.log2(values.abs().clamp_min(1e-30))).clamp(-OCTAVES, OCTAVES - 1) + OCTAVES
    step = step.long()
    return torch.where(values > 0, half + 1 + step, torch.where(values < 0, half - 1 - step, half))


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


def of_batch(maps: torch.Tensor, spatial_max: torch.Tensor) -> ChannelStats:
    """Statistics of one batch. ``maps``: (B, C, P) float32; ``spatial_max``: (B, C) its max over P."""
    b, c, p = maps.shape
    bins = histogram_bins(spatial_max) + torch.arange(c).view(1, c) * HIST_BINS
    hist = torch.bincount(bins.flatten(), minlength=c * HIST_BINS).view(c, HIST_BINS)
    return ChannelStats(
        images=b, positions=p,
        # float32 within an image's map (≤ 10^5 values), float64 across images: a float64 reduction over the
        # whole batch costs more than the forward pass on a CPU.
        sum=maps.sum(dim=2).double().sum(dim=0).numpy(),
        sum_sq=torch.linalg.vector_norm(maps, dim=2).double().square().sum(dim=0).numpy(),
        # sign of the clamped map is 1 where active, 0 elsewhere: exact counts (< 2^24 per map), and measured
        # several times faster than summing a boolean mask.
        active=maps.clamp(min=0).sign_().sum(dim=2).sum(dim=0).numpy().astype(np.int64),
        max=spatial_max.amax(dim=0).numpy().astype(np.float32),
        min=maps.amin(dim=(0, 2)).numpy().astype(np.float32),
        max_histogram=hist.numpy().astype(np.int64),
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
