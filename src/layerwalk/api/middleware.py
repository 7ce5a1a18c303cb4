"""Pure ASGI middleware (streaming-safe): the Host/Origin guard, token authentication, a request-body size cap
and HEAD for every GET route."""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from layerwalk.api.config import Settings
from layerwalk.api.errors import PayloadTooLarge, error_response

COOKIE = "layerwalk_token"


def token_matches(token: str, *, authorization: str | None = None, header: str | None = None,
                  cookie: str | None = None, query: str | None = None) -> tuple[bool, bool]:
    """(accepted, via_query): a Bearer header, the X-Layerwalk-Token header, the cookie or ``?token=``."""
    bearer = authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else None
    for candidate in (bearer, header, cookie):
        if candidate and secrets.compare_digest(candidate.encode(), token.encode()):
            return True, False
    if query and secrets.compare_digest(query.encode(), token.encode()):
        return True, True
    return False, False


class TokenAuth:
    """Every request needs the token; a valid ``?token=`` also sets a cookie so the browser client keeps working."""

    def __init__(self, app: ASGIApp, token: str | None):
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.token:
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is just no cookie
            cookies = SimpleCookie()
        ok, via_query = token_matches(
            self.token, authorization=headers.get("authorization"), header=headers.get("x-layerwalk-token"),
            cookie=cookies[COOKIE].value if COOKIE in cookies else None,
            query=QueryParams(scope.get("query_string", b"").decode("latin-1")).get("token"))
        if not ok:
            response = error_response(401, "unauthorized", "this server needs its access token: open the URL with "
                                      "?token=… that `layerwalk serve` printed, or send 'Authorization: Bearer TOKEN'",
                                      headers={"WWW-Authenticate": "Bearer"})
            return await response(scope, receive, send)
        if not via_query:
            return await self.app(scope, receive, send)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "set-cookie", f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413), by Content-Length up front or while streaming.

    A chunked body has no Content-Length: the count stops it mid-stream, and since the multipart parser turns any
    error into its own 400, the response is replaced by the 413 here."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    def _detail(self) -> str:
        return f"the request body is over the {self.limit // 2**20} MiB upload limit; upload a smaller image"

    def _too_large(self) -> JSONResponse:
        return error_response(413, "too_large", self._detail())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._too_large()(scope, receive, send)
            return
        seen, over, replaced = 0, False, False

        async def counting_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                over = True
                raise PayloadTooLarge(self._detail())
            return message

        async def send_413_when_over(message: Message) -> None:
            nonlocal replaced
            if not over:
                return await send(message)
            if message["type"] == "http.response.start" and not replaced:
                replaced = True
                await self._too_large()(scope, receive, send)

        await self.app(scope, counting_receive, send_413_when_over)


class SiteGuard:
    """DNS rebinding and cross-site requests, refused as Jupyter does.

    ``Host`` must be a loopback name or address, the ``--host`` or an ``allowed_hosts`` entry (after a DNS rebind
    the browser sends the attacker's name). Requests that change state (POST/PUT/PATCH/DELETE) and every read under
    ``/api`` (dataset images, activations …) must come from this server's own pages: their ``Origin`` (else
    ``Referer``, else ``Sec-Fetch-Site``) must match ``Host`` or be one of ``cors_origins``. Clients that are not
    browsers send none of these headers and are not affected.
    """

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings
        self.origins = {o.rstrip("/").lower() for o in settings.cors_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        host = headers.get("host")
        if host is not None and not self.settings.accepts_host(_host_name(host)):
            response = error_response(403, "forbidden_host", f"this server does not answer to the host name "
                                      f"{_host_name(host)!r}; open it as http://127.0.0.1:PORT/ or "
                                      "http://localhost:PORT/, or add the name to allowed_hosts (--allowed-host)")
            return await response(scope, receive, send)
        guarded = scope["method"] not in ("GET", "HEAD", "OPTIONS") or scope["path"].startswith("/api/")
        foreign = _foreign_origin(headers, host, self.origins) if guarded else None
        if foreign is not None:
            response = error_response(403, "cross_site", f"requests from {foreign} are refused: only this server's "
                                      "own pages may use its API; add the page's origin to cors_origins "
                                      "(--cors-origin) if you trust it")
            return await response(scope, receive, send)
        await self.app(scope, receive, send)


def _host_name(host: str) -> str:
    """``Host`` without its port: ``[::1]:5570`` → ``::1``, ``localhost:5570`` → ``localhost``."""
    host = host.strip()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _foreign_origin(headers: Headers, host: str | None, allowed: set[str]) -> str | None:
    """The other site a browser request comes from, or None for same-origin and non-browser requests."""
    origin = headers.get("origin")
    if origin is None and headers.get("referer"):
        parts = urlsplit(headers["referer"])
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "null"
    if origin is not None:
        netloc = urlsplit(origin).netloc.lower() if origin != "null" else None
        same = netloc is not None and host is not None and netloc == host.strip().lower()
        return None if same or origin.rstrip("/").lower() in allowed else f"the page at {origin!r}"
    if headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return "a page on another site"
    return None


class HeadAsGet:
    """``HEAD`` answers like ``GET`` without the body (FastAPI routes only know GET); a streaming response
    (server-sent events) is ended after its headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)
        done = False

        async def headers_only(message: Message) -> None:
            nonlocal done
            if done and message.get("more_body"):
                raise OSError("HEAD response already sent")  # ends a streaming response like a disconnect
            if message["type"] == "http.response.start":
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                done = True

        async def receive_until_done() -> Message:
            return {"type": "http.disconnect"} if done else await receive()

        try:
            await self.app({**scope, "method": "GET"}, receive_until_done, headers_only)
        except Exception:
            if not done:
                raise
