"""Capture with torch.fx: a static graph from symbolic tracing, shapes from one real forward pass.

Recording later runs a copy of the traced graph with a ``record(value, node_id)`` call inserted after every
displayed node, so one ordinary forward pass yields every activation (no per-op Python hooks).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx as fx
from torch import nn
from torch.utils import _pytree as pytree

from layerwalk.capture._layout import permutation_of
from layerwalk.capture._ops import IdAllocator, Op, OpGraph, layer_weight, scoped
from layerwalk.capture._recording import record
from layerwalk.capture._tracing_lock import FORWARD_LOCK
from layerwalk.capture.kinds import (
    count_params,
    function_kind,
    function_label,
    function_name,
    is_leaf,
    module_kind,
    module_label,
)


class _Tracer(fx.Tracer):
    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return is_leaf(m)  # the dynamic path's rule: both methods must agree on which layers exist


def _trace(model: nn.Module) -> fx.GraphModule:
    with FORWARD_LOCK.write():  # see _tracing_lock.py
        graph = _Tracer().trace(model)
        return fx.GraphModule(model, graph)


class _ValueRecorder(fx.Interpreter):
    """Runs the traced graph once and keeps every node's value and the tensor version at production."""

    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm)
        self.values: dict[str, Any] = {}  # whatever an fx node produced: tensors, tuples, sizes, modules' outputs
        self.versions: dict[str, int] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        self.values[n.name] = result
        if isinstance(result, torch.Tensor):
            self.versions[n.name] = result._version
        return result


def _scope(node: fx.Node, *, module_call: bool) -> str:
    stack = node.meta.get("nn_module_stack") or {}
    paths = [v[0] for v in stack.values()]
    if module_call:
        paths = paths[:-1]
    return paths[-1] if paths else ""


def _first_tensor_node(arg: object) -> fx.Node | None:
    for leaf in pytree.tree_leaves(arg):
        if isinstance(leaf, fx.Node):
            return leaf
    return None


class TraceMismatch(Exception):
    """The traced module does not compute what the model computes (or cannot run at all)."""


class FxCapture:
    """The fx path: ``ops`` describes the graph, ``runner(ends)`` builds the recording module.

    The model is traced ONCE: some models cache values computed during a trace on themselves (timm LeViT and
    EfficientFormer keep attention biases in a per-device dict), so a second trace would pick up Proxies of the
    first. The traced module is checked against the real model on one random input before it is trusted.
    """

    def __init__(self, model: nn.Module, example: torch.Tensor):
        self.model = model
        self._gm = _trace(model)
        _check_same_output(self._gm, model, example)
        rec = _ValueRecorder(self._gm)
        with torch.no_grad(), FORWARD_LOCK.read():
            rec.run(example)
        self.op_graph, self._fx_name = self._build_ops(self._gm, rec)

    def _build_ops(self, gm: fx.GraphModule, rec: _ValueRecorder) -> tuple[OpGraph, dict[str, str]]:
        modules = dict(self.model.named_modules())
        alloc = IdAllocator()
        data_inputs: dict[str, list[str]] = {}   # fx node name → op ids it carries (non-tensor nodes pass through)
        ops: list[Op] = []
        fx_name: dict[str, str] = {}             # op id → fx node name
        output_id: str | None = None
        for n in gm.graph.nodes:
            srcs: list[str] = []
            for a in n.all_input_nodes:
                for s in data_inputs.get(a.name, []):
                    if s not in srcs:
                        srcs.append(s)
            raw = rec.values.get(n.name)
            if n.op == "placeholder":
                if ops:  # extra inputs of a multi-input model are not part of the image graph
                    continue
                value = _tensor_in(raw)
                op = Op("input", "input", "input", tuple(value.shape[1:]), [])
            elif n.op == "output":
                target = _first_tensor_node(n.args[0])
                carried = data_inputs.get(target.name) if target is not None else None
                output_id = carried[-1] if carried else None
                continue
            elif not srcs:
                continue  # constants, parameters (get_attr) and anything not computed from the input
            elif _passes_through(n, raw, rec.values):
                data_inputs[n.name] = srcs  # sizes, scalars, picking from a tuple …: pass the data dependency on
                continue
            elif n.op == "call_module":
                module = modules[str(n.target)]
                kind = module_kind(module)
                value = _tensor_in(raw)  # a leaf returning a tuple (nn.MultiheadAttention): its first output
                op = Op(alloc(n.target), n.target, kind, tuple(value.shape[1:]), srcs, module_label(module, kind),
                        module=module, module_path=n.target, params=count_params(module),
                        weight=layer_weight(kind, getattr(module, "weight", None)))
            else:
                value = _tensor_in(raw)  # torch.split, unbind …: the first piece stands for the op
                fname = function_name(n.target)
                kind = function_kind(fname)
                name = scoped(_scope(n, module_call=False), fname.strip("_"))
                # Parameters used functionally (ConvNeXt's layer scale) belong to the op that uses them.
                used = [a for a in n.all_input_nodes
                        if a.op == "get_attr" and isinstance(rec.values[a.name], nn.Parameter)]
                op = Op(alloc(name), name, kind, tuple(value.shape[1:]), srcs, function_label(fname, kind),
                        params=sum(rec.values[a.name].numel() for a in used),
                        module_path=str(used[0].target).rpartition(".")[0] if used else None,  # its histogram
                        weight=layer_weight(kind, _arg_value(n, 1, rec.values)))
            op.mutated_later = value._version != rec.versions.get(n.name, value._version)
            op.full = tuple(value.shape)
            if op.kind == "reshape":  # the tensor reshaped, not a size it was given (``token.expand(x.shape[0], …)``)
                source = next((rec.values[a.name] for a in n.all_input_nodes
                               if a.name in data_inputs and isinstance(rec.values[a.name], torch.Tensor)), None)
                op.perm = permutation_of(source, value)
            ops.append(op)
            fx_name[op.id] = n.name
            data_inputs[n.name] = [op.id]
        if output_id is None:
            raise ValueError("the model output is not computed from its input")
        ops_by_id = {o.id: o for o in ops}
        ops_by_id[output_id].is_model_output = True
        return OpGraph(ops, "fx", output_id), fx_name

    def full_shapes(self, x: torch.Tensor) -> dict[str, tuple[int, ...]]:
        """Every op's output shape (batch included) for input ``x``."""
        rec = _ValueRecorder(self._gm)
        with torch.no_grad(), FORWARD_LOCK.read():
            rec.run(x)
        return {op_id: tuple(_tensor_in(rec.values[name]).shape) for op_id, name in self._fx_name.items()}

    def runner(self, ends: dict[str, str]) -> fx.GraphModule:
        """A module equivalent to the model that records op ``o``'s value as node ``ends[o]`` (call once)."""
        gm = self._gm
        by_name = {n.name: n for n in gm.graph.nodes}
        for op_id, node_id in ends.items():
            n = by_name[self._fx_name[op_id]]
            with gm.graph.inserting_after(n):
                gm.graph.call_function(record, (n, node_id))
        gm.recompile()
        return gm


