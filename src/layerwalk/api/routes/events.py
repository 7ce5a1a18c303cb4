"""The shared event stream: input changes and job progress, so every connected client sees the same state."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from layerwalk.api import schemas, service
from layerwalk.api.deps import StateDep
from layerwalk.api.events import event_stream

router = APIRouter(prefix="/api/events", tags=["events"], responses=schemas.ERRORS)


@router.get("", operation_id="events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}})
def events(state: StateDep) -> StreamingResponse:
    """Server-sent events: `event: input` {network, version, source}, `event: job` (job JSON) and
    `event: selection` (the linked views' selection, as GET /api/networks/{nid}/analysis/selection)."""
    return service.sse_response(event_stream(state.events, state.settings.heartbeat_seconds))
