"""``AttributionResult``: what ``layerwalk.attribute`` returns — maps per layer and target, channel scores, the
input-level map, the convergence delta and the cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from layerwalk.errors import NotFoundError


@dataclass
class AttributionResult:
    """Attributions of ``targets`` (class indices, in this order along every first axis).

    Attributes:
        channel_maps: layer → (T, C, H, W) signed contribution of each channel at each position.
        maps: layer → (T, H, W) layer map (sum over channels; Grad-CAM's map before its ReLU).
        channel_scores: layer → (T, C) signed importance of each channel (its map summed over H, W).
        input_attribution: (T, C_in, H, W) or None; ``input_map`` (T, H, W) is its sum over colour channels.
        delta: (T,) convergence delta (Integrated Gradients, GradientShap) or None.
        cost: ``{"passes", "evaluations", "seconds"}``.

    >>> r = layerwalk.attribute(net, "gradcam")  # doctest: +SKIP
    >>> r.maps["layer4.1.add"].shape             # doctest: +SKIP
    torch.Size([5, 7, 7])
    """

    key: str
    method: str
    params: dict[str, Any]
    version: int
    targets: list[dict]                    # [{"index", "name", "probability"}]
    layers: list[str]
    channel_maps: dict[str, torch.Tensor]
    input_attribution: torch.Tensor | None
    delta: torch.Tensor | None
    cost: dict[str, float]
    sanity: dict | None = None
    extra: dict = field(default_factory=dict)
    image: Any = None                      # the explained input as a PIL image (display, model size)
    cached: bool = False

    @property
    def maps(self) -> dict[str, torch.Tensor]:
        return {lid: m.sum(1) for lid, m in self.channel_maps.items()}

    @property
    def channel_scores(self) -> dict[str, torch.Tensor]:
        return {lid: m.sum((2, 3)) for lid, m in self.channel_maps.items()}

    @property
    def input_map(self) -> torch.Tensor | None:
        return None if self.input_attribution is None else self.input_attribution.sum(1)

    @property
    def target_indices(self) -> list[int]:
        return [t["index"] for t in self.targets]

    def position(self, target: int | None) -> int:
        """Row of class ``target`` (None: the first); NotFoundError naming the valid classes."""
        if target is None:
            return 0
        if target not in self.target_indices:
            raise NotFoundError(f"class {target} was not attributed in {self.key}; valid targets: "
                                f"{self.target_indices}")
        return self.target_indices.index(target)

    def to_dict(self) -> dict:
        """JSON-ready summary (no maps): what the HTTP API returns."""
        scores = self.channel_scores
        return {"key": self.key, "version": self.version, "method": self.method, "params": self.params,
                "targets": self.targets,
                "layers": [{"id": lid, "shape": list(self.channel_maps[lid].shape[1:]),
                            "channel_scores": scores[lid].tolist()} for lid in self.layers],
                "input_map": self.input_attribution is not None,
                "delta": None if self.delta is None else [float(d) for d in self.delta],
                "cost": self.cost, "sanity": self.sanity, "cached": self.cached}
