"""Input × gradient (Shrikumar et al. 2016); at a layer, activation × gradient (Captum's
LayerGradientXActivation)."""

from __future__ import annotations

from layerwalk.attribution.base import SinglePassMethod


class InputXGradient(SinglePassMethod):
    name, label, family = "inputxgradient", "Input × gradient", "gradient"

    def from_pass(self, out, xs, ctx):
        maps = {lid: out.activations[lid] * out.gradients[lid] for lid in ctx.layers}
        return maps, xs * out.input_gradient
