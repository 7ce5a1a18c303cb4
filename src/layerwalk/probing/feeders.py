"""The reverse of the activity flow: which channels of the layer(s) right before feed the selected channel most.

Exact, by ablation: each channel of each precursor layer is zeroed in its own sample of one batch, and only the
part of the graph between the precursor and the selected layer is re-run (``CapturedModel.run_from`` with
``stop_after``). A feeder's score is what it adds to the selected channel's mean activation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from layerwalk.engine import Network, Snapshot
from layerwalk.probing._channels import channel_layer, checked_channels
from layerwalk.probing._recorded import per_channel, recorded


@dataclass(frozen=True)
class Feeders:
    """``scores[precursor][k]`` = what channel k of that precursor adds to the selected channel."""

    layer: str
    channel: int
    scores: dict[str, torch.Tensor]
    seconds: float

    def top(self, k: int = 8) -> list[tuple[str, int, float]]:
        """The ``k`` strongest feeders over all precursors, as (layer, channel, score), by |score|."""
        rows = [(p, int(c), float(s[c])) for p, s in self.scores.items() for c in range(s.numel())]
        return sorted(rows, key=lambda r: -abs(r[2]))[:k]


def channel_feeders(network: Network, layer: str, channel: int, *, snapshot: Snapshot | None = None,
                    chunk: int = 64) -> Feeders:
    """Score every channel of the layers feeding ``layer`` by what it adds to channel ``channel`` of ``layer``.

    Args:
        network: the network (its ablation stays in force).
        layer, channel: the selected channel.
        snapshot: the input (default: the current one).
        chunk: how many precursor channels share one re-run (memory: ``chunk`` copies of that part of the graph).

    >>> import torchvision, layerwalk
    >>> net = layerwalk.Network(torchvision.models.resnet18(), input_size=(3, 64, 64))
    >>> f = channel_feeders(net, "layer1.0.conv2", 3)
    >>> f.scores["layer1.0.conv1"].shape
    torch.Size([64])
    """
    node = channel_layer(network.graph, layer)
    checked_channels(node, [channel])
    rec = recorded(network, snapshot or network.snapshot)
    start = time.perf_counter()
    now = float(per_channel(rec[layer])[0, channel])
    scores = {}
    for pre in node.precursors:
        if pre in rec and rec[pre].dim() >= 2:
            scores[pre] = _precursor_scores(network, rec, pre, layer, channel, now, chunk)
    return Feeders(layer, channel, scores, time.perf_counter() - start)


def _precursor_scores(network: Network, rec, pre: str, layer: str, channel: int, now: float,
                      chunk: int) -> torch.Tensor:
    count = rec[pre].shape[1]
    out = torch.empty(count)
    for lo in range(0, count, chunk):
        hi = min(count, lo + chunk)
        value = rec[pre].expand(hi - lo, *rec[pre].shape[1:]).clone()
        value[torch.arange(hi - lo), torch.arange(lo, hi)] = 0  # sample i: channel lo + i switched off
        with torch.inference_mode():
            got = network.captured.run_from(pre, value, rec, edits=network.edits, record={layer}, stop_after=layer)
        out[lo:hi] = now - per_channel(got[layer])[:, channel].float().cpu()
    return out
