"""The per-image transforms as they were before vectorisation: the reference the batched ones must equal.

Each image is transformed on its own, step by step as the paper describes (pad, rotate/scale, blur, crop, roll,
blend); ``tests/featurevis/test_transforms.py`` checks ``layerwalk.featurevis.transforms`` against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

Transform = Callable[[torch.Tensor, Sequence[torch.Generator]], torch.Tensor]


def _uniform(gen: torch.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * torch.rand((), generator=gen).item()


def _chance(gen: torch.Generator, p: float) -> bool:
    return torch.rand((), generator=gen).item() < p


def _sign(gen: torch.Generator) -> int:
    return 1 if _chance(gen, 0.5) else -1


def pad(px: int) -> Transform:
    """Pad each side by ``px`` (edge values, as the reference implementation)."""
    def f(x, gens):
        return F.pad(x, (px, px, px, px), mode="replicate")
    return f


def center_crop(size: tuple[int, int]) -> Transform:
    def f(x, gens):
        h, w = size
        top, left = (x.shape[-2] - h) // 2, (x.shape[-1] - w) // 2
        return x[..., top:top + h, left:left + w]
    return f


def rotate_scale(degrees: tuple[float, float], p_rotate: float, scale: tuple[float, float],
                 p_scale: float) -> Transform:
    """Rotate by ±[degrees] with probability ``p_rotate`` and zoom by [scale] with probability ``p_scale``."""
    def f(x, gens):
        thetas, touched = [], False
        for gen in gens:
            angle = _sign(gen) * _uniform(gen, *degrees) if _chance(gen, p_rotate) else 0.0
            s = _uniform(gen, *scale) if _chance(gen, p_scale) else 1.0
            touched |= angle != 0.0 or s != 1.0
            a = math.radians(angle)
            thetas.append([[math.cos(a) / s, -math.sin(a) / s, 0.0], [math.sin(a) / s, math.cos(a) / s, 0.0]])
        if not touched:
            return x
        theta = torch.tensor(thetas, dtype=x.dtype, device=x.device)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        moved = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
        keep = torch.tensor([t == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] for t in thetas], device=x.device)
        return torch.where(keep.view(-1, 1, 1, 1), x, moved)  # untouched images stay bit-exact
    return f


def gaussian_blur(kernel: int, sigma: tuple[float, float]) -> Transform:
    """Blur each image with a ``kernel``×``kernel`` Gaussian of its own sigma drawn from [sigma]."""
    def f(x, gens):
        n, c, h, w = x.shape
        r = torch.arange(kernel, dtype=x.dtype, device=x.device) - (kernel - 1) / 2
        kernels = []
        for gen in gens:
            s = _uniform(gen, *sigma)
            if s < 1e-3:
                k1 = (r == 0).to(x.dtype)
            else:
                k1 = torch.exp(-(r ** 2) / (2 * s * s))
                k1 = k1 / k1.sum()
            kernels.append(torch.outer(k1, k1))
        weight = torch.stack(kernels).repeat_interleave(c, 0).unsqueeze(1)   # (N*C, 1, k, k)
        padded = F.pad(x.reshape(1, n * c, h, w), (kernel // 2,) * 4, mode="replicate")
        return F.conv2d(padded, weight, groups=n * c).reshape(n, c, h, w)
    return f


def roll(shift: tuple[int, int], p: float) -> Transform:
    """Roll along x and y separately by ±[shift] pixels, each with probability ``p``."""
    def f(x, gens):
        out = x
        for i, gen in enumerate(gens):
            dy = _sign(gen) * int(torch.randint(shift[0], shift[1] + 1, (), generator=gen)) if _chance(gen, p) else 0
            dx = _sign(gen) * int(torch.randint(shift[0], shift[1] + 1, (), generator=gen)) if _chance(gen, p) else 0
            if dx or dy:
                out = out.clone() if out is x else out
                out[i] = torch.roll(x[i], (dy, dx), dims=(-2, -1))
        return out
    return f


def distribution_blend(mean: Sequence[float], std: Sequence[float], blend: float) -> Transform:
    """Blend ``blend`` of a copy standardised to the dataset's per-channel mean/std into each image."""
    def f(x, gens):
        m = torch.tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        s = torch.tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        mu = x.mean((2, 3), keepdim=True)
        sd = x.std((2, 3), keepdim=True).clamp(min=1e-6)
        return (1 - blend) * x + blend * ((x - mu) / sd * s + m)
    return f


def compose(*transforms: Transform) -> Transform:
    def f(x, gens):
        for t in transforms:
            x = t(x, gens)
        return x
    return f


def paper_transforms(size, mean, std, pad_px=10, degrees=(1.0, 10.0), p_rotate=0.3, scale=(1.0, 1.05),
                     p_scale=0.05, blur_kernel=5, blur_sigma=(0.0, 0.5), shift=(1, 5), p_roll=0.3, blend=0.05):
    """The paper's chain, one image at a time (the old ``PaperTransforms.build``)."""
    return compose(pad(pad_px), rotate_scale(degrees, p_rotate, scale, p_scale), gaussian_blur(blur_kernel, blur_sigma),
                   center_crop(size), roll(shift, p_roll), distribution_blend(mean, std, blend))
