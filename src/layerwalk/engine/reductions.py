"""Every per-channel reduction of a batch of maps, in one call (precompute's top-k, statistics and embeddings;
the channel statistics of the analyses).

Top-k, bottom-k, statistics and embeddings need, per (image, channel) map: the maximum and where it is, the
minimum and where it is, the sum, the sum of squares and how many positions are positive. As torch ops that is
five passes over every activation of every layer (``max``, ``min``, ``sum``, ``vector_norm``, ``> 0``), and on a
CPU those memory-bound passes cost three times the forward pass itself (CovidResNet at 64², 23 layers). No library
has a fused multi-statistic reduction, so the sums are a small numba kernel and the extremes numpy's SIMD
``argmax``/``argmin`` — rows split over threads. A single scalar loop doing all seven (``_reduce_rows``) is
latency-bound on its float64 sums and compare-and-track chains (≈ 1.4 GB/s); letting the sums be reassociated (so
LLVM vectorises them) and taking the extremes from numpy's vectorised search made rows of 1,024–12,544 positions
2.3–5× faster, of 256 positions 1.7× (rows under 64 positions keep the scalar loop: there numpy's per-row call
overhead dominates). Ties: the first position of the maximum (minimum) wins, as ``torch.max``/``torch.min`` do
on the CPU. NaNs are skipped by the max/min (a NaN is never larger or smaller than anything): a row with a NaN
(its sum is NaN) is redone by the scalar loop, whose comparisons skip them.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numba
import numpy as np
import torch


class MapReductions(NamedTuple):
    """Per (image, channel), each (B, C): max and its flat position, min and its position, sum and sum of squares
    (float64 accumulation), count of positive values."""

    max: np.ndarray
    max_at: np.ndarray
    min: np.ndarray
    min_at: np.ndarray
    sum: np.ndarray
    sum_sq: np.ndarray
    positive: np.ndarray


@numba.njit(cache=True, nogil=True)
def _reduce_rows(maps):  # pragma: no cover - compiled; tested through ``reduce_maps``
    rows, p = maps.shape
    vmax = np.empty(rows, np.float32)
    vmin = np.empty(rows, np.float32)
    amax = np.zeros(rows, np.int64)
    amin = np.zeros(rows, np.int64)
    sums = np.empty(rows, np.float64)
    squares = np.empty(rows, np.float64)
    positive = np.empty(rows, np.int64)
    for r in range(rows):
        row = maps[r]
        hi = row[0]
        lo = row[0]
        i_hi = 0
        i_lo = 0
        s = 0.0
        sq = 0.0
        n = 0
        for j in range(p):
            v = row[j]
            w = np.float64(v)
            if v > hi:
                hi = v
                i_hi = j
            if v < lo:
                lo = v
                i_lo = j
            s += w
            sq += w * w
            if v > 0:
                n += 1
        vmax[r] = hi
        vmin[r] = lo
        amax[r] = i_hi
        amin[r] = i_lo
        sums[r] = s
        squares[r] = sq
        positive[r] = n
    return vmax, amax, vmin, amin, sums, squares, positive


# Below this many positions per row, numpy's per-row call overhead in argmax/argmin outweighs its SIMD search
# (measured on CovidResNet's 8×8 … 1×1 maps), and the scalar loop is faster.
_SHORT_ROWS = 64


# Vectorised sums: "reassoc" lets the float64 accumulations be split into SIMD lanes (a different but equally exact
# rounding order, ~1e-16 relative); no "nnan"/"ninf", so a NaN still makes the sum NaN (how NaN rows are found).
@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _sum_rows(maps):  # pragma: no cover - compiled; tested through ``reduce_maps``
    rows, p = maps.shape
    sums = np.empty(rows, np.float64)
    squares = np.empty(rows, np.float64)
    positive = np.empty(rows, np.int64)
    for r in range(rows):
        row = maps[r]
        s = 0.0
        sq = 0.0
        n = 0
        for j in range(p):
            w = np.float64(row[j])
            s += w
            sq += w * w
            n += row[j] > 0
        sums[r] = s
        squares[r] = sq
        positive[r] = n
    return sums, squares, positive


def _reduce_block(flat: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every reduction of the rows of ``flat`` (R, P): numpy's SIMD first-argmax/argmin and the vectorised sums."""
    if flat.shape[1] < _SHORT_ROWS:
        return _reduce_rows(flat)
    max_at = flat.argmax(axis=1)
    min_at = flat.argmin(axis=1)
    sums, squares, positive = _sum_rows(flat)
    rows = np.arange(len(flat))
    out = [flat[rows, max_at], max_at, flat[rows, min_at], min_at, sums, squares, positive]
    with_nan = np.flatnonzero(np.isnan(sums))  # numpy's search stops at a NaN; the scalar loop skips NaNs
    if len(with_nan):
        for field, exact in zip(out, _reduce_rows(flat[with_nan])):
            field[with_nan] = exact
    return tuple(out)


def _max_sum_positive_block(flat: np.ndarray) -> tuple[np.ndarray, ...]:
    """Max, sum and positive count of the rows of ``flat``: what channel statistics read (no positions, no minima:
    numpy's SIMD ``max`` is several times faster than its ``argmax``)."""
    if flat.shape[1] < _SHORT_ROWS:
        r = _reduce_rows(flat)
        return r[0], r[4], r[6]
    sums, _, positive = _sum_rows(flat)
    out = (flat.max(axis=1), sums, positive)
    with_nan = np.flatnonzero(np.isnan(sums))  # numpy's max is NaN there; the scalar loop's skips NaNs
    if len(with_nan):
        out[0][with_nan] = _reduce_rows(flat[with_nan])[0]
    return out


def reduce_maps(maps: torch.Tensor) -> MapReductions:
    """``maps``: (B, C, P) float32 → every reduction of each (B, C) row in one pass, the rows split over as many
    threads as torch uses (plain threads running the GIL-free kernel: numba's own parallel pools spin after each
    region and took the cores from torch's forward pass, which then ran up to 6× slower)."""
    return MapReductions(*_by_rows(_reduce_block, maps))


def max_sum_positive(maps: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``maps``: (B, C, P) float32 → per (B, C) row the maximum, the float64 sum and the count of positive values,
    each equal to ``reduce_maps``'s."""
    return _by_rows(_max_sum_positive_block, maps)


def _by_rows(block_fn, maps: torch.Tensor) -> tuple[np.ndarray, ...]:
    b, c, p = maps.shape
    flat = np.ascontiguousarray(maps.reshape(b * c, p).numpy(), dtype=np.float32)
    threads = max(1, min(torch.get_num_threads(), len(flat) // 64, _WORKERS))
    if threads == 1 or flat.size < 1 << 18:
        parts = [block_fn(flat)]
    else:
        bounds = np.linspace(0, len(flat), threads + 1).astype(int)
        parts = list(_POOL.map(block_fn, [flat[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]))
    return tuple(np.concatenate(field).reshape(b, c) for field in zip(*parts))


_WORKERS = max(1, os.cpu_count() or 1)
_POOL = ThreadPoolExecutor(_WORKERS, thread_name_prefix="layerwalk-reduce")
