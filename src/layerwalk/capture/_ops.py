"""The raw executed-op graph that both capture methods (torch.fx and dynamic) produce.

``detail="ops"`` shows it as it is; ``detail="layers"`` folds it (see ``fold.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from torch import nn

from layerwalk.capture._layout import Display

_URL_UNSAFE = re.compile(r"[^A-Za-z0-9_.:~-]")


@dataclass
class Op:
    """One tensor-producing op of the executed graph."""

    id: str
    name: str
    kind: str
    shape: tuple[int, ...]
    inputs: list[str]
    label: str = ""
    module: nn.Module | None = None     # the called module (module ops)
    module_path: str | None = None
    params: int = 0
    mutated_later: bool = False         # an in-place op changes this output after it is produced → record a copy
    is_model_output: bool = False
    weight: nn.Parameter | None = None  # conv/linear weight (lets feature visualization compute one channel only)
    full: tuple[int, ...] = ()          # output shape WITH the batch dimension, for a batch of 1
    perm: tuple[int, ...] | None = None  # the output is its input permuted so (see _layout.permutation_of)
    display: Display = Display()         # how the recorded tensor becomes a panel (set by _layout.assign)
    omitted: str | None = None           # why this op cannot be shown (set by _layout.assign)


def layer_weight(kind: str, value: object) -> nn.Parameter | None:
    """The weight of a conv/linear op, if it is a model parameter (not computed, e.g. by weight norm)."""
    return value if kind in ("conv", "linear") and isinstance(value, nn.Parameter) else None


@dataclass
class OpGraph:
    ops: list[Op]                       # execution order (topological); ops[0] is the input
    method: str
    output_id: str                      # op that produced the model output
    by_id: dict[str, Op] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {op.id: op for op in self.ops}


class IdAllocator:
    """Deterministic ids from names: the first call keeps the name, repeats get ``:1``, ``:2`` …"""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, name: str) -> str:
        name = _URL_UNSAFE.sub("_", name)  # ids go into URLs; converted models (onnx2torch) name modules "a/b/Conv"
        k = self._seen.get(name, 0)
        self._seen[name] = k + 1
        return name if k == 0 else f"{name}:{k}"


def scoped(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name
