"""Saliency (Simonyan et al. 2014): |∂ score / ∂ input| — and |∂ score / ∂ activation| at each layer."""

from __future__ import annotations

from layerwalk.attribution.base import SinglePassMethod


class Saliency(SinglePassMethod):
    name, label, family = "saliency", "Saliency (|gradient|)", "gradient"
    sanity = "passes in Adebayo et al. 2018: the maps change when the weights are randomised"

    def from_pass(self, out, xs, ctx):
        return {lid: out.gradients[lid].abs() for lid in ctx.layers}, out.input_gradient.abs()
