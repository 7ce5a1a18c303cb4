"""SmoothGrad (Smilkov et al. 2017) as a wrapper of any single-pass method: the average of its maps over noisy
copies of the input. All copies × targets go through in as few passes as the batch allows."""

from __future__ import annotations

import torch

from layerwalk.attribution.base import AttributionMethod, MethodOutput, Param, SinglePassMethod

_BASES = ("saliency", "inputxgradient", "guided_backprop", "deconvnet", "gradcam", "gradcam++", "layercam",
          "hirescam")


class SmoothGrad(AttributionMethod):
    name, label, family = "smoothgrad", "SmoothGrad", "gradient"
    params = (Param("base", str, "saliency", "the method whose maps are smoothed", _BASES),
              Param("samples", int, 16, "noisy copies", maximum=10_000),
              Param("noise", float, 0.15, "noise σ as a fraction of the input's range (max − min)"),
              Param("seed", int, 0, "noise draws"),
              Param("batch", int, 64, "samples per pass (memory)", maximum=4096))

    def attribute(self, ctx):
        from layerwalk.attribution.registry import get_method

        base: SinglePassMethod = get_method(ctx.params["base"])
        p, t = ctx.params, len(ctx.targets)
        sigma = p["noise"] * float(ctx.x.max() - ctx.x.min())
        g = torch.Generator().manual_seed(p["seed"])
        noisy = ctx.x + sigma * torch.randn((p["samples"], *ctx.x.shape[1:]), generator=g).to(ctx.x)
        per_pass = max(1, p["batch"] // t)
        maps, inputs = dict.fromkeys(ctx.layers, 0), 0
        for i in range(0, len(noisy), per_pass):
            xs = noisy[i:i + per_pass].repeat_interleave(t, 0)
            k = len(xs) // t
            out = ctx.engine.gradients(xs, ctx.targets.repeat(k), ctx.layers, rule=base.rule)
            layer_maps, attr = base.from_pass(out, xs, ctx)
            inputs = inputs + _mean_over_copies(attr, k, t, p["samples"])
            for lid in ctx.layers:
                maps[lid] = maps[lid] + _mean_over_copies(layer_maps[lid], k, t, p["samples"])
            ctx.step((i + k) / len(noisy), f"noisy copies: {i + k}/{len(noisy)}")
        return MethodOutput(maps, inputs)


def _mean_over_copies(t_: torch.Tensor, k: int, t: int, total: int) -> torch.Tensor:
    return t_.reshape(k, t, *t_.shape[1:]).sum(0) / total
