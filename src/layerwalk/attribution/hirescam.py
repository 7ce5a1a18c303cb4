"""HiResCAM (Draelos & Carin 2020): gradient × activation elementwise, so the map reflects what the model used."""

from __future__ import annotations

from layerwalk.attribution._cam import CamMethod


class HiResCAM(CamMethod):
    name, label = "hirescam", "HiResCAM"

    def channel_maps(self, activation, gradient):
        return gradient * activation
