"""One batched forward/backward pass of a captured network that yields, for EVERY requested layer at once, its
activation and the gradient of each sample's target score with respect to it.

Sample ``i`` of a batch answers for class ``targets[i]``: the input is replicated per target (or per
interpolation step × target), the score is ``sum_i logits[i, targets[i]]`` and one ``autograd.grad`` gives every
layer's per-sample gradient, because samples do not interact in an eval-mode network.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import torch

from layerwalk.attribution._modes import functional_inplace, relu_backward_rule


class Cancelled(Exception):
    """Raised before a pass when the caller's ``should_stop`` says so; nothing is cached."""


@dataclass
class PassOutput:
    activations: dict[str, torch.Tensor]  # layer → (B, C, H, W), detached
    gradients: dict[str, torch.Tensor]    # layer → (B, C, H, W)
    input_gradient: torch.Tensor | None   # (B, C, H, W)
    scores: torch.Tensor                  # (B,) target logit of each sample


class PassEngine:
    """Runs batches through ``network.captured`` and counts the passes (the cost a result reports)."""

    def __init__(self, network, should_stop=None):
        self.captured = network.captured
        self.should_stop = should_stop or (lambda: False)
        output = network.graph.node("output")
        # The scores are the logits (what Captum and pytorch-grad-cam attribute), not the softmax output.
        self.logits_id = output.precursors[0] if output.precursors else "output"
        self.passes = 0
        self.evaluations = 0

    def gradients(self, xs: torch.Tensor, targets: torch.Tensor, layers: list[str], *, rule: str | None = None,
                  need_input: bool = True) -> PassOutput:
        """Forward ``xs`` (B, C, H, W) and backpropagate ``logits[i, targets[i]]`` to ``layers`` and the input."""
        self._check()
        xs = xs.detach().requires_grad_(need_input)
        with torch.enable_grad(), ExitStack() as stack:
            stack.enter_context(functional_inplace())
            if rule is not None:
                stack.enter_context(relu_backward_rule(rule))
            outputs = self.captured.run(xs, record={*layers, self.logits_id})
            scores = self._target_scores(outputs[self.logits_id], targets)
            wrt = [outputs[lid] for lid in layers] + ([xs] if need_input else [])
            grads = torch.autograd.grad(scores.sum(), wrt, allow_unused=True) if wrt else []
        self._count(len(xs))
        grads = [torch.zeros_like(t) if g is None else g for t, g in zip(wrt, grads)]
        return PassOutput({lid: outputs[lid].detach() for lid in layers}, dict(zip(layers, grads)),
                          grads[-1] if need_input else None, scores.detach())

    @torch.no_grad()
    def forward(self, xs: torch.Tensor, layers: list[str] = ()) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Activations of ``layers`` and the logits, without gradients."""
        self._check()
        with functional_inplace():
            outputs = self.captured.run(xs, record={*layers, self.logits_id})
        self._count(len(xs))
        return {lid: outputs[lid] for lid in layers}, outputs[self.logits_id].reshape(len(xs), -1)

    def _target_scores(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return logits.reshape(len(logits), -1).gather(1, targets.view(-1, 1).to(logits.device)).squeeze(1)

    def _check(self) -> None:
        if self.should_stop():
            raise Cancelled

    def _count(self, samples: int) -> None:
        self.passes += 1
        self.evaluations += samples
