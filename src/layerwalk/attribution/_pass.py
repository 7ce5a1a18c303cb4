"""One batched forward/backward pass of a captured network that yields, for EVERY requested layer at once, its
activation and the gradient of each sample's target score with respect to it.

Sample ``i`` of a batch answers for class ``targets[i]``: the input is replicated per target, the score is
``sum_i logits[i, targets[i]]`` and one ``autograd.grad`` gives every layer's per-sample gradient, because samples
do not interact in an eval-mode network. Methods that walk many points (Integrated Gradients, GradientShap) use
``target_gradients`` instead: one forward of the points, then one backward per target.
"""

from __future__ import annotations

from collections.abc import Iterator
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

    def target_gradients(self, xs: torch.Tensor, targets: torch.Tensor, layers: list[str],
                         weights: torch.Tensor | None = None, *, need_input: bool = True) -> Iterator[PassOutput]:
        """Forward ``xs`` (K, C, H, W) ONCE, then yield for each target in turn the gradients (K, C, H, W) of its
        logit at every sample, sample ``k``'s scaled by ``weights[k]`` (and its scores (K,)).

        For many points × targets (path and Shapley methods): replicating each point per target, as ``gradients``
        does, would repeat its forward T times. Here the targets share the forward, and each target's backward
        (a vector-Jacobian product on the retained graph, freed after the last) walks only as deep as ``layers``
        (and the input if ``need_input``); the caller reduces each target's gradients before the next, so memory
        holds one target's. One VJP per target rather than one batched VJP (``is_grads_batched``): vmap made the
        backward 20–40 % slower on CPU (benchmarks/profile_gradientshap.py). Channels-last: oneDNN's faster CPU
        convolutions (≈ 10 % on ResNet50).
        """
        self._check()
        # the input always requires grad (a layer computed from it and buffers alone is still differentiable);
        # autograd.grad walks only as deep as what ``wrt`` asks for
        xs = channels_last(xs.detach()).requires_grad_(True)
        with torch.enable_grad(), functional_inplace():
            outputs = self.captured.run(xs, record={*layers, self.logits_id})
        self._count(len(xs))
        logits = outputs[self.logits_id].reshape(len(xs), -1)
        wrt = [outputs[lid] for lid in layers] + ([xs] if need_input else [])
        activations = {lid: outputs[lid].detach() for lid in layers}
        scale = (torch.ones(len(xs)) if weights is None else weights).to(logits)
        last = len(targets) - 1
        for i, t in enumerate(targets.tolist()):
            found = (torch.autograd.grad(logits[:, t], wrt, scale, retain_graph=i < last, allow_unused=True)
                     if wrt else ())
            grads = [torch.zeros_like(w) if g is None else g for w, g in zip(wrt, found)]
            yield PassOutput(activations, dict(zip(layers, grads)), grads[-1] if need_input else None,
                             logits[:, t].detach())

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


def channels_last(xs: torch.Tensor) -> torch.Tensor:
    """Channels-last for image batches (oneDNN's faster CPU convolutions); the values are the same."""
    return xs.contiguous(memory_format=torch.channels_last) if xs.dim() == 4 else xs
