"""Points and weights on the straight path from the baseline to the input, by Captum's integration rules, and
a batched walk along any list of points that accumulates weighted gradients for every layer and target."""

from __future__ import annotations

import numpy as np
import torch

RULES = ("gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right", "riemann_middle")


def path_points(steps: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """(alphas, weights) of ``steps`` points; the weights sum to 1."""
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return 0.5 * (nodes + 1), 0.5 * weights
    if rule == "riemann_trapezoid":  # textbook weights (Captum 0.9's sum to 1 − 1/n, breaking completeness)
        w = np.full(steps, 1.0 / (steps - 1))
        w[[0, -1]] /= 2
        return np.linspace(0, 1, steps), w
    offset = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}[rule]
    return (np.arange(steps) + offset) / steps, np.full(steps, 1.0 / steps)


def accumulate(ctx, inputs: torch.Tensor, weights: torch.Tensor, batch: int, label: str, start: float = 0.0,
               span: float = 1.0):
    """Σ_k weights[k] · gradient at inputs[k], for every target, at the input and at every layer.

    ``inputs`` (K, C, H, W); each point is replicated per target, so one pass holds ``batch // T`` points × T
    targets. Returns (input (T, C, H, W), {layer: (T, C, H, W)}).
    """
    t = len(ctx.targets)
    per_pass = max(1, batch // t)
    total_in, total_layers = 0, dict.fromkeys(ctx.layers, 0)
    for i in range(0, len(inputs), per_pass):
        chunk, w = inputs[i:i + per_pass], weights[i:i + per_pass]
        k = len(chunk)
        out = ctx.engine.gradients(chunk.repeat_interleave(t, 0), ctx.targets.repeat(k), ctx.layers)
        total_in = total_in + _weighted_sum(out.input_gradient, w, k, t)
        for lid in ctx.layers:
            total_layers[lid] = total_layers[lid] + _weighted_sum(out.gradients[lid], w, k, t)
        ctx.step(start + span * min(1.0, (i + k) / len(inputs)), f"{label}: {i + k}/{len(inputs)} points")
    return total_in, total_layers


def _weighted_sum(grads: torch.Tensor, w: torch.Tensor, k: int, t: int) -> torch.Tensor:
    grads = grads.reshape(k, t, *grads.shape[1:])
    return (grads * w.to(grads).view(k, 1, *([1] * (grads.dim() - 2)))).sum(0)


def endpoints(ctx, baselines: torch.Tensor):
    """Layer activations and target logits at the input and at each baseline: ({layer: (1+J, …)}, (1+J, T))."""
    acts, logits = ctx.engine.forward(torch.cat([ctx.x, baselines]), ctx.layers)
    return acts, logits[:, ctx.targets.to(logits.device)]
