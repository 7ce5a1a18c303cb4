"""Per-layer influence scores and what is read from them: totals, proponents and opponents.

Sign convention (Kronfluence's, Grosse et al. 2023): score(q, i) = ∇L(q)ᵀ H⁻¹ ∇L(i). A positive score means
up-weighting training image i *lowers* the query's loss — a **proponent** of the decision; a negative score makes
it an **opponent**. Koh & Liang's I_up,loss and the dissertation's eq. (5) are the negative of this.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["InfluenceScores", "Ranked"]


@dataclass(frozen=True)
class Ranked:
    """One training image in a ranking."""

    index: int
    score: float


@dataclass(frozen=True)
class InfluenceScores:
    """``per_layer`` (L, Q, N): the score of training image n for query q through layer ``layers[l]``'s weights.
    The total is their sum, so per-layer scores add up to it exactly."""

    layers: tuple[str, ...]
    per_layer: torch.Tensor

    @property
    def total(self) -> torch.Tensor:
        """(Q, N) total scores."""
        return self.per_layer.sum(0)

    def layer(self, name: str) -> torch.Tensor:
        """(Q, N) scores of one layer."""
        return self.per_layer[self.layers.index(name)]

    def proponents(self, query: int = 0, k: int = 8, layer: str | None = None) -> list[Ranked]:
        """The ``k`` training images with the highest (most helpful) scores for ``query``."""
        return self._ranked(query, k, layer, descending=True)

    def opponents(self, query: int = 0, k: int = 8, layer: str | None = None) -> list[Ranked]:
        """The ``k`` training images with the lowest (most harmful) scores for ``query``."""
        return self._ranked(query, k, layer, descending=False)

    def _ranked(self, query: int, k: int, layer: str | None, descending: bool) -> list[Ranked]:
        row = (self.total if layer is None else self.layer(layer))[query]
        order = torch.sort(row, descending=descending, stable=True).indices[:k]
        return [Ranked(int(i), float(row[i])) for i in order]
