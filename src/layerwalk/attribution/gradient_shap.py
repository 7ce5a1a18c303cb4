"""GradientShap (Lundberg & Lee 2017, Captum's GradientShap/LayerGradientShap) at the input and every layer:
expected gradient at random points between random baselines and the input, times the change from the baseline.

Same definition and draws as Captum's (K points, each between the input and a baseline drawn from the set, at a
uniform random fraction, plus optional Gaussian noise); the random generator is ours (seeded)."""

from __future__ import annotations

import torch

from layerwalk.attribution._paths import endpoints, walk
from layerwalk.attribution.base import AttributionMethod, MethodOutput, Param
from layerwalk.attribution.baselines import BASELINES, make_baselines


class GradientShap(AttributionMethod):
    name, label, family = "gradientshap", "GradientShap", "shapley"
    params = (Param("samples", int, 16, "random (baseline, point) draws", maximum=10_000),
              Param("baseline", str, "noise", "baseline distribution", BASELINES),
              Param("baselines", int, 4, "how many baselines are drawn from", maximum=256),
              Param("stdev", float, 0.0, "Gaussian noise added to each point (SmoothGrad-style)"),
              Param("seed", int, 0, "random draws"),
              Param("batch", int, 64, "samples per pass (memory)", maximum=4096),
              Param("input_map", bool, True, "also attribute to the input pixels (the backward then reaches the "
                    "input; without it, only as deep as the shallowest layer asked for, and no delta)"))

    def attribute(self, ctx):
        p = ctx.params
        baselines = make_baselines(p["baseline"], ctx.x, p["baselines"], p["seed"])
        g = torch.Generator().manual_seed(p["seed"])
        pick = torch.randint(len(baselines), (p["samples"],), generator=g)
        alpha = torch.rand(p["samples"], generator=g).to(ctx.x).view(-1, 1, 1, 1)
        chosen = baselines[pick]
        points = chosen + alpha * (ctx.x - chosen)
        points = points + p["stdev"] * torch.randn(points.shape, generator=g).to(points)
        return shap_at_points(ctx, baselines, pick, points)


def shap_at_points(ctx, baselines: torch.Tensor, pick: torch.Tensor, points: torch.Tensor) -> MethodOutput:
    """(1/K) Σ_k gradient at points[k] · (A(x) − A(baselines[pick[k]])), at the input and at every layer.

    The draws (K points, each from baseline ``pick[k]``) are given, so Captum's can be replayed. One walk over the
    points serves every layer and target: each point is forwarded once for all targets, and the baselines'
    activations are computed once for every layer.
    """
    acts, logits = endpoints(ctx, baselines)
    changes = {lid: acts[lid][:1] - acts[lid][1:] for lid in ctx.layers}  # A(x) − A(b_j), (J, C, H, W)
    weights = torch.full((len(points),), 1.0 / len(points))
    to_input = ctx.params.get("input_map", True)
    t = len(ctx.targets)
    inputs, maps = [0] * t, {lid: [0] * t for lid in ctx.layers}
    for chunk, n, out in walk(ctx, points, weights, ctx.params["batch"], "samples", need_input=to_input):
        j = pick[chunk]
        if to_input:
            inputs[n] = inputs[n] + (out.input_gradient * (ctx.x - baselines[j])).sum(0)
        for lid in ctx.layers:
            maps[lid][n] = maps[lid][n] + (out.gradients[lid] * changes[lid][j]).sum(0)
    maps = {lid: torch.stack(maps[lid]) for lid in ctx.layers}
    if not to_input:
        return MethodOutput(maps, None)
    input_map = torch.stack(inputs)
    delta = input_map.flatten(1).sum(1) - (logits[0] - logits[1:][pick].mean(0))
    return MethodOutput(maps, input_map, delta)
