"""LayerCAM (Jiang et al. 2021): every position weighted by its own positive gradient — sharp maps in early
layers."""

from __future__ import annotations

from layerwalk.attribution._cam import CamMethod


class LayerCAM(CamMethod):
    name, label = "layercam", "LayerCAM"

    def channel_maps(self, activation, gradient):
        return gradient.clamp(min=0) * activation
