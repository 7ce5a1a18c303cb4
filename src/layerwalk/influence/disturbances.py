"""Disturbed copies of images for the dissertation's experiment (ch. 6.3.1, Fig. 6.2), on data we have: the object
on a white background, on an inverted background, its texture destroyed by patch shuffling, and a style-like
colour/texture transfer from an image of another class.

Fashion-MNIST objects sit on a black background, so the object mask is "pixels above a small threshold"; for
other images the mask is pixels that differ from the border colour. All functions take and return uint8 arrays
(H, W) or (H, W, C) and are deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["DISTURBANCES", "object_mask", "white_background", "inverted_background", "patch_shuffle",
           "texture_transfer"]


def object_mask(image: np.ndarray, threshold: int = 24) -> np.ndarray:
    """True where the object is: pixels that differ from the median border colour by more than ``threshold``."""
    pixels = image.astype(np.int16)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    background = np.median(border, axis=0)
    diff = np.abs(pixels - background)
    return (diff.max(-1) if diff.ndim == 3 else diff) > threshold


def white_background(image: np.ndarray, **_) -> np.ndarray:
    """The object kept, everything else white."""
    out = image.copy()
    out[~object_mask(image)] = 255
    return out


def inverted_background(image: np.ndarray, **_) -> np.ndarray:
    """The object kept, the background's values inverted (255 − v)."""
    out = image.copy()
    mask = ~object_mask(image)
    out[mask] = 255 - image[mask]
    return out


def patch_shuffle(image: np.ndarray, patch: int = 7, seed: int = 0, **_) -> np.ndarray:
    """Shape destroyed, local texture kept: the image cut into ``patch``×``patch`` tiles, shuffled."""
    h, w = image.shape[:2]
    rows, cols = h // patch, w // patch
    tiles = [image[r * patch:(r + 1) * patch, c * patch:(c + 1) * patch] for r in range(rows) for c in range(cols)]
    order = np.random.default_rng(seed).permutation(len(tiles))
    out = image.copy()
    for k, t in enumerate(order):
        r, c = divmod(k, cols)
        out[r * patch:(r + 1) * patch, c * patch:(c + 1) * patch] = tiles[t]
    return out


def texture_transfer(image: np.ndarray, style: np.ndarray | None = None, alpha: float = 0.6, seed: int = 0,
                     **_) -> np.ndarray:
    """Shape kept, surface replaced: inside the object, the pixels become a blend of the object's own mean level
    and a tiled crop of ``style`` (an image of another class) — a cheap stand-in for neural style transfer that
    needs no extra network."""
    if style is None:
        raise ValueError("texture_transfer needs a style image of another class")
    mask = object_mask(image)
    style_mask = object_mask(style)
    texture = style.astype(np.float32)
    fill = texture[style_mask].mean(0) if style_mask.any() else texture.mean()
    texture = np.where(style_mask if texture.ndim == 2 else style_mask[..., None], texture, fill)
    shift = np.random.default_rng(seed).integers(0, image.shape[0], 2)
    texture = np.roll(texture, tuple(int(s) for s in shift), axis=(0, 1))
    level = image[mask].astype(np.float32).mean() if mask.any() else 0.0
    blended = (1 - alpha) * level + alpha * texture
    out = image.astype(np.float32)
    out[mask] = blended[mask]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


DISTURBANCES: dict[str, Callable[..., np.ndarray]] = {
    "original": lambda image, **_: image.copy(),
    "white background": white_background,
    "inverted background": inverted_background,
    "patch shuffle": patch_shuffle,
    "texture transfer": texture_transfer,
}
