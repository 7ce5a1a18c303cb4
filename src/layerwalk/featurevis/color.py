"""Colour decorrelation for the Lucid style: the optimiser works on decorrelated colour channels.

Natural images' R, G and B are strongly correlated; optimising them independently lets gradient steps push the
three channels apart, which gives the saturated rainbow texture of plain pixel ascent. Lucid optimises in a
decorrelated basis instead: ``rgb = decorrelated @ M.T`` with ``M`` the square root of the colour covariance
(``M = U·sqrt(S)`` from its eigendecomposition). ``IMAGENET_SQRT`` is Lucid's matrix for ImageNet; for other data
``estimate_sqrt`` computes it from the dataset's images. Written here (three small functions) because Lucent
hard-codes the ImageNet matrix and a module-level CUDA device.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from PIL import Image

Sequence2D = tuple[tuple[float, ...], ...]

# Lucid's ImageNet colour correlation, square-rooted (lucid/optvis/param/color.py)
IMAGENET_SQRT = ((0.26, 0.09, 0.02),
                 (0.27, 0.00, -0.05),
                 (0.27, -0.09, 0.03))


def normalized(sqrt: Sequence2D = IMAGENET_SQRT) -> torch.Tensor:
    """The matrix scaled so its largest column norm is 1 (as Lucid: keeps the sigmoid's input range)."""
    m = torch.tensor(sqrt, dtype=torch.float32)
    return m / torch.linalg.vector_norm(m, dim=0).max()


def to_rgb(decorrelated: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) decorrelated channels → correlated (RGB) channels: each pixel multiplied by ``matrix``."""
    return torch.einsum("nchw,dc->ndhw", decorrelated, matrix.to(decorrelated))


def from_rgb(rgb: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """The inverse of ``to_rgb``."""
    return to_rgb(rgb, torch.linalg.inv(matrix.to(torch.float64)).to(rgb.dtype))


def estimate_sqrt(images: Iterable[Image.Image], max_pixels: int = 200_000) -> tuple[tuple[float, ...], ...]:
    """Square root of the colour covariance of some RGB images (0…1 pixels), for data unlike ImageNet.

    Pixels are subsampled evenly to about ``max_pixels`` in total; the sign of each eigenvector is fixed so the
    first column (luminance) is positive, as in Lucid's matrix.
    """
    chunks = [np.asarray(img.convert("RGB"), dtype=np.float64).reshape(-1, 3) / 255.0 for img in images]
    if not chunks:
        raise ValueError("no images to estimate the colour correlation from")
    step = max(1, sum(len(c) for c in chunks) // max_pixels)
    pixels = np.concatenate([c[::step] for c in chunks])
    values, vectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    order = np.argsort(values)[::-1]
    values, vectors = np.clip(values[order], 1e-8, None), vectors[:, order]
    vectors = vectors * np.sign(vectors[0:1, :].sum(0, keepdims=True) + 1e-12)
    sqrt = vectors * np.sqrt(values)[None, :]
    return tuple(tuple(float(v) for v in row) for row in sqrt)

