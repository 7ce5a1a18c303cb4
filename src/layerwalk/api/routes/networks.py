"""Networks: the list, the graph with its 3D layout, classification, the current input, all activations and the
kept feature visualizations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from layerwalk.api import schemas, service, wire
from layerwalk.api.deps import NetworkDep, SnapshotDep, StateDep
from layerwalk.api.featurevis_kind import result_json
from layerwalk.api.routes._responses import OCTET, PNG, versioned
from layerwalk.api.state import NetworkEntry
from layerwalk.layout import layout_graph

router = APIRouter(prefix="/api/networks", tags=["networks"], responses=schemas.ERRORS)


@router.get("", operation_id="listNetworks", response_model=list[schemas.NetworkInfo])
def list_networks(state: StateDep) -> list[dict[str, Any]]:
    """All served networks with their input shape, dataset and class names."""
    return [network_info(entry) for entry in state.networks]


@router.get("/{nid}/graph", operation_id="getGraph", response_model=schemas.GraphResponse)
def get_graph(
    entry: NetworkDep, state: StateDep,
    arrangement: Annotated[Literal["auto", "conveyor", "wrap"] | None, Query(
        description="conveyor (one line), wrap (columns side by side) or auto (wrap long networks); "
                    "default: the server's --layout")] = None,
) -> dict[str, Any]:
    """The layer graph and its 3D layout (metres, input at z=0, running towards -z)."""
    graph = entry.network.graph
    chosen = arrangement or state.settings.layout
    if chosen not in entry._layouts:
        entry._layouts[chosen] = layout_graph(graph, chosen)
    nodes = [{**n.to_dict(), "has_weights": bool(n.module) and entry.network.has_weights(n.id)} for n in graph.nodes]
    return {"network": entry.id, "nodes": nodes, "total_params": graph.total_params, "detail": graph.detail,
            "method": graph.method, "layout": entry._layouts[chosen], "notes": list(graph.notes)}


@router.get("/{nid}/classification", operation_id="getClassification", response_model=schemas.ClassificationResponse)
def get_classification(snapshot: SnapshotDep, top: Annotated[int, Query(ge=1, le=1000)] = 5) -> dict[str, Any]:
    """The top-k classes of the current input."""
    return {"version": snapshot.version, "predictions": service.predictions(snapshot, top)}


@router.get("/{nid}/input.png", operation_id="getInputImage", response_class=Response, responses=PNG)
async def get_input_image(snapshot: SnapshotDep) -> Response:
    """The current input, resized to the model's input size, as PNG."""
    return versioned(await run_in_threadpool(wire.png_bytes, snapshot.input_image), "image/png", snapshot.version)


@router.get("/{nid}/activations", operation_id="getActivations", response_class=Response, responses=OCTET)
async def get_activations(entry: NetworkDep, snapshot: SnapshotDep, state: StateDep, request: Request) -> Response:
    """Every displayed layer's activation in one binary response (format: docs/architecture.md)."""
    body, headers = await service.activations_body(entry, snapshot, service.activation_layers(entry, snapshot),
                                                   state, request)
    return versioned(body, "application/octet-stream", snapshot.version, **headers)


@router.get("/{nid}/featurevis", operation_id="listFeaturevis", response_model=list[schemas.FeatureVisJobResult])
def list_featurevis(entry: NetworkDep) -> list[dict[str, Any]]:
    """The kept feature visualizations of this network (the latest per layer, least recent first)."""
    return [result_json(entry, result, start) for result, start in entry.featurevis.entries()]


def network_info(entry: NetworkEntry) -> dict[str, Any]:
    net = entry.network
    return {"id": entry.id, "name": str(net.name), "spec": net.spec,
            "input_shape": [int(v) for v in net.input_size], "num_layers": len(net.graph.nodes),
            "dataset": entry.dataset.id if entry.dataset else None, "class_names": list(net.class_names or []),
            "version": net.snapshot.version}
