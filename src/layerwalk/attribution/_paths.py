"""Points and weights on the straight path from the baseline to the input, by Captum's integration rules, and
a batched walk along any list of points that accumulates weighted gradients for every layer and target."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from layerwalk.attribution._pass import PassOutput, channels_last

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


def walk(ctx, inputs: torch.Tensor, weights: torch.Tensor, batch: int, label: str, start: float = 0.0,
         span: float = 1.0, *, need_input: bool = True) -> Iterator[tuple[slice, int, PassOutput]]:
    """The weighted gradients of every target at ``inputs`` (K, C, H, W), ``batch`` points per forward. Yields
    (the chunk's slice of ``inputs``, the target's position, its pass: gradients (k, …) scaled by ``weights``)."""
    t = len(ctx.targets)
    for i in range(0, len(inputs), batch):
        chunk = slice(i, min(i + batch, len(inputs)))
        passes = ctx.engine.target_gradients(inputs[chunk], ctx.targets, ctx.layers, weights[chunk],
                                             need_input=need_input)
        for n, out in enumerate(passes):
            yield chunk, n, out
            done = chunk.start + (chunk.stop - chunk.start) * (n + 1) / t
            ctx.step(start + span * done / len(inputs), f"{label}: {chunk.stop}/{len(inputs)} points")


def accumulate(ctx, inputs: torch.Tensor, weights: torch.Tensor, batch: int, label: str, start: float = 0.0,
               span: float = 1.0):
    """Σ_k weights[k] · gradient at inputs[k], for every target, at the input and at every layer.

    Returns (input (T, C, H, W), {layer: (T, C, H, W)}).
    """
    t = len(ctx.targets)
    total_in, total_layers = [0] * t, {lid: [0] * t for lid in ctx.layers}
    for _, n, out in walk(ctx, inputs, weights, batch, label, start, span):
        total_in[n] = total_in[n] + out.input_gradient.sum(0)
        for lid in ctx.layers:
            total_layers[lid][n] = total_layers[lid][n] + out.gradients[lid].sum(0)
    return torch.stack(total_in), {lid: torch.stack(total_layers[lid]) for lid in ctx.layers}


def endpoints(ctx, baselines: torch.Tensor):
    """Layer activations and target logits at the input and at each baseline: ({layer: (1+J, …)}, (1+J, T))."""
    acts, logits = ctx.engine.forward(channels_last(torch.cat([ctx.x, baselines])), ctx.layers)
    return acts, logits[:, ctx.targets.to(logits.device)]
