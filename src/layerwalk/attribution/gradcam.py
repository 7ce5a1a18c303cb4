"""Grad-CAM (Selvaraju et al. 2017): channel weight = spatial mean of the gradient."""

from __future__ import annotations

from layerwalk.attribution._cam import CamMethod


class GradCAM(CamMethod):
    name, label = "gradcam", "Grad-CAM"

    def channel_maps(self, activation, gradient):
        return gradient.mean((2, 3), keepdim=True) * activation
