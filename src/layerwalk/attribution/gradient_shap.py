"""GradientShap (Lundberg & Lee 2017, Captum's GradientShap/LayerGradientShap) at the input and every layer:
expected gradient at random points between random baselines and the input, times the change from the baseline."""

from __future__ import annotations

import torch

from layerwalk.attribution._paths import accumulate, endpoints
from layerwalk.attribution.base import AttributionMethod, MethodOutput, Param
from layerwalk.attribution.baselines import BASELINES, make_baselines


class GradientShap(AttributionMethod):
    name, label, family = "gradientshap", "GradientShap", "shapley"
    params = (Param("samples", int, 16, "random (baseline, point) draws", maximum=10_000),
              Param("baseline", str, "noise", "baseline distribution", BASELINES),
              Param("baselines", int, 4, "how many baselines are drawn from", maximum=256),
              Param("stdev", float, 0.0, "Gaussian noise added to each point (SmoothGrad-style)"),
              Param("seed", int, 0, "random draws"),
              Param("batch", int, 64, "samples per pass (memory)", maximum=4096))

    def attribute(self, ctx):
        p = ctx.params
        baselines = make_baselines(p["baseline"], ctx.x, p["baselines"], p["seed"])
        g = torch.Generator().manual_seed(p["seed"])
        pick = torch.randint(len(baselines), (p["samples"],), generator=g)
        alpha = torch.rand(p["samples"], generator=g).to(ctx.x).view(-1, 1, 1, 1)
        chosen = baselines[pick]
        points = chosen + alpha * (ctx.x - chosen)
        points = points + p["stdev"] * torch.randn(points.shape, generator=g).to(points)
        weights = torch.zeros(p["samples"], len(baselines))
        weights[torch.arange(p["samples"]), pick] = 1.0 / p["samples"]
        return self._combine(ctx, baselines, points, weights)

    def _combine(self, ctx, baselines, points, weights):
        """Σ over draws of w · grad · (x − b_j): done per baseline j, so every layer needs A(b_j) only once."""
        acts, logits = endpoints(ctx, baselines)
        inputs, maps = 0, dict.fromkeys(ctx.layers, 0)
        for j in range(len(baselines)):
            ctx_span = (j / len(baselines), 1 / len(baselines))
            used = weights[:, j] > 0
            if not used.any():
                continue
            grad_in, grad_layers = accumulate(ctx, points[used], weights[used, j], ctx.params["batch"], "samples",
                                              *ctx_span)
            inputs = inputs + (ctx.x - baselines[j:j + 1]) * grad_in
            for lid in ctx.layers:
                maps[lid] = maps[lid] + (acts[lid][:1] - acts[lid][1 + j:2 + j]) * grad_layers[lid]
        expected = (weights.sum(0).to(logits) @ logits[1:]) / weights.sum()
        delta = inputs.flatten(1).sum(1) - (logits[0] - expected)
        return MethodOutput(maps, inputs, delta)
