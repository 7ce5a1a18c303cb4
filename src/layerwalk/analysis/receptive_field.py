"""Effective receptive field of every unit of every node, computed from the captured graph.

For each node and each spatial axis we keep two things:

* the *theoretical* field (what the ConvViz thesis calls the effective filter size, its appendix C): unit ``i``
  sees input pixels ``offset + i*stride … offset + i*stride + size - 1``, padding included (``offset < 0`` means
  the first unit hangs over the padded border);
* the *exact* field of every unit, clipped to the pixels that really exist (``lo[i] … hi[i]``): what a gradient
  of that unit with respect to the input is non-zero on (see ``empirical.py``, which measures it).

Several paths into a node (residual adds, inception/dense concats) are merged by taking the union — the maximum
over paths — and the node is flagged ``misaligned`` when the paths' fields are not centred on the same pixel.
Written here rather than taken from a library: the receptive-field packages on PyPI walk ``nn.Sequential``
models or need a TensorFlow graph; none follows a multi-path graph captured from arbitrary PyTorch code.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from layerwalk.analysis._geometry import Adaptive, UnknownGeometry, WholeAxis, Window, op_geometry, spatial
from layerwalk.capture import CapturedModel, LayerGraph, capture_model
from layerwalk.errors import LayerwalkError

_EMPTY = np.iinfo(np.int64).max
_BY_NETWORK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class AxisField:
    """The field along one axis (H or W) of one node. ``lo[i] > hi[i]`` marks a unit that sees no pixel.

    Args:
        size: theoretical extent in input pixels (padding included); None when the units differ (irregular).
        stride: input pixels between neighbouring units (0: every unit sees the same pixels); None if irregular.
        offset: input coordinate where unit 0's field starts (negative: it starts in the padding).
        lo, hi: first and last existing input pixel each unit sees.
    """

    size: int | None
    stride: int | None
    offset: int | None
    lo: np.ndarray
    hi: np.ndarray

    @property
    def center0(self) -> float | None:
        return None if self.size is None else self.offset + (self.size - 1) / 2

    def to_dict(self) -> dict:
        return {"size": self.size, "stride": self.stride, "offset": self.offset,
                "lo": self.lo.tolist(), "hi": self.hi.tolist()}


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of every unit of one node.

    ``y``/``x`` are None for nodes without a (C, H, W) map (linear, output): their units see ``box``.
    ``path_sizes`` lists the (H, W) theoretical sizes of the paths merged into this node.
    """

    node: str
    kind: str
    shape: tuple[int, ...]
    y: AxisField | None
    x: AxisField | None
    box: tuple[int, int, int, int] | None   # (y0, x0, y1, x1) union of all units' exact fields
    misaligned: bool = False
    path_sizes: tuple[tuple[int | None, int | None], ...] = ()
    known: bool = True
    note: str = ""

    def unit_box(self, i: int, j: int) -> tuple[int, int, int, int]:
        """(y0, x0, y1, x1), inclusive, of the input pixels unit (row i, column j) sees."""
        if self.y is None:
            return self.box
        return int(self.y.lo[i]), int(self.x.lo[j]), int(self.y.hi[i]), int(self.x.hi[j])

    def row(self) -> dict:
        """One flat table row (CSV/JSON)."""
        y, x = self.y, self.x
        return {"node": self.node, "kind": self.kind, "shape": "×".join(map(str, self.shape)),
                "size_h": y.size if y else None, "size_w": x.size if x else None,
                "stride_h": y.stride if y else None, "stride_w": x.stride if x else None,
                "offset_h": y.offset if y else None, "offset_w": x.offset if x else None,
                "misaligned": self.misaligned, "known": self.known, "note": self.note}

    def to_dict(self) -> dict:
        return {**self.row(), "shape": list(self.shape), "y": y.to_dict() if (y := self.y) else None,
                "x": x.to_dict() if (x := self.x) else None, "box": list(self.box) if self.box else None,
                "path_sizes": [list(p) for p in self.path_sizes]}


