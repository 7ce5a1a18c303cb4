"""DeconvNet focus (ConvViz, section 6.3): where in the input the strongest neurons of chosen filters look.

For each selected channel of a layer, the neurons above ``threshold × max`` of that channel are kept (the rest
of the layer, other channels included, is set to zero) and projected back to the input with a DeconvNet. Each
kept neuron is drawn as a square of its receptive field, one colour per filter; several layers at once get one
colour per layer (a categorical palette).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from layerwalk.analysis.receptive_field import ReceptiveFields, receptive_fields
from layerwalk.attribution._modes import relu_backward_rule
from layerwalk.errors import LayerwalkError


@dataclass(frozen=True)
class FilterFocus:
    """One filter's focus: the kept ``neurons`` (row, col, value), their receptive-field ``boxes``
    (y0, x0, y1, x1, inclusive, clipped to the input) and the DeconvNet ``projection`` (C, H, W) of the input."""

    layer: str
    channel: int
    neurons: list[tuple[int, int, float]]
    boxes: list[tuple[int, int, int, int]]
    projection: np.ndarray

    def rows(self) -> list[dict]:
        return [{"layer": self.layer, "channel": self.channel, "row": r, "col": c, "value": v,
                 "y0": b[0], "x0": b[1], "y1": b[2], "x1": b[3]}
                for (r, c, v), b in zip(self.neurons, self.boxes)]


@dataclass(frozen=True)
class Focus:
    """Focus of several filters (of one or more layers) on one input."""

    filters: list[FilterFocus]
    input_image: object  # the PIL image at the model's input size

    def rows(self) -> list[dict]:
        return [row for f in self.filters for row in f.rows()]

    def to_dict(self) -> dict:
        return {"filters": [{"layer": f.layer, "channel": f.channel, "neurons": [list(n) for n in f.neurons],
                             "boxes": [list(b) for b in f.boxes]} for f in self.filters]}


def top_channels(activation: torch.Tensor, count: int) -> list[int]:
    """The ``count`` channels with the highest maximum (the thesis's ordering of filters)."""
    peaks = activation.reshape(activation.shape[0], -1).amax(1)
    return peaks.argsort(descending=True)[:count].tolist()


def deconv_projection(network, x: torch.Tensor, layer: str, signals: torch.Tensor) -> torch.Tensor:
    """DeconvNet projection to the input of ``signals`` (B, *layer shape) at ``layer`` for input ``x`` (1, C, H, W):
    one backward pass for the B signals together (the input is repeated B times)."""
    inputs = x.detach().repeat(signals.shape[0], 1, 1, 1).requires_grad_(True)
    with torch.enable_grad(), relu_backward_rule("deconv"):
        out = network.captured.run(inputs, record={layer}, stop_after=layer)[layer]
        (grad,) = torch.autograd.grad(out, inputs, grad_outputs=signals.to(out.dtype))
    return grad.detach()


def focus(network, layer: str, channels: list[int] | None = None, *, image=None, top: int = 5,
          threshold: float = 0.98, fields: ReceptiveFields | None = None) -> Focus:
    """DeconvNet focus of ``channels`` of ``layer`` (default: the ``top`` channels by maximum) on ``image``
    (default: the network's current input).

    >>> f = focus(net, "layer3.1.conv2", top=3)   # doctest: +SKIP
    >>> [len(x.boxes) for x in f.filters]         # doctest: +SKIP
    """
    node = network.graph.node(layer)
    if len(node.shape) != 3:
        raise LayerwalkError(f"focus needs a layer with feature maps; {layer!r} has shape {node.shape}")
    x = network.preprocess(image) if image is not None else network.snapshot.activations["input"][None]
    x = x.to(network.device)
    with torch.inference_mode():
        activation = network.captured.run(x, record={layer}, stop_after=layer)[layer][0].float()
    channels = list(channels) if channels is not None else top_channels(activation, top)
    if any(not 0 <= c < activation.shape[0] for c in channels):
        raise LayerwalkError(f"layer {layer!r} has channels 0…{activation.shape[0] - 1}, got {channels}")
    signals = torch.zeros(len(channels), *activation.shape)
    kept = []
    for k, c in enumerate(channels):
        peak = float(activation[c].max())
        mask = activation[c] >= threshold * peak if peak > 0 else torch.zeros_like(activation[c], dtype=torch.bool)
        signals[k, c] = activation[c] * mask
        kept.append([(int(i), int(j), float(activation[c, i, j])) for i, j in torch.nonzero(mask).tolist()])
    projection = deconv_projection(network, x.float(), layer, signals.to(x.device)).cpu().numpy()
    fields = fields or receptive_fields(network)
    field = fields[layer]
    filters = [FilterFocus(layer, c, kept[k], [field.unit_box(i, j) for i, j, _ in kept[k]], projection[k])
               for k, c in enumerate(channels)]
    return Focus(filters, network.display_image(x.cpu()))


def focus_layers(network, layers: list[str], channels: list[int] | None = None, *, image=None, top: int = 5,
                 threshold: float = 0.98) -> Focus:
    """Focus of several layers at once (the thesis's figure 18): ``channels`` apply to every layer."""
    fields = receptive_fields(network)
    parts = [focus(network, layer, channels, image=image, top=top, threshold=threshold, fields=fields)
             for layer in layers]
    return Focus([f for part in parts for f in part.filters], parts[0].input_image)
