"""Every error leaves the server as ``{"error": code, "detail": text}``; a client mistake is never a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from layerwalk.errors import LayerwalkError

log = logging.getLogger("layerwalk.api")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 415: "unsupported_media_type", 501: "not_available"}


class PayloadTooLarge(LayerwalkError):
    code, status = "too_large", 413


def error_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    # Starlette types every handler as taking Exception; it calls each with the class it was registered for.
    app.add_exception_handler(LayerwalkError, _layerwalk_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


async def _layerwalk_error(request: Request, exc: LayerwalkError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.detail)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(422, "invalid_request", "; ".join(_describe(e) for e in exc.errors()) or "invalid request")


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path {request.url.path!r}; the API is under /api (see /docs)"
    return error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), detail,
                          getattr(exc, "headers", None))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", f"internal error ({type(exc).__name__}); see the server log")


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body",)) or "request"
    return f"{where}: {error.get('msg', 'invalid')}"
