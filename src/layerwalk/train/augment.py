"""The augmentation of the paper's first training strategy (§4.1.1), on one 0…1 image tensor at a time.

Every random choice comes from a ``torch.Generator`` the caller seeds per (epoch, image), so an epoch's
augmentation is the same whether the run was interrupted or not.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["Augmentation"]


@dataclass(frozen=True)
class Augmentation:
    """Random crop at a random location (resized back), brightness/contrast jitter, Gaussian noise, flip.

    Args:
        crop_scale: smallest side of the crop as a fraction of the image side (1.0 = no cropping).
        brightness: additive brightness shift drawn from ±brightness (pixel units 0…1).
        contrast: contrast factor drawn from 1 ± contrast.
        noise_std: standard deviation of the added Gaussian noise (pixel units).
        flip: random horizontal flip (off for data where left and right differ, e.g. text).

    >>> aug = Augmentation(flip=False)
    >>> aug(torch.zeros(1, 8, 8), torch.Generator().manual_seed(0)).shape
    torch.Size([1, 8, 8])
    """

    crop_scale: float = 0.8
    brightness: float = 0.2
    contrast: float = 0.2
    noise_std: float = 0.03
    flip: bool = True

    def __call__(self, image: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        u = torch.rand(7, generator=gen).tolist()  # a fixed number of draws keeps the stream aligned
        x = self._crop(image, u[0], u[1], u[2])
        if self.flip and u[3] < 0.5:
            x = x.flip(-1)
        mean = x.mean()
        x = (x - mean) * (1 + self.contrast * (2 * u[4] - 1)) + mean + self.brightness * (2 * u[5] - 1)
        if self.noise_std > 0:
            x = x + self.noise_std * torch.randn(x.shape, generator=gen)
        return x.clamp(0, 1)

    def _crop(self, image: torch.Tensor, u_size: float, u_top: float, u_left: float) -> torch.Tensor:
        if self.crop_scale >= 1:
            return image
        _, h, w = image.shape
        scale = self.crop_scale + (1 - self.crop_scale) * u_size
        ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
        top, left = int(u_top * (h - ch + 1)), int(u_left * (w - cw + 1))
        crop = image[:, top:top + ch, left:left + cw]
        return F.interpolate(crop[None], size=(h, w), mode="bilinear", align_corners=False)[0]
