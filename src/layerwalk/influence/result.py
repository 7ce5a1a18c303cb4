"""What ``layerwalk.influence`` returns: per-layer scores, self-influence and the rankings read from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from layerwalk.influence.data import TrainingSet
from layerwalk.influence.scores import InfluenceScores, Ranked

__all__ = ["InfluenceResult"]


@dataclass
class InfluenceResult:
    """Influence of every training image on every query.

    Attributes:
        method: ``"ekfac"``, ``"lissa"`` or ``"tracin"``.
        scores: ``InfluenceScores`` — ``per_layer`` (L, Q, N), ``total`` (Q, N); positive = proponent.
        self_influence_per_layer: (L, N) each training image's influence on its own loss, or None.
        query_labels: (Q,) the class each query's loss is measured at (default: the model's prediction).
        train: the ``TrainingSet`` scored (images, labels as trained on, class names).
        params: the options that produced the numbers; ``seconds``; ``cached``: read from the cache.
    """

    method: str
    scores: InfluenceScores
    self_influence_per_layer: torch.Tensor | None
    query_labels: torch.Tensor
    train: TrainingSet = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    cached: bool = False

    @property
    def layers(self) -> tuple[str, ...]:
        return self.scores.layers

    @property
    def self_influence(self) -> torch.Tensor | None:
        """(N,) total self-influence; sort it descending to find mislabeled or atypical training images."""
        return None if self.self_influence_per_layer is None else self.self_influence_per_layer.sum(0)

    def proponents(self, query: int = 0, k: int = 8, layer: str | None = None) -> list[Ranked]:
        return self.scores.proponents(query, k, layer)

    def opponents(self, query: int = 0, k: int = 8, layer: str | None = None) -> list[Ranked]:
        return self.scores.opponents(query, k, layer)

    def most_self_influential(self, k: int = 10) -> list[Ranked]:
        values = self.self_influence
        if values is None:
            return []
        order = torch.sort(values, descending=True, stable=True).indices[:k]
        return [Ranked(int(i), float(values[i])) for i in order]

    def to_dict(self, top: int = 8, layer_top: int = 3, self_top: int | None = None) -> dict[str, Any]:
        """JSON-ready summary: per query the top proponents/opponents overall and per layer, the ``self_top``
        (default ``top``) images of highest self-influence."""
        queries = []
        for q in range(len(self.query_labels)):
            queries.append({
                "label": int(self.query_labels[q]),
                "proponents": [self._item(r) for r in self.proponents(q, top)],
                "opponents": [self._item(r) for r in self.opponents(q, top)],
                "layers": {layer: {"proponents": [self._item(r) for r in self.proponents(q, layer_top, layer)],
                                   "opponents": [self._item(r) for r in self.opponents(q, layer_top, layer)]}
                           for layer in self.layers},
            })
        most = self.most_self_influential(self_top or top)
        return {"method": self.method, "layers": list(self.layers), "train_size": len(self.train),
                "queries": queries, "self_influence": [self._item(r) for r in most],
                "params": self.params, "seconds": round(self.seconds, 2), "cached": self.cached}

    def _item(self, ranked: Ranked) -> dict[str, Any]:
        label = int(self.train.labels[ranked.index])
        name = self.train.class_names[label] if label < len(self.train.class_names) else str(label)
        return {"index": ranked.index, "score": ranked.score, "label": label, "class_name": name}
