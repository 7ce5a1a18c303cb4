"""Re-run the graph from some nodes on: "what would every later layer show if this node's output were different?"

Two ingredients:

* **Node edits** (``ZeroChannels``, ``ReplaceValue``): applied in place to a node's output right after it is
  produced and before anything consumes it, in the node's displayed (batch, C, …) view. ``CapturedModel.run``
  applies them during an ordinary forward pass (the recording hook already sits right after every displayed node).
* **Replay** (``replay``): recompute only the nodes downstream of some roots, taking every other value from a
  previous recording. With torch.fx capture this runs the traced graph node by node from an environment of
  recorded values (hidden ops a later node needs, e.g. a flatten, are recomputed from the nearest recorded
  values). The executed-graph (dynamic) capture has no graph to start in the middle of — its control flow may
  depend on values — so there a replay is one full forward pass from the recorded input with the edits applied:
  exact, but not cheaper than a new input.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.fx as fx

from layerwalk.capture._layout import Display
from layerwalk.capture._recording import Sink, StopForward, recording
from layerwalk.capture._tracing_lock import FORWARD_LOCK
from layerwalk.capture.fold import OUTPUT_ID
from layerwalk.errors import LayerwalkError

if TYPE_CHECKING:
    from layerwalk.capture.captured import CapturedModel

NodeEdit = Callable[[torch.Tensor], None]  # mutates a node's output (displayed view, batch kept) in place


class EditError(LayerwalkError):
    """An edit that does not fit the node (channel out of range, value of the wrong shape …)."""

    code = "invalid_request"
    status = 422


@dataclass(frozen=True)
class ZeroChannels:
    """Set some channels (dim 1 of the displayed view) of a node's output to zero, in every sample.

    >>> t = torch.ones(1, 3, 2, 2); ZeroChannels((1,))(t); t[0, :, 0, 0].tolist()
    [1.0, 0.0, 1.0]
    """

    channels: tuple[int, ...]

    def __call__(self, view: torch.Tensor) -> None:
        if self.channels:
            view[:, list(self.channels)] = 0


@dataclass(frozen=True, eq=False)
class ReplaceValue:
    """Replace a node's output by ``value`` (displayed view with batch, or without: then every sample gets it)."""

    value: torch.Tensor

    def __call__(self, view: torch.Tensor) -> None:
        view.copy_(self.value.to(view))


@dataclass(frozen=True, eq=False)
class PerSample:
    """Apply ``edits[i]`` to sample ``i`` of the batch (a batch of variants, e.g. one ablated channel each)."""

    edits: tuple[NodeEdit, ...]

    def __call__(self, view: torch.Tensor) -> None:
        for i, edit in enumerate(self.edits):
            edit(view[i:i + 1])


def display_view(display: Display | None, raw: torch.Tensor) -> torch.Tensor:
    """The recorded tensor as its panel shows it, (batch, C, …), as a VIEW: writing into it changes ``raw``."""
    if display is None:
        return raw
    t = raw.movedim(display.batch_dim, 0) if display.batch_dim else raw
    if display.perm is not None:
        t = t.permute(0, *(p + 1 for p in display.perm))
    if display.grid is not None:
        t = t.view(*t.shape[:2], *display.grid)  # splitting one dimension is always a view
    return t


def undisplay(display: Display | None, shown: torch.Tensor) -> torch.Tensor:
    """The inverse of ``Display.apply``: a displayed (batch, C, …) tensor back in the layout the model made."""
    if display is None:
        return shown
    t = shown
    if display.grid is not None:
        t = t.flatten(2)
    if display.perm is not None:
        inverse = sorted(range(len(display.perm)), key=display.perm.__getitem__)
        t = t.permute(0, *(p + 1 for p in inverse))
    return t.movedim(0, display.batch_dim) if display.batch_dim else t


def downstream(captured: CapturedModel, roots: Iterable[str]) -> list[str]:
    """Displayed node ids at or after ``roots`` (graph order): what a change at the roots can change."""
    dirty = set(roots)
    for node in captured.graph:
        if any(p in dirty for p in node.precursors):
            dirty.add(node.id)
    return [n.id for n in captured.graph if n.id in dirty]


