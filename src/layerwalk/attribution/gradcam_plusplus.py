"""Grad-CAM++ (Chattopadhay et al. 2018): channel weights from positive gradients with the closed-form alphas
(exponential score, as pytorch-grad-cam)."""

from __future__ import annotations

import torch

from layerwalk.attribution._cam import CamMethod

_EPS = 1e-6  # pytorch-grad-cam's; keeps the alpha denominator off zero


class GradCAMPlusPlus(CamMethod):
    name, label = "gradcam++", "Grad-CAM++"

    def channel_maps(self, activation, gradient):
        g2 = gradient.pow(2)
        total = activation.sum((2, 3), keepdim=True)
        alpha = g2 / (2 * g2 + total * g2 * gradient + _EPS)
        alpha = torch.where(gradient != 0, alpha, torch.zeros_like(alpha))
        weights = (gradient.clamp(min=0) * alpha).sum((2, 3), keepdim=True)
        return weights * activation
