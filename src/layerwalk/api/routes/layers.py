"""One layer: its activation (binary and colormapped PNG), histograms, export zip, feature visualization job."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from starlette.concurrency import run_in_threadpool

from layerwalk.api import schemas, service, wire
from layerwalk.api.deps import LayerDep, NetworkDep, SnapshotDep, StateDep
from layerwalk.api.routes._responses import OCTET, PNG, ZIP, versioned
from layerwalk.capture import GraphNode
from layerwalk.engine import Snapshot
from layerwalk.errors import NotFoundError
from layerwalk.featurevis.objectives import Objective

router = APIRouter(prefix="/api/networks/{nid}/layers/{lid}", tags=["layers"], responses=schemas.ERRORS)


def _require_activation(snapshot: Snapshot, layer: GraphNode) -> None:
    if layer.id not in snapshot.activations:
        raise NotFoundError(f"layer {layer.id!r} ({layer.kind}) has no activation to show")


@router.get("/activations", operation_id="getLayerActivations", response_class=Response, responses=OCTET)
async def get_layer_activations(entry: NetworkDep, snapshot: SnapshotDep, layer: LayerDep, state: StateDep,
                                request: Request) -> Response:
    """One layer's activation in the binary activation format."""
    _require_activation(snapshot, layer)
    body, headers = await service.activations_body(entry, snapshot, [layer.id], state, request)
    return versioned(body, "application/octet-stream", snapshot.version, **headers)


@router.get("/activations.png", operation_id="getLayerAtlas", response_class=Response, responses=PNG)
async def get_layer_atlas(snapshot: SnapshotDep, layer: LayerDep) -> Response:
    """One layer's channels as a colormapped atlas (blue below zero, black at zero, white above)."""
    _require_activation(snapshot, layer)

    def render() -> bytes:
        enc = snapshot.encoded(layer.id)  # one range for the whole layer: zero_level is a single level
        return wire.atlas_png(enc.data, int(enc.zero_level))

    return versioned(await run_in_threadpool(render), "image/png", snapshot.version)


@router.get("/histograms", operation_id="getLayerHistograms", response_model=schemas.HistogramsResponse)
async def get_histograms(entry: NetworkDep, snapshot: SnapshotDep, layer: LayerDep) -> dict[str, Any]:
    """Histogram of the layer's activation and, if it has weights, of its weights."""
    _require_activation(snapshot, layer)
    activation = await run_in_threadpool(snapshot.histogram, layer.id)
    weights = await run_in_threadpool(entry.network.weight_histogram, layer.id)
    return {"version": snapshot.version, "activation": service.histogram_dict(activation),
            "weights": service.histogram_dict(weights)}


@router.get("/export", operation_id="exportLayer", response_class=Response, responses=ZIP)
async def export_layer(entry: NetworkDep, snapshot: SnapshotDep, layer: LayerDep) -> Response:
    """A zip of the layer: one PNG per channel, activations.npy and meta.json."""
    from layerwalk.engine import export_layer as export

    _require_activation(snapshot, layer)
    body = await run_in_threadpool(export, entry.network, snapshot, layer.id)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{entry.id}-{layer.id}-v{snapshot.version}") + ".zip"
    return versioned(body, "application/zip", snapshot.version,
                     **{"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/featurevis", operation_id="startFeaturevis", response_model=schemas.JobCreated)
def start_featurevis(entry: NetworkDep, layer: LayerDep, state: StateDep,
                     body: Annotated[schemas.FeaturevisRequest | None, Body()] = None) -> dict[str, Any]:
    """Start a feature visualization job for some channels of this layer; follow it under /api/jobs/{id}."""
    body = body or schemas.FeaturevisRequest()
    channels = body.channels
    c = layer.shape[0] if layer.shape else 1
    if channels is not None and any(ch >= c for ch in channels):
        raise NotFoundError(f"layer {layer.id!r} has {c} channels; valid channels: 0…{c - 1}")
    objective = [t.model_dump(exclude_none=True) for t in body.objective] if body.objective else None
    if objective is not None:
        Objective.from_json(objective)   # a bad term is a 400 now, not a failed job later
    # only what differs from the paper's defaults is passed, so job kinds written before styles keep working
    extra = {k: v for k, v in (("style", body.style), ("objective", objective)) if v not in (None, "paper")}
    job = state.jobs.submit("featurevis", entry=entry, layer=layer.id, channels=channels, steps=body.steps,
                            start=body.start, snapshot=entry.network.snapshot, **extra)
    return {"job": job.id}


@router.get("/featurevis.png", operation_id="getFeaturevisAtlas", response_class=Response, responses=PNG)
async def get_featurevis_atlas(entry: NetworkDep, layer: LayerDep) -> Response:
    """The latest feature visualization of this layer: all channels' images on a near-square grid (RGB PNG)."""
    result = service.featurevis_result(entry, layer.id)
    return Response(await run_in_threadpool(wire.image_atlas_png, result.images), media_type="image/png",
                    headers={"X-Featurevis-Channels": ",".join(map(str, result.channels))})


@router.get("/featurevis/{channel}.png", operation_id="getFeaturevisImage", response_class=Response, responses=PNG)
async def get_featurevis_image(entry: NetworkDep, layer: LayerDep, channel: int) -> Response:
    """One channel's feature visualization image (PNG, the network's input size)."""
    image = service.featurevis_image(entry, layer.id, channel)
    return Response(await run_in_threadpool(wire.png_bytes, image), media_type="image/png")