def replay(captured: CapturedModel, recorded: dict[str, torch.Tensor], roots: Iterable[str], *,
           seeds: dict[str, torch.Tensor] | None = None, edits: dict[str, NodeEdit] | None = None,
           record: set[str] | None = None, stop_after: str | None = None, batch: int = 1) -> dict[str, torch.Tensor]:
    """Recompute the nodes at and after ``roots``; every other value comes from ``recorded``.

    Args:
        captured: the captured model.
        recorded: ``{node_id: output}`` as ``CapturedModel.run`` returns them (displayed view, batch of 1) for the
            input in question; must hold every displayed node (``run(x)`` with ``record=None``).
        roots: node ids to recompute from (inclusive).
        seeds: ``{root: value}`` for roots whose output is given rather than recomputed (displayed view, batch).
        edits: ``{node_id: NodeEdit}`` applied to those nodes' outputs as they are produced (seeds included).
        record: node ids to return (default: every recomputed displayed node).
        stop_after: nothing after this node is needed.
        batch: number of samples (variants) to run at once; recorded values are repeated to it.

    Returns:
        ``{node_id: output}`` (displayed view, with batch) for the recomputed nodes that were asked for.
    """
    roots = list(dict.fromkeys(roots))
    for r in roots:
        captured.graph.node(r)
    dirty = downstream(captured, roots)
    wanted = set(dirty) if record is None else set(record) & set(dirty)
    if stop_after is not None:
        wanted &= _upstream(captured, {stop_after})
    feeding = _upstream(captured, wanted)  # edits elsewhere cannot change what is asked for: skip their nodes
    edits = {k: e for k, e in (edits or {}).items() if k in feeding}
    for node_id, value in (seeds or {}).items():
        edits[node_id] = _chain(ReplaceValue(value), edits.get(node_id))
    sink = Sink(wanted, stop_after if stop_after in wanted and stop_after != OUTPUT_ID else None,
                captured._clone_ids, captured._displays, edits)
    if captured._gm is not None:
        return _FxReplay.of(captured).run(recorded, roots, set(seeds or {}), sink, batch)
    return _full_forward(captured, recorded, sink, batch)


def _chain(first: NodeEdit, then: NodeEdit | None) -> NodeEdit:
    if then is None:
        return first

    def both(view: torch.Tensor) -> None:
        first(view)
        then(view)
    return both


def _upstream(captured: CapturedModel, node_ids: set[str]) -> set[str]:
    """``node_ids`` and every node they depend on."""
    keep = set(node_ids)
    for node in reversed(captured.graph.nodes):
        if node.id in keep:
            keep.update(node.precursors)
    return keep


def repeat_batch(t: torch.Tensor, batch: int, batch_dim: int = 0) -> torch.Tensor:
    if batch == 1 or t.shape[batch_dim] == batch:
        return t
    shape = list(t.shape)
    shape[batch_dim] = batch
    return t.expand(*shape).clone()


def _recorded_raw(captured: CapturedModel, recorded: dict[str, torch.Tensor], node_id: str,
                  batch: int) -> torch.Tensor:
    display = captured._displays.get(node_id)
    raw = undisplay(display, recorded[node_id])
    return repeat_batch(raw, batch, display.batch_dim if display else 0).clone()  # in-place ops must not reach it


def _full_forward(captured: CapturedModel, recorded: dict[str, torch.Tensor], sink: Sink,
                  batch: int) -> dict[str, torch.Tensor]:
    """The executed-graph path: one forward pass from the recorded input, edits applied as nodes are produced."""
    x = _recorded_raw(captured, recorded, "input", batch)
    out = None
    with torch.no_grad(), recording(sink), FORWARD_LOCK.read(), contextlib.suppress(StopForward):
        out = captured._forward(x, sink)
    if out is not None and (sink.wanted is None or OUTPUT_ID in sink.wanted):
        sink.outputs[OUTPUT_ID] = captured._probabilities(out)
    return sink.outputs


