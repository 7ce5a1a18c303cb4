"""Activation and weight distributions (shown beside each layer panel, paper §3.3.4)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Histogram:
    counts: list[int]
    edges: list[float]   # len(counts) + 1

    def to_dict(self) -> dict[str, list[int] | list[float]]:
        return {"counts": self.counts, "edges": self.edges}


def histogram(t: torch.Tensor, bins: int = 64) -> Histogram:
    t = t.detach().float().flatten()
    if t.numel() == 0:
        return Histogram([0] * bins, [0.0] * (bins + 1))
    lo, hi = (float(v) for v in t.aminmax())
    if hi <= lo:
        hi = lo + 1e-6
    counts = torch.histc(t, bins=bins, min=lo, max=hi)
    edges = torch.linspace(lo, hi, bins + 1)
    return Histogram([int(c) for c in counts.tolist()], [float(e) for e in edges.tolist()])
