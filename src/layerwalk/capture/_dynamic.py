"""Capture of the executed graph, for models torch.fx cannot trace (Python control flow on tensor values …).

Module hooks see every leaf-module call; a ``TorchFunctionMode`` sees every tensor function outside leaf
modules (``+``, ``torch.cat``, ``F.relu``, ``x.flatten()``). Tensors are linked to the op that produced them by
object identity. Ids are derived from names and call order, so a second run on an input of the same shape
reproduces them and recording can match ops by id.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils import _pytree as pytree
from torch.utils.hooks import RemovableHandle

from layerwalk.capture._layout import permutation_of
from layerwalk.capture._ops import IdAllocator, Op, OpGraph, layer_weight, scoped
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

OnOp = Callable[[str, torch.Tensor, Callable[[], Op]], None]


def _tensors(tree: object) -> list[torch.Tensor]:
    return [t for t in pytree.tree_leaves(tree) if isinstance(t, torch.Tensor)]


class _ExecutionWatcher(TorchFunctionMode):
    """Installs the hooks, follows tensors, and calls ``on_op(op_id, output, make_op)`` for each op."""

    def __init__(self, model: nn.Module, on_op: OnOp):
        super().__init__()
        self.model = model
        self.on_op = on_op
        self.alloc = IdAllocator()
        self.producer: dict[int, tuple[weakref.ref[torch.Tensor], str]] = {}
        self.scopes: list[str] = [""]
        self.leaf_depth = 0
        self.handles: list[RemovableHandle] = []
        self._leaf_inputs: list[str] = []
        self._param_owners: dict[int, str] | None = None
        # Hooks live on the (shared) model; another thread's forward pass must not reach this watcher.
        self.thread = threading.get_ident()

    # --- tensor → op bookkeeping -------------------------------------------------------------------------------
    def source(self, t: torch.Tensor) -> str | None:
        entry = self.producer.get(id(t))
        if entry is not None and entry[0]() is t:  # the id may belong to a dead tensor's successor
            return entry[1]
        return None

    def sources(self, tree: object) -> list[str]:
        out: list[str] = []
        for t in _tensors(tree):
            s = self.source(t)
            if s is not None and s not in out:
                out.append(s)
        return out

    def produced(self, op_id: str, output: object) -> None:
        for t in _tensors(output):
            self.producer[id(t)] = (weakref.ref(t), op_id)

    def param_owner(self, p: nn.Parameter) -> str | None:
        """Path of the module holding parameter ``p`` (looked up once, on first use)."""
        if self._param_owners is None:
            self._param_owners = {id(q): name.rpartition(".")[0] for name, q in self.model.named_parameters()}
        return self._param_owners.get(id(p))

    # --- hooks ---------------------------------------------------------------------------------------------------
    def __enter__(self) -> _ExecutionWatcher:
        for path, module in self.model.named_modules():
            if not path:
                continue
            self.handles.append(module.register_forward_pre_hook(self._pre_hook(path, module), with_kwargs=True))
            self.handles.append(module.register_forward_hook(self._post_hook(path, module), with_kwargs=True,
                                                             always_call=True))
        super().__enter__()  # type: ignore[no-untyped-call]  # torch leaves TorchFunctionMode's dunders unannotated
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for h in self.handles:
            h.remove()
        self.handles.clear()
        super().__exit__(exc_type, exc, tb)  # type: ignore[no-untyped-call]  # unannotated in torch, as above

    def _pre_hook(self, path: str, module: nn.Module) -> Callable[[nn.Module, tuple[Any, ...], dict[str, Any]], None]:
        leaf = is_leaf(module)

        def hook(mod: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            if threading.get_ident() != self.thread:
                return
            if self.leaf_depth:
                self.leaf_depth += 1
            elif leaf:
                self.leaf_depth = 1
                self._leaf_inputs = self.sources((args, kwargs))
            else:
                self.scopes.append(path)
        return hook

    def _post_hook(self, path: str,
                   module: nn.Module) -> Callable[[nn.Module, tuple[Any, ...], dict[str, Any], Any], None]:
        leaf = is_leaf(module)

        def hook(mod: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            if threading.get_ident() != self.thread:
                return
            if self.leaf_depth > 1:
                self.leaf_depth -= 1
                return
            if not leaf:
                self.scopes.pop()
                return
            self.leaf_depth = 0
            srcs, tensors = self._leaf_inputs, _tensors(output)
            if not srcs or not tensors:
                return
            op_id = self.alloc(path)
            kind = module_kind(module)

            def make() -> Op:
                return Op(op_id, path, kind, tuple(tensors[0].shape[1:]), srcs, module_label(module, kind),
                          module=module, module_path=path, params=count_params(module),
                          weight=layer_weight(kind, getattr(module, "weight", None)), full=tuple(tensors[0].shape))
            self.on_op(op_id, tensors[0], make)
            self.produced(op_id, output)
        return hook

    # --- functions -----------------------------------------------------------------------------------------------
    def __torch_function__(self, func: Callable[..., Any], types: object, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.leaf_depth:
            return out
        tensors = _tensors(out)
        if not tensors or tensors[0].dim() == 0:  # a scalar (e.g. for control flow) is not an image activation
            return out
        srcs = self.sources((args, kwargs))
        if not srcs:
            return out
        fname = function_name(func)
        kind = function_kind(fname)
        name = scoped(self.scopes[-1], fname.strip("_"))
        op_id = self.alloc(name)

        def make() -> Op:
            # Parameters used functionally (ConvNeXt's layer scale) belong to the op that uses them.
            used = [t for t in _tensors((args, kwargs)) if isinstance(t, nn.Parameter)]
            source = next(t for t in _tensors((args, kwargs)) if self.source(t) is not None)
            return Op(op_id, name, kind, tuple(tensors[0].shape[1:]), srcs, function_label(fname, kind),
                      params=sum(t.numel() for t in used),
                      module_path=self.param_owner(used[0]) if used else None,  # for its weight histogram
                      weight=layer_weight(kind, args[1] if len(args) > 1 else None), full=tuple(tensors[0].shape),
                      perm=permutation_of(source, tensors[0]) if kind == "reshape" else None)
        self.on_op(op_id, tensors[0], make)
        self.produced(op_id, out)
        return out


def _model_output_tensor(output: object) -> torch.Tensor:
    tensors = _tensors(output)
    if not tensors:
        raise ValueError("the model returned no tensor")
    return tensors[0]


class DynamicCapture:
    """The executed-graph path: ``op_graph`` describes it, ``run(...)`` records node outputs by op id."""

    def __init__(self, model: nn.Module, example: torch.Tensor):
        self.model = model
        ops: list[Op] = [Op("input", "input", "input", tuple(example.shape[1:]), [], full=tuple(example.shape))]
        versions: list[tuple[Op, torch.Tensor, int]] = []

        def on_op(op_id: str, tensor: torch.Tensor, make: Callable[[], Op]) -> None:
            op = make()
            ops.append(op)
            versions.append((op, tensor, tensor._version))

        watcher = _ExecutionWatcher(model, on_op)
        with torch.no_grad(), FORWARD_LOCK.read(), watcher:
            x = example.clone()
            watcher.produced("input", x)
            out = _model_output_tensor(model(x))
            output_id = watcher.source(out)
        if output_id is None:
            raise ValueError("the model output is not computed from its input")
        for op, tensor, version in versions:
            op.mutated_later = tensor._version != version
        by_id = {o.id: o for o in ops}
        by_id[output_id].is_model_output = True
        self.op_graph = OpGraph(ops, "dynamic", output_id)

    def full_shapes(self, x: torch.Tensor) -> dict[str, tuple[int, ...]]:
        """Every op's output shape (batch included) for input ``x``."""
        shapes: dict[str, tuple[int, ...]] = {"input": tuple(x.shape)}

        def on_op(op_id: str, tensor: torch.Tensor, make: Callable[[], Op]) -> None:
            shapes[op_id] = tuple(tensor.shape)

        watcher = _ExecutionWatcher(self.model, on_op)
        with torch.no_grad(), FORWARD_LOCK.read(), watcher:
            watcher.produced("input", x)
            self.model(x)
        return shapes

    def run(self, x: torch.Tensor, ends: dict[str, str], put: Callable[[str, torch.Tensor], None]) -> Any:
        """Forward ``x`` through the model, calling ``put(node_id, tensor)`` for every op in ``ends``."""

        def on_op(op_id: str, tensor: torch.Tensor, make: Callable[[], Op]) -> None:
            node_id = ends.get(op_id)
            if node_id is not None:
                put(node_id, tensor)

        watcher = _ExecutionWatcher(self.model, on_op)
        with watcher:
            watcher.produced("input", x)
            if "input" in ends:
                put(ends["input"], x)
            return self.model(x)
