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
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Final

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
from almanac.domain.errors import AlmanacError, InvalidInputError
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext

#: Turns a request's Authorization header into a principal (``api.auth.bearer_or_basic_principal``, injected
#: by the composition root) or raises AuthenticationError.
Authenticator = Callable[[Request, ServiceContext], Principal]

Handler = Callable[[DavRequest], Response]

#: Holds one slot of the process's cap on expensive queries for a block, or raises BusyError
#: (``api.expensive_queries.ExpensiveQueryGuard.hold``, injected by the composition root).
ExpensiveGuard = Callable[[], AbstractContextManager[Any]]

#: The message of a refusal in the caller's language (from the API's translator, injected likewise).
Describe = Callable[[Request, AlmanacError], str]

#: Translates an error template in a language: ``(language, template, params) -> text``.
Translate = Callable[[str, str, dict[str, Any]], str]

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

    def __init__(
        self,
        *,
        services: ServiceContext,
        authenticate: Authenticator,
        max_resource_size: int,
        expensive: ExpensiveGuard = nullcontext,
        describe: Describe | None = None,
    ) -> None:
        self.services = services
        self.authenticate = authenticate
        self.max_resource_size = max_resource_size
        self.expensive = expensive
        self.describe = describe

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
            if _is_expensive(dav_request):
                response = await run_in_threadpool(self._run_guarded, handler, dav_request)
            else:
                response = await run_in_threadpool(handler, dav_request)
        except DavError as exc:
            response = error_response(exc)
        except AlmanacError as exc:
            response = error_response(exc, message=self._message(request, exc))
        except Exception:
            log.exception("unexpected error on %s %s", method, path)
            response = Response("Something went wrong on our side.\n", status_code=500, media_type="text/plain")
        response.headers["DAV"] = DAV_HEADER
        if response.status_code == 405:
            response.headers["Allow"] = ALLOW
        return response

    def _run_guarded(self, handler: Handler, request: DavRequest) -> Response:
        # In the worker thread: waiting for a slot never blocks the event loop.
        with self.expensive():
            return handler(request)

    def _message(self, request: Request, error: AlmanacError) -> str | None:
        # Validation failures keep their detailed English text (field by field); the rest are translated.
        if self.describe is None or isinstance(error, InvalidInputError):
            return None
        return self.describe(request, error)


def _is_expensive(request: DavRequest) -> bool:
    """REPORT (queries, multiget, sync) and a Depth: 1 PROPFIND of a calendar (all its objects) are expensive."""
    if request.method == "REPORT":
        return True
    return (
        request.method == "PROPFIND"
        and request.target.kind is TargetKind.CALENDAR
        and request.headers.get("depth", "").strip() == "1"
    )


class DavErrorRenderer:
    """Renders failures found before the DAV app runs (a body over the size limit, a rate limit) in the DAV way."""

    def __init__(self, translate: Translate | None = None) -> None:
        self.translate = translate

    def __call__(self, request: Request, error: AlmanacError, language: str) -> Response:
        message = None
        if self.translate is not None and not isinstance(error, InvalidInputError):
            message = self.translate(language, error.template, error.params)
        response = error_response(error, message=message)
        response.headers["DAV"] = DAV_HEADER
        return response


def install(app: Starlette, dav: DavApp) -> None:
    """Mount the face at ``/dav`` and the RFC 6764 well-known URI that leads clients there."""
    app.router.routes.append(Mount(PREFIX, app=dav))
    app.router.routes.append(Route("/.well-known/caldav", dav, methods=sorted({*HANDLERS, "OPTIONS"})))
    app.router.routes.append(Route("/", dav, methods=["PROPFIND", "OPTIONS"]))
