"""Activity flow: where one channel's activity goes.

Exact: zero the channel and re-run only the layers after it (``CapturedModel.run_from``); every later channel's
score is its mean activation now minus its mean activation with the channel zeroed — what the channel adds to it
(positive: drives it up). The class scores it supports (positive) or suppresses (negative) come the same way from
the logits.

Preview: the same quantities to first order, gradient × activation — the directional derivative of every later
activation along "remove this channel" (−a_c), computed for all later layers at once by forward-mode autograd.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch.autograd import forward_ad

from layerwalk.engine import Network, Snapshot
from layerwalk.probing._channels import channel_layer, checked_channels
from layerwalk.probing._recorded import per_channel, recorded

METHODS = ("ablation", "gradient")


@dataclass(frozen=True)
class LayerFlow:
    """One later layer: ``scores[k]`` = what the selected channel adds to channel k's mean activation."""

    id: str
    scores: torch.Tensor

    def top(self, k: int = 8) -> list[tuple[int, float]]:
        """The ``k`` channels the selected one drives most (by |score|), as (channel, score)."""
        k = min(k, self.scores.numel())
        idx = self.scores.abs().topk(k).indices
        return [(int(i), float(self.scores[i])) for i in idx]

    @property
    def strength(self) -> float:
        return float(self.scores.abs().sum())


@dataclass(frozen=True)
class ClassEffect:
    index: int
    name: str
    score: float              # logit (or probability, for models that output probabilities) with minus without
    probability: float        # now
    probability_without: float


@dataclass
class ActivityFlow:
    """Result of ``activity_flow``: later layers in graph order and the class scores, best supported first."""

    layer: str
    channel: int
    method: str
    layers: list[LayerFlow]
    classes: list[ClassEffect]
    seconds: float
    version: int | None = None
    _by_id: dict[str, LayerFlow] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {f.id: f for f in self.layers}

    def __getitem__(self, layer: str) -> LayerFlow:
        return self._by_id[layer]

    def supported(self, k: int = 5) -> list[ClassEffect]:
        return [c for c in self.classes[:k] if c.score > 0]

    def suppressed(self, k: int = 5) -> list[ClassEffect]:
        return [c for c in reversed(self.classes[-k:]) if c.score < 0]


def activity_flow(network: Network, layer: str, channel: int, *, method: str = "ablation",
                  snapshot: Snapshot | None = None) -> ActivityFlow:
    """How channel ``channel`` of ``layer`` drives every later layer and the class scores.

    Args:
        network: the network; its current ablation (``Network.edits``) stays in force.
        layer, channel: the selected channel.
        method: ``"ablation"`` (exact: zero it, re-run only what follows) or ``"gradient"`` (gradient ×
            activation estimate of the same change).
        snapshot: the input to use (default: the current one).

    Returns:
        An ``ActivityFlow``.

    >>> import torchvision, layerwalk
    >>> net = layerwalk.Network(torchvision.models.resnet18(), input_size=(3, 64, 64))
    >>> flow = activity_flow(net, "layer2.0.conv1", 5)
    >>> [f.id for f in flow.layers][:2]
    ['layer2.0.conv2', 'layer2.0.add']
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    node = channel_layer(network.graph, layer)
    checked_channels(node, [channel])
    snap = snapshot or network.snapshot
    rec = recorded(network, snap)
    start = time.perf_counter()
    diffs = (_ablation_diffs if method == "ablation" else _gradient_diffs)(network, rec, layer, channel)
    layers = [LayerFlow(k, per_channel(d)[0].float().cpu()) for k, d in diffs.items() if k not in (layer, "output")]
    classes = _class_effects(network, rec, diffs)
    return ActivityFlow(layer, channel, method, layers, classes, time.perf_counter() - start, snap.version)


def _ablation_diffs(network: Network, rec, layer: str, channel: int) -> dict[str, torch.Tensor]:
    """``{later node: now − with the channel zeroed}`` (batch of 1)."""
    value = rec[layer].clone()
    value[:, channel] = 0
    with torch.inference_mode():
        out = network.captured.run_from(layer, value, rec, edits=network.edits)
        return {k: rec[k] - v for k, v in out.items()}


def _gradient_diffs(network: Network, rec, layer: str, channel: int) -> dict[str, torch.Tensor]:
    """The same to first order: −(d activation / d channel) · (−channel) = the JVP along the channel's removal."""
    value = rec[layer].clone()
    tangent = torch.zeros_like(value)
    tangent[:, channel] = -value[:, channel]
    with torch.no_grad(), forward_ad.dual_level():
        dual = forward_ad.make_dual(value, tangent)
        out = network.captured.run_from(layer, dual, rec, edits=network.edits)
        diffs = {}
        for k, v in out.items():
            t = forward_ad.unpack_dual(v).tangent
            diffs[k] = -t if t is not None else torch.zeros_like(forward_ad.unpack_dual(v).primal)
    return diffs


def _class_effects(network: Network, rec, diffs: dict[str, torch.Tensor]) -> list[ClassEffect]:
    """Per class: the logit change (probability change for models that output probabilities), best first."""
    output = network.graph.node("output")
    logits = output.precursors[0] if not network.captured.output_is_probability else "output"
    if "output" not in diffs or logits not in diffs or diffs[logits].dim() != 2:
        return []
    score = diffs[logits][0].float().cpu()
    now = rec["output"][0].float().cpu()
    without = now - diffs["output"][0].float().cpu()
    names = network.class_names
    order = score.argsort(descending=True)
    return [ClassEffect(int(i), names[i] if i < len(names) else f"class {int(i)}", float(score[i]), float(now[i]),
                        float(without[i])) for i in order]
