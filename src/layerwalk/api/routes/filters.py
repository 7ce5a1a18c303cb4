"""A layer's filters (ConvViz's filter view): its conv kernels and, for a first layer, one map's convolution steps.

Both come in the binary activation format (uint8 levels with a range and an exact zero level per entry), so the
client decodes them with the same parser as activations.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from layerwalk.api import schemas, service, wire
from layerwalk.api.deps import LayerDep, NetworkDep, SnapshotDep
from layerwalk.api.routes._responses import OCTET, versioned
from layerwalk.engine.encoding import encode
from layerwalk.probing.filters import first_layer_convolution, layer_weights

router = APIRouter(prefix="/api/networks/{nid}/layers/{lid}", tags=["filters"], responses=schemas.ERRORS)


@router.get("/weights", operation_id="getLayerWeights", response_class=Response, responses=OCTET)
async def get_layer_weights(entry: NetworkDep, layer: LayerDep) -> Response:
    """The layer's kernels: entries ``weight`` (out, in, kh, kw), ``norms`` (out, in) and ``bias`` (out) if any."""

    def pack() -> bytes:
        w = layer_weights(entry.network, layer.id)
        entries = [("weight", encode(w.weight)), ("norms", encode(w.norms))]
        if w.bias is not None:
            entries.append(("bias", encode(w.bias)))
        return wire.pack_activations(entry.id, 0, entries)

    return versioned(await service.on_compute_thread(entry, pack), "application/octet-stream", None)


@router.get("/convolution", operation_id="getFirstLayerConvolution", response_class=Response, responses=OCTET)
async def get_first_layer_convolution(entry: NetworkDep, snapshot: SnapshotDep, layer: LayerDep,
                                      channel: Annotated[int, Query(ge=0, description="the feature map")]) -> Response:
    """A first layer's map step by step: entries ``kernel`` (in, kh, kw), ``convolved``, ``biased``, ``output``."""

    def pack() -> tuple[bytes, dict[str, str]]:
        steps = first_layer_convolution(entry.network, layer.id, channel, snapshot)
        kernel = layer_weights(entry.network, layer.id).weight[steps.channel]
        entries = [("kernel", encode(kernel)), ("convolved", encode(steps.convolved[None])),
                   ("biased", encode(steps.biased[None])), ("output", encode(steps.output[None]))]
        headers = {"X-Bias": repr(steps.bias), "X-Batch-Norm": "1" if steps.batch_norm else "0"}
        return wire.pack_activations(entry.id, snapshot.version, entries), headers

    body, headers = await service.on_compute_thread(entry, pack)
    return versioned(body, "application/octet-stream", snapshot.version, **headers)
