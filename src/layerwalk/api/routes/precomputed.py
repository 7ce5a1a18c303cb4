"""Precomputed dataset-wide results (``layerwalk precompute``, served with ``--precomputed DIR``): per layer the
top-k dataset examples, their crop atlas and the per-channel statistics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from layerwalk.api import schemas
from layerwalk.api.deps import LayerDep, NetworkDep, StateDep
from layerwalk.api.routes._responses import PNG
from layerwalk.errors import NotFoundError

if TYPE_CHECKING:
    from layerwalk.api.state import AppState, NetworkEntry
    from layerwalk.precompute import Precomputed

router = APIRouter(prefix="/api/networks", tags=["precomputed"], responses=schemas.ERRORS)


class PrecomputedInfo(BaseModel):
    key: str
    dataset: dict[str, Any]
    images: int
    k: int
    layers: list[str]


class TopKRow(BaseModel):
    channel: int
    rank: int
    image: int
    value: float
    y: int
    x: int


class TopKResponse(BaseModel):
    layer: str
    kind: Literal["top", "bottom"]
    dataset: str | None
    rows: list[TopKRow]


class ChannelStatsRow(BaseModel):
    channel: int
    max: float
    min: float
    mean: float
    std: float
    fraction_active: float
    dead: bool


class StatsResponse(BaseModel):
    layer: str
    images: int
    channels: list[ChannelStatsRow]


def _run_for(state: AppState, entry: NetworkEntry) -> Precomputed:
    # Imported here, not at the top: the precompute stack (numba, scipy, pyarrow) is ≈ 100 MB of RSS that a server
    # started without --precomputed never needs (issue 13's memory target).
    from layerwalk.precompute import find_precomputed

    run = find_precomputed(state.settings.precomputed, entry.network)
    if run is None:
        raise NotFoundError(f"no precomputed results for network {entry.id}: run `layerwalk precompute SPEC "
                            f"--dataset D --out DIR` with the same model and weights, then serve with "
                            f"--precomputed DIR")
    return run


def _layer_of(run: Precomputed, lid: str) -> str:
    if lid not in run.layers:
        raise NotFoundError(f"layer {lid!r} was not precomputed; precomputed layers: {', '.join(run.layers[:8])}"
                            f"{' …' if len(run.layers) > 8 else ''}")
    return lid


@router.get("/{nid}/precomputed", operation_id="getPrecomputed", response_model=PrecomputedInfo)
async def get_precomputed(entry: NetworkDep, state: StateDep) -> dict[str, Any]:
    """Which precomputed run serves this network: its dataset, size, k and layers."""
    run = await run_in_threadpool(_run_for, state, entry)
    m = run.manifest
    return {"key": m["key"], "dataset": m["dataset"], "images": m["dataset"]["images"], "k": m["params"]["k"],
            "layers": run.layers}


@router.get("/{nid}/layers/{lid}/topk", operation_id="getLayerTopK", response_model=TopKResponse)
async def get_layer_topk(entry: NetworkDep, state: StateDep, layer: LayerDep,
                         channel: Annotated[int | None, Query(ge=0)] = None,
                         kind: Literal["top", "bottom"] = "top",
                         limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> dict[str, Any]:
    """The dataset images that excite each channel most (``kind=bottom``: least), best first."""
    run = await run_in_threadpool(_run_for, state, entry)
    table = await run_in_threadpool(run.topk, _layer_of(run, layer.id), channel, kind)
    rows = table.select(["channel", "rank", "image", "value", "y", "x"]).to_pylist()
    if limit is not None:
        rows = [r for r in rows if r["rank"] < limit]
    return {"layer": layer.id, "kind": kind, "dataset": run.manifest["dataset"].get("spec"), "rows": rows}


@router.get("/{nid}/layers/{lid}/topk.png", operation_id="getLayerTopKAtlas", response_class=FileResponse,
            responses=PNG)
async def get_layer_topk_atlas(entry: NetworkDep, state: StateDep, layer: LayerDep) -> FileResponse:
    """Each channel's most exciting dataset image as one atlas (same grid as the activation atlas)."""
    run = await run_in_threadpool(_run_for, state, entry)
    return FileResponse(run.atlas_path(_layer_of(run, layer.id)), media_type="image/png")


@router.get("/{nid}/layers/{lid}/stats", operation_id="getLayerDatasetStats", response_model=StatsResponse)
async def get_layer_dataset_stats(entry: NetworkDep, state: StateDep, layer: LayerDep) -> dict[str, Any]:
    """Per-channel statistics of this layer over the whole precomputed dataset (max, mean, active, dead)."""
    run = await run_in_threadpool(_run_for, state, entry)
    table = await run_in_threadpool(run.stats, _layer_of(run, layer.id))
    rows = table.drop(["layer"]).to_pylist()
    return {"layer": layer.id, "images": run.manifest["dataset"]["images"], "channels": rows}
