"""ASGI middleware that guards every face: body size, security headers, trailing slashes, JSON bodies."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from almanac.domain.errors import AlmanacError, TooLargeError

Responder = Callable[[Request, AlmanacError], Any]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL"})


class BodySizeLimitMiddleware:
    """Refuses bodies over ``max_bytes`` with 413 before the app sees them.

    The declared Content-Length is checked first; chunked or lying bodies are
    read up to the limit and refused as soon as they cross it. The buffered
    body is then replayed to the app, so nothing is half-processed. Paths that
    take file uploads (``upload_paths``) have a limit of their own.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        responder: Responder,
        upload_paths: re.Pattern[str] | None = None,
        upload_max_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.responder = responder
        self.upload_paths = upload_paths
        self.upload_max_bytes = upload_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if self.upload_paths is not None and self.upload_paths.fullmatch(scope["path"].rstrip("/")):
            limit = self.upload_max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = self.responder(Request(scope, receive), TooLargeError(limit=limit))
        await response(scope, receive, send)


#: Headers every response carries: no MIME sniffing, no framing, no referrer leaks.
BASE_SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
#: JSON, iCalendar, XML and text are data, never a page: nothing may load, run or frame from them.
DATA_CSP: Final = b"default-src 'none'; frame-ancestors 'none'; sandbox"
#: The interactive API pages (/docs, /redoc) load Swagger UI's scripts; they still may not be framed.
PAGE_CSP: Final = b"frame-ancestors 'none'"


def security_headers(
    *, content_type: bytes, authenticated: bool, has_cache_control: bool, strict_transport_security: str | None
) -> list[tuple[bytes, bytes]]:
    """The security headers a response of this kind gets (each added only when the response lacks it)."""
    headers = list(BASE_SECURITY_HEADERS)
    is_page = content_type.split(b";", 1)[0].strip().lower() == b"text/html"
    headers.append((b"content-security-policy", PAGE_CSP if is_page else DATA_CSP))
    if authenticated and not has_cache_control:
        # Someone's own data: no shared or browser cache keeps it, unless the face chose its own caching.
        headers.append((b"cache-control", b"no-store"))
    if strict_transport_security:
        headers.append((b"strict-transport-security", strict_transport_security.encode("latin-1")))
    return headers


class SecurityHeadersMiddleware:
    """Adds the security headers to every response of every face (errors, 404s, DAV, feeds, 429s and 503s).

    Outermost of the app's middleware, so refusals made by the others carry them too; the last-resort
    500 handler (outside all middleware in Starlette) adds them itself via ``security_headers``.
    """

    def __init__(self, app: ASGIApp, *, strict_transport_security: str | None = None) -> None:
        self.app = app
        self.strict_transport_security = strict_transport_security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = any(name.lower() == b"authorization" for name, _ in scope.get("headers", []))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower(): value for name, value in headers}
                wanted = security_headers(
                    content_type=present.get(b"content-type", b""),
                    authenticated=authenticated,
                    has_cache_control=b"cache-control" in present,
                    strict_transport_security=self.strict_transport_security,
                )
                message["headers"] = headers + [(name, value) for name, value in wanted if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrailingSlashMiddleware:
    """Treats ``/x/`` like ``/x`` under the given prefixes (REST faces; DAV keeps its slashes)."""

    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/") and path.startswith(self.prefixes):
                scope = dict(scope, path=path.rstrip("/") or "/")
                scope["raw_path"] = scope["path"].encode("utf-8")
        await self.app(scope, receive, send)


class JsonBodyMiddleware:
    """Under the given prefixes, a request body is JSON whatever its Content-Type says.

    The Back Office documentation's own curl examples send JSON with curl's
    default form content type; they must work verbatim. Multipart bodies (file
    uploads) keep their type.
    """

    def __init__(self, app: ASGIApp, *, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _BODY_METHODS
            and scope["path"].startswith(self.prefixes)
            and not _is_multipart(scope)
        ):
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
            headers.append((b"content-type", b"application/json"))
            scope = dict(scope, headers=headers)
        await self.app(scope, receive, send)


def _is_multipart(scope: Scope) -> bool:
    return any(
        name.lower() == b"content-type" and value.strip().lower().startswith(b"multipart/")
        for name, value in scope.get("headers", [])
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
