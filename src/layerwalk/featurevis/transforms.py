"""The paper's robustness transforms (§3.3.5), applied between update steps, vectorised across the batch.

Every image draws its own random parameters from its own generator (seeded by run seed and channel), so a
channel's result does not depend on which other channels share its batch, and the same seed gives the same
images. Only the draws are per image (a few scalars); the pixel work runs once for the whole batch: pad, rotate,
scale and crop are one affine sampling grid, the blur is one grouped convolution, the rolls are one gather by
index arithmetic. The result equals applying the paper's steps one by one to each image (up to float rounding of
the sampling grid; ``tests/featurevis/per_image_transforms.py`` keeps that per-image reference).
Transforms are small factories composed with ``compose`` (as in Lucent).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

Transform = Callable[[torch.Tensor, Sequence[torch.Generator]], torch.Tensor]


def _uniform(gen: torch.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * torch.rand((), generator=gen).item()


def _chance(gen: torch.Generator, p: float) -> bool:
    return torch.rand((), generator=gen).item() < p


def _sign(gen: torch.Generator) -> int:
    return 1 if _chance(gen, 0.5) else -1


def _draw_rotate_scale(gen, degrees, p_rotate, scale, p_scale) -> tuple[float, float]:
    angle = _sign(gen) * _uniform(gen, *degrees) if _chance(gen, p_rotate) else 0.0
    s = _uniform(gen, *scale) if _chance(gen, p_scale) else 1.0
    return angle, s


def _draw_roll(gen, shift, p) -> tuple[int, int]:
    dy = _sign(gen) * int(torch.randint(shift[0], shift[1] + 1, (), generator=gen)) if _chance(gen, p) else 0
    dx = _sign(gen) * int(torch.randint(shift[0], shift[1] + 1, (), generator=gen)) if _chance(gen, p) else 0
    return dy, dx


def geometry(pad: int, degrees: tuple[float, float], p_rotate: float, scale: tuple[float, float], p_scale: float,
             blur_kernel: int, blur_sigma: tuple[float, float], size: tuple[int, int]) -> Transform:
    """Pad ``pad`` px (edge values), rotate by ±[degrees] with probability ``p_rotate``, zoom by [scale] with
    probability ``p_scale``, blur with a ``blur_kernel``² Gaussian of sigma from [blur_sigma], crop the centre
    ``size``: one sampling grid and one grouped convolution for the whole batch.

    Only the crop plus the blur's halo is ever computed; edge padding followed by border sampling equals border
    sampling of the unpadded image, so the padded image is never built either.
    """
    def f(x, gens):
        draws = [(*_draw_rotate_scale(g, degrees, p_rotate, scale, p_scale), _uniform(g, *blur_sigma)) for g in gens]
        rows = _crop_window(x.shape[-2], pad, size[0], blur_kernel)
        cols = _crop_window(x.shape[-1], pad, size[1], blur_kernel)
        region = _edge_window(x, rows.start - pad, rows.stop - pad, cols.start - pad, cols.stop - pad)
        moved = [i for i, (a, s, _) in enumerate(draws) if a != 0.0 or s != 1.0]
        if moved:
            idx = torch.tensor(moved, device=x.device)
            theta = _rotation_scale_matrices([draws[i][:2] for i in moved], x.dtype, x.device)
            sampled = _sample_window(x.index_select(0, idx), theta, pad, rows, cols)
            region = region.index_copy(0, idx, sampled)
        return _gaussian_blur_valid(region, [d[2] for d in draws], blur_kernel)
    return f


def _crop_window(n: int, pad: int, out: int, kernel: int) -> range:
    """Rows (or columns) of the padded image that the centre crop plus the blur's halo covers."""
    start = (n + 2 * pad - out) // 2 - kernel // 2
    return range(start, start + out + 2 * (kernel // 2))


def _edge_window(x: torch.Tensor, top: int, bottom: int, left: int, right: int) -> torch.Tensor:
    """``x[..., top:bottom, left:right]`` where indices outside the image repeat its edge (edge padding).

    Beyond the padded image the paper's blur pads by edge too, which repeats the same border values."""
    h, w = x.shape[-2:]
    inner = x[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)]
    return F.pad(inner, (max(-left, 0), max(right - w, 0), max(-top, 0), max(bottom - h, 0)), mode="replicate")


def _rotation_scale_matrices(draws, dtype, device) -> torch.Tensor:
    thetas = []
    for angle, s in draws:
        a = math.radians(angle)
        thetas.append([[math.cos(a) / s, -math.sin(a) / s, 0.0], [math.sin(a) / s, math.cos(a) / s, 0.0]])
    return torch.tensor(thetas, dtype=dtype, device=device)


def _sample_window(x, theta, pad, rows, cols):
    """Bilinear samples of the rotated/zoomed padded image at padded-image pixels ``rows`` × ``cols``."""
    n, c, h, w = x.shape
    grid = F.affine_grid(theta, [n, c, h + 2 * pad, w + 2 * pad], align_corners=False)
    grid = grid[:, _clamped(rows, h + 2 * pad)][:, :, _clamped(cols, w + 2 * pad)]
    # normalised coordinates of the padded image → of the image itself (the pad is edge replication, which border
    # sampling of the image reproduces exactly)
    size = torch.tensor([w, h], dtype=grid.dtype, device=grid.device)
    grid = (grid + 1) * ((size + 2 * pad) / size) - (2 * pad / size) - 1
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _clamped(window: range, n: int) -> slice | torch.Tensor:
    if window.start >= 0 and window.stop <= n:
        return slice(window.start, window.stop)
    return torch.arange(window.start, window.stop).clamp(0, n - 1)


def _gaussian_blur_valid(region: torch.Tensor, sigmas: Sequence[float], kernel: int) -> torch.Tensor:
    """Each image blurred with its own Gaussian, one grouped conv; ``region`` carries the halo (valid conv)."""
    n, c, h, w = region.shape
    r = torch.arange(kernel, dtype=region.dtype, device=region.device) - (kernel - 1) / 2
    denominators = torch.tensor([2 * s * s if s >= 1e-3 else 1.0 for s in sigmas], dtype=region.dtype,
                                device=region.device)
    k1 = torch.exp(-(r ** 2) / denominators[:, None])
    k1 = k1 / k1.sum(1, keepdim=True)
    delta = torch.tensor([s < 1e-3 for s in sigmas], device=region.device)
    k1 = torch.where(delta[:, None], (r == 0).to(region.dtype), k1)
    k2 = k1[:, :, None] * k1[:, None, :]
    # Small sigmas give subnormal taps (e.g. exp(-50)² ≈ 4e-44), which make the convolution 10× slower; against
    # the centre tap they are far below float32 resolution, so zeroing them changes no pixel.
    k2 = torch.where(k2 < torch.finfo(k2.dtype).tiny, 0.0, k2)
    weight = k2.repeat_interleave(c, 0).unsqueeze(1)   # (N*C, 1, k, k)
    out = F.conv2d(region.reshape(1, n * c, h, w), weight, groups=n * c)
    return out.reshape(n, c, h - kernel + 1, w - kernel + 1)


def roll(shift: tuple[int, int], p: float) -> Transform:
    """Roll along y and x separately by ±[shift] pixels, each with probability ``p``: one gather for the batch."""
    def f(x, gens):
        shifts = [_draw_roll(g, shift, p) for g in gens]
        moved = [i for i, d in enumerate(shifts) if d != (0, 0)]
        if not moved:
            return x
        n, c, h, w = x.shape
        d = torch.tensor([shifts[i] for i in moved], device=x.device)
        rows = (torch.arange(h, device=x.device) - d[:, :1]) % h          # out[y] = in[y - dy]
        cols = (torch.arange(w, device=x.device) - d[:, 1:]) % w
        flat = (rows[:, :, None] * w + cols[:, None, :]).view(len(moved), 1, h * w).expand(-1, c, -1)
        idx = torch.tensor(moved, device=x.device)
        rolled = x.index_select(0, idx).reshape(len(moved), c, h * w).gather(2, flat).view(-1, c, h, w)
        return x.index_copy(0, idx, rolled)
    return f


def distribution_blend(mean: Sequence[float], std: Sequence[float], blend: float) -> Transform:
    """Blend ``blend`` of a copy standardised to the dataset's per-channel mean/std into each image."""
    def f(x, gens):
        m = torch.tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        s = torch.tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        mu = x.mean((2, 3), keepdim=True)
        # two-pass std (torch.std's one-pass reduction is 4× slower here), then one fused pass:
        # (1 - b)·x + b·((x − μ)/σ·s + m) = x·(1 − b + b·s/σ) + b·(m − μ·s/σ)
        n = x.shape[-1] * x.shape[-2]
        sd = (torch.linalg.vector_norm(x - mu, dim=(2, 3), keepdim=True) / math.sqrt(max(n - 1, 1))).clamp(min=1e-6)
        return torch.addcmul(blend * (m - mu * s / sd), x, (1 - blend) + blend * s / sd)
    return f


def compose(*transforms: Transform) -> Transform:
    def f(x, gens):
        for t in transforms:
            x = t(x, gens)
        return x
    return f


@dataclass(frozen=True)
class PaperTransforms:
    """The paper's parameters; every field can be overridden."""

    pad: int = 10
    degrees: tuple[float, float] = (1.0, 10.0)
    p_rotate: float = 0.3
    scale: tuple[float, float] = (1.0, 1.05)
    p_scale: float = 0.05
    blur_kernel: int = 5
    blur_sigma: tuple[float, float] = (0.0, 0.5)
    roll: tuple[int, int] = (1, 5)
    p_roll: float = 0.3
    blend: float = 0.05

    def build(self, size: tuple[int, int], mean: Sequence[float], std: Sequence[float]) -> Transform:
        """In the paper's order. ``mean``/``std``: the dataset's statistics in the optimised (normalised) space."""
        return compose(
            geometry(self.pad, self.degrees, self.p_rotate, self.scale, self.p_scale, self.blur_kernel,
                     self.blur_sigma, size),
            roll(self.roll, self.p_roll),
            distribution_blend(mean, std, self.blend),
        )
