"""Checks shared by the probing methods: a layer that exists and has channels, channel indices in range."""

from __future__ import annotations

from collections.abc import Iterable

from layerwalk.capture import GraphNode, LayerGraph
from layerwalk.capture.replay import EditError


def channel_layer(graph: LayerGraph, layer: str) -> GraphNode:
    """The node ``layer`` if its channels can be probed (NotFoundError naming the layers for an unknown id)."""
    node = graph.node(layer)
    if node.kind in ("input", "output", "marker") or not node.shape:
        raise EditError(f"layer {layer!r} ({node.kind}) has no channels to probe; pick a layer between the input "
                        "and the output")
    return node


def checked_channels(node: GraphNode, channels: Iterable[int]) -> tuple[int, ...]:
    """Sorted, de-duplicated channel indices, each within the layer's channels (EditError otherwise)."""
    count = node.shape[0]
    out = sorted({int(c) for c in channels})
    bad = [c for c in out if not 0 <= c < count]
    if bad:
        raise EditError(f"layer {node.id!r} has {count} channels (0…{count - 1}); got {bad[:5]}")
    return tuple(out)
