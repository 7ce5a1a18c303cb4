"""Training-data attribution of the current input (``layerwalk.influence``) as a job: which images of a dataset
helped (proponents) or hurt (opponents) the network's decision, overall and per layer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import torch
from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, StrictInt

from layerwalk.api import schemas
from layerwalk.api.deps import NetworkDep, StateDep
from layerwalk.api.state import DatasetEntry, NetworkEntry
from layerwalk.errors import LayerwalkError
from layerwalk.jobs import JobCancelled, JobContext

router = APIRouter(prefix="/api/networks/{nid}/influence", tags=["influence"], responses=schemas.ERRORS)

KIND = "influence"


class InfluenceRequest(BaseModel):
    method: Literal["ekfac", "lissa", "tracin"] = "ekfac"
    dataset: str | None = Field(default=None, max_length=100,
                                description="training images to score (dataset id; default: the network's dataset)")
    limit: StrictInt = Field(default=1000, ge=1, le=60_000, description="score the first LIMIT images of it")
    layers: Literal["all", "last"] = "all"
    top: StrictInt = Field(default=8, ge=1, le=100, description="proponents and opponents overall")
    layer_top: StrictInt = Field(default=3, ge=1, le=20, description="proponents and opponents per layer")
    self_influence: bool = Field(default=True, description="also rank the images by self-influence (not LiSSA)")
    self_top: StrictInt | None = Field(default=None, ge=1, le=60_000,
                                       description="how many images of highest self-influence to list, best first "
                                                   "(default: top); the dataset panel's self-influence sort")


def influence_job(ctx: JobContext, *, entry: NetworkEntry, dataset: DatasetEntry, request: dict[str, Any],
                  query: torch.Tensor, version: int) -> dict[str, Any]:
    """The ``influence`` job kind: runs ``layerwalk.influence`` on the submitted input with progress and cancel."""
    from layerwalk.influence import InfluenceCancelled, as_training_set, influence

    train = as_training_set(dataset.dataset, entry.network)
    train = train.subset(list(range(min(request["limit"], len(train)))))
    try:
        result = influence(entry.network, train, query, method=request["method"], layers=request["layers"],
                           self_influence=request["self_influence"] and request["method"] != "lissa",
                           progress=ctx.progress, should_stop=lambda: ctx.cancelled)
    except InfluenceCancelled:
        raise JobCancelled from None
    summary = result.to_dict(top=request["top"], layer_top=request["layer_top"], self_top=request["self_top"])
    return _with_urls(summary, entry, dataset.id, version)


def _with_urls(summary: dict[str, Any], entry: NetworkEntry, did: str, version: int) -> dict[str, Any]:
    def item(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "image": f"/api/datasets/{did}/items/{r['index']}/image"}

    query = summary["queries"][0]
    nodes = {n.module: n.id for n in entry.network.graph.nodes if n.module}
    return {"network": entry.id, "version": version, "dataset": did, "method": summary["method"],
            "label": query["label"], "train_size": summary["train_size"],
            "proponents": [item(r) for r in query["proponents"]], "opponents": [item(r) for r in query["opponents"]],
            "layers": [{"layer": name, "node": nodes.get(name), "proponents": [item(r) for r in part["proponents"]],
                        "opponents": [item(r) for r in part["opponents"]]} for name, part in query["layers"].items()],
            "self_influence": [item(r) for r in summary["self_influence"]],
            "cached": summary["cached"], "seconds": summary["seconds"]}


@router.post("", operation_id="startInfluence", response_model=schemas.JobCreated)
def start_influence(entry: NetworkDep, state: StateDep, body: Annotated[InfluenceRequest, Body()]) -> dict[str, Any]:
    """Start an influence job for the current input; follow it at /api/jobs/{id}."""
    dataset = state.dataset(body.dataset) if body.dataset else entry.dataset
    if dataset is None:
        raise LayerwalkError(f"network {entry.id} has no dataset; name one with \"dataset\" (see /api/datasets)")
    if dataset.dataset.label(0) is None:
        raise LayerwalkError(f"dataset {dataset.id} has no labels; influence needs the labels the model was "
                             "trained with")
    snapshot = entry.network.snapshot
    query = snapshot.activations["input"].unsqueeze(0)
    job = state.jobs.submit(KIND, entry=entry, dataset=dataset, request=body.model_dump(), query=query,
                            version=snapshot.version)
    return {"job": job.id}
