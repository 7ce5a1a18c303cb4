"""The few steps routes share: set an input (off the event loop, one lock per network), build payloads."""

from __future__ import annotations

from typing import Any


from layerwalk.api import wire
from layerwalk.api.state import AppState, NetworkEntry


async def on_compute_thread(entry: NetworkEntry, fn, *args):
    """Run ``fn(*args)`` on the network's own compute thread (see ``NetworkEntry.compute``)."""
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(entry.compute, fn, *args)


async def set_input(state: AppState, entry: NetworkEntry, image: Any, source: dict) -> Any:
    """Run the forward pass in a worker thread, then tell every event stream; returns the new snapshot."""

    def run() -> Any:
        with entry.lock:
            return entry.network.set_input(image, source=source)

    snapshot = await on_compute_thread(entry, run)
    state.events.publish("input", {"network": entry.id, "version": snapshot.version, "source": snapshot.source})
    return snapshot


def predictions(snapshot: Any, top: int) -> list[dict]:
    return [_prediction(p) for p in snapshot.classification(top)]


def input_response(entry: NetworkEntry, snapshot: Any, top: int = 5) -> dict:
    return {"network": entry.id, "version": snapshot.version, "source": dict(snapshot.source or {}),
            "classification": predictions(snapshot, top)}


def activation_layers(entry: NetworkEntry, snapshot: Any) -> list[str]:
    """Every displayed layer that has an activation in this snapshot, in graph order."""
    return [n.id for n in entry.network.graph.nodes if n.id in snapshot.activations]


def activations_payload(entry: NetworkEntry, snapshot: Any, layer_ids: list[str], encoding: str | None,
                        gzip_level: int = 1) -> bytes:
    """The binary activation format for ``layer_ids``, compressed with ``encoding`` (zstd, gzip or None), cached
    per (version, layers, encoding) for concurrent readers."""
    key = (snapshot.version, tuple(layer_ids), encoding)

    def build() -> bytes:
        if encoding is not None:
            return wire.compress(activations_payload(entry, snapshot, layer_ids, None), encoding, gzip_level)
        return wire.pack_activations(entry.id, snapshot.version, [(i, snapshot.encoded(i)) for i in layer_ids])

    return entry.cached(key, build)


def histogram_dict(hist: Any) -> dict | None:
    if hist is None:
        return None
    return {"counts": [float(c) for c in _get(hist, "counts")], "edges": [float(e) for e in _get(hist, "edges")]}


def _prediction(p: Any) -> dict:
    return {"index": int(_get(p, "index")), "name": str(_get(p, "name")), "probability": float(_get(p, "probability"))}


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)
