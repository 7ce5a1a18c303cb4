"""Images → the tensor a model expects (size, channels, normalisation), with torchvision's transforms."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from PIL import Image
from torchvision.transforms.v2 import functional as TF


def fit_image(image: Image.Image, size: tuple[int, int], channels: int) -> tuple[Image.Image, str | None]:
    """Resize (keeping the aspect ratio, centre crop) to ``size`` = (H, W) and convert to RGB or L.

    Returns the image and a note describing the change (``None`` if it already fitted).
    """
    mode = "RGB" if channels == 3 else "L"
    original = image.size
    image = image.convert(mode) if image.mode != mode else image
    h, w = size
    if image.size == (w, h):
        return image, None
    scale = max(h / image.height, w / image.width)
    resized = TF.resize(image, [max(h, round(image.height * scale)), max(w, round(image.width * scale))],
                        antialias=True)
    cropped = TF.center_crop(resized, [h, w])
    return cropped, f"resized from {original[0]}×{original[1]} to {w}×{h} (aspect kept, centre crop)"


def to_tensor(image: Image.Image, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """PIL image (already fitted) → normalised float tensor of shape (1, C, H, W)."""
    t = TF.to_dtype(TF.pil_to_tensor(image), torch.float32, scale=True)
    normalised: torch.Tensor = TF.normalize(t, list(mean), list(std))
    return normalised.unsqueeze(0)
