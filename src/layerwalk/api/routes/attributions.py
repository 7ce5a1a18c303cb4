"""Attribution ("why this class?"): start a job, read its result, its maps in the binary activation format and
its input-level overlay (docs/attribution-api.md)."""

from __future__ import annotations

import json
import struct
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool, StrictInt
from starlette.concurrency import run_in_threadpool

from layerwalk.api import schemas, wire
from layerwalk.api.deps import NetworkDep, StateDep
from layerwalk.api.routes._responses import OCTET, PNG, versioned
from layerwalk.jobs import JobCancelled, JobContext

if TYPE_CHECKING:
    from layerwalk.api.state import NetworkEntry
    from layerwalk.attribution.result import AttributionResult
    from layerwalk.engine import Snapshot

router = APIRouter(prefix="/api/networks/{nid}/attributions", tags=["attribution"], responses=schemas.ERRORS)
methods_router = APIRouter(prefix="/api/attribution", tags=["attribution"], responses=schemas.ERRORS)

KIND = "attribution"
TargetQuery = Annotated[int | None, Query(description="class index from the result's targets (default: the first)")]


# --- schemas -----------------------------------------------------------------------------------------------------
class ParamInfo(BaseModel):
    name: str
    type: str
    default: Any
    description: str
    choices: list[Any] | None
    maximum: float | None


class MethodInfo(BaseModel):
    name: str
    label: str
    family: str = Field(description="cam | gradient | backprop | perturbation | shapley")
    layer_maps: bool = Field(description="gives per-layer maps (false: only the input-level map)")
    input_map: bool
    params: list[ParamInfo]
    sanity: str | None = Field(description="what the literature reports about the model-randomisation check")


class AttributionRequest(BaseModel):
    method: str = "gradcam"
    targets: list[StrictInt] | None = Field(default=None, max_length=1000, description="class indices; null: top-5")
    layers: list[str] | None = Field(default=None, max_length=5000, description="node ids; null: every spatial layer")
    params: dict[str, Any] = Field(default_factory=dict, description="method parameters (GET /api/attribution/methods)")
    sanity: StrictBool = Field(default=False, description="also run the cascading model-randomisation check")


_DEFAULT_REQUEST = AttributionRequest()


# --- job ---------------------------------------------------------------------------------------------------------
def attribution_job(ctx: JobContext, *, entry: NetworkEntry, method: str, targets: list[int] | None,
                    layers: list[str] | None, params: dict[str, Any], sanity: bool,
                    snapshot: Snapshot) -> dict[str, Any]:
    """The ``attribution`` job kind: one ``layerwalk.attribute`` call with progress and cancel."""
    from layerwalk.attribution import Cancelled, attribute

    try:
        result = attribute(entry.network, method, targets, layers, snapshot=snapshot, sanity=sanity,
                           progress=ctx.progress, should_stop=lambda: ctx.cancelled, **params)
    except Cancelled:
        raise JobCancelled from None
    return result_json(entry, result)


def result_json(entry: NetworkEntry, result: AttributionResult) -> dict[str, Any]:
    base = f"/api/networks/{entry.id}/attributions/{result.key}"
    return {"network": entry.id, **result.to_dict(), "maps": f"{base}/maps", "input": f"{base}/input.png"}


def _result(entry: NetworkEntry, key: str) -> AttributionResult:
    from layerwalk.attribution import cache

    result: AttributionResult = cache.get(entry.network, key)
    return result


# --- routes ------------------------------------------------------------------------------------------------------
@methods_router.get("/methods", operation_id="listAttributionMethods", response_model=list[MethodInfo])
def list_methods() -> list[dict[str, Any]]:
    """Every attribution method with its parameters."""
    from layerwalk.attribution import method_infos

    return method_infos()


@router.post("", operation_id="startAttribution", response_model=schemas.JobCreated)
def start_attribution(entry: NetworkDep, state: StateDep,
                      body: Annotated[AttributionRequest, Body()] = _DEFAULT_REQUEST) -> dict[str, Any]:
    """Start attributing the current input's targets at the given layers; follow the job at /api/jobs/{id}."""
    from layerwalk.attribution import get_method
    from layerwalk.attribution.core import resolve_layers, resolve_params, resolve_targets

    network, snapshot = entry.network, entry.network.snapshot
    impl = get_method(body.method)  # 404 naming the valid methods, before the job starts
    resolve_layers(network, impl, body.layers)
    resolve_targets(network, snapshot, None, body.targets)
    resolve_params(impl, body.params)
    job = state.jobs.submit(KIND, entry=entry, method=body.method, targets=body.targets, layers=body.layers,
                            params=body.params, sanity=body.sanity, snapshot=snapshot)
    return {"job": job.id}


@router.get("/{key}", operation_id="getAttribution", response_model=schemas.AttributionResultOut)
def get_attribution(entry: NetworkDep, key: str) -> dict[str, Any]:
    """A finished attribution: targets, layers with per-channel scores, delta, cost, sanity."""
    return result_json(entry, _result(entry, key))


@router.get("/{key}/maps", operation_id="getAttributionMaps", response_class=Response, responses=OCTET)
async def get_attribution_maps(entry: NetworkDep, key: str, request: Request, target: TargetQuery = None,
                               view: Literal["channels", "layer"] = "channels") -> Response:
    """Signed maps of one target in the binary activation format: (C,H,W) per layer, or (1,H,W) with view=layer."""
    result = _result(entry, key)
    pos = result.position(target)

    def pack() -> bytes:
        from layerwalk.engine.encoding import encode

        maps = result.channel_maps if view == "channels" else {k: v.unsqueeze(1) for k, v in result.maps.items()}
        layers = [(lid, encode(maps[lid][pos])) for lid in result.layers]
        extra = {"key": result.key, "method": result.method, "target": result.target_indices[pos], "view": view}
        return _with_header(wire.pack_activations(entry.id, result.version, layers), extra)

    body = await run_in_threadpool(pack)
    encoding = wire.choose_encoding(request.headers.get("accept-encoding"))
    headers = {"Vary": "Accept-Encoding"}
    if encoding:
        body = await run_in_threadpool(wire.compress, body, encoding)
        headers["Content-Encoding"] = encoding
    return versioned(body, "application/octet-stream", result.version, **headers)


@router.get("/{key}/input.png", operation_id="getAttributionInput", response_class=Response, responses=PNG)
async def get_attribution_input(entry: NetworkDep, key: str, target: TargetQuery = None,
                                overlay: bool = True) -> Response:
    """The input-level map of one target in red–white–blue, blended over the input unless overlay=false."""
    from layerwalk.attribution.figures import input_overlay
    from layerwalk.errors import NotFoundError

    result = _result(entry, key)
    if result.input_map is None:
        raise NotFoundError(f"{result.method} gives no input-level map")
    image = await run_in_threadpool(input_overlay, result, target, overlay)
    return versioned(await run_in_threadpool(wire.png_bytes, image), "image/png", result.version)


def _with_header(payload: bytes, extra: dict[str, Any]) -> bytes:
    """The binary activation format with ``extra`` keys added to its JSON header."""
    (n,) = struct.unpack_from("<I", payload)
    header = {**json.loads(payload[4:4 + n]), **extra}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<I", len(encoded)) + encoded + payload[4 + n:]
