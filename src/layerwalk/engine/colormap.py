"""The display colormap and channel atlases, for PNG export and ``activations.png`` (the 3D client does the
same mapping in its shader)."""

from __future__ import annotations

import numpy as np

from layerwalk.layout import grid_shape  # the one near-square rule, shared with the 3D panels

__all__ = ["colormap", "grid_shape", "atlas"]


def colormap(q: np.ndarray, zero_level: int) -> np.ndarray:
    """uint8 levels → RGB uint8: below ``zero_level`` blue, at it black, above it white."""
    q = q.astype(np.float32)
    z = float(zero_level)
    neg = np.clip((z - q) / max(z, 1.0), 0, 1)
    pos = np.clip((q - z) / max(255.0 - z, 1.0), 0, 1)
    rgb = np.empty(q.shape + (3,), np.float32)
    rgb[..., 0] = pos
    rgb[..., 1] = pos
    rgb[..., 2] = np.maximum(pos, neg)
    return (rgb * 255 + 0.5).astype(np.uint8)


def atlas(maps: np.ndarray, gap: int = 1, fill: int = 0) -> np.ndarray:
    """Tile (C, H, W) maps into one 2-D image on a near-square grid with ``gap`` pixels between them."""
    if maps.ndim == 1:
        maps = maps[:, None, None]
    elif maps.ndim == 2:
        maps = maps[None]
    elif maps.ndim > 3:
        maps = maps.reshape(-1, *maps.shape[-2:])
    c, h, w = maps.shape
    cols, rows = grid_shape(c)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), fill, maps.dtype)
    for i in range(c):
        r, k = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, k * (w + gap):k * (w + gap) + w] = maps[i]
    return out
