"""A minimal, dict-based view of a LayerGraph: the only thing the layout needs (ids, shapes, precursors, labels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LayoutNode:
    id: str
    shape: tuple[int, ...]
    precursors: tuple[str, ...]
    label: str


def layout_nodes(graph: Any) -> list[LayoutNode]:
    """Read a ``LayerGraph`` (or its ``to_dict()``) into ``LayoutNode`` s, topological order preserved."""
    nodes = graph["nodes"] if isinstance(graph, dict) else graph.nodes
    return [_read_node(n) for n in nodes]


def _read_node(node: Any) -> LayoutNode:
    get = node.get if isinstance(node, dict) else lambda k, d=None: getattr(node, k, d)
    return LayoutNode(
        id=str(get("id")),
        shape=tuple(int(v) for v in (get("shape") or ())),
        precursors=tuple(str(p) for p in (get("precursors") or ())),
        label=str(get("label") or ""),
    )
