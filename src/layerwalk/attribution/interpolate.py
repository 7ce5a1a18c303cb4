"""The one upsampling every layer map goes through on its way to input resolution (Captum's
``LayerAttribution.interpolate``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def interpolate(maps: torch.Tensor, size: tuple[int, int], mode: str = "bilinear") -> torch.Tensor:
    """(N, C, h, w) → (N, C, H, W). ``mode``: ``bilinear`` (display) or ``nearest`` (Captum's guided Grad-CAM)."""
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    if mode == "nearest":
        return F.interpolate(maps, size=tuple(size), mode="nearest")
    return F.interpolate(maps, size=tuple(size), mode=mode, align_corners=False)
