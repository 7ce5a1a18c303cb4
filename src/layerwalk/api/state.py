"""What the server holds: the networks (each with its lock and payload cache), the datasets, jobs and events."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PIL import Image

from layerwalk.api.config import Settings
from layerwalk.api.events import EventBroker
from layerwalk.api.wire import Parts
from layerwalk.data import ImageDataset
from layerwalk.engine import Network
from layerwalk.errors import NotFoundError
from layerwalk.featurevis import FeatureVisResult
from layerwalk.jobs import Job, JobManager


@dataclass(eq=False)
class DatasetEntry:
    id: str
    dataset: ImageDataset


@dataclass(eq=False)
class NetworkEntry:
    """One served network: ``lock`` serialises ``set_input``; readers use ``network.snapshot`` (immutable)."""

    id: str
    network: Network
    dataset: DatasetEntry | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Forward passes and encodings of this network run on ONE thread: torch's OpenMP team is per calling thread,
    # so hopping between pool threads leaves idle teams spinning on the two cores.
    compute: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="layerwalk-compute"))
    featurevis: FeatureVisStore = field(default_factory=lambda: FeatureVisStore())
    # The linked views' selection (routes/analysis.py): its own lock, as set_input holds ``lock`` for a forward pass
    selection: dict[str, Any] | None = None  # schemas of routes/analysis.py: SelectionState as JSON
    selection_lock: threading.Lock = field(default_factory=threading.Lock)
    # Payload cache, bounded in bytes: 48 MiB holds the current input of a ResNet50 (17 MB) in two encodings.
    cache_bytes: int = 48 << 20
    _cache: OrderedDict[tuple[object, ...], _Slot] = field(default_factory=OrderedDict)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock)
    _layouts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by arrangement

    def cached(self, key: tuple[object, ...], compute: Callable[[], bytes | Parts]) -> bytes | Parts:
        """Payload cache keyed by (version, …): concurrent readers of one input share one encoding. Least recently
        used payloads leave first once they hold more than ``cache_bytes``; the one just asked for always stays."""
        with self._cache_lock:
            slot = self._cache.get(key)
            if slot is None:
                slot = self._cache[key] = _Slot()
            self._cache.move_to_end(key)
        value = slot.get(compute)
        with self._cache_lock:
            total = sum(s.nbytes for s in self._cache.values())
            for old in [k for k in self._cache if k != key and self._cache[k].nbytes]:  # not while computing
                if total <= self.cache_bytes:
                    break
                total -= self._cache.pop(old).nbytes
        return value

    def cached_bytes(self) -> int:
        with self._cache_lock:
            return sum(s.nbytes for s in self._cache.values())


class FeatureVisStore:
    """The latest feature visualization of each layer, for the image endpoints, ``{"source": "featurevis"}``
    inputs and the list a reloaded client restores its result panels from. Written from job threads and read from
    request threads, so locked; keeps the ``layers`` most recently visualised layers (the images of a large layer
    run to megabytes)."""

    def __init__(self, layers: int = 16) -> None:
        self._results: OrderedDict[str, tuple[FeatureVisResult, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._layers = layers

    def put(self, result: FeatureVisResult, start: str = "noise") -> None:
        """Keep ``result``; ``start`` names what its images started from (noise, input, dataset)."""
        with self._lock:
            self._results[result.layer] = (result, start)
            self._results.move_to_end(result.layer)
            while len(self._results) > self._layers:
                self._results.popitem(last=False)

    def result(self, layer: str) -> FeatureVisResult | None:
        with self._lock:
            kept = self._results.get(layer)
        return kept[0] if kept else None

    def entries(self) -> list[tuple[FeatureVisResult, str]]:
        """Every kept result with its start, least recently visualised first."""
        with self._lock:
            return list(self._results.values())

    def image(self, layer: str, channel: int) -> Image.Image | None:
        result = self.result(layer)
        if result is None or channel not in result.channels:
            return None
        return result.images[result.channels.index(channel)]


class _Slot:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: bytes | Parts | None = None

    def get(self, compute: Callable[[], bytes | Parts]) -> bytes | Parts:
        with self._lock:
            if self._value is None:
                self._value = compute()
            return self._value

    @property
    def nbytes(self) -> int:
        return len(self._value) if self._value is not None else 0


class AppState:
    """Registries with stable ids (``n0``…, ``d0``…) and 404s that name the valid range."""

    def __init__(self, settings: Settings, networks: Sequence[Network], datasets: Sequence[ImageDataset],
                 network_datasets: Sequence[int | None] | None = None):
        self.settings = settings
        self.datasets = [DatasetEntry(f"d{i}", d) for i, d in enumerate(datasets)]
        self.networks = [NetworkEntry(f"n{i}", net, self._dataset_for(i, net, network_datasets))
                         for i, net in enumerate(networks)]
        self.events = EventBroker()
        self.jobs = JobManager(workers=settings.job_workers, max_pending=settings.max_pending_jobs)
        self.jobs.add_listener(lambda job: self.events.publish("job", job_json(job)))

    def _dataset_for(self, i: int, network: Network, explicit: Sequence[int | None] | None) -> DatasetEntry | None:
        if explicit is not None and i < len(explicit):
            index = explicit[i]
            return None if index is None else self.datasets[index]
        own = getattr(network, "dataset", None)
        for entry in self.datasets:
            if own is not None and entry.dataset is own:
                return entry
        return self.datasets[min(i, len(self.datasets) - 1)] if self.datasets else None

    def network(self, nid: str) -> NetworkEntry:
        return _find(self.networks, nid, "network")

    def dataset(self, did: str) -> DatasetEntry:
        return _find(self.datasets, did, "dataset")

    def close(self) -> None:
        self.events.close()
        self.jobs.shutdown(wait=False)
        for entry in self.networks:
            entry.compute.shutdown(wait=False, cancel_futures=True)


_Entry = TypeVar("_Entry", NetworkEntry, DatasetEntry)


def _find(entries: list[_Entry], key: str, what: str) -> _Entry:
    for entry in entries:
        if entry.id == key:
            return entry
    if not entries:
        raise NotFoundError(f"no {what} {key!r}: this server has no {what}s")
    valid = entries[0].id if len(entries) == 1 else f"{entries[0].id}…{entries[-1].id}"
    raise NotFoundError(f"no {what} {key!r}; valid ids: {valid}")


def job_json(job: Job) -> dict[str, Any]:
    """A job as JSON (``schemas.JobInfo``): results keep their plain data; objects a job keeps for later requests
    (an analysis result, images) are served by their own URLs."""
    return job.to_dict(result=_plain)


def _plain(result: Any) -> Any:
    if isinstance(result, dict):
        return {k: v for k, v in result.items() if isinstance(v, (str, int, float, bool, list, type(None)))}
    return result if isinstance(result, (str, int, float, bool, list, type(None))) else None
