"""Integrated Gradients (Sundararajan et al. 2017) with its convergence delta.

Input attribution as Captum's (same rules, same points). At a layer, the gradient is integrated along the SAME
input-space path and multiplied by the layer's change A(x) − A(baseline) — so every layer comes from the one
walk instead of one walk per layer.
"""

from __future__ import annotations

import torch

from layerwalk.attribution._paths import RULES, accumulate, endpoints, path_points
from layerwalk.attribution.base import AttributionMethod, MethodOutput, Param
from layerwalk.attribution.baselines import BASELINES, make_baselines


class IntegratedGradients(AttributionMethod):
    name, label, family = "integrated_gradients", "Integrated Gradients", "gradient"
    params = (Param("steps", int, 32, "points on the path from the baseline to the input",
                    maximum=1024),
              Param("rule", str, "gausslegendre", "integration rule (Captum's names)", RULES),
              Param("baseline", str, "zeros", "the reference input", BASELINES),
              Param("batch", int, 64, "samples per pass (memory)", maximum=4096))
    sanity = "passes in Adebayo et al. 2018 (rank correlation falls with randomisation)"

    def attribute(self, ctx):
        p = ctx.params
        baseline = make_baselines(p["baseline"], ctx.x, 1)
        alphas, weights = path_points(p["steps"], p["rule"])
        a = torch.as_tensor(alphas, dtype=ctx.x.dtype, device=ctx.x.device).view(-1, 1, 1, 1)
        points = baseline + a * (ctx.x - baseline)
        grad_in, grad_layers = accumulate(ctx, points, torch.as_tensor(weights), p["batch"], "path")
        acts, logits = endpoints(ctx, baseline)
        inputs = (ctx.x - baseline) * grad_in
        maps = {lid: (acts[lid][:1] - acts[lid][1:]) * grad_layers[lid] for lid in ctx.layers}
        delta = inputs.flatten(1).sum(1) - (logits[0] - logits[1])
        return MethodOutput(maps, inputs, delta)
