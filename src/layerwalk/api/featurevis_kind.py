"""The ``featurevis`` job kind: runs ``layerwalk.featurevis`` as a background job and keeps its images.

The job starts from the input snapshot taken when it was submitted, so a new input arriving while it runs does
not change what it computes. Results go to ``entry.featurevis`` (for ``{"source": "featurevis"}`` inputs and the
image endpoints) only when the job completes; the job's JSON result is ``schemas.FeatureVisJobResult``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from layerwalk.api.state import NetworkEntry
from layerwalk.engine import Snapshot, grid_shape
from layerwalk.featurevis import Cancelled, FeatureVisResult, featurevis
from layerwalk.featurevis.objectives import Objective
from layerwalk.jobs import JobCancelled, JobContext


def featurevis_job(ctx: JobContext, *, entry: NetworkEntry, layer: str, channels: list[int] | None,
                   steps: int | None, start: str, snapshot: Snapshot, style: str = "paper",
                   objective: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Optimise ``channels`` of ``layer`` from the submitted ``snapshot``'s input (or noise) with progress and
    cancel, in ``style`` for ``objective`` (its JSON form; None = each channel); returns the JSON result."""
    begin = snapshot.activations["input"] if start == "input" else "noise:0"
    overrides: dict[str, Any] = {"steps": steps} if steps else {}
    try:
        result = featurevis(entry.network, layer, channels, start=begin, progress=ctx.progress,
                            should_stop=lambda: ctx.cancelled, style=style,
                            objective=Objective.from_json(objective) if objective else None, **overrides)
    except Cancelled:
        raise JobCancelled from None
    return store_result(entry, result, STARTS.get(style, start))


# What the images start from: the request's ``start`` for the paper's style; the other styles choose their own.
STARTS = {"lucid": "noise", "convviz": "dataset"}


def featurevis_job_kind() -> Callable[..., dict[str, Any]]:
    """The job function registered as ``featurevis`` by ``create_app``."""
    return featurevis_job


def store_result(entry: NetworkEntry, result: FeatureVisResult, start: str = "noise") -> dict[str, Any]:
    """Keep the images (for feeding back and for the image endpoints); the JSON says where to get them."""
    entry.featurevis.put(result, start)
    return result_json(entry, result, start)


def result_json(entry: NetworkEntry, result: FeatureVisResult, start: str) -> dict[str, Any]:
    """``schemas.FeatureVisJobResult`` of a kept result: the job's answer and an entry of the list endpoint."""
    base = f"/api/networks/{entry.id}/layers/{result.layer}/featurevis"
    return {
        "network": entry.id, "layer": result.layer, "target": result.target, "channels": list(result.channels),
        "grid": list(grid_shape(len(result.channels))), "atlas": f"{base}.png",
        "images": [f"{base}/{c}.png" for c in result.channels],
        "start_objective": [float(v) for v in result.start_objective],
        "final_objective": [float(v) for v in result.final_objective],
        "cached": result.cached, "seconds": round(result.seconds, 2), "style": result.style, "start": start,
        "objective": result.objective, "dead_channels": list(result.dead_channels),
    }
