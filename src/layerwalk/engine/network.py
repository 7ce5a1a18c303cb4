"""``Network``: one model in eval mode with its preprocessing, class names and current input."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from PIL import Image
from torch import nn

from layerwalk.capture import capture_model
from layerwalk.capture.replay import NodeEdit
from layerwalk.data import ModelBundle
from layerwalk.engine._memory import keep_freed_memory, release_freed_memory
from layerwalk.engine.histograms import Histogram, histogram
from layerwalk.engine.preprocess import fit_image, to_tensor
from layerwalk.engine.snapshot import Snapshot
from layerwalk.errors import LayerwalkError

if TYPE_CHECKING:
    from layerwalk.data import ImageDataset

_ids = itertools.count()


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``auto``/``None`` → CUDA when present, else CPU."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise LayerwalkError("--device cuda was asked for, but PyTorch sees no CUDA device; use --device cpu or auto")
    return device


class Network:
    """A model ready to be looked at: ``set_input`` runs ONE forward pass that records every displayed node.

    Args:
        model: an ``nn.Module`` or a ``layerwalk.data.ModelBundle`` (which brings input size, normalisation and
            class names).
        dataset: the ``ImageDataset`` this network is tied to: its normalisation and class names are used when
            the model does not bring its own, and its first image is the initial input.
        input_size: (C, H, W) when the model does not say.
        mean, std, class_names: override the above.
        detail: ``"layers"`` or ``"ops"`` (see ``layerwalk.capture``).
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.

    >>> import torchvision, layerwalk
    >>> net = layerwalk.Network(torchvision.models.resnet18(), input_size=(3, 224, 224))
    >>> snap = net.set_input(layerwalk.data.noise_image(0, (224, 224)))
    >>> snap.activations["conv1"].shape
    torch.Size([64, 112, 112])
    """

    def __init__(self, model: nn.Module | ModelBundle, *, dataset: ImageDataset | None = None,
                 input_size: Sequence[int] | None = None, mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None, class_names: Sequence[str] | None = None,
                 detail: str = "layers", device: str | torch.device | None = None, name: str | None = None,
                 id: str | None = None):
        bundle = model if isinstance(model, ModelBundle) else None
        self.model: nn.Module = model.model if isinstance(model, ModelBundle) else model
        self.spec = bundle.spec if bundle else None
        self.name = name or (bundle.name if bundle else type(model).__name__)
        self.id = id or f"n{next(_ids)}"
        self.dataset = dataset
        size = input_size or (bundle.input_size if bundle else None) or self._size_from_dataset(dataset)
        self.input_size: tuple[int, ...] = tuple(size)
        channels = self.input_size[0]
        self.mean = tuple(mean or (bundle and bundle.mean) or (dataset and dataset.mean) or (0.5,) * channels)
        self.std = tuple(std or (bundle and bundle.std) or (dataset and dataset.std) or (0.5,) * channels)
        self.device = resolve_device(device)
        keep_freed_memory()
        self.model.eval().to(self.device)
        self.captured = capture_model(self.model, torch.zeros(1, *self.input_size, device=self.device), detail)
        self.graph = self.captured.graph
        n_out = self.graph.node("output").shape[0] if self.graph.node("output").shape else 0
        names = class_names or (bundle.class_names if bundle else None) or self._dataset_classes(n_out)
        self.class_names: list[str] = list(names or [f"class {i}" for i in range(n_out)])
        self._lock = threading.Lock()
        self._version = 0
        self._weight_histograms: dict[str, Histogram | None] = {}
        # In-place changes of node outputs applied in every forward pass (channel ablation, layerwalk.probing).
        self.edits: dict[str, NodeEdit] = {}
        self.snapshot: Snapshot = self.set_input(*self._initial_input())
        release_freed_memory()

    @classmethod
    def from_spec(cls, spec: str, *, weights: str | Path | None = None, dataset: str | ImageDataset | None = None,
                  device: str | torch.device | None = None, detail: str = "layers", num_classes: int | None = None,
                  **kwargs: Any) -> Network:
        """Build from a model spec (``demo``, ``covidresnet``, ``torchvision:resnet50`` …) and a dataset."""
        from layerwalk.data import load_dataset, load_model

        if isinstance(dataset, str):
            dataset = load_dataset(dataset)
        # Without weights, shape the new model for the dataset; with weights, the weights decide (load_model
        # reads classes and input channels from them).
        fresh = weights is None and dataset is not None
        if num_classes is None and dataset is not None and fresh and spec.lower() in ("covidresnet", "coviddensenet"):
            num_classes = len(dataset.class_names)
        in_channels = dataset.channels if dataset is not None and fresh and spec.lower() != "demo" else None
        bundle = load_model(spec, weights=weights, num_classes=num_classes, in_channels=in_channels)
        return cls(bundle, dataset=dataset, device=device, detail=detail, **kwargs)

    # --- input ---------------------------------------------------------------------------------------------------
    def set_input(self, image: Image.Image | torch.Tensor, source: dict[str, Any] | None = None) -> Snapshot:
        """Run one forward pass on ``image`` (PIL image of any size, or a normalised (C,H,W)/(1,C,H,W) tensor).

        Thread-safe: concurrent calls are serialised; readers keep whatever snapshot they already hold.
        """
        source = dict(source or {"source": "python"})
        if isinstance(image, torch.Tensor):
            x = image if image.dim() == 4 else image.unsqueeze(0)
            display = self.display_image(x)
        else:
            display, note = fit_image(image, self._hw, self.input_size[0])
            if note:
                source["note"] = note
            x = to_tensor(display, self.mean, self.std)
        with self._lock:
            with torch.inference_mode():
                outputs = self.captured.run(x.to(self.device), edits=self.edits or None)
            activations = {k: v[0].float().cpu() for k, v in outputs.items()}
            self._version += 1
            snap = Snapshot(self._version, source, display, activations, self.graph, self.class_names)
            self.snapshot = snap
        return snap

    def set_edits(self, edits: dict[str, NodeEdit]) -> Snapshot:
        """Change the node edits (e.g. ``{"layer2.0.conv1": ZeroChannels((3, 7))}``; ``{}`` resets) and re-run only
        the layers from the first changed node on, from the current input; returns the new snapshot."""
        with self._lock:
            old, snap = self.edits, self.snapshot
            changed = [n.id for n in self.graph if old.get(n.id) != edits.get(n.id)]
            self.edits = dict(edits)
            if not changed:
                return snap
            recorded = {k: v.unsqueeze(0).to(self.device) for k, v in snap.activations.items()}
            with torch.inference_mode():
                outputs = self.captured.rerun(recorded, changed, edits=self.edits)
            activations = {**snap.activations, **{k: v[0].float().cpu() for k, v in outputs.items()}}
            self._version += 1
            self.snapshot = Snapshot(self._version, snap.source, snap.input_image, activations, self.graph,
                                     self.class_names)
        return self.snapshot

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        """PIL image → normalised (1, C, H, W) tensor as the model expects it."""
        return to_tensor(fit_image(image, self._hw, self.input_size[0])[0], self.mean, self.std)

    def display_image(self, x: torch.Tensor) -> Image.Image:
        """Normalised (1, C, H, W) tensor → PIL image (undoing the normalisation)."""
        mean = torch.tensor(self.mean).view(-1, 1, 1)
        std = torch.tensor(self.std).view(-1, 1, 1)
        pixels = (x[0].detach().float().cpu() * std + mean).clamp(0, 1)
        array = (pixels * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()
        return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)

    # --- weights -------------------------------------------------------------------------------------------------
    def weight_histogram(self, node_id: str, bins: int = 64) -> Histogram | None:
        """Distribution of the weights of the module behind ``node_id`` (None if it has none); cached."""
        node = self.graph.node(node_id)
        if node_id not in self._weight_histograms:
            module = dict(self.model.named_modules()).get(node.module) if node.module else None
            weight = _weights_of(module) if module is not None else None
            self._weight_histograms[node_id] = histogram(weight, bins) if weight is not None else None
        return self._weight_histograms[node_id]

    def has_weights(self, node_id: str) -> bool:
        return self.weight_histogram(node_id) is not None

    # --- helpers -------------------------------------------------------------------------------------------------
    def _initial_input(self) -> tuple[Image.Image, dict[str, Any]]:
        if self.dataset is not None and len(self.dataset):
            return self.dataset.image(0), {"source": "dataset", "dataset": self.dataset.id, "index": 0}
        from layerwalk.data import noise_image

        return noise_image(0, self._hw, self.input_size[0]), {"source": "noise", "seed": 0}

    @property
    def _hw(self) -> tuple[int, int]:
        return self.input_size[1], self.input_size[2]

    def _dataset_classes(self, n_out: int) -> list[str] | None:
        names = getattr(self.dataset, "class_names", None)
        return names if names and len(names) == n_out else None

    @staticmethod
    def _size_from_dataset(dataset: ImageDataset | None) -> tuple[int, int, int]:
        if dataset is None:
            raise LayerwalkError("the input size is unknown: pass input_size=(C, H, W)")
        image = dataset.image(0)
        return (dataset.channels, image.height, image.width)

    def __repr__(self) -> str:
        return f"<Network {self.id} {self.name!r}: {len(self.graph)} layers, input {self.input_size}>"


def _weights_of(module: nn.Module) -> torch.Tensor | None:
    """The weights a node's module applies: its own ``weight``, or else (a wrapper that keeps its conv or linear in
    a child, or calls ``F.conv2d`` with a parameter of another name) every weight-like parameter below it, flattened
    together, so that a node whose module has parameters always has a weight histogram. Biases are left out
    unless there is nothing else."""
    own = getattr(module, "weight", None)
    if isinstance(own, torch.Tensor):
        return own
    params = list(module.named_parameters(recurse=True))
    weights = [p for name, p in params if not name.endswith("bias")]
    chosen = weights or [p for _, p in params]
    return torch.cat([p.detach().flatten() for p in chosen]) if chosen else None
