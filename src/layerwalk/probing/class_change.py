"""Top-5 before and after: how an edit of the input changed the classification, per class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ClassChange:
    index: int
    name: str
    before: float  # probability
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


def class_changes(before: torch.Tensor, after: torch.Tensor, class_names: Sequence[str],
                  top: int = 5) -> list[ClassChange]:
    """The classes in the top ``top`` before or after, ordered by their probability after.

    >>> [c.name for c in class_changes(torch.tensor([.7, .2, .1]), torch.tensor([.1, .3, .6]), "abc", top=1)]
    ['c', 'a']
    """
    before, after = before.flatten().float(), after.flatten().float()
    k = min(top, after.numel())
    picked = dict.fromkeys([*after.topk(k).indices.tolist(), *before.topk(k).indices.tolist()])
    rows = [ClassChange(i, class_names[i] if i < len(class_names) else f"class {i}", float(before[i]),
                        float(after[i])) for i in picked]
    return sorted(rows, key=lambda c: -c.after)
