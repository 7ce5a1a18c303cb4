"""The captured graph as plain data: what the 3D view, the API and the CLI show.

No tensors, no modules, no renderer in here: a ``LayerGraph`` can be turned into JSON and back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from layerwalk.errors import NotFoundError


@dataclass(frozen=True)
class GraphNode:
    """One displayed node.

    Args:
        id: stable, deterministic id (module path, or ``scope.op``; ``:k`` for the k-th repeated call).
        name: human name, e.g. ``layer2.1.conv2`` or ``layer1.0.add``.
        kind: ``input``, ``conv``, ``norm``, ``act``, ``pool``, ``linear``, ``add``, ``concat``, ``mul``,
            ``flatten``, ``softmax``, ``tracker``, ``marker``, ``output`` …
        shape: output shape without the batch dimension.
        params: number of parameters of the module(s) behind this node.
        module: path of the module whose weights belong to this node (None for functional ops).
        precursors: ids of the nodes feeding this one.
        label: what happens on the edge into this node, e.g. ``conv 3×3/64 s2 · bn · relu``.
        folded: ids of the ops folded into this node (``detail="layers"``).
        text: the label text of a marker.
    """

    id: str
    name: str
    kind: str
    shape: tuple[int, ...]
    params: int = 0
    module: str | None = None
    precursors: tuple[str, ...] = ()
    label: str = ""
    folded: tuple[str, ...] = ()
    text: str | None = None

    @property
    def has_activation(self) -> bool:
        return self.kind != "marker"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["precursors"] = list(self.precursors)
        d["folded"] = list(self.folded)
        return d


@dataclass(frozen=True)
class LayerGraph:
    """Displayed nodes in topological order; ``nodes[0]`` is the input, the last node the class output.

    >>> import torch, torchvision, layerwalk
    >>> g = layerwalk.capture(torchvision.models.resnet18(), torch.zeros(1, 3, 224, 224))
    >>> g.nodes[0].id, g.nodes[-1].kind
    ('input', 'output')
    """

    nodes: tuple[GraphNode, ...]
    detail: str = "layers"
    method: str = "fx"
    notes: tuple[str, ...] = ()  # what the graph leaves out and why (ops no panel can show correctly)
    _index: dict[str, GraphNode] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {n.id: n for n in self.nodes})

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[GraphNode]:
        return iter(self.nodes)

    def __contains__(self, node_id: str) -> bool:
        return node_id in self._index

    def node(self, node_id: str) -> GraphNode:
        """The node with this id; ``NotFoundError`` naming some valid ids otherwise."""
        try:
            return self._index[node_id]
        except KeyError:
            ids = [n.id for n in self.nodes]
            shown = ", ".join(ids[:5]) + (f", … {ids[-1]}" if len(ids) > 5 else "")
            raise NotFoundError(f"no layer {node_id!r}; this network has {len(ids)} layers: {shown}") from None

    def consumers(self, node_id: str) -> list[GraphNode]:
        return [n for n in self.nodes if node_id in n.precursors]

    @property
    def total_params(self) -> int:
        return sum(n.params for n in self.nodes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "total_params": self.total_params,
            "detail": self.detail,
            "method": self.method,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerGraph:
        nodes = tuple(
            GraphNode(**{**n, "shape": tuple(n["shape"]), "precursors": tuple(n["precursors"]),
                         "folded": tuple(n.get("folded", ()))})
            for n in data["nodes"]
        )
        return cls(nodes, detail=data.get("detail", "layers"), method=data.get("method", "fx"),
                   notes=tuple(data.get("notes", ())))

    def summary(self) -> str:
        """A human-readable table (what ``layerwalk graph`` prints)."""
        rows = [f"{'id':<34} {'kind':<8} {'shape':<18} {'params':>10}  precursors"]
        for n in self.nodes:
            shape = "×".join(map(str, n.shape)) or "-"
            rows.append(f"{n.id:<34} {n.kind:<8} {shape:<18} {n.params:>10,}  {', '.join(n.precursors)}")
        rows.append(f"{len(self.nodes)} nodes, {self.total_params:,} parameters "
                    f"(capture: {self.method}, detail: {self.detail})")
        rows.extend(f"note: {note}" for note in self.notes)
        return "\n".join(rows)