@dataclass(frozen=True)
class ReceptiveFields:
    """Receptive fields of every displayed node (``fields``, in graph order) of a network."""

    input_size: tuple[int, int, int]
    fields: dict[str, ReceptiveField]

    def __getitem__(self, node_id: str) -> ReceptiveField:
        return self.fields[node_id]

    def rows(self) -> list[dict]:
        return [f.row() for f in self.fields.values()]

    def to_dict(self) -> dict:
        return {"input_size": list(self.input_size), "nodes": [f.to_dict() for f in self.fields.values()]}


def receptive_fields(network, input_size: tuple[int, int, int] | None = None) -> ReceptiveFields:
    """Receptive fields of every displayed node of ``network`` (a ``Network`` or an ``nn.Module``).

    Args:
        network: an engine ``Network`` (its model and input size are used) or an ``nn.Module``.
        input_size: (C, H, W); required for a bare module, optional for a ``Network``.

    Returns:
        ``ReceptiveFields``: per node id, size/stride/offset per axis and each unit's exact field.

    >>> import torchvision
    >>> rf = receptive_fields(torchvision.models.vgg16(), (3, 224, 224))
    >>> rf["features.28"].y.size, rf["features.30"].y.size
    (196, 212)
    """
    if not isinstance(network, nn.Module) and input_size is None:  # a Network's structure does not change
        cached = _BY_NETWORK.get(network)
        if cached is None:
            cached = _BY_NETWORK[network] = receptive_fields(network, tuple(network.input_size))
        return cached
    model, size, captured, displayed = _captured(network, input_size)
    # The op graph and the displayed graph are two foldings of ONE capture (its forward passes dominate the cost).
    by_op = _propagate(captured.graph_at("ops"), model, size)
    return ReceptiveFields(size, {n.id: replace(by_op[_end_op(n)], node=n.id, kind=n.kind, shape=n.shape)
                                  for n in displayed})


def _captured(network, input_size) -> tuple[nn.Module, tuple[int, int, int], CapturedModel, LayerGraph]:
    """The model, input size, capture and displayed graph (a bare module: its layers; a Network: its own)."""
    if isinstance(network, nn.Module):
        if input_size is None:
            raise LayerwalkError("receptive_fields(module) needs input_size=(C, H, W)")
        size = tuple(int(v) for v in input_size)
        device = next(network.parameters(), torch.zeros(())).device
        captured = capture_model(network, torch.zeros(1, *size, device=device), detail="ops")
        return network, size, captured, captured.graph_at("layers")
    size = tuple(input_size or network.input_size)
    if input_size is not None and size != tuple(network.input_size):
        from layerwalk.engine import Network

        network = Network(network.model, input_size=size, device=network.device)
    return network.model, size, network.captured, network.graph


def _end_op(node) -> str:
    """The op whose output a displayed node shows: the last op folded into it."""
    return node.folded[-1] if node.folded else node.id


# --- propagation over the op graph ---------------------------------------------------------------------------------
def _propagate(ops: LayerGraph, model: nn.Module, input_size) -> dict[str, ReceptiveField]:
    h, w = input_size[1:]
    fields = {"input": ReceptiveField("input", "input", ops.nodes[0].shape, _identity_axis(h), _identity_axis(w),
                                      (0, 0, h - 1, w - 1))}
    for node in ops.nodes[1:]:
        sources = [fields[p] for p in node.precursors]
        fields[node.id] = _field_of(node, sources, ops, model)
    return fields


def _identity_axis(n: int) -> AxisField:
    idx = np.arange(n)
    return AxisField(1, 1, 0, idx, idx.copy())


