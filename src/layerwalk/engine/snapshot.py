"""One input and everything the network computed from it, immutable once made.

Readers take a reference to a ``Snapshot`` and serve everything from it, so a response never mixes two inputs
even while a new input is being processed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from layerwalk.capture import LayerGraph
from layerwalk.engine.encoding import EncodedActivation, encode
from layerwalk.engine.histograms import Histogram, histogram


@dataclass(frozen=True)
class Prediction:
    index: int
    name: str
    probability: float

    def to_dict(self) -> dict[str, int | str | float]:
        return {"index": self.index, "name": self.name, "probability": self.probability}


class Snapshot:
    """The state after one forward pass.

    Attributes:
        version: increases by one with every input of the network.
        source: where the input came from, e.g. ``{"source": "dataset", "dataset": "photos", "index": 3}``.
        input_image: the fitted input image (model size) for display.
        activations: ``{node_id: float32 CPU tensor}`` without the batch dimension.
    """

    def __init__(self, version: int, source: dict[str, Any], input_image: Image.Image,
                 activations: dict[str, torch.Tensor], graph: LayerGraph, class_names: list[str]):
        self.version = version
        self.source = dict(source)
        self.input_image = input_image
        self.activations = activations
        self.graph = graph
        self.class_names = class_names
        self._encoded: dict[tuple[str, bool], EncodedActivation] = {}

    def activation(self, node_id: str) -> torch.Tensor:
        node = self.graph.node(node_id)
        if node_id not in self.activations:
            from layerwalk.errors import NotFoundError
            raise NotFoundError(f"layer {node_id!r} ({node.kind}) has no activation")
        return self.activations[node_id]

    def encoded(self, node_id: str, per_channel: bool = False) -> EncodedActivation:
        key = (node_id, per_channel)
        if key not in self._encoded:  # a race computes the same value twice; harmless
            self._encoded[key] = encode(self.activation(node_id), per_channel=per_channel)
        return self._encoded[key]

    def encoded_block(self, node_ids: list[str]) -> tuple[np.ndarray, list[EncodedActivation]]:
        """Every layer of ``node_ids`` encoded into ONE contiguous uint8 buffer, in order, and their encodings as
        views of it. The cached per-layer encodings are replaced by those views, so the block is the only copy:
        a server sends it as is (no join per response, no second copy in its payload cache)."""
        layers = [self.encoded(i) for i in node_ids]
        sizes = [enc.data.size for enc in layers]
        block = np.empty(sum(sizes), np.uint8)
        views, offset = [], 0
        for node_id, enc, size in zip(node_ids, layers, sizes):
            view = block[offset:offset + size].reshape(enc.data.shape)
            view[...] = enc.data
            views.append(dataclasses.replace(enc, data=view))
            self._encoded[(node_id, False)] = views[-1]
            offset += size
        return block, views

    def classification(self, top: int = 5) -> list[Prediction]:
        probs = self.activations["output"].flatten()
        k = max(1, min(top, probs.numel()))
        values, indices = probs.topk(k)
        return [Prediction(int(i), self._class_name(int(i)), float(v)) for v, i in zip(values, indices)]

    def _class_name(self, i: int) -> str:
        return self.class_names[i] if i < len(self.class_names) else f"class {i}"

    def histogram(self, node_id: str, bins: int = 64) -> Histogram:
        return histogram(self.activation(node_id), bins)