class _FxReplay:
    """Runs the instrumented fx graph (``record`` calls after every displayed node) from the middle."""

    def __init__(self, captured: CapturedModel):
        assert captured._gm is not None and captured._fx is not None, "replay from the middle needs fx capture"
        self.captured: CapturedModel = captured
        self.gm: fx.GraphModule = captured._gm
        self.nodes: list[fx.Node] = list(self.gm.graph.nodes)
        self.order: dict[fx.Node, int] = {n: i for i, n in enumerate(self.nodes)}
        by_name = {n.name: n for n in self.nodes}
        fx_name = captured._fx._fx_name
        self.end: dict[str, fx.Node] = {node_id: by_name[fx_name[op_id]] for op_id, node_id in captured._ends.items()
                                        if op_id in fx_name}
        self.node_of: dict[fx.Node, str] = {n: node_id for node_id, n in self.end.items()}
        self.modules: dict[str, torch.nn.Module] = dict(self.gm.named_modules())

    @classmethod
    def of(cls, captured: CapturedModel) -> _FxReplay:
        cached = _REPLAYS.get(captured)
        if cached is None:
            cached = _REPLAYS[captured] = cls(captured)
        return cached

    def run(self, recorded: dict[str, torch.Tensor], roots: list[str], seeded: set[str], sink: Sink,
            batch: int) -> dict[str, torch.Tensor]:
        missing = [r for r in roots if r not in self.end]
        if missing:
            raise EditError(f"layer(s) {', '.join(missing)} cannot be re-run (no recorded output)")
        dirty = self._dirty([self.end[r] for r in roots])
        given = {self.end[r] for r in roots if r in seeded}
        plan, provided, alias = self._plan(self._targets(dirty, sink), dirty, given, recorded)
        env: dict[fx.Node, object] = {}
        for n in provided:
            env[n] = self._initial(n, recorded, batch)
        for changed, by in alias.items():
            env[changed] = env[by]
        interp = fx.Interpreter(self.gm)
        interp.env = env
        interp.args_iter = iter(())  # forward()'s other arguments (timm's attn_mask=None) take their defaults
        out = None
        with torch.no_grad(), recording(sink), FORWARD_LOCK.read(), contextlib.suppress(StopForward):
            out = self._execute(interp, plan)
        if out is not None and (sink.wanted is None or OUTPUT_ID in sink.wanted):
            sink.outputs[OUTPUT_ID] = self.captured._probabilities(out)
        return sink.outputs

    def _initial(self, n: fx.Node, recorded: dict[str, torch.Tensor], batch: int) -> torch.Tensor:
        node_id = self.node_of[n]
        if node_id not in recorded:
            raise EditError(f"the recording has no value of layer {node_id!r}; record every layer (run(x))")
        return _recorded_raw(self.captured, recorded, node_id, batch)

    def _dirty(self, starts: list[fx.Node]) -> set[fx.Node]:
        dirty = set(starts)
        for n in self.nodes[min(self.order[s] for s in starts):]:
            if n not in dirty and any(a in dirty for a in n.all_input_nodes):
                dirty.add(n)
        return dirty

    def _targets(self, dirty: set[fx.Node], sink: Sink) -> list[fx.Node]:
        """The dirty nodes whose values are asked for: record calls of wanted nodes, and the model output."""
        targets = []
        for n in dirty:
            if _is_record(n) and (sink.wanted is None or n.args[1] in sink.wanted or n.args[1] in sink.edits):
                targets.append(n)  # an edited node's record call applies the edit: it runs even if not asked for
            elif n.op == "output" and (sink.wanted is None or OUTPUT_ID in sink.wanted):
                targets.append(n)
        return targets

    def _plan(self, targets: list[fx.Node], dirty: set[fx.Node], given: set[fx.Node],
              recorded: dict[str, torch.Tensor]) -> tuple[list[fx.Node], set[fx.Node], dict[fx.Node, fx.Node]]:
        """Nodes to execute (graph order), nodes whose values come from the recording, and aliases: an input that
        a given node changed in place IS that node's value (``relu_(c)``: later readers of ``c`` see it)."""
        plan: set[fx.Node] = set()
        provided: set[fx.Node] = set(given)
        alias = {n.all_input_nodes[0]: n for n in given if n.all_input_nodes and _mutates_input(n, self.modules)}
        stack = list(targets)
        while stack:
            n = stack.pop()
            if n in plan or n in provided or n in alias:
                continue
            if n not in dirty and self.node_of.get(n) in recorded:
                provided.add(n)
                for u in self._inplace_users(n, dirty):  # they change n before later readers see it: run them
                    provided.discard(u)
                    if u not in plan:
                        plan.add(u)
                        stack.extend(a for a in u.all_input_nodes if a is not n)
                continue
            if n.op == "placeholder" and (n in self.node_of or not n.args):
                raise EditError("the recording has no input; record every layer (run(x))")
            plan.add(n)
            stack.extend(n.all_input_nodes)
        return sorted(plan, key=self.order.__getitem__), provided, alias

    def _inplace_users(self, n: fx.Node, dirty: set[fx.Node]) -> list[fx.Node]:
        """Clean ops that change ``n``'s value in place: its later readers saw the changed value, so they run too
        (a recorded output is the value when it was produced)."""
        return [u for u in n.users if u not in dirty and _mutates_input(u, self.modules)]

    def _execute(self, interp: fx.Interpreter, plan: list[fx.Node]) -> object:
        last_use: dict[fx.Node, int] = {}
        for i, n in enumerate(plan):
            for a in n.all_input_nodes:
                last_use[a] = i
        out = None
        for i, n in enumerate(plan):
            value = interp.run_node(n)
            if n.op == "output":
                out = value
            else:
                interp.env[n] = value
            for a in n.all_input_nodes:
                if last_use.get(a) == i:
                    interp.env.pop(a, None)  # free activations nothing later reads
        return out


# One replayer per captured model, built on first use; it goes when the model does.
_REPLAYS: weakref.WeakKeyDictionary[CapturedModel, _FxReplay] = weakref.WeakKeyDictionary()


def _is_record(n: fx.Node) -> bool:
    from layerwalk.capture._recording import record

    return n.op == "call_function" and n.target is record


_INPLACE_OPERATORS = {"iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "iand", "ior", "ixor",
                      "ilshift", "irshift", "imatmul"}


def _mutates_input(n: fx.Node, modules: dict[str, torch.nn.Module]) -> bool:
    if n.op == "call_module":
        return bool(getattr(modules.get(str(n.target)), "inplace", False))
    name = getattr(n.target, "__name__", str(n.target))
    if n.op == "call_function" and getattr(n.target, "__module__", None) == "_operator":
        return name in _INPLACE_OPERATORS
    return name.endswith("_") and not name.endswith("__") or bool(n.kwargs.get("inplace", False))
