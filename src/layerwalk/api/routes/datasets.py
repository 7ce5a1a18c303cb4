"""Datasets: the list, a page of items, one item's original image."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from layerwalk.api import schemas, service, wire
from layerwalk.api.deps import DatasetDep, StateDep
from layerwalk.api.routes._responses import PNG, versioned

router = APIRouter(prefix="/api/datasets", tags=["datasets"], responses=schemas.ERRORS)


@router.get("", operation_id="listDatasets", response_model=list[schemas.DatasetInfo])
def list_datasets(state: StateDep) -> list[dict[str, Any]]:
    """All datasets with their size, class names and channel count."""
    return [{"id": d.id, "name": str(d.dataset.name), "spec": d.dataset.spec,
             "size": len(d.dataset), "class_names": list(d.dataset.class_names or []),
             "channels": int(d.dataset.channels)} for d in state.datasets]


@router.get("/{did}/items", operation_id="listDatasetItems", response_model=schemas.DatasetItems)
def list_items(dataset: DatasetDep, offset: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 24) -> dict[str, Any]:
    """A page of items: index, label and class name."""
    total = len(dataset.dataset)
    indices = range(min(offset, total), min(offset + limit, total))
    items = [{"index": i, **service.item_label(dataset, i)} for i in indices]
    return {"total": total, "offset": offset, "items": items}


@router.get("/{did}/items/{i}/image", operation_id="getDatasetImage", response_class=Response, responses=PNG)
async def get_item_image(dataset: DatasetDep, i: Annotated[int, Path(ge=0)]) -> Response:
    """One item's original pixels as PNG."""
    service.check_index(dataset, i)
    image = await run_in_threadpool(dataset.dataset.image, i)
    return versioned(await run_in_threadpool(wire.png_bytes, image), "image/png", None,
                     **{"Cache-Control": "max-age=3600"})
