"""Guided backpropagation (Springenberg et al. 2015): gradient through ReLUs only where both the input and the
gradient are positive."""

from __future__ import annotations

from layerwalk.attribution.base import SinglePassMethod


class GuidedBackprop(SinglePassMethod):
    name, label, family, rule = "guided_backprop", "Guided backpropagation", "backprop", "guided"
    sanity = "known to fail (Adebayo et al. 2018): its maps barely change when the weights are randomised"

    def from_pass(self, out, xs, ctx):
        return {lid: out.gradients[lid] for lid in ctx.layers}, out.input_gradient
