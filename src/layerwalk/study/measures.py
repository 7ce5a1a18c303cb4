"""Numbers for the paper's claim that memorization runs on high-frequency, local patterns (§5.2, §5.5).

* ``high_frequency_fraction``: share of a map's power (DC removed) at radial frequencies above half the Nyquist
  frequency (above 0.25 cycles/pixel). A smooth blob gives ≈0, a checkerboard 1, white noise ≈0.8 (the share of
  the frequency square outside the circle of radius 0.25: 1 − π/16).
* ``morans_i``: spatial autocorrelation with rook (4-neighbour) weights: +1 when neighbouring pixels have
  similar activation ("neighbouring pixels tend to have a similar level of activation"), ≈0 for noise,
  −1 for a checkerboard.
* ``bootstrap_ci`` / ``bootstrap_diff_ci``: percentile bootstrap confidence intervals over images or channels
  (``scipy.stats.bootstrap``; the two samples of a difference are resampled independently).

Constant maps (dead channels) have no spectrum or autocorrelation; both measures return NaN for them, and
``active`` tells which maps count.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import stats

__all__ = ["high_frequency_fraction", "morans_i", "active", "bootstrap_ci", "bootstrap_diff_ci",
           "bootstrap_paired_diff_ci", "CUTOFF"]

CUTOFF = 0.25  # cycles/pixel: half the Nyquist frequency (0.5)
_EPS = 1e-12


def _as_maps(maps) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(maps) if not torch.is_tensor(maps) else maps).double()
    return t[None] if t.dim() == 2 else t.reshape(-1, *t.shape[-2:])


def active(maps, rel_tol: float = 1e-6) -> np.ndarray:
    """Which of the (…, H, W) maps vary at all (standard deviation above ``rel_tol`` × the largest one)."""
    t = _as_maps(maps)
    std = t.flatten(1).std(1, unbiased=False)
    return (std > rel_tol * max(float(std.max()) if len(std) else 0.0, _EPS)).numpy()


def high_frequency_fraction(maps, cutoff: float = CUTOFF, window: bool = False) -> np.ndarray:
    """Fraction of each map's non-DC power above ``cutoff`` cycles/pixel (radial frequency).

    Args:
        maps: (H, W) or (…, H, W) array/tensor.
        cutoff: in cycles per pixel; the default is half the Nyquist frequency.
        window: multiply by a Hann window first (less leakage from the map borders; for large maps).

    Returns:
        One value per map (flattened leading dims), NaN for constant maps.

    >>> y, x = np.mgrid[0:32, 0:32]
    >>> round(float(high_frequency_fraction((x + y) % 2)[0]), 3)
    1.0
    """
    t = _as_maps(maps)
    t = t - t.mean(dim=(-2, -1), keepdim=True)
    h, w = t.shape[-2:]
    if window:
        t = t * (torch.hann_window(h, periodic=False, dtype=t.dtype)[:, None]
                 * torch.hann_window(w, periodic=False, dtype=t.dtype)[None])
    power = torch.fft.fft2(t).abs() ** 2
    fy, fx = torch.fft.fftfreq(h, dtype=t.dtype), torch.fft.fftfreq(w, dtype=t.dtype)
    high = (fy[:, None] ** 2 + fx[None] ** 2).sqrt() > cutoff
    total = power.sum(dim=(-2, -1))
    frac = (power * high).sum(dim=(-2, -1)) / total.clamp_min(_EPS)
    return torch.where(total > _EPS * h * w, frac, torch.nan).numpy()


def morans_i(maps) -> np.ndarray:
    """Moran's I of each map with rook weights (each pixel's up/down/left/right neighbours), NaN if constant.

    >>> round(float(morans_i(np.indices((8, 8)).sum(0) % 2)[0]), 3)
    -1.0
    """
    t = _as_maps(maps)
    z = t - t.mean(dim=(-2, -1), keepdim=True)
    h, w = t.shape[-2:]
    cross = 2 * ((z[:, 1:, :] * z[:, :-1, :]).sum(dim=(-2, -1)) + (z[:, :, 1:] * z[:, :, :-1]).sum(dim=(-2, -1)))
    weights = 2 * ((h - 1) * w + h * (w - 1))
    var = (z * z).sum(dim=(-2, -1))
    value = (h * w / max(weights, 1)) * cross / var.clamp_min(_EPS)
    return torch.where(var > _EPS, value, torch.nan).numpy()


def bootstrap_ci(values, *, level: float = 0.95, resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap interval of the mean over ``values`` (NaNs dropped).

    >>> m, lo, hi = bootstrap_ci(np.arange(100.0))
    >>> lo < m == 49.5 < hi
    True
    """
    v = _finite(values)
    if len(v) < 2:
        return float(v.mean()) if len(v) else math.nan, math.nan, math.nan
    ci = stats.bootstrap((v,), np.mean, confidence_level=level, n_resamples=resamples, method="percentile",
                         rng=np.random.default_rng(seed)).confidence_interval
    return float(v.mean()), float(ci.low), float(ci.high)


def bootstrap_diff_ci(a, b, *, level: float = 0.95, resamples: int = 2000,
                      seed: int = 0) -> tuple[float, float, float]:
    """(mean(a) − mean(b), low, high) with ``a`` and ``b`` resampled independently (different images/channels).

    >>> d, lo, hi = bootstrap_diff_ci(np.arange(100.0) + 10, np.arange(100.0))
    >>> lo < d == 10.0 < hi
    True
    """
    a, b = _finite(a), _finite(b)
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan, math.nan
    ci = stats.bootstrap((a, b), _mean_difference, confidence_level=level, n_resamples=resamples,
                         method="percentile", rng=np.random.default_rng(seed)).confidence_interval
    return float(a.mean() - b.mean()), float(ci.low), float(ci.high)


def bootstrap_paired_diff_ci(a, b, *, level: float = 0.95, resamples: int = 2000,
                             seed: int = 0) -> tuple[float, float, float]:
    """(mean(a − b), low, high) over the pairs where both are finite: ``a[i]`` and ``b[i]`` measure the same
    item (one test image under two models), so the image-to-image spread cancels.

    >>> rng = np.random.default_rng(0)
    >>> b = rng.normal(size=200)
    >>> d, lo, hi = bootstrap_paired_diff_ci(b + 0.1 + rng.normal(0, 0.01, 200), b)
    >>> bool(0.09 < lo < d < hi < 0.11)
    True
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    return bootstrap_ci(a[keep] - b[keep], level=level, resamples=resamples, seed=seed)


def _mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


def _finite(values) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v[np.isfinite(v)]
