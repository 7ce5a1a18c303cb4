"""Pure ASGI middleware (streaming-safe): token authentication and a request-body size cap."""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    """Refuse request bodies over ``limit`` bytes (413), by Content-Length up front or while streaming."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            response = error_response(413, "too_large", f"the request body is over the {self.limit:,}-byte limit; "
                                      "upload a smaller image")
            return await response(scope, receive, send)
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise PayloadTooLarge(f"the request body is over the {self.limit:,}-byte limit; upload a smaller image")
            return message

        await self.app(scope, counting_receive, send)
