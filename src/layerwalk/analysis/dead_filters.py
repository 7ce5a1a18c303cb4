"""Dead filters (ConvViz, section 7.1, figure 20): per filter the share of negative weights against its energy,
coloured by how much it activates over N inputs, and why a filter that never activates is dead."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layerwalk.analysis.channel_stats import ChannelStats, channel_stats
from layerwalk.analysis.filters import conv_nodes, effective_filters

_LOW_ENERGY = 1e-3  # of the layer's median filter energy: the filter contributes next to nothing


@dataclass(frozen=True)
class FilterHealth:
    """One filter: ``negative_pct`` of its weights below zero, ``energy`` = sum of squared weights, its bias,
    its maximum activation over the inputs, whether it is ``dead`` (never above zero) and ``reason``."""

    node: str
    channel: int
    negative_pct: float
    energy: float
    bias: float
    max_activation: float
    dead: bool
    reason: str

    def row(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DeadFilters:
    """Filter health of every analysed conv node (``layers[node_id]`` is a list, one entry per filter)."""

    inputs: int
    layers: dict[str, list[FilterHealth]]

    def dead(self, node_id: str) -> list[int]:
        return [f.channel for f in self.layers[node_id] if f.dead]

    def rows(self) -> list[dict]:
        return [f.row() for layer in self.layers.values() for f in layer]

    def to_dict(self) -> dict:
        return {"inputs": self.inputs, "layers": [{"node": k, "filters": [f.row() for f in v]}
                                                  for k, v in self.layers.items()]}


def dead_filters(network, dataset=None, n: int = 20, *, stats: ChannelStats | None = None,
                 nodes: list[str] | None = None, seed: int = 0, progress=None) -> DeadFilters:
    """Health of every filter of every conv node (or of ``nodes``) over ``n`` random dataset items.

    A filter is dead when its output never rises above zero on the inputs; ``reason`` says why it is likely
    dead: all weights negative, negligible energy, a negative bias, or a pattern absent from these inputs.
    Pass ``stats`` (from ``channel_stats``) to reuse a pass over the same inputs.

    >>> report = dead_filters(net, n=20)     # doctest: +SKIP
    >>> report.dead("layer1.0.conv1")        # doctest: +SKIP
    """
    nodes = nodes or conv_nodes(network)
    if stats is None or not all(k in stats.layers for k in nodes):
        stats = channel_stats(network, dataset, n, seed=seed, nodes=nodes, progress=progress)
    return DeadFilters(len(stats.items), {k: _layer_health(network, k, stats[k].max) for k in nodes})


def _layer_health(network, node_id: str, maxima: np.ndarray) -> list[FilterHealth]:
    weights, bias = effective_filters(network, node_id)
    flat = weights.reshape(weights.shape[0], -1).numpy()
    negative = (flat < 0).mean(1) * 100
    energy = (flat.astype(np.float64) ** 2).sum(1)
    floor = _LOW_ENERGY * float(np.median(energy))
    out = []
    for c in range(flat.shape[0]):
        dead = bool(maxima[c] <= 0)
        reason = _reason(negative[c], energy[c], floor, float(bias[c]), float(maxima[c])) if dead else ""
        out.append(FilterHealth(node_id, c, float(negative[c]), float(energy[c]), float(bias[c]),
                                float(maxima[c]), dead, reason))
    return out


def _reason(negative_pct: float, energy: float, floor: float, bias: float, peak: float) -> str:
    if negative_pct >= 100 and bias <= 0:
        return "all weights negative and bias ≤ 0: on non-negative inputs the output is never positive"
    if energy < floor:
        return f"negligible energy ({energy:.3g}, under {_LOW_ENERGY:g} × the layer's median): it barely responds"
    if bias < 0:
        return f"negative bias ({bias:.3g}) outweighs the response to every input (peak {peak:.3g})"
    return f"never activates on these inputs (peak {peak:.3g}): its pattern is absent from them"
