"""Setting a network's input: from a dataset item, noise, a feature visualization, or an uploaded image."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, UploadFile
from PIL import Image
from starlette.concurrency import run_in_threadpool

from layerwalk.api import schemas, service
from layerwalk.api.deps import NetworkDep, StateDep
from layerwalk.api.state import NetworkEntry

router = APIRouter(prefix="/api/networks/{nid}/input", tags=["input"], responses=schemas.ERRORS)


@router.post("", operation_id="setInput", response_model=schemas.InputResponse)
async def set_input(entry: NetworkDep, state: StateDep,
                    body: Annotated[schemas.InputRequest, Body()]) -> dict[str, Any]:
    """Set the input from a dataset item, a noise seed or a finished feature visualization; runs the forward pass."""
    if isinstance(body, schemas.DatasetSource):
        dataset = state.dataset(body.dataset)
        service.check_index(dataset, body.index)
        image = await run_in_threadpool(dataset.dataset.image, body.index)
        source = {"source": "dataset", "dataset": dataset.id, "index": body.index,
                  **service.item_label(dataset, body.index)}
    elif isinstance(body, schemas.NoiseSource):
        image = await run_in_threadpool(_noise, entry, body.seed)
        source = {"source": "noise", "seed": body.seed}
    else:
        entry.network.graph.node(body.layer)  # 404 naming the layers
        image = service.featurevis_image(entry, body.layer, body.channel)
        source = {"source": "featurevis", "layer": body.layer, "channel": body.channel}
    snapshot = await service.set_input(state, entry, image, source)
    return service.input_response(entry, snapshot)


@router.post("/upload", operation_id="uploadInput", response_model=schemas.InputResponse)
async def upload_input(entry: NetworkDep, state: StateDep, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Set the input from an uploaded image (decoded by content; size and pixel count are capped)."""
    from layerwalk.data import open_image

    await file.seek(0)
    # the spooled file itself, not its bytes: uploads waiting for a decoder slot hold no copy of up to 20 MiB each
    image = await run_in_threadpool(open_image, file.file, max_bytes=state.settings.max_upload_bytes,
                                    max_pixels=state.settings.max_upload_pixels)
    name = (file.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:120]
    snapshot = await service.set_input(state, entry, image, {"source": "upload", "name": name})
    return service.input_response(entry, snapshot)


def _noise(entry: NetworkEntry, seed: int) -> Image.Image:
    from layerwalk.data import noise_image

    c, h, w = entry.network.input_size
    return noise_image(seed, (h, w), c)
