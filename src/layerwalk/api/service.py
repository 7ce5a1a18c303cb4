"""The steps several routers share: set an input (on the network's compute thread), build payloads, look up
dataset items and feature visualizations, stream server-sent events. Routers import from here, never from each
other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import StreamingResponse
from PIL import Image

from layerwalk.api import wire
from layerwalk.api.config import is_loopback
from layerwalk.api.state import AppState, DatasetEntry, NetworkEntry
from layerwalk.engine import Histogram, Snapshot
from layerwalk.errors import NotFoundError
from layerwalk.featurevis import FeatureVisResult

T = TypeVar("T")


async def on_compute_thread(entry: NetworkEntry, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` on the network's own compute thread (see ``NetworkEntry.compute``)."""
    return await asyncio.get_running_loop().run_in_executor(entry.compute, fn, *args)


async def set_input(state: AppState, entry: NetworkEntry, image: Image.Image, source: dict[str, Any]) -> Snapshot:
    """Run the forward pass on the compute thread, then tell every event stream; returns the new snapshot."""

    def run() -> Snapshot:
        with entry.lock:
            return entry.network.set_input(image, source=source)

    snapshot = await on_compute_thread(entry, run)
    state.events.publish("input", {"network": entry.id, "version": snapshot.version, "source": snapshot.source})
    return snapshot


def predictions(snapshot: Snapshot, top: int) -> list[dict[str, Any]]:
    return [p.to_dict() for p in snapshot.classification(top)]


def input_response(entry: NetworkEntry, snapshot: Snapshot, top: int = 5) -> dict[str, Any]:
    return {"network": entry.id, "version": snapshot.version, "source": dict(snapshot.source or {}),
            "classification": predictions(snapshot, top)}


def activation_layers(entry: NetworkEntry, snapshot: Snapshot) -> list[str]:
    """Every displayed layer that has an activation in this snapshot, in graph order."""
    return [n.id for n in entry.network.graph.nodes if n.id in snapshot.activations]


def activations_payload(entry: NetworkEntry, snapshot: Snapshot, layer_ids: list[str], encoding: str | None,
                        gzip_level: int = 1) -> bytes | wire.Parts:
    """The binary activation format for ``layer_ids``, compressed with ``encoding`` (zstd, gzip or None), cached
    per (version, layers, encoding) for concurrent readers."""
    key = (snapshot.version, tuple(layer_ids), encoding)

    def build() -> bytes | wire.Parts:
        if encoding is not None:
            return wire.compress(activations_payload(entry, snapshot, layer_ids, None), encoding, gzip_level)
        block, layers = snapshot.encoded_block(layer_ids)
        return wire.pack_activation_parts(entry.id, snapshot.version, list(zip(layer_ids, layers)), block)

    return entry.cached(key, build)


async def activations_body(entry: NetworkEntry, snapshot: Snapshot, layer_ids: list[str], state: AppState,
                           request: Request) -> tuple[bytes | wire.Parts, dict[str, str]]:
    """``layer_ids`` of ``snapshot`` in the binary format, compressed as the client accepts (not on loopback);
    returns the body and its headers."""
    encoding = wire.choose_encoding(request.headers.get("accept-encoding"))
    client = request.client.host if request.client else ""
    if state.settings.compress == "never" or (state.settings.compress == "remote" and is_loopback(client)):
        encoding = None  # on loopback, compressing costs more time than sending the bytes
    body = await on_compute_thread(entry, activations_payload, entry, snapshot, layer_ids, encoding,
                                   state.settings.gzip_level)
    return body, {"Vary": "Accept-Encoding", **({"Content-Encoding": encoding} if encoding else {})}


def histogram_dict(hist: Histogram | None) -> dict[str, list[float]] | None:
    if hist is None:
        return None
    return {"counts": [float(c) for c in hist.counts], "edges": [float(e) for e in hist.edges]}


def check_index(dataset: DatasetEntry, index: int) -> None:
    size = len(dataset.dataset)
    if index >= size:
        raise NotFoundError(f"no item {index} in dataset {dataset.id}; valid indices: 0…{size - 1}")


def item_label(dataset: DatasetEntry, index: int) -> dict[str, Any]:
    """``{"label": int | None, "class_name": str | None}`` of one dataset item."""
    label = dataset.dataset.label(index)
    names = dataset.dataset.class_names or []
    return {"label": label, "class_name": names[label] if label is not None and 0 <= label < len(names) else None}


def featurevis_result(entry: NetworkEntry, layer: str) -> FeatureVisResult:
    """The latest feature visualization of ``layer``, or a 404 saying how to start one."""
    result = entry.featurevis.result(layer)
    if result is None:
        raise NotFoundError(f"no feature visualization of layer {layer!r} yet; start one with "
                            f"POST /api/networks/{entry.id}/layers/{layer}/featurevis")
    return result


def featurevis_image(entry: NetworkEntry, layer: str, channel: int) -> Image.Image:
    """One channel's image of the latest feature visualization of ``layer``, or a 404 naming what there is."""
    result = featurevis_result(entry, layer)
    image = entry.featurevis.image(layer, channel)
    if image is None:
        raise NotFoundError(f"layer {layer!r} has feature visualizations for channels {result.channels}, "
                            f"not {channel}; start one with POST /api/networks/{entry.id}/layers/{layer}/featurevis")
    return image


def sse_response(stream: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
