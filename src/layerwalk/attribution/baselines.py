"""Reference inputs for path and Shapley methods, in the model's normalised input space."""

from __future__ import annotations

import torch

from layerwalk.errors import LayerwalkError

BASELINES = ("zeros", "noise", "blur")


def make_baselines(kind: str, x: torch.Tensor, count: int, seed: int = 0) -> torch.Tensor:
    """(count, C, H, W) baselines: zeros (Captum's default), Gaussian noise, or a heavily blurred input."""
    shape = (count, *x.shape[1:])
    if kind == "zeros":
        return torch.zeros(shape, dtype=x.dtype, device=x.device)
    if kind == "noise":
        g = torch.Generator().manual_seed(seed)
        return torch.randn(shape, generator=g, dtype=x.dtype).to(x.device)
    if kind == "blur":
        from torchvision.transforms.functional import gaussian_blur

        side = max(3, (min(x.shape[-2:]) // 4) | 1)
        return gaussian_blur(x, [side, side], [side / 3, side / 3]).expand(shape).clone()
    raise LayerwalkError(f"unknown baseline {kind!r}; valid baselines: {', '.join(BASELINES)}")
