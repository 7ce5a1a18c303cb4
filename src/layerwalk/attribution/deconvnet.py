"""DeconvNet (Zeiler & Fergus 2014, ConvViz's "focus"): backpropagate with every ReLU's backward replaced by a
ReLU of the gradient."""

from __future__ import annotations

from layerwalk.attribution.base import SinglePassMethod


class DeconvNet(SinglePassMethod):
    name, label, family, rule = "deconvnet", "DeconvNet", "backprop", "deconv"
    sanity = "known to fail (Adebayo et al. 2018; Nie et al. 2018): it reconstructs the input, whatever the weights"

    def from_pass(self, out, xs, ctx):
        return {lid: out.gradients[lid] for lid in ctx.layers}, out.input_gradient
