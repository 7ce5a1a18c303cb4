"""An ``Objective`` bound to a network: images (normalised) and each image's channel → one value per image.

The forward pass is the cheapest exact one for the terms: only the visualized layer with each image's own
channel (``ForwardShortcuts``' channel slice) when every network term reads just that; the visualized layer in
full for a fixed channel, a direction or diversity; several layers in one pass stopped after the deepest.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from layerwalk.errors import LayerwalkError, NotFoundError
from layerwalk.featurevis.objectives import IMAGE_TERMS, Objective, Term
from layerwalk.featurevis.shortcuts import ForwardShortcuts


class BoundObjective:
    """``bound(x, channels)`` → (per-image value (N,), the visualized layer's output as computed).

    Args:
        network: a ``layerwalk.Network``; ``objective``: what to maximise; ``target``: the visualized node (the
        logits node for ``output``); ``group``: consecutive images that share a channel (for ``diversity``).
    """

    def __init__(self, network, objective: Objective, target: str, group: int = 1, full_target: bool = False):
        from layerwalk.featurevis.core import resolve_layer

        self.network, self.objective, self.target, self.group = network, objective, target, group
        self.nodes = {layer: target if layer is None else resolve_layer(network, layer)[1]
                      for layer in objective.layers()}
        if not self.nodes:
            raise LayerwalkError(f"objective {objective} has no network term; add e.g. channel")
        for _, term in objective.terms:
            self._check(term)
        per_image = all(t.kind in IMAGE_TERMS or (self.nodes[_layer(t)] == target and t.channel is None
                                                 and t.kind in ("channel", "neuron")) for _, t in objective.terms)
        self.sliced = per_image and not full_target
        self.shortcuts = ForwardShortcuts(network.captured, target, one_channel=self.sliced) \
            if set(self.nodes.values()) == {target} else None
        mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in (network.mean, network.std))
        self._mean, self._std = mean, std

    def _check(self, term: Term) -> None:
        if term.kind in IMAGE_TERMS:
            return
        node = self.network.graph.node(self.nodes[_layer(term)])
        count = node.shape[0] if node.shape else 1
        if term.channel is not None and not 0 <= term.channel < count:
            raise NotFoundError(f"objective term {term.text()}: channel {term.channel} out of range; "
                                f"{node.id} has channels 0…{count - 1}")
        if term.kind == "direction" and len(term.vector) != count:
            raise LayerwalkError(f"objective term direction: the vector has {len(term.vector)} weights but "
                                 f"{node.id} has {count} channels; give one weight per channel")

    def __call__(self, x: torch.Tensor, channels: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.as_tensor(list(channels), device=x.device)
        features, sliced = self._forward(x, idx)
        pixels = x * self._std.to(x) + self._mean.to(x)
        value = x.new_zeros(x.shape[0])
        for weight, term in self.objective.terms:
            value = value + weight * self._term(term, features, sliced, idx, pixels)
        return value, features[self.target]

    def _forward(self, x, idx) -> tuple[dict[str, torch.Tensor], bool]:
        if self.shortcuts is not None:
            out, sliced = self.shortcuts.run(x, idx)
            return {self.target: out}, sliced
        order = [n.id for n in self.network.graph]
        last = max(self.nodes.values(), key=order.index)
        return self.network.captured.run(x, record=set(self.nodes.values()), stop_after=last), False

    def _term(self, term: Term, features, sliced: bool, idx, pixels) -> torch.Tensor:
        if term.kind == "tv":
            return ((pixels[..., 1:, :] - pixels[..., :-1, :]).abs().flatten(1).mean(1)
                    + (pixels[..., :, 1:] - pixels[..., :, :-1]).abs().flatten(1).mean(1))
        if term.kind == "l2":
            return (pixels - term.constant).pow(2).flatten(1).mean(1).sqrt()
        node = self.nodes[_layer(term)]
        f = features[node]
        if term.kind == "direction":
            v = torch.tensor(term.vector, dtype=f.dtype, device=f.device).view(1, -1, *([1] * (f.dim() - 2)))
            return (f * v).sum(1).flatten(1).mean(1) if f.dim() > 2 else (f * v).sum(1)
        if term.kind == "diversity":
            return _diversity(f, self.group)
        maps = self._channel_maps(term, f, sliced and node == self.target, idx)
        if term.kind == "neuron" and maps.dim() == 3:
            h, w = maps.shape[-2:]
            return maps[:, h // 2 if term.y is None else term.y, w // 2 if term.x is None else term.x]
        return maps.reshape(maps.shape[0], -1).mean(1)

    @staticmethod
    def _channel_maps(term: Term, f, sliced: bool, idx) -> torch.Tensor:
        if term.channel is not None:
            return f[:, term.channel]
        return f[:, 0] if sliced else f[torch.arange(f.shape[0], device=f.device), idx]


def _layer(term: Term) -> str | None:
    return "output" if term.kind == "class_logit" else term.layer


def _diversity(features: torch.Tensor, k: int) -> torch.Tensor:
    """Per image: minus the mean cosine similarity of its Gram matrix with those of the other images of its group
    (Lucid's diversity, per image instead of summed over the batch)."""
    n = features.shape[0]
    if k < 2 or features.dim() < 3:
        return features.new_zeros(n)
    flat = features.flatten(2)                                   # (N, C, HW)
    gram = torch.bmm(flat, flat.transpose(1, 2)) / flat.shape[-1]
    g = F.normalize(gram.flatten(1), dim=1).view(n // k, k, -1)
    sim = g @ g.transpose(1, 2)                                  # (groups, k, k)
    off = sim.sum(2) - sim.diagonal(dim1=1, dim2=2)
    return -(off / (k - 1)).reshape(n)
