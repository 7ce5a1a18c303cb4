"""What the CAM methods share: per layer, channel maps = weights × activation from the same pass; the input
map is the deepest layer's map (sum over channels) upsampled."""

from __future__ import annotations

import torch

from layerwalk.attribution.base import SinglePassMethod
from layerwalk.attribution.interpolate import interpolate


class CamMethod(SinglePassMethod):
    family = "cam"

    def channel_maps(self, activation: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) activation and gradient → (B, C, H, W) contribution of each channel (sum = the CAM)."""
        raise NotImplementedError

    def from_pass(self, out, xs, ctx):
        maps = {lid: self.channel_maps(out.activations[lid], out.gradients[lid]) for lid in ctx.layers}
        return maps, cam_input_map(maps, ctx.layers, tuple(xs.shape[-2:]))


def cam_input_map(maps: dict[str, torch.Tensor], layers: list[str], size) -> torch.Tensor | None:
    """The CAM (signed sum over channels) of the deepest layer that still has a spatial map, at input
    resolution: (B, 1, H, W). A 1×1 layer (global pooling) would paint the whole input one colour."""
    spatial = [lid for lid in layers if maps[lid].shape[-1] * maps[lid].shape[-2] > 1]
    if not spatial:
        return None
    return interpolate(maps[spatial[-1]].sum(1, keepdim=True), size)
