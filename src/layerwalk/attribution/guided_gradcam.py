"""Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation × the ReLU'd Grad-CAM of the deepest layer,
upsampled nearest-neighbour (as Captum's GuidedGradCam). Layer maps are Grad-CAM's."""

from __future__ import annotations

from layerwalk.attribution.base import AttributionMethod, MethodOutput
from layerwalk.attribution.gradcam import GradCAM
from layerwalk.attribution.interpolate import interpolate


class GuidedGradCAM(AttributionMethod):
    name, label, family = "guided_gradcam", "Guided Grad-CAM", "backprop"
    sanity = "fails in Adebayo et al. 2018 (inherits guided backpropagation's insensitivity)"

    def attribute(self, ctx):
        cam = GradCAM().attribute(ctx)
        ctx.step(0.5, "guided backpropagation")
        guided = ctx.engine.gradients(ctx.repeated, ctx.targets, [], rule="guided").input_gradient
        deepest = cam.layer_maps[ctx.layers[-1]].sum(1, keepdim=True).clamp(min=0)
        return MethodOutput(cam.layer_maps, guided * interpolate(deepest, tuple(guided.shape[-2:]), "nearest"))
