"""Response helpers shared by routers: binary/PNG/zip responses that carry the input version."""

from __future__ import annotations

from fastapi import Response

OCTET = {200: {"content": {"application/octet-stream": {}}, "description": "binary activation format"}}
PNG = {200: {"content": {"image/png": {}}, "description": "PNG image"}}
ZIP = {200: {"content": {"application/zip": {}}, "description": "zip archive"}}


def versioned(body: bytes, media_type: str, version: int | None, **headers: str) -> Response:
    extra = {"Cache-Control": "no-store", **headers}
    if version is not None:
        extra["X-Input-Version"] = str(version)
    return Response(body, media_type=media_type, headers=extra)
