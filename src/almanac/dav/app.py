"""The CalDAV face as one ASGI app: authenticate, dispatch on the method, translate failures once.

The protocol layer is Almanac's own, on lxml. Reusing a maintained DAV library
was weighed first: Xandikos's ``webdav.py`` is a ~3,900-line WSGI/aiohttp
module with its own resource model and untyped helpers, and WsgiDAV is WSGI
only and has no CalDAV; either would have wrapped Almanac's services in a
second object model and lost the typing and the ASGI stack the other faces
share. Services are synchronous (SQLAlchemy sessions), so handlers run in the
thread pool, like FastAPI's own sync routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from almanac.dav import paths
from almanac.dav.collections import delete_collection, mkcalendar, proppatch
from almanac.dav.context import DavRequest
from almanac.dav.errors import DavError, error_response, log
from almanac.dav.objects import delete_object, get_object, put_object
from almanac.dav.paths import PREFIX, TargetKind, parse_path
from almanac.dav.propfind import propfind
from almanac.dav.reports import report
from almanac.domain.errors import AlmanacError
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext

#: Turns a request's Authorization header into a principal (``api.auth.bearer_or_basic_principal``, injected
#: by the composition root) or raises AuthenticationError.
Authenticator = Callable[[Request, ServiceContext], Principal]

Handler = Callable[[DavRequest], Response]

#: RFC 4918 §10.1 compliance classes and RFC 4791 §5.1's calendar-access.
DAV_HEADER: Final = "1, 3, calendar-access"
ALLOW: Final = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR"


def _get(request: DavRequest) -> Response:
    if request.target.kind is TargetKind.OBJECT:
        return get_object(request)
    # Collections have no body of their own; say what this is, for a person who opens the URL.
    return Response("Almanac CalDAV server. Add it to a calendar app with this URL.\n", media_type="text/plain")


def _delete(request: DavRequest) -> Response:
    if request.target.kind is TargetKind.OBJECT:
        return delete_object(request)
    return delete_collection(request)


def _put(request: DavRequest) -> Response:
    if request.target.kind is not TargetKind.OBJECT:
        raise DavError(405, None, "Only calendar object resources (…/<calendar>/<name>.ics) are written with PUT.")
    return put_object(request)


HANDLERS: Final[dict[str, Handler]] = {
    "PROPFIND": propfind,
    "PROPPATCH": proppatch,
    "MKCALENDAR": mkcalendar,
    "REPORT": report,
    "GET": _get,
    "HEAD": _get,
    "PUT": _put,
    "DELETE": _delete,
}


class DavApp:
    """The ASGI app mounted at ``/dav`` (and answering ``/.well-known/caldav``, RFC 6764 §5)."""

    def __init__(self, *, services: ServiceContext, authenticate: Authenticator, max_resource_size: int) -> None:
        self.services = services
        self.authenticate = authenticate
        self.max_resource_size = max_resource_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        if request.method == "HEAD":
            response.body = b""
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        # Mounted at /dav, Starlette keeps the full path in the scope; the prefix is part of every target.
        path = request.url.path
        if path.rstrip("/") == "/.well-known/caldav":
            return RedirectResponse(paths.root_href(), status_code=301)
        method = request.method.upper()
        if method == "OPTIONS":
            return Response(status_code=200, headers={"DAV": DAV_HEADER, "Allow": ALLOW, "Content-Length": "0"})
        handler = HANDLERS.get(method)
        try:
            principal = await run_in_threadpool(self.authenticate, request, self.services)
            if handler is None:
                raise DavError(405, None, f"The method {method} is not supported here.")
            # The server's own root answers too: clients given only "http://host/" start there.
            target = parse_path(PREFIX + "/" if path == "/" else path)
            if target.kind is TargetKind.UNKNOWN:
                raise DavError(404, None, "There is no resource at this address.")
            dav_request = DavRequest(
                services=self.services,
                principal=principal,
                method=method,
                path=path,
                target=target,
                headers=request.headers,
                body=await request.body(),
                max_resource_size=self.max_resource_size,
            )
            response = await run_in_threadpool(handler, dav_request)
        except (AlmanacError, DavError) as exc:
            response = error_response(exc)
        except Exception:
            log.exception("unexpected error on %s %s", method, path)
            response = Response("Something went wrong on our side.\n", status_code=500, media_type="text/plain")
        response.headers["DAV"] = DAV_HEADER
        if response.status_code == 405:
            response.headers["Allow"] = ALLOW
        return response


class DavErrorRenderer:
    """Renders failures found before the DAV app runs (a body over the size limit) in the DAV way."""

    def __call__(self, request: Request, error: AlmanacError, language: str) -> Response:
        response = error_response(error)
        response.headers["DAV"] = DAV_HEADER
        return response


def install(app: Starlette, dav: DavApp) -> None:
    """Mount the face at ``/dav`` and the RFC 6764 well-known URI that leads clients there."""
    app.router.routes.append(Mount(PREFIX, app=dav))
    app.router.routes.append(Route("/.well-known/caldav", dav, methods=sorted({*HANDLERS, "OPTIONS"})))
    app.router.routes.append(Route("/", dav, methods=["PROPFIND", "OPTIONS"]))
