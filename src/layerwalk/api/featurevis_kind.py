"""The ``featurevis`` job kind: runs ``layerwalk.featurevis`` as a background job and keeps its images.

The job starts from the input snapshot taken when it was submitted, so a new input arriving while it runs does
not change what it computes. Results go to ``entry.featurevis_images`` (for ``{"source": "featurevis"}`` inputs
and the image endpoints) only when the job completes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from layerwalk.jobs import JobCancelled, JobContext


def featurevis_job_kind() -> Callable[..., Any] | None:
    """The job function, or None when ``layerwalk.featurevis`` is not importable."""
    try:
        module = importlib.import_module("layerwalk.featurevis")
    except ImportError:
        return None
    return _make_job(module.featurevis, module.Cancelled)


def _make_job(featurevis: Callable[..., Any], cancelled: type[Exception]) -> Callable[..., Any]:
    def run(ctx: JobContext, *, entry, layer: str, channels, steps, start: str, snapshot) -> dict:
        begin = snapshot.activations["input"] if start == "input" else "noise:0"
        overrides = {"steps": steps} if steps else {}
        try:
            result = featurevis(entry.network, layer, channels, start=begin, progress=ctx.progress,
                                should_stop=lambda: ctx.cancelled, **overrides)
        except cancelled:
            raise JobCancelled from None
        return store_result(entry, result)

    return run


def store_result(entry, result) -> dict:
    """Keep the images (for feeding back and for the image endpoints); the JSON says where to get them."""
    for channel, image in zip(result.channels, result.images):
        entry.featurevis_images[(result.layer, int(channel))] = image
    entry.featurevis_results[result.layer] = result
    base = f"/api/networks/{entry.id}/layers/{result.layer}/featurevis"
    from layerwalk.engine.colormap import grid_shape

    return {
        "network": entry.id, "layer": result.layer, "target": result.target, "channels": result.channels,
        "grid": list(grid_shape(len(result.channels))), "atlas": f"{base}.png",
        "images": [f"{base}/{c}.png" for c in result.channels],
        "start_objective": [float(v) for v in result.start_objective],
        "final_objective": [float(v) for v in result.final_objective],
        "cached": result.cached, "seconds": round(result.seconds, 2),
    }
