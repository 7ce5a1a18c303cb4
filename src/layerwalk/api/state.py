"""What the server holds: the networks (each with its lock and payload cache), the datasets, jobs and events."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from layerwalk.api.config import Settings
from layerwalk.api.events import EventBroker
from layerwalk.errors import NotFoundError
from layerwalk.jobs import JobManager


@dataclass(eq=False)
class DatasetEntry:
    id: str
    dataset: Any  # layerwalk.data ImageDataset


@dataclass(eq=False)
class NetworkEntry:
    """One served network: ``lock`` serialises ``set_input``; readers use ``network.snapshot`` (immutable)."""

    id: str
    network: Any  # layerwalk.engine.Network
    dataset: DatasetEntry | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Forward passes and encodings of this network run on ONE thread: torch's OpenMP team is per calling thread,
    # so hopping between pool threads leaves idle teams spinning on the two cores.
    compute: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="layerwalk-compute"))
    featurevis_images: dict[tuple[str, int], Any] = field(default_factory=dict)  # (layer, channel) → PIL image
    featurevis_results: dict[str, Any] = field(default_factory=dict)  # layer → the latest FeatureVisResult
    _cache: OrderedDict = field(default_factory=OrderedDict)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock)
    _layout: dict | None = None

    def cached(self, key: tuple, compute: Callable[[], bytes], size: int = 8) -> bytes:
        """Payload cache keyed by (version, …): concurrent readers of one input share one encoding."""
        with self._cache_lock:
            slot = self._cache.get(key)
            if slot is None:
                slot = self._cache[key] = _Slot()
                while len(self._cache) > size:
                    self._cache.popitem(last=False)
        return slot.get(compute)


class _Slot:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: bytes | None = None

    def get(self, compute: Callable[[], bytes]) -> bytes:
        with self._lock:
            if self._value is None:
                self._value = compute()
            return self._value


class AppState:
    """Registries with stable ids (``n0``…, ``d0``…) and 404s that name the valid range."""

    def __init__(self, settings: Settings, networks: Sequence[Any], datasets: Sequence[Any],
                 network_datasets: Sequence[int | None] | None = None):
        self.settings = settings
        self.datasets = [DatasetEntry(f"d{i}", d) for i, d in enumerate(datasets)]
        self.networks = [NetworkEntry(f"n{i}", net, self._dataset_for(i, net, network_datasets))
                         for i, net in enumerate(networks)]
        self.events = EventBroker()
        self.jobs = JobManager(workers=settings.job_workers, max_pending=settings.max_pending_jobs)
        self.jobs.add_listener(lambda job: self.events.publish("job", job.to_dict(result=_json_result)))

    def _dataset_for(self, i: int, network: Any, explicit: Sequence[int | None] | None) -> DatasetEntry | None:
        if explicit is not None and i < len(explicit):
            return None if explicit[i] is None else self.datasets[explicit[i]]
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


def _find(entries: list, key: str, what: str):
    for entry in entries:
        if entry.id == key:
            return entry
    if not entries:
        raise NotFoundError(f"no {what} {key!r}: this server has no {what}s")
    valid = entries[0].id if len(entries) == 1 else f"{entries[0].id}…{entries[-1].id}"
    raise NotFoundError(f"no {what} {key!r}; valid ids: {valid}")


def _json_result(result: Any) -> Any:
    """Job results go over JSON: keep plain data, drop anything else (images are served by their own URLs)."""
    if isinstance(result, dict):
        return {k: v for k, v in result.items() if isinstance(v, (str, int, float, bool, list, type(None)))}
    return result if isinstance(result, (str, int, float, bool, list, type(None))) else None
