"""``capture()`` and the ``CapturedModel`` that records every displayed node in one forward pass."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from layerwalk.capture._dynamic import DynamicCapture
from layerwalk.capture._fx import FxCapture, first_line
from layerwalk.capture._layout import assign
from layerwalk.capture._recording import Sink, StopForward, recording
from layerwalk.capture._tracing_lock import FORWARD_LOCK
from layerwalk.capture.fold import OUTPUT_ID, fold
from layerwalk.capture.graph import LayerGraph
from layerwalk.capture.replay import NodeEdit, replay
from layerwalk.errors import CaptureError

log = logging.getLogger(__name__)


class CapturedModel:
    """A model plus its displayed graph and the machinery to record node outputs.

    Args:
        model: any ``nn.Module`` taking one image batch. It is not modified (no hooks stay behind).
        example_input: a batch of the input shape, e.g. ``torch.zeros(1, 3, 224, 224)``; one real forward
            pass on it gives every shape.
        detail: ``"layers"`` (conv→norm→act chains folded, as shown in 3D) or ``"ops"`` (every op).
        method: ``"auto"`` (torch.fx where it traces, the executed graph otherwise), ``"fx"`` or ``"dynamic"``.
    """

    def __init__(self, model: nn.Module, example_input: torch.Tensor, detail: str = "layers", method: str = "auto"):
        if method not in ("auto", "fx", "dynamic"):
            raise ValueError(f"method must be auto, fx or dynamic, got {method!r}")
        self.model = model
        self._fx: FxCapture | None = None
        self._dyn: DynamicCapture | None = None
        example = example_input[:1]  # the batch dimension is found by comparing a batch of 1 with one of 2
        capture = self._capture(model, example, method)
        op_graph = capture.op_graph
        notes = assign(op_graph, self._batch2_shapes(capture, example))
        paths = {id(m): p for p, m in model.named_modules()}
        # Kept so the same capture can be shown at the other detail (``graph_at``) without tracing again.
        self._fold_args = (op_graph, paths, tuple(notes))
        self._detail = detail
        folded = fold(op_graph, detail, paths, tuple(notes))
        self.graph: LayerGraph = folded.graph
        self._ends = {**folded.ends, "input": "input"}
        self._clone_ids = folded.clone_ids
        self._displays = folded.displays
        self.output_is_probability = folded.output_is_probability
        # The weight of each node's first op, if it is a conv/linear: one channel of such a node can be computed
        # on its own (feature visualization does, see featurevis/channel_slice.py).
        self._head_weights: dict[str, nn.Parameter] = {
            n.id: w for n in self.graph if n.id in op_graph.by_id and (w := op_graph.by_id[n.id].weight) is not None}
        # conv → BatchNorm pairs inside folded nodes (the conv's output feeds only the norm): feature visualization
        # folds the norm into the conv weights (featurevis/fold_batchnorm.py).
        self._conv_norms: dict[str, nn.Module] = {
            n.id: norm for n in self.graph if n.id in self._head_weights and n.kind == "conv" and n.folded
            and isinstance(norm := op_graph.by_id[n.folded[0]].module, nn.modules.batchnorm._BatchNorm)}
        self._gm = self._fx.runner(self._ends) if self._fx is not None else None

    def _capture(self, model: nn.Module, example: torch.Tensor, method: str) -> FxCapture | DynamicCapture:
        if method in ("auto", "fx"):
            try:
                self._fx = FxCapture(model, example)
                return self._fx
            except Exception as exc:  # torch.fx cannot trace every model; that is what the dynamic path is for
                if method == "fx":
                    raise CaptureError(f"torch.fx cannot trace this model: {first_line(exc)}; use the executed "
                                       "graph (method='dynamic')") from None
                log.info("torch.fx could not trace %s (%s); capturing the executed graph", type(model).__name__,
                         first_line(exc))
        try:
            self._dyn = DynamicCapture(model, example)
            return self._dyn
        except Exception as exc:
            shape = tuple(example.shape)
            raise CaptureError(
                f"{type(model).__name__} failed on an example input of shape {shape}: {first_line(exc)}. "
                "Check the model's expected input size (CLI: --input-size C,H,W) and number of channels."
            ) from exc

    def _batch2_shapes(self, capture: FxCapture | DynamicCapture,
                       example: torch.Tensor) -> dict[str, tuple[int, ...]]:
        try:
            return capture.full_shapes(_batch_of_two(example))
        except Exception as exc:  # noqa: BLE001 - a model that only takes one sample: dims of 1 are then the batch
            log.info("%s fails on a batch of 2 (%s)", type(self.model).__name__, first_line(exc))
            return {}

    def graph_at(self, detail: str) -> LayerGraph:
        """The displayed graph of this capture at ``detail`` (``"layers"`` or ``"ops"``), from the same op graph:
        what a second ``capture_model(model, x, detail)`` would give, without its forward passes."""
        if detail == self._detail:
            return self.graph
        op_graph, paths, notes = self._fold_args
        return fold(op_graph, detail, paths, notes).graph

    def head_weight(self, node_id: str) -> nn.Parameter | None:
        """The conv/linear weight that starts node ``node_id`` (conv→norm→act), or None."""
        return self._head_weights.get(node_id)

    def conv_norm_pairs(self, upto: str | None = None) -> list[tuple[nn.Parameter, nn.Module]]:
        """(conv weight, BatchNorm module) of every conv→BatchNorm node, in order, up to node ``upto``."""
        pairs: list[tuple[nn.Parameter, nn.Module]] = []
        for node in self.graph:
            if node.id in self._conv_norms:
                pairs.append((self._head_weights[node.id], self._conv_norms[node.id]))
            if node.id == upto:
                break
        return pairs

    @property
    def method(self) -> str:
        return self.graph.method

    def run(self, x: torch.Tensor, *, record: set[str] | None = None,
            stop_after: str | None = None, edits: dict[str, NodeEdit] | None = None,
            consume: Callable[[str, torch.Tensor], None] | None = None) -> dict[str, torch.Tensor]:
        """One forward pass of ``x``; returns ``{node_id: output}`` (batch dim kept) for recorded nodes.

        ``record=None`` records every displayed node. ``stop_after`` ends the pass right after that node (its
        output is returned, nothing later runs) — what feature visualization of an early layer needs.
        ``edits`` (``{node_id: NodeEdit}``, e.g. ``replay.ZeroChannels``) change nodes' outputs in place as they
        are produced (channel ablation); they need grad mode off. Autograd follows the caller's grad mode;
        outputs are not detached.

        ``consume(node_id, output)``, if given, receives each recorded output the moment it is produced (before any
        later op runs) and nothing is kept: reducing it there reads it while it is still in the cache and lets the
        pass reuse its memory (dataset-wide reductions, ``precompute``); the returned dict is then empty.
        """
        if stop_after is not None:
            self.graph.node(stop_after)  # NotFoundError for an unknown id
        sink = Sink(record, stop_after if stop_after != OUTPUT_ID else None, self._clone_ids, self._displays, edits,
                    consume)
        out = None
        # stop_after raises StopForward: the rest of the network is not needed
        with recording(sink), FORWARD_LOCK.read(), contextlib.suppress(StopForward):
            out = self._forward(x, sink)
        if out is not None and (record is None or OUTPUT_ID in record):
            if consume is not None:
                consume(OUTPUT_ID, self._probabilities(out))
            else:
                sink.outputs[OUTPUT_ID] = self._probabilities(out)
        return sink.outputs

    def run_from(self, node_id: str, value: torch.Tensor, recorded: dict[str, torch.Tensor], *,
                 record: set[str] | None = None, edits: dict[str, NodeEdit] | None = None,
                 stop_after: str | None = None) -> dict[str, torch.Tensor]:
        """Re-run the graph after node ``node_id`` with its output replaced by ``value``; see ``replay.replay``.

        ``recorded`` is what ``run(x)`` returned for the input in question; ``value`` is in the same form (the
        displayed view with the batch; a batch of B variants runs them all at once). Only the nodes after
        ``node_id`` run (torch.fx capture); returns the outputs of ``node_id`` and every node after it.
        """
        return replay(self, recorded, [node_id], seeds={node_id: value}, edits=edits, record=record,
                      stop_after=stop_after, batch=value.shape[0])

    def rerun(self, recorded: dict[str, torch.Tensor], roots: list[str], *, edits: dict[str, NodeEdit] | None = None,
              record: set[str] | None = None) -> dict[str, torch.Tensor]:
        """Recompute ``roots`` and everything after them with ``edits`` applied, the rest taken from ``recorded``."""
        return replay(self, recorded, roots, edits=edits, record=record)

    def _forward(self, x: torch.Tensor, sink: Sink) -> Any:
        if self._gm is not None:
            return self._gm(x)
        if self._dyn is None:  # cannot happen: without a traced module, the executed-graph capture exists
            raise RuntimeError("CapturedModel has neither a traced module nor an executed-graph capture")
        return self._dyn.run(x, self._ends, sink.put)

    def _probabilities(self, out: object) -> torch.Tensor:
        t = out if isinstance(out, torch.Tensor) else next(v for v in torch.utils._pytree.tree_leaves(out)
                                                            if isinstance(v, torch.Tensor))
        if self.output_is_probability or t.dim() != 2:
            return t
        return torch.softmax(t.float(), dim=1)


def _batch_of_two(example: torch.Tensor) -> torch.Tensor:
    return torch.cat([example, torch.randn_like(example)])


def capture_model(model: nn.Module, example_input: torch.Tensor, detail: str = "layers",
                  method: str = "auto") -> CapturedModel:
    """Capture ``model`` and keep what is needed to record its activations (see ``CapturedModel``)."""
    was_training = model.training
    model.eval()
    try:
        return CapturedModel(model, example_input, detail=detail, method=method)
    finally:
        model.train(was_training)


def capture(model: nn.Module, example_input: torch.Tensor, detail: str = "layers") -> LayerGraph:
    """The displayed graph of any classification CNN (residual adds, dense/inception concats, SE multiplies …).

    Args:
        model: the ``nn.Module``; its code is not modified.
        example_input: one batch of the input shape (``torch.zeros(1, 3, 224, 224)``).
        detail: ``"layers"`` folds conv→norm→act chains (what the 3D view shows); ``"ops"`` shows every op.

    Returns:
        A ``LayerGraph``: nodes in topological order with ids, names, kinds, shapes, params and precursors.

    >>> import torch, torchvision, layerwalk
    >>> g = layerwalk.capture(torchvision.models.resnet50(), torch.zeros(1, 3, 224, 224))
    >>> sum(n.kind == "add" for n in g)
    16
    """
    return capture_model(model, example_input, detail=detail).graph
