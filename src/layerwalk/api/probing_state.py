"""What the probing routes remember per network: the un-occluded input an occlusion edit starts from, its blocks,
and the selected channel, so every client can follow (``probing`` events)."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import torch
from PIL import Image

from layerwalk.engine import Snapshot


@dataclass
class OcclusionBase:
    """The input before any block: its image, class probabilities and source."""

    image: Image.Image
    probabilities: torch.Tensor
    source: dict[str, Any]


@dataclass
class NetworkProbing:
    base: OcclusionBase | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # the edit's top-5 before/after, per class
    selection: dict[str, Any] | None = None  # {"layer", "channel", "method", "direction"}
    # the last results, so a client that follows a selection made elsewhere reads them instead of recomputing
    flow: dict[str, Any] | None = None
    feeders: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def base_for(self, snapshot: Snapshot) -> OcclusionBase:
        """The base of an edit of ``snapshot``: kept while the input is an occlusion edit (also after an ablation
        changed it), else the snapshot itself (a new input starts a new edit)."""
        if self.base is None or snapshot.source.get("source") != "occlusion":
            self.base = OcclusionBase(snapshot.input_image, snapshot.activations["output"], dict(snapshot.source))
            self.blocks, self.changes = [], []
        return self.base


class ProbingStore:
    """``store[network_id]`` → that network's ``NetworkProbing`` (created on first use)."""

    def __init__(self) -> None:
        self._by_network: dict[str, NetworkProbing] = {}
        self._lock = threading.Lock()

    def __getitem__(self, network_id: str) -> NetworkProbing:
        with self._lock:
            return self._by_network.setdefault(network_id, NetworkProbing())


_STORES: weakref.WeakKeyDictionary[object, ProbingStore] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def probing_store(state: object) -> ProbingStore:
    """The probing store of one app (``AppState``), kept beside it for as long as the app lives."""
    with _STORES_LOCK:
        store = _STORES.get(state)
        if store is None:
            store = _STORES[state] = ProbingStore()
        return store
