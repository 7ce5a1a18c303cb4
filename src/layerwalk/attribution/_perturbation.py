"""The shared perturbation engine of occlusion and Shapley value sampling (as Captum's FeatureAblation family):
build perturbed inputs from masks, evaluate them in batches WITHOUT gradients, and return every target's logit
for each — one evaluation answers all targets, where Captum's per-target call evaluates everything again."""

from __future__ import annotations

import torch


def blend(x: torch.Tensor, baseline: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Inputs that keep ``x`` where ``keep`` (N, 1|C, H, W) is 1 and show the baseline elsewhere."""
    return baseline + keep * (x - baseline)


def evaluate(ctx, keep_masks: torch.Tensor, baseline: torch.Tensor, batch: int, label: str) -> torch.Tensor:
    """(N, T) target logits of the N inputs blended by ``keep_masks``, ``batch`` inputs per pass."""
    out = []
    for i in range(0, len(keep_masks), batch):
        xs = blend(ctx.x, baseline, keep_masks[i:i + batch].to(ctx.x))
        _, logits = ctx.engine.forward(xs)
        out.append(logits[:, ctx.targets.to(logits.device)])
        ctx.step(min(1.0, (i + batch) / len(keep_masks)), f"{label}: {min(i + batch, len(keep_masks))}/"
                 f"{len(keep_masks)} evaluations")
    return torch.cat(out) if out else torch.zeros(0, len(ctx.targets), dtype=ctx.x.dtype)
