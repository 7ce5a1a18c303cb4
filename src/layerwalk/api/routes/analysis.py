"""Global analyses of a network (``layerwalk.analysis``): receptive fields right away, the rest as jobs whose
results are served as JSON, CSV and PNG charts."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field, StrictInt
from starlette.concurrency import run_in_threadpool

from layerwalk.api import schemas
from layerwalk.api.deps import NetworkDep, StateDep
from layerwalk.api.routes._responses import PNG
from layerwalk.errors import LayerwalkError, NotFoundError
from layerwalk.jobs import JobContext

if TYPE_CHECKING:
    from layerwalk.api.state import AppState, NetworkEntry

router = APIRouter(prefix="/api/networks/{nid}/analysis", tags=["analysis"], responses=schemas.ERRORS)

KIND = "analysis"
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "CSV table"}}
LayerQuery = Annotated[str | None, Query(description="one analysed layer (default: all; charts: the first)")]


# --- schemas -----------------------------------------------------------------------------------------------------
class AxisFieldInfo(BaseModel):
    size: int | None = Field(description="theoretical extent in input pixels, padding included (None: irregular)")
    stride: int | None
    offset: int | None = Field(description="input coordinate where unit 0's field starts (negative: padding)")
    lo: list[int] = Field(description="per unit: first input pixel it sees (clipped to the image)")
    hi: list[int] = Field(description="per unit: last input pixel it sees")


class ReceptiveFieldInfo(BaseModel):
    node: str
    kind: str
    shape: list[int]
    y: AxisFieldInfo | None
    x: AxisFieldInfo | None
    box: list[int] | None = Field(description="(y0, x0, y1, x1) union of all units' fields")
    misaligned: bool
    path_sizes: list[list[int | None]]
    known: bool
    note: str


class ReceptiveFieldsResponse(BaseModel):
    network: str
    input_size: list[int]
    nodes: list[ReceptiveFieldInfo]


class AnalysisRequest(BaseModel):
    what: Literal["stats", "dead", "pca", "tsne", "rf", "focus"]
    n: StrictInt | None = Field(default=None, ge=1, le=100_000, description="dataset inputs (default 20; tsne 500)")
    layers: list[str] | None = Field(default=None, max_length=1000, description="default: all (tsne: last conv)")
    seed: StrictInt = 0
    features: Literal["sorted", "gap"] = "sorted"
    perplexity: float = Field(default=50.0, gt=0, le=1000)
    method: Literal["opentsne", "sklearn"] = "opentsne"
    channels: list[Annotated[StrictInt, Field(ge=0)]] | None = Field(default=None, max_length=4096,
                                                                    description="focus: filters (default: top)")
    top: StrictInt = Field(default=5, ge=1, le=4096, description="focus: the top filters by maximum activation")
    threshold: float = Field(default=0.98, gt=0, le=1, description="focus: keep neurons above threshold × max")


class AnalysisSelection(BaseModel):
    """What is selected for the linked views (ConvViz R5: brushing a filter in one view selects it in all)."""

    layer: str | None = Field(default=None, description="the layer whose filters are selected (None: no filters)")
    filters: list[Annotated[StrictInt, Field(ge=0)]] = Field(default=[], max_length=100_000,
                                                              description="channels of `layer`")
    inputs: list[Annotated[StrictInt, Field(ge=0)]] = Field(default=[], max_length=100_000,
                                                             description="dataset item indices")
    origin: str = Field(default="", max_length=100, description="who selected: chart, panel, python …")


class FilterWeights(BaseModel):
    """One filter as the network applies it (a following BatchNorm folded in): what the dead-filter details show."""

    layer: str
    channel: int
    weights: list[list[list[float]]] = Field(description="(in channels, kh, kw)")
    bias: float
    energy: float = Field(description="sum of squared weights (the dead-filter chart's x)")
    negative_pct: float = Field(description="% of the weights below zero (the dead-filter chart's y)")


class SelectionState(AnalysisSelection):
    network: str
    seq: int = Field(description="increases with every change; the same number on the event stream")


# --- job ---------------------------------------------------------------------------------------------------------
def analysis_job(ctx: JobContext, *, entry: NetworkEntry, what: str, options: dict[str, Any]) -> dict[str, Any]:
    """The ``analysis`` job kind: runs ``layerwalk.analysis.run_analysis`` with progress and cancel."""
    from layerwalk.analysis.run import run_analysis

    def progress(fraction: float, message: str) -> None:
        ctx.progress(fraction, message)
        ctx.check_cancelled()

    dataset = entry.dataset.dataset if entry.dataset is not None else None
    result = run_analysis(entry.network, what, dataset=dataset, progress=progress, **options)
    base = f"/api/networks/{entry.id}/analysis/{ctx.job_id}"
    layers = list(getattr(result, "layers", None) or getattr(result, "fields", None) or
                  ([result.node] if what == "tsne" else
                   dict.fromkeys(f.layer for f in result.filters) if what == "focus" else result))
    return {"network": entry.id, "analysis": what, "layers": layers, "data": f"{base}/data",
            "csv": f"{base}/table.csv", "chart": f"{base}/chart.png", "result": result}


def _finished(state: AppState, entry: NetworkEntry, job_id: str) -> tuple[str, Any]:
    """(analysis name, its result object: one of ``layerwalk.analysis``'s result types)."""
    job = state.jobs.get(job_id)
    if job.kind != KIND or not isinstance(job.result, dict) or job.result.get("network") != entry.id:
        raise NotFoundError(f"job {job_id!r} is not a finished analysis of network {entry.id!r} "
                            f"(state: {job.state.value}); start one with POST /api/networks/{entry.id}/analysis")
    return job.result["analysis"], job.result["result"]


# --- routes ------------------------------------------------------------------------------------------------------
@router.get("/receptive-fields", operation_id="getReceptiveFields", response_class=Response,
            responses={200: {"model": ReceptiveFieldsResponse, "description": "receptive field of every node"}})
async def get_receptive_fields(entry: NetworkDep) -> Response:
    """Receptive field (size, stride, offset per axis, and every unit's clipped field) of every layer."""
    from layerwalk.analysis import receptive_fields

    def compute() -> bytes:
        return json.dumps({"network": entry.id, **receptive_fields(entry.network).to_dict()}).encode()

    body = await run_in_threadpool(entry.cached, ("analysis", "receptive-fields"), compute)
    return Response(body, media_type="application/json")


@router.post("", operation_id="startAnalysis", response_model=schemas.JobCreated)
def start_analysis(entry: NetworkDep, state: StateDep, body: Annotated[AnalysisRequest, Body()]) -> dict[str, Any]:
    """Start an analysis job (stats, dead, pca, tsne, rf, focus on the current input); follow it at /api/jobs/{id}."""
    for layer in body.layers or ():
        entry.network.graph.node(layer)  # 404 naming the valid layers, before the job starts
    options = body.model_dump(exclude={"what"})
    if body.what == "focus":  # the input shown when the job was asked for, even if another arrives meanwhile
        options["image"] = entry.network.snapshot.input_image
    job = state.jobs.submit(KIND, entry=entry, what=body.what, options=options)
    return {"job": job.id}


@router.get("/{job}/data", operation_id="getAnalysisData", response_model=dict[str, Any])
def get_analysis_data(entry: NetworkDep, state: StateDep, job: str, layer: LayerQuery = None) -> dict[str, Any]:
    """A finished analysis as JSON: the whole result, or one layer of it."""
    from layerwalk.analysis.run import layer_part

    what, result = _finished(state, entry, job)
    return layer_part(what, result, layer)[0]


@router.get("/{job}/table.csv", operation_id="getAnalysisTable", response_class=Response, responses=CSV)
def get_analysis_table(entry: NetworkDep, state: StateDep, job: str, layer: LayerQuery = None) -> Response:
    """A finished analysis as a CSV table (one row per node, channel, filter or input)."""
    import csv

    from layerwalk.analysis.run import layer_part

    what, result = _finished(state, entry, job)
    rows = layer_part(what, result, layer)[1]
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    name = f"{entry.id}-{what}-{job}.csv"
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{job}/chart.png", operation_id="getAnalysisChart", response_class=Response, responses=PNG)
async def get_analysis_chart(entry: NetworkDep, state: StateDep, job: str, layer: LayerQuery = None) -> Response:
    """A finished analysis as a PNG chart (one layer; receptive fields and t-SNE: the whole result)."""
    from layerwalk.analysis.plots import png
    from layerwalk.analysis.report import chart

    what, result = _finished(state, entry, job)
    return Response(await run_in_threadpool(lambda: png(chart(what, result, layer))), media_type="image/png")



@router.get("/filter", operation_id="getAnalysisFilter", response_model=FilterWeights)
def get_analysis_filter(entry: NetworkDep, layer: Annotated[str, Query(description="a conv layer (node id)")],
                        channel: Annotated[int, Query(ge=0, description="the filter (output channel)")],
                        ) -> dict[str, Any]:
    """One filter's weights and bias with the following BatchNorm folded in (the same numbers as the dead-filter
    analysis): the dead-filter chart's details draw it as pixels."""
    from layerwalk.analysis.filters import effective_filters

    weights, bias = effective_filters(entry.network, entry.network.graph.node(layer).id)
    if channel >= weights.shape[0]:
        raise LayerwalkError(f"layer {layer!r} has filters 0…{weights.shape[0] - 1}, not {channel}")
    w = weights[channel].double()
    return {"layer": layer, "channel": channel, "weights": w.tolist(), "bias": float(bias[channel]),
            "energy": float((w ** 2).sum()), "negative_pct": float((w < 0).double().mean() * 100)}


@router.get("/selection", operation_id="getAnalysisSelection", response_model=SelectionState)
def get_analysis_selection(entry: NetworkDep) -> dict[str, Any]:
    """The selected filters and inputs of this network, shared by every view and client."""
    return entry.selection or SelectionState(network=entry.id, seq=0).model_dump()


@router.put("/selection", operation_id="setAnalysisSelection", response_model=SelectionState)
def set_analysis_selection(entry: NetworkDep, state: StateDep,
                           body: Annotated[AnalysisSelection, Body()]) -> dict[str, Any]:
    """Select filters (of one layer) and inputs; every client hears it as `event: selection` on /api/events."""
    if body.layer is not None:
        channels = entry.network.graph.node(body.layer).shape[0]  # 404 naming the valid layers
        wrong = [c for c in body.filters if c >= channels]
        if wrong:
            raise LayerwalkError(f"layer {body.layer!r} has channels 0…{channels - 1}, not {wrong[:5]}")
    elif body.filters:
        raise LayerwalkError("filters need the layer they belong to: set \"layer\"")
    with entry.selection_lock:  # seq and the order of the events agree
        seq = (entry.selection or {}).get("seq", 0) + 1
        entry.selection = SelectionState(network=entry.id, seq=seq, **body.model_dump()).model_dump()
        state.events.publish("selection", entry.selection)
    return entry.selection
