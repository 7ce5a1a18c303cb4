"""Channel ablation: switch off a set of channels and see the whole network and the classification change.

The ablation stays with the network (``Network.edits``): every later input is shown ablated too, in its one
forward pass. Changing the set re-runs only the layers from the first changed one on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from layerwalk.capture.replay import ZeroChannels
from layerwalk.engine import Network, Snapshot
from layerwalk.probing._channels import channel_layer, checked_channels


def channel_edits(network: Network, channels: Mapping[str, Iterable[int]]) -> dict[str, ZeroChannels]:
    """``{layer: ZeroChannels}`` for ``{layer: channel indices}``, checked against the graph; empty sets drop out.

    Raises:
        NotFoundError: an unknown layer. EditError: the input/output layer, or a channel out of range.
    """
    edits = {}
    for layer, wanted in channels.items():
        picked = checked_channels(channel_layer(network.graph, layer), wanted)
        if picked:
            edits[layer] = ZeroChannels(picked)
    return edits


def ablate(network: Network, channels: Mapping[str, Iterable[int]]) -> Snapshot:
    """Zero ``{layer: channels}`` (replacing any previous ablation) and re-run what follows; returns the snapshot.

    Zeroing every channel of a layer is allowed: it shows what the rest of the network makes of nothing.

    >>> import torchvision, layerwalk
    >>> net = layerwalk.Network(torchvision.models.resnet18(), input_size=(3, 64, 64))
    >>> snap = ablate(net, {"layer2.0.conv1": range(16)})
    >>> float(snap.activations["layer2.0.conv1"][:16].abs().sum())
    0.0
    """
    return network.set_edits(channel_edits(network, channels))


def reset_ablation(network: Network) -> Snapshot:
    """Switch every channel back on."""
    return network.set_edits({})


def ablated_channels(network: Network) -> dict[str, list[int]]:
    """The current ablation as ``{layer: [channels]}`` (graph order)."""
    return {n.id: list(network.edits[n.id].channels) for n in network.graph
            if isinstance(network.edits.get(n.id), ZeroChannels)}
