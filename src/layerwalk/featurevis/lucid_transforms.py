"""Lucid's standard transform stack, applied differentiably to a whole batch with per-image random draws.

Lucid (and Lucent's ``standard_transforms``) apply, in order: pad 12 px with grey, jitter by up to 8 px, scale by
one of 0.90…1.10, rotate by one of −10…10° (0° five times as likely), jitter by up to 4 px. Lucent draws ONE set
of parameters per step for the whole batch and runs each transform as its own resampling. Here every image draws
its own parameters from its own generator (so a channel's result does not depend on its batch), the four
geometric steps are composed into one affine map per image, and the batch is resampled once with
``grid_sample`` — differentiable, so the gradient reaches the Fourier parameters through it. Areas that move in
from outside the padded canvas are grey too (Lucent fills them black), so no black frame is optimised around.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F


def _pick(gen: torch.Generator, options: Sequence[float]) -> float:
    return float(options[int(torch.randint(len(options), (), generator=gen))])


def _jitter(gen: torch.Generator, d: int) -> tuple[float, float]:
    """A shift of 0…d−1 px per axis (Lucid's random crop by d), centred so that it averages zero."""
    centre = (d - 1) / 2
    return (float(torch.randint(d, (), generator=gen)) - centre, float(torch.randint(d, (), generator=gen)) - centre)


@dataclass(frozen=True)
class LucidTransforms:
    """Lucid's standard parameters; every field can be overridden."""

    pad: int = 12
    jitter: int = 8
    scales: tuple[float, ...] = tuple(1 + (i - 5) / 50 for i in range(11))
    degrees: tuple[float, ...] = tuple(range(-10, 11)) + (0,) * 5
    final_jitter: int = 4
    fill: float = 0.5   # pixel value of the padding (grey), in 0…1 display space

    def draw(self, gen: torch.Generator) -> tuple[float, float, float, float]:
        """(angle°, scale, dy, dx) of the composed map for one image; dy/dx in pixels of the padded canvas."""
        y1, x1 = _jitter(gen, self.jitter)
        scale = _pick(gen, self.scales)
        angle = _pick(gen, self.degrees)
        y2, x2 = _jitter(gen, self.final_jitter)
        # jitter → scale → rotate → jitter about the centre: T(p) = R·S·(p + t1) + t2
        a = math.radians(angle)
        ry = scale * (math.sin(a) * x1 + math.cos(a) * y1) + y2
        rx = scale * (math.cos(a) * x1 - math.sin(a) * y1) + x2
        return angle, scale, ry, rx

    def __call__(self, x: torch.Tensor, gens: Sequence[torch.Generator]) -> torch.Tensor:
        """(N, C, H, W) pixels in 0…1 → (N, C, H + 2·pad, W + 2·pad), one resampling for the batch."""
        n, _, h, w = x.shape
        hp, wp = h + 2 * self.pad, w + 2 * self.pad
        theta = _inverse_maps([self.draw(g) for g in gens], hp, wp, x.dtype, x.device)
        grid = F.affine_grid(theta, [n, 1, hp, wp], align_corners=False)
        shifted = F.pad(x - self.fill, [self.pad] * 4)   # zero padding of (x − fill) = padding x with fill
        return F.grid_sample(shifted, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + self.fill


def _inverse_maps(draws, h: int, w: int, dtype, device) -> torch.Tensor:
    """``affine_grid`` thetas: for each output pixel, where to read in the input (the inverse map), in the
    normalised coordinates of an h×w canvas (pixel maps converted so rotation stays a rotation on non-squares)."""
    thetas = []
    for angle, s, ty, tx in draws:
        a = math.radians(angle)
        # inverse of p ↦ s·R·p + t in pixel units (x, y): p = R⁻¹(q − t)/s
        inv = [[math.cos(a) / s, math.sin(a) / s], [-math.sin(a) / s, math.cos(a) / s]]
        bx = -(inv[0][0] * tx + inv[0][1] * ty)
        by = -(inv[1][0] * tx + inv[1][1] * ty)
        # pixel units → normalised: x_n = x / (w/2), y_n = y / (h/2)
        thetas.append([[inv[0][0], inv[0][1] * h / w, bx * 2 / w],
                       [inv[1][0] * w / h, inv[1][1], by * 2 / h]])
    return torch.tensor(thetas, dtype=dtype, device=device)
