"""From the executed-op graph to the displayed ``LayerGraph``.

``ops``: every op is a node. ``layers`` (default): ops that change no values (flatten, view, dropout …) are
hidden, and each conv→norm→activation chain (also join→activation, e.g. ResNet's add→relu) becomes one node,
like the paper's trackers after each conv block. If the model contains ``Tracker`` modules, only trackers and
markers are shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from layerwalk.capture._layout import Display
from layerwalk.capture._ops import Op, OpGraph
from layerwalk.capture.graph import GraphNode, LayerGraph
from layerwalk.capture.kinds import TRANSPARENT_KINDS, count_params
from layerwalk.capture.trackers import Marker, Tracker

OUTPUT_ID = "output"
_T = TypeVar("_T", bound=Hashable)


@dataclass(frozen=True)
class Folded:
    graph: LayerGraph
    ends: dict[str, str]            # op id whose output IS the activation → node id
    clone_ids: frozenset[str]       # node ids whose op output is changed in place later in the forward pass
    output_is_probability: bool
    displays: dict[str, Display]    # node id → Display, where the recorded tensor is not (batch, C, …) as it is


@dataclass
class _Group:
    ops: list[Op]
    inputs: list[str] = field(default_factory=list)  # resolved input op ids of the head (set by _groups)

    @property
    def head(self) -> Op:
        return self.ops[0]

    @property
    def end(self) -> Op:
        return self.ops[-1]

    def kinds(self) -> set[str]:
        return {o.kind for o in self.ops[1:]}


def fold(g: OpGraph, detail: str, module_paths: dict[int, str], notes: tuple[str, ...] = ()) -> Folded:
    """Fold ``g`` for display; ``module_paths`` maps ``id(module)`` to its path (for trackers' tracked modules).

    Ops marked ``omitted`` (see ``_layout``) are hidden in both details; ``notes`` say which and why.
    """
    if detail not in ("layers", "ops"):
        raise ValueError(f"detail must be 'layers' or 'ops', got {detail!r}")
    if detail == "layers" and any(o.kind in ("tracker", "marker") for o in g.ops):
        return _fold_trackers(g, module_paths)
    groups, group_of = _groups(g, hide_transparent=(detail == "layers"))
    return _finish(g, groups, group_of, detail, g.method, notes)


# --- layers / ops ----------------------------------------------------------------------------------------------
def _resolver(g: OpGraph, hide_transparent: bool) -> dict[str, str]:
    rep: dict[str, str] = {}
    for op in g.ops:
        hidden = ((hide_transparent and op.kind in TRANSPARENT_KINDS) or op.omitted) and op.inputs
        rep[op.id] = rep[op.inputs[0]] if hidden else op.id
    return rep


def _groups(g: OpGraph, hide_transparent: bool) -> tuple[dict[str, _Group], dict[str, _Group]]:
    rep = _resolver(g, hide_transparent)
    visible = [op for op in g.ops if rep[op.id] == op.id]
    inputs = {op.id: _dedup(rep[i] for i in op.inputs) for op in visible}
    consumers: dict[str, int] = {}
    for op in visible:
        for i in inputs[op.id]:
            consumers[i] = consumers.get(i, 0) + 1
    group_of: dict[str, _Group] = {}
    groups: dict[str, _Group] = {}
    for op in visible:
        target = _fold_target(op, inputs[op.id], consumers, group_of) if hide_transparent else None
        if target is not None:
            target.ops.append(op)
            group_of[op.id] = target
        else:
            grp = _Group([op])
            group_of[op.id] = grp
            groups[op.id] = grp
    # Consumers of a hidden op read from whatever it resolved to, i.e. the end of that op's group.
    for op_id, r in rep.items():
        group_of.setdefault(op_id, group_of[r])
    for grp in groups.values():
        grp.inputs = inputs[grp.head.id]
    return groups, group_of


def _fold_target(op: Op, srcs: list[str], consumers: dict[str, int], group_of: dict[str, _Group]) -> _Group | None:
    """The group ``op`` joins, if it is a norm/activation right after something that feeds only it."""
    if op.kind not in ("norm", "act") or len(srcs) != 1 or consumers.get(srcs[0], 0) != 1:
        return None
    grp = group_of[srcs[0]]
    if grp.end.id != srcs[0] or grp.head.kind in ("input", "tracker", "marker"):
        return None
    if grp.end.kind == "act":
        return None
    if op.kind == "norm" and ("norm" in grp.kinds() or grp.head.kind == "norm"):
        return None
    return grp


def _finish(g: OpGraph, groups: dict[str, _Group], group_of: dict[str, _Group], detail: str, method: str,
            notes: tuple[str, ...]) -> Folded:
    nodes: list[GraphNode] = []
    ends: dict[str, str] = {}
    clone: set[str] = set()
    displays: dict[str, Display] = {}
    for head_id, grp in groups.items():
        precursors = _dedup(group_of[i].head.id for i in grp.inputs)
        with_weights = next((o for o in grp.ops if o.params), None)
        nodes.append(GraphNode(
            id=head_id, name=grp.head.name, kind=grp.head.kind, shape=grp.end.shape,
            params=sum(o.params for o in grp.ops),
            module=with_weights.module_path if with_weights else None,
            precursors=tuple(precursors), label=" · ".join(o.label for o in grp.ops if o.label),
            folded=tuple(o.id for o in grp.ops[1:]),
        ))
        ends[grp.end.id] = head_id
        if grp.end.mutated_later:
            clone.add(head_id)
        if not grp.end.display.is_identity:
            displays[head_id] = grp.end.display
    out_op = g.by_id[g.output_id]
    producer = group_of[g.output_id].head.id
    return _with_output(nodes, ends, clone, producer, out_op, detail, method, displays, notes)


def _with_output(nodes: list[GraphNode], ends: dict[str, str], clone: set[str], producer: str, out_op: Op,
                 detail: str, method: str, displays: dict[str, Display] | None = None,
                 notes: tuple[str, ...] = ()) -> Folded:
    probability = out_op.kind == "softmax"
    nodes.append(GraphNode(id=OUTPUT_ID, name="output", kind="output", shape=out_op.shape,
                           precursors=(producer,), label="" if probability else "softmax"))
    graph = LayerGraph(tuple(nodes), detail=detail, method=method, notes=tuple(notes))
    return Folded(graph, ends, frozenset(clone), probability, displays or {})


# --- trackers ----------------------------------------------------------------------------------------------------
def _fold_trackers(g: OpGraph, module_paths: dict[int, str]) -> Folded:
    shown = [op for op in g.ops if op.kind in ("input", "tracker", "marker")]
    shown_ids = {op.id for op in shown}
    nearest = _nearest_shown(g, shown_ids)
    by_name: dict[str, str] = {}
    for op in shown:
        if isinstance(op.module, Tracker):
            by_name[op.module.name] = op.id
        by_name[op.id] = op.id
    by_module = {id(op.module): op.id for op in shown if op.module is not None}
    nodes: list[GraphNode] = []
    ends: dict[str, str] = {}
    clone: set[str] = set()
    for op in shown:
        module = op.module
        tracker = module if isinstance(module, Tracker) else None
        if tracker is not None and tracker.precursors is not None:
            precursors = [_resolve_tracker(p, by_name, by_module) for p in tracker.precursors]
        else:
            precursors = _dedup(n for i in op.inputs for n in nearest[i])
        tracked = tracker.tracked_module if tracker is not None else None
        nodes.append(GraphNode(
            id=op.id,
            name=tracker.name if tracker is not None else op.name,
            kind=op.kind, shape=op.shape if op.kind != "marker" else (),
            params=count_params(tracked), module=module_paths.get(id(tracked)) if tracked is not None else None,
            precursors=tuple(precursors), label=op.label if tracker is not None else "",
            text=module.text if isinstance(module, Marker) else None,
        ))
        if op.kind != "marker":
            ends[op.id] = op.id
            if op.mutated_later:
                clone.add(op.id)
    producer_candidates = [op.id for op in shown if op.id in nearest[g.output_id] or op.id == g.output_id]
    producer = producer_candidates[-1] if producer_candidates else "input"
    return _with_output(nodes, ends, clone, producer, g.by_id[g.output_id], "layers", "trackers")


def _nearest_shown(g: OpGraph, shown: set[str]) -> dict[str, list[str]]:
    """For every op, the nearest shown ops at or above it."""
    nearest: dict[str, list[str]] = {}
    for op in g.ops:
        if op.id in shown:
            nearest[op.id] = [op.id]
        else:
            nearest[op.id] = _dedup(n for i in op.inputs for n in nearest[i])
    return nearest


def _resolve_tracker(ref: Tracker | str, by_name: dict[str, str], by_module: dict[int, str]) -> str:
    if isinstance(ref, Tracker) and id(ref) in by_module:
        return by_module[id(ref)]
    if isinstance(ref, str) and ref in by_name:
        return by_name[ref]
    from layerwalk.errors import CaptureError
    raise CaptureError(f"tracker precursor {ref!r} is not a tracker that runs in forward(); "
                       f"known trackers: {', '.join(sorted(by_name))}")


def _dedup(items: Iterable[_T]) -> list[_T]:
    out: list[_T] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out
