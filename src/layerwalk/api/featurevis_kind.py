"""The ``featurevis`` job kind: adapts ``layerwalk.featurevis`` (issue 6) to the generic job system, if installed.

Expected library entry point (documented for issue 6)::

    layerwalk.featurevis.visualize(network, layer, channels, *, steps=None, start_image=None,
                                   progress=callable(fraction, message), should_stop=callable() -> bool)
        -> dict[int, PIL.Image]    # channel → image at the network's input size
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from layerwalk.jobs import JobCancelled, JobContext


def featurevis_job_kind() -> Callable[..., Any] | None:
    """The job function, or None when ``layerwalk.featurevis`` (with ``visualize``) is not importable."""
    try:
        module = importlib.import_module("layerwalk.featurevis")
    except ImportError:
        return None
    visualize = getattr(module, "visualize", None)
    return None if visualize is None else _make_job(visualize)


def _make_job(visualize: Callable[..., dict]) -> Callable[..., Any]:
    def run(ctx: JobContext, *, entry, layer: str, channels, steps, start: str, snapshot) -> dict:
        start_image = snapshot.input_image if start == "input" else None
        images = visualize(entry.network, layer, channels, steps=steps, start_image=start_image,
                           progress=ctx.progress, should_stop=lambda: ctx.cancelled)
        if ctx.cancelled:
            raise JobCancelled
        return store_images(entry, layer, images)

    return run


def store_images(entry, layer: str, images: dict[int, Any]) -> dict:
    """Keep the images for ``{"source":"featurevis"}`` inputs; the JSON result says how to use them."""
    for channel, image in images.items():
        entry.featurevis_images[(layer, int(channel))] = image
    return {"network": entry.id, "layer": layer, "channels": sorted(int(c) for c in images)}
