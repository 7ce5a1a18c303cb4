"""Response helpers shared by routers: binary/PNG/zip responses that carry the input version."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import Response
from fastapi.responses import StreamingResponse

from layerwalk.api.wire import Parts

Responses = dict[int | str, dict[str, Any]]  # OpenAPI ``responses=`` entries, as FastAPI types them

OCTET: Responses = {200: {"content": {"application/octet-stream": {}}, "description": "binary activation format"}}
PNG: Responses = {200: {"content": {"image/png": {}}, "description": "PNG image"}}
ZIP: Responses = {200: {"content": {"application/zip": {}}, "description": "zip archive"}}


def versioned(body: bytes | Parts, media_type: str, version: int | None, **headers: str) -> Response:
    extra = {"Cache-Control": "no-store", **headers}
    if version is not None:
        extra["X-Input-Version"] = str(version)
    if isinstance(body, Parts) and len(body) <= _CHUNK:
        body = bytes(body)
    if isinstance(body, Parts) or len(body) > _CHUNK:
        return _chunked(body, media_type, extra)
    return Response(body, media_type=media_type, headers=extra)


_CHUNK = 1 << 20


def _chunked(body: bytes | Parts, media_type: str, headers: dict[str, str]) -> StreamingResponse:
    """A large body sent in 1 MiB views of the (cached) bytes or parts. Written whole, the part the socket does
    not take at once is copied into the connection's buffer — 17 MB per ResNet50 reader, hundreds of MB under
    load; in chunks, uvicorn waits for the socket to drain between them and nothing is copied."""
    views = body.parts if isinstance(body, Parts) else [memoryview(body)]

    async def chunks() -> AsyncIterator[memoryview]:
        for view in views:
            for start in range(0, len(view), _CHUNK):
                yield view[start:start + _CHUNK]

    return StreamingResponse(chunks(), media_type=media_type, headers={**headers, "Content-Length": str(len(body))})
