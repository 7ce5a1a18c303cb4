"""Channel statistics over N inputs (ConvViz, section 7.1): per channel the maximum, mean and fraction of active
positions; the ranking of channels by maximum activation; the maxima stacked input by input (the cumulated
histogram that shows dead filters and whether N inputs are enough)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from layerwalk.analysis._inputs import Progress, reduce_batches, sample_items
from layerwalk.engine.reductions import max_sum_positive


@dataclass(frozen=True)
class LayerChannelStats:
    """Statistics of one node's channels over the analysed inputs.

    Args:
        node: node id.
        items: the dataset indices of the inputs, in the order of the rows below.
        maxima, means, active: (inputs, channels): per input the channel's maximum, mean and fraction of
            positions > 0 (a 1-D node has one position per channel).
    """

    node: str
    items: tuple[int, ...]
    maxima: np.ndarray
    means: np.ndarray
    active: np.ndarray

    @property
    def max(self) -> np.ndarray:
        return self.maxima.max(0)

    @property
    def mean(self) -> np.ndarray:
        return self.means.mean(0)

    @property
    def fraction_active(self) -> np.ndarray:
        return self.active.mean(0)

    @property
    def ranking(self) -> np.ndarray:
        """Channels ordered by maximum activation, highest first (ties: lower channel first)."""
        return np.lexsort((np.arange(self.maxima.shape[1]), -self.max))

    @property
    def cumulated(self) -> np.ndarray:
        """(inputs, channels): the top of each input's bar segment when the maxima are stacked input by input."""
        return np.cumsum(self.maxima, axis=0)

    def rows(self) -> list[dict]:
        rank = np.empty(len(self.max), dtype=int)
        rank[self.ranking] = np.arange(len(self.max))
        return [{"node": self.node, "channel": c, "rank": int(rank[c]), "max": float(self.max[c]),
                 "mean": float(self.mean[c]), "fraction_active": float(self.fraction_active[c])}
                for c in range(len(self.max))]

    def to_dict(self) -> dict:
        return {"node": self.node, "items": list(self.items), "channels": self.rows(),
                "ranking": self.ranking.tolist(), "maxima": self.maxima.tolist()}


@dataclass(frozen=True)
class ChannelStats:
    """Channel statistics of every analysed node, all from the same inputs."""

    dataset: str
    items: tuple[int, ...]
    layers: dict[str, LayerChannelStats]

    def __getitem__(self, node_id: str) -> LayerChannelStats:
        return self.layers[node_id]

    def rows(self) -> list[dict]:
        return [row for layer in self.layers.values() for row in layer.rows()]

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "items": list(self.items),
                "layers": [layer.to_dict() for layer in self.layers.values()]}


def channel_stats(network, dataset=None, n: int = 20, *, seed: int = 0, nodes: list[str] | None = None,
                  batch_size: int = 10, progress: Progress | None = None) -> ChannelStats:
    """Statistics of every channel of every node over ``n`` random items of ``dataset``.

    Args:
        network: an engine ``Network``.
        dataset: an ``ImageDataset`` (default: the network's own).
        n: how many random items (the thesis found 10 biased and 20 enough).
        seed: the sampling seed (same seed, same items).
        nodes: node ids to keep (default: every node with channels except the input and the output).
        batch_size: inputs per forward pass (memory: all recorded activations of one batch).
        progress: ``fn(fraction, message)``.

    >>> stats = channel_stats(net, n=20)            # doctest: +SKIP
    >>> stats["layer4.2.conv3"].ranking[:5]         # doctest: +SKIP
    """
    dataset = dataset if dataset is not None else network.dataset
    items = sample_items(dataset, n, seed)
    wanted = _nodes(network.graph, nodes)
    parts: dict[str, list[tuple[np.ndarray, ...]]] = {k: [] for k in wanted}
    reduce_batches(network, dataset, items, set(wanted), batch_size, lambda k, a: parts[k].append(_reduce(a)),
                   progress)
    layers = {k: LayerChannelStats(k, tuple(items), *(np.concatenate([p[i] for p in parts[k]]) for i in range(3)))
              for k in wanted}
    return ChannelStats(getattr(dataset, "id", ""), tuple(items), layers)


def _nodes(graph, nodes) -> list[str]:
    if nodes is not None:
        return [graph.node(k).id for k in nodes]
    return [n.id for n in graph if n.kind not in ("input", "output", "marker") and len(n.shape) in (1, 3)]


def _reduce(a: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(batch, C, …) → per input and channel: max, mean, fraction > 0 (``engine.reductions``: vectorised passes
    instead of three torch reductions)."""
    flat = a.detach().float().cpu().reshape(a.shape[0], a.shape[1], -1)
    maxima, sums, positive = max_sum_positive(flat)
    positions = flat.shape[2]
    return maxima, (sums / positions).astype(np.float32), (positive / positions).astype(np.float32)