def _field_of(node, sources: list[ReceptiveField], ops: LayerGraph, model) -> ReceptiveField:
    base = ReceptiveField(node.id, node.kind, node.shape, None, None, None)
    if not sources:
        return replace(base, known=False, note="does not depend on the input")
    unknown = next((s for s in sources if not s.known), None)
    if unknown is not None:
        return replace(base, box=_union_box(sources), known=False, note=unknown.note)
    if spatial(node.shape) is None or any(s.y is None for s in sources):
        return replace(base, box=_union_box(sources))
    per_path = []
    try:
        for src in sources:
            in_shape = ops.node(src.node).shape
            gy, gx = op_geometry(node, model, in_shape)
            per_path.append((_through(src.y, gy, node.shape[1]), _through(src.x, gx, node.shape[2])))
    except UnknownGeometry as exc:
        return replace(base, box=_union_box(sources), known=False, note=str(exc))
    return _merge(base, per_path)


def _through(src: AxisField, op, n_out: int) -> AxisField:
    """The field after one op along one axis: exact per-unit bounds and the theoretical window."""
    n_in = len(src.lo)
    start, end, step = op.bounds(n_out, n_in)
    first = np.where(start < 0, start + (-start + step - 1) // step * step, start)
    last = np.where(end > n_in - 1, end - (end - n_in + 1 + step - 1) // step * step, end)
    lo = np.full(n_out, _EMPTY, dtype=np.int64)
    hi = np.full(n_out, -1, dtype=np.int64)
    for i in np.nonzero(first <= last)[0]:
        lo[i] = src.lo[first[i]:last[i] + 1].min()
        hi[i] = src.hi[first[i]:last[i] + 1].max()
    size, stride, offset = _theoretical(src, op, n_in, n_out)
    return AxisField(size, stride, offset, lo, hi)


def _theoretical(src: AxisField, op, n_in: int, n_out: int) -> tuple[int | None, int | None, int | None]:
    if isinstance(op, Adaptive):
        op = Adaptive.regular(n_out, n_in)
    elif isinstance(op, WholeAxis):
        op = Window(kernel=n_in, stride=0)
    if op is None or src.size is None:
        return None, None, None
    size = src.size + op.dilation * (op.kernel - 1) * src.stride
    return size, src.stride * op.stride, src.offset - op.pad * src.stride


def _merge(base: ReceptiveField, per_path: list[tuple[AxisField, AxisField]]) -> ReceptiveField:
    """Union over paths (the maximum field); misaligned when the paths' centres differ."""
    y = _merge_axis([p[0] for p in per_path])
    x = _merge_axis([p[1] for p in per_path])
    centres = {(p[0].center0, p[1].center0) for p in per_path}
    sizes = tuple(dict.fromkeys((p[0].size, p[1].size) for p in per_path))
    box = (int(y.lo.min()), int(x.lo.min()), int(y.hi.max()), int(x.hi.max()))
    return replace(base, y=y, x=x, box=box, misaligned=len(centres) > 1, path_sizes=sizes)


def _merge_axis(paths: list[AxisField]) -> AxisField:
    if len(paths) == 1:
        return paths[0]
    lo = np.minimum.reduce([p.lo for p in paths])
    hi = np.maximum.reduce([p.hi for p in paths])
    size, stride, offset = _union_theoretical(paths)
    return AxisField(size, stride, offset, lo, hi)


def _union_theoretical(paths: list[AxisField]):
    if any(p.size is None for p in paths):
        return None, None, None
    strides = {p.stride for p in paths}
    if len(strides) == 1:
        start = min(p.offset for p in paths)
        end = max(p.offset + p.size for p in paths)
        return end - start, strides.pop(), start
    # A broadcast path (stride 0, e.g. squeeze-excitation) that covers the others' fields for every unit wins.
    wide = [p for p in paths if p.stride == 0]
    n = len(paths[0].lo)
    for p in wide:
        if all(p.offset <= q.offset and q.offset + (n - 1) * q.stride + q.size <= p.offset + p.size for q in paths):
            return p.size, 0, p.offset
    return None, None, None


def _union_box(sources: list[ReceptiveField]) -> tuple[int, int, int, int] | None:
    boxes = [s.box for s in sources if s.box is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
