"""The near-square grid channel maps are tiled on: one rule for the 3D panels, atlases and reports."""

from __future__ import annotations

import math


def grid_shape(channels: int) -> tuple[int, int]:
    """Near-square (cols, rows) grid for ``channels`` maps: cols = ⌈√channels⌉.

    >>> grid_shape(10), grid_shape(64), grid_shape(1)
    ((4, 3), (8, 8), (1, 1))
    """
    cols = max(1, math.ceil(math.sqrt(channels)))
    return cols, max(1, math.ceil(channels / cols))