def _check_same_output(gm: fx.GraphModule, model: nn.Module, example: torch.Tensor) -> None:
    """Raise ``TraceMismatch`` unless ``gm`` and ``model`` give the same output on a random input."""
    shape = (2, *example.shape[1:])  # a batch of 2 also catches batch sizes fixed at trace time
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0)).to(example)
    with torch.no_grad(), FORWARD_LOCK.read():
        expected = _first_tensor(model(x))
        try:
            got = _first_tensor(gm(x))
        except Exception as exc:  # noqa: BLE001 - fx's message holds generated code; the type and first line suffice
            raise TraceMismatch(f"the traced module fails ({type(exc).__name__}: {first_line(exc)})") from None
    if got is None or expected is None:
        raise TraceMismatch("the model or its traced module returned no tensor")
    if got.shape != expected.shape or not torch.allclose(got, expected, rtol=1e-4, atol=1e-5):
        raise TraceMismatch("the traced module computes something else than the model (it depends on state or "
                            "Python values fixed at trace time)")


def _first_tensor(output: object) -> torch.Tensor | None:
    return next((t for t in pytree.tree_leaves(output) if isinstance(t, torch.Tensor)), None)


def _tensor_in(value: object) -> torch.Tensor:
    """The first tensor of a node's value; ops of the image graph always have one (see ``_passes_through``)."""
    first = _first_tensor(value)
    if first is None:
        raise TypeError(f"expected a tensor-valued node, got {type(value).__name__}")
    return first


def _passes_through(n: fx.Node, value: object, values: dict[str, Any]) -> bool:
    """Nodes that are no op of the image graph, as in the executed graph: values without a tensor of at least one
    dimension, and indexing into a tuple/list (plain Python, which the dynamic path never sees)."""
    first = _first_tensor(value)
    if first is None or first.dim() == 0:
        return True
    source = n.args[0] if n.args else None
    return (n.op == "call_function" and function_name(n.target) == "getitem" and isinstance(source, fx.Node)
            and isinstance(values.get(source.name), (tuple, list)))


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message: torch.fx appends pages of generated code to its errors."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _arg_value(n: fx.Node, index: int, values: dict[str, Any]) -> object:
    """The recorded value of positional argument ``index`` of fx node ``n`` (None if absent or not a node)."""
    args = n.args
    arg = args[index] if len(args) > index else None
    if isinstance(arg, fx.Node):
        return values.get(arg.name)
    return None
