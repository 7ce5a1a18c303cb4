"""What a recorded tensor means: where its batch dimension is and what its other dimensions are.

A panel shows (C, H, W) maps, (C, N) token rows or (F,) values of ONE sample. Two things break the naive
"drop dim 0" reading:

* the batch is not always dim 0: window attention folds windows into it (Swin: dim 0 is batch × windows),
  attention reshapes put q/k/v first. The batch dimension is found by running the model with a batch of 1 and a
  batch of 2 and seeing which dimension follows (a dimension of 1 that becomes 2). Ops whose batch is folded into
  another dimension, or that have none, are left out of the displayed graph with a note: never half a tensor.
* channels are not always dim 1: ConvNeXt-style blocks permute to (N, H, W, C) for LayerNorm and Linear layers,
  transformers work on (N, tokens, C). Each dimension gets a label, followed from the input through the graph:
  ``C`` channels, ``H``/``W`` space, ``T:h:w`` tokens of an h×w grid, ``?`` anything else. Permutations move
  labels (read from the strides of the view they return), reshapes regroup them, convs and pools restore
  (B, C, H, W), linear layers make the last dimension ``C``. A tensor is shown when its labels say what it is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from layerwalk.capture._ops import Op, OpGraph


_SPATIAL_KINDS = frozenset({"conv", "pool", "resize"})  # ops that produce (N, C, H, W)
_STANDARD = {4: ("B", "C", "H", "W"), 3: ("B", "C", "W"), 2: ("B", "C")}


@dataclass(frozen=True)
class Display:
    """How a recorded tensor becomes the (batch, C, …) tensor a panel shows."""

    batch_dim: int = 0
    perm: tuple[int, ...] | None = None  # order of the per-sample dimensions on the panel
    grid: tuple[int, int] | None = None  # (C, h·w) tokens shown as (C, h, w)

    def apply(self, t: torch.Tensor) -> torch.Tensor:
        if self.batch_dim:
            t = t.movedim(self.batch_dim, 0)
        if self.perm is not None:
            t = t.permute(0, *(p + 1 for p in self.perm))
        if self.grid is not None:
            t = t.reshape(*t.shape[:2], *self.grid)
        return t

    @property
    def is_identity(self) -> bool:
        return self == Display()


def permutation_of(src: torch.Tensor | None, out: torch.Tensor) -> tuple[int, ...] | None:
    """``q`` with ``out == src.permute(q)`` if ``out`` is a permuted view of ``src`` (strides tell), else None.

    Reading the strides works for every way of permuting (``permute``, ``transpose``, ``movedim``, a Permute
    module, einops) without knowing the function's arguments.
    """
    if src is None or out.dim() != src.dim() or out.dim() < 2 or out.numel() != src.numel():
        return None
    if out.untyped_storage().data_ptr() != src.untyped_storage().data_ptr():
        return None
    free = list(range(src.dim()))
    q = []
    for size, stride in zip(out.shape, out.stride()):
        j = next((j for j in free if src.shape[j] == size and (src.stride(j) == stride or size == 1)), None)
        if j is None:
            return None
        free.remove(j)
        q.append(j)
    return tuple(q) if q != sorted(q) else None


def assign(g: OpGraph, batch2_shapes: dict[str, tuple[int, ...]]) -> list[str]:
    """Set ``op.display``, ``op.shape`` and ``op.omitted`` of every op; returns notes on what is left out.

    ``op.full`` is the op's output shape for a batch of 1, ``batch2_shapes`` the same for a batch of 2.
    """
    labels: dict[str, tuple[str, ...]] = {}
    omitted: dict[str, list[Op]] = {}  # reason → ops left out for it
    for op in g.ops:
        labels[op.id] = _labels(op, g, labels)
        batch = _batch_dim(op.full, batch2_shapes.get(op.id))
        reason = _display(op, batch, labels[op.id])
        if reason is not None and not op.is_model_output and op.kind != "input":
            op.omitted = reason
            omitted.setdefault(reason, []).append(op)
    return _notes(omitted)


def _labels(op: Op, g: OpGraph, known: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    rank = len(op.full)
    if op.kind == "input" or not op.inputs:
        return _STANDARD.get(rank, ("B",) + ("?",) * (rank - 1))
    src = g.by_id[op.inputs[0]]
    lab, before = known[src.id], src.full
    if op.perm is not None:
        return tuple(lab[j] for j in op.perm)
    if op.kind in _SPATIAL_KINDS and rank in _STANDARD:
        return _STANDARD[rank]
    regroups = op.kind == "reshape" and op.full != before and math.prod(op.full) == math.prod(before)
    if rank == len(before) and not regroups:
        kept = tuple(x if a == b or not x.startswith("T") else "?" for x, a, b in zip(lab, before, op.full))
        return (*kept[:-1], "C") if _is_linear(op) else kept
    if math.prod(op.full) == math.prod(before):
        return _regroup(lab, before, op.full)
    return _subsequence(lab, before, op.full)


def _is_linear(op: Op) -> bool:
    """nn.Linear or F.linear: features along the last dimension (not matmul, whose dims mean anything)."""
    return op.kind == "linear" and op.label.startswith("linear")


def _regroup(lab: tuple[str, ...], before: tuple[int, ...], after: tuple[int, ...]) -> tuple[str, ...]:
    """Labels after a reshape: whole dims keep theirs, (H, W) merge into tokens, tokens split back into (H, W)."""
    pieces = [_Piece(x, n, n) for x, n in zip(lab, before) if n != 1]
    out: list[str] = []
    i = 0
    for n in after:
        if n == 1:
            out.append("1")
            continue
        taken: list[tuple[str, int, bool]] = []  # (label, size, whole dim)
        while n > 1 and i < len(pieces):
            x, left, size = pieces[i].label, pieces[i].left, pieces[i].size
            whole = left == size
            if left <= n and n % left == 0:
                taken.append((x, left, whole))
                n //= left
                i += 1
            elif left % n == 0:
                taken.append((x, n, False))
                pieces[i].left = left // n
                n = 1
            else:
                return tuple(out) + ("?",) * (len(after) - len(out))
        out.append(_merged_label(taken, pieces, i))
    return tuple(out)


@dataclass
class _Piece:
    """A dimension before a reshape, consumed piece by piece by the dimensions after it."""

    label: str
    left: int  # size not yet taken by a dimension after the reshape
    size: int  # size of the whole dimension


def _merged_label(taken: list[tuple[str, int, bool]], pieces: list[_Piece], i: int) -> str:
    if len(taken) == 1:
        x, size, whole = taken[0]
        if whole:
            return x
        if x.startswith("T:"):  # tokens split back into rows and columns
            _, h, w = x.split(":")
            if size == int(h) and i < len(pieces) and pieces[i].left == int(w):
                return "H"
            if size == int(w):
                return "W"
        return "?"
    if [(x, whole) for x, _, whole in taken] == [("H", True), ("W", True)]:
        return f"T:{taken[0][1]}:{taken[1][1]}"
    return "?"


def _subsequence(lab: tuple[str, ...], before: tuple[int, ...], after: tuple[int, ...]) -> tuple[str, ...]:
    """Labels after a reduction or an index (``mean((2, 3))``, ``x[:, 0]``): dims of equal size, in order."""
    out: list[str] = []
    j = 0
    for n in after:
        while j < len(before) and before[j] != n:
            j += 1
        out.append(lab[j] if j < len(before) else "?")
        j += 1
    return tuple(out)


def _batch_dim(shape1: tuple[int, ...], shape2: tuple[int, ...] | None) -> int | None:
    """The dimension that is 1 for a batch of 1 and 2 for a batch of 2 (all others equal), else None."""
    if shape2 is None:  # the model failed on a batch of 2: only a leading 1 can be the batch
        return 0 if shape1[:1] == (1,) else None
    if len(shape1) != len(shape2):
        return None
    changed = [d for d, (a, b) in enumerate(zip(shape1, shape2)) if a != b]
    if len(changed) == 1 and shape1[changed[0]] == 1 and shape2[changed[0]] == 2:
        return changed[0]
    return None


_FOLDED = "their batch is folded into another dimension (windows of window attention …)"
_UNCLEAR = "their dimensions are not (channels, height, width), tokens or features (attention maps, head splits …)"


def _display(op: Op, batch: int | None, labels: tuple[str, ...]) -> str | None:
    """Set how ``op`` is shown; returns why it cannot be shown, or None."""
    if batch is None:
        return _FOLDED
    shape = op.full[:batch] + op.full[batch + 1:]
    lab = labels[:batch] + labels[batch + 1:]
    display = _panel(lab, shape)
    if display is None:
        return _UNCLEAR
    perm, grid = display
    op.display = Display(batch, perm if perm != tuple(range(len(shape))) else None, grid)
    shown = tuple(shape[p] for p in perm)
    op.shape = shown[:1] + grid if grid else shown
    return None


def _panel(lab: tuple[str, ...], shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, int] | None] | None:
    """(order of the dims, token grid) that shows a sample of these labels as a panel, or None."""
    rank = len(lab)
    if rank <= 1:
        return tuple(range(rank)), None                       # features (F,), or one value
    if rank == 3 and lab[1:] == ("H", "W") or sorted(lab) == ["C", "H", "W"]:
        return (lab.index("C"), lab.index("H"), lab.index("W")) if "C" in lab else (0, 1, 2), None
    if rank == 2 and "C" in lab:
        c = lab.index("C")
        other = lab[1 - c]
        grid = _token_grid(other)
        return (c, 1 - c), grid                                # tokens as rows, or as their patch grid
    return None


def _token_grid(label: str) -> tuple[int, int] | None:
    """(h, w) of a ``T:h:w`` token label, else None."""
    if not label.startswith("T:"):
        return None
    _, h, w = label.split(":")
    return int(h), int(w)


def _notes(omitted: dict[str, list[Op]]) -> list[str]:
    notes = []
    for reason, ops in omitted.items():
        names = ", ".join(o.id for o in ops[:3]) + (f" and {len(ops) - 3} more" if len(ops) > 3 else "")
        params = sum(o.params for o in ops)
        notes.append(f"{len(ops)} ops are not shown because {reason}: {names}"
                     + (f" ({params:,} parameters)" if params else ""))
    return notes
