"""Small stand-ins for engine.Network / data.ImageDataset, following docs/architecture.md (used until/unless the
real engine is importable, and for failure injection)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from layerwalk.capture.graph import GraphNode, LayerGraph


@dataclass
class Encoded:
    data: np.ndarray
    vmin: float
    vmax: float
    zero_level: int


@dataclass
class Hist:
    counts: list
    edges: list


@dataclass
class Pred:
    index: int
    name: str
    probability: float


@dataclass(frozen=True)
class FakeSnapshot:
    version: int
    source: dict
    input_image: Image.Image
    activations: dict = field(default_factory=dict)
    class_names: tuple = ()

    def encoded(self, node_id, per_channel=False):
        a = self.activations[node_id]
        vmin, vmax = float(min(a.min(), 0)), float(max(a.max(), 0))
        scale = 255 / (vmax - vmin) if vmax > vmin else 0
        return Encoded(np.round((a - vmin) * scale).astype(np.uint8), vmin, vmax, int(round(-vmin * scale)))

    def classification(self, top=5):
        p = self.activations["output"]
        order = np.argsort(-p)[:top]
        return [Pred(int(i), self.class_names[i], float(p[i])) for i in order]

    def histogram(self, node_id, bins=64):
        counts, edges = np.histogram(self.activations[node_id], bins=bins)
        return Hist(counts.tolist(), edges.tolist())


class FakeNetwork:
    """input (1,8,8) → conv (4,8,8) → branch (4,8,8) + main (4,8,8) → add → output (3,)."""

    def __init__(self, name="fake"):
        self.name, self.spec, self.input_size = name, "fake", (1, 8, 8)
        self.class_names = ["a", "b", "c"]
        nodes = [GraphNode("input", "input", "input", (1, 8, 8)),
                 GraphNode("conv", "conv", "conv", (4, 8, 8), 40, "conv", ("input",), "conv 3×3/4"),
                 GraphNode("main", "main", "conv", (4, 8, 8), 148, "main", ("conv",), "conv 3×3/4"),
                 GraphNode("side", "side", "conv", (4, 8, 8), 20, "side", ("conv",), "conv 1×1/4"),
                 GraphNode("add", "add", "add", (4, 8, 8), 0, None, ("main", "side"), "add"),
                 GraphNode("output", "output", "output", (3,), 0, None, ("add",), "softmax")]
        self.graph = LayerGraph(tuple(nodes))
        self._versions = itertools.count(1)
        self._lock = threading.Lock()
        self.snapshot = self._run(Image.new("L", (8, 8)), {"source": "initial"}, 0)

    def set_input(self, image, *, source=None):
        with self._lock:
            snap = self._run(image, source or {}, next(self._versions))
            self.snapshot = snap
            return snap

    def _run(self, image, source, version):
        x = np.asarray(image.convert("L").resize((8, 8)), np.float32) / 255 - 0.5
        acts = {"input": x[None]}
        acts["conv"] = np.stack([x * (k + 1) for k in range(4)])
        acts["main"], acts["side"] = np.maximum(acts["conv"], 0), -acts["conv"]
        acts["add"] = acts["main"] + acts["side"]
        logits = np.array([x.mean(), x.std(), float(version % 3)], np.float32)
        acts["output"] = np.exp(logits) / np.exp(logits).sum()
        return FakeSnapshot(version, dict(source), image.convert("RGB").resize((8, 8)), acts, tuple(self.class_names))

    def weight_histogram(self, node_id, bins=64):
        node = self.graph.node(node_id)
        return Hist([1.0] * 4, [0.0, 0.25, 0.5, 0.75, 1.0]) if node.params else None


class FakeDataset:
    id, name, spec, channels = "fake", "Fake digits", "fake", 1
    class_names = ["a", "b", "c"]
    mean, std = (0.5,), (0.5,)

    def __len__(self):
        return 10

    def image(self, i):
        return Image.fromarray(np.full((8, 8), i * 20, np.uint8), "L")

    def label(self, i):
        return i % 3
