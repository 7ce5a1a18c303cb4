"""How large a study would answer a comparison the current one leaves open: a sample-size estimate from the
measured spread.

For a difference of means ``d`` with per-unit standard deviations (independent samples: ``sd_a``, ``sd_b``;
paired: ``sd`` of the differences), the usual normal-approximation sample size for a two-sided test at level
``alpha`` with power ``power`` is ``n = (z₁₋α/₂ + z_power)² · var / d²`` per group (Cohen 1988, ch. 2). The study's
bootstrap intervals are percentile intervals of the same means, so at that ``n`` the interval excludes 0 with
probability ≈ ``power`` — if the true difference is the measured one. The formula is three lines; statsmodels'
power module would add a dependency for it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["needed_units", "power_row"]


def needed_units(difference: float, variance: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Units (images or channels) per model needed to detect ``difference`` given the per-unit ``variance`` of
    the difference estimate's terms (sd_a² + sd_b² independent; sd_diff² paired); inf if the difference is 0.

    >>> round(needed_units(0.5, 2.0))  # d = 0.5 with two unit-variance samples: the textbook 63 per group
    63
    """
    if not math.isfinite(difference) or difference == 0 or not math.isfinite(variance):
        return math.inf
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return z * z * variance / difference ** 2


def power_row(a, b, *, paired: bool) -> dict:
    """Measured difference, the units it used and the units needed for 80 % power, for samples ``a`` and ``b``
    (NaNs dropped; ``paired``: the same images under two models, compared image by image)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if paired:
        keep = np.isfinite(a) & np.isfinite(b)
        diff = a[keep] - b[keep]
        d, var, used = float(diff.mean()), float(diff.var(ddof=1)), int(keep.sum())
    else:
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        d, var, used = float(a.mean() - b.mean()), float(a.var(ddof=1) + b.var(ddof=1)), int(min(len(a), len(b)))
    need = needed_units(d, var)
    return {"difference": d, "units": used, "needed": None if math.isinf(need) else math.ceil(need),
            "paired": paired}
