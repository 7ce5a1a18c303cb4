"""Occlusion sensitivity (Zeiler & Fergus 2014), as Captum's ``Occlusion``: a window of the baseline slides over
the input; each pixel gets the mean drop of the target logit over the windows that cover it. Every window is
evaluated once for all targets."""

from __future__ import annotations

import torch

from layerwalk.attribution._perturbation import evaluate
from layerwalk.attribution.base import AttributionMethod, MethodOutput, Param
from layerwalk.errors import LayerwalkError


class Occlusion(AttributionMethod):
    name, label, family, layer_maps = "occlusion", "Occlusion", "perturbation", False
    params = (Param("window", int, 0, "window side in pixels (0: a quarter of the input side)"),
              Param("stride", int, 0, "step in pixels (0: half the window)"),
              Param("value", float, 0.0, "what the window shows (normalised input space)"),
              Param("batch", int, 64, "inputs per pass (memory)", maximum=4096))

    def attribute(self, ctx):
        h, w = ctx.x.shape[-2:]
        window, stride = self.geometry(ctx.params, h, w)
        masks = window_masks(h, w, window, stride)  # (N, 1, H, W) 1 inside the window
        baseline = torch.full_like(ctx.x, ctx.params["value"])
        _, reference = ctx.engine.forward(ctx.x)
        occluded = evaluate(ctx, 1 - masks, baseline, ctx.params["batch"], "windows")
        drop = reference[:, ctx.targets] - occluded                       # (N, T)
        masks = masks.to(drop)
        total = torch.einsum("nt,nhw->thw", drop, masks[:, 0])
        counts = masks[:, 0].sum(0)
        attr = torch.where(counts > 0, total / counts.clamp(min=1), torch.zeros_like(total))
        return MethodOutput({}, attr.unsqueeze(1).expand(-1, ctx.x.shape[1], -1, -1).contiguous())

    @staticmethod
    def geometry(params: dict, h: int, w: int) -> tuple[int, int]:
        window = params["window"] or max(1, min(h, w) // 4)
        stride = params["stride"] or max(1, window // 2)
        if not 0 < window <= min(h, w) or stride < 1:
            raise LayerwalkError(f"occlusion window {window} / stride {stride} do not fit a {h}×{w} input: "
                                 f"use 1 ≤ window ≤ {min(h, w)} and stride ≥ 1")
        return window, stride


def window_masks(h: int, w: int, window: int, stride: int) -> torch.Tensor:
    """(N, 1, H, W) masks of every window position (Captum's: ⌊(H − window) / stride⌋ + 1 per axis)."""
    tops, lefts = range(0, h - window + 1, stride), range(0, w - window + 1, stride)
    masks = torch.zeros(len(tops) * len(lefts), 1, h, w)
    for n, (top, left) in enumerate((t, left) for t in tops for left in lefts):
        masks[n, 0, top:top + window, left:left + window] = 1
    return masks
