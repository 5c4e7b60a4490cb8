"""Builds the FastAPI application from an already-wired ServiceContext (see ``almanac.bootstrap``)."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from almanac.api.backoffice_v2.errors import BackofficeErrorRenderer
from almanac.api.backoffice_v2.routes import router as backoffice_router
from almanac.api.backoffice_v2.schemas import V2_TEMPLATES
from almanac.api.error_responses import install_error_responses
from almanac.api.errors import ErrorResponder
from almanac.api.exo_v1 import PREFIX as EXO_PREFIX
from almanac.api.exo_v1.answers import router as exo_answers_router
from almanac.api.exo_v1.errors import ExoErrorRenderer
from almanac.api.exo_v1.files import UPLOAD_PATHS, upload_body_limit
from almanac.api.exo_v1.routes import router as exo_router
from almanac.api.expensive_queries import ExpensiveQueryGuard
from almanac.api.feeds import PUBLIC_PREFIX as FEEDS_PREFIX
from almanac.api.feeds import FeedErrorRenderer
from almanac.api.feeds import router as feeds_router
from almanac.api.i18n import Translator
from almanac.api.middleware import (
    BodySizeLimitMiddleware,
    JsonBodyMiddleware,
    SecurityHeadersMiddleware,
    TrailingSlashMiddleware,
    security_headers,
)
from almanac.api.notifications.routes import router as notifications_router
from almanac.api.rate_limits import RateLimitMiddleware, rate_limiters
from almanac.api.wire import WIRE_TEMPLATES
from almanac.config import Settings
from almanac.services.context import ServiceContext

BACKOFFICE_PREFIX = "/api/v2"

DESCRIPTION = """\
Almanac serves one store of users, calendars and events through several faces.

* **Back Office Calendar events API v2** under `/api/v2`: Bearer tokens from `POST /api/v2/signin`
  or `almanac token issue`. Errors are `{"code", "message", "errors": [...]}` in the language of
  `Accept-Language` (English, Japanese).
* **eXo Calendar REST API v1** under `/rest/private/v1/calendar`: Bearer tokens or HTTP Basic
  (username and password). Errors follow eXo: 400 `{"message", "developerMessage"}`, 401 for
  refused writes, 404 for what the caller may not read.
"""


def create_app(*, services: ServiceContext, settings: Settings, translator: Translator | None = None) -> FastAPI:
    app = FastAPI(
        title="Almanac",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": "Authentication", "description": "Back Office sign-in, token refresh and sign-out."},
            {"name": "Calendar events", "description": "The Back Office Calendar events API v2."},
            {"name": "eXo calendars", "description": "eXo Calendar REST API v1: calendars and sharing."},
            {"name": "eXo events", "description": "eXo Calendar REST API v1: events and the event queries."},
            {"name": "eXo categories", "description": "eXo Calendar REST API v1: event categories."},
            {"name": "eXo tasks", "description": "eXo Calendar REST API v1: tasks (to-dos) of calendars."},
            {
                "name": "eXo attachments",
                "description": "eXo Calendar REST API v1: files of events and tasks, their content, and uploads.",
            },
            {"name": "eXo feeds", "description": "eXo Calendar REST API v1: a user's feeds and their RSS."},
            {
                "name": "eXo invitations",
                "description": "eXo Calendar REST API v1: invitations, and the answer links of invitation mails.",
            },
            {"name": "eXo people", "description": "eXo Calendar REST API v1: participant suggestions, availability."},
            {"name": "iCalendar feeds", "description": "Public and private iCalendar subscriptions (no login)."},
            {
                "name": "Webhooks",
                "description": "Signed JSON POSTs of reminders and event changes (see the README).",
            },
            {"name": "Reminders", "description": "The caller's due popup reminders."},
        ],
    )
    app.state.services = services
    app.state.settings = settings
    translator = translator or Translator()
    responder = ErrorResponder(translator, default=BackofficeErrorRenderer(translator))
    responder.register(BACKOFFICE_PREFIX, BackofficeErrorRenderer(translator), V2_TEMPLATES)
    responder.register(EXO_PREFIX, ExoErrorRenderer(translator), WIRE_TEMPLATES)
    responder.register(FEEDS_PREFIX, FeedErrorRenderer(translator, ExoErrorRenderer(translator)), WIRE_TEMPLATES)
    hsts = settings.strict_transport_security

    def finish_unexpected(request: Request, response: Response) -> None:
        headers = security_headers(
            content_type=(response.headers.get("content-type") or "").encode("latin-1"),
            authenticated="authorization" in request.headers,
            has_cache_control="cache-control" in response.headers,
            strict_transport_security=hsts,
        )
        for name, value in headers:
            response.headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))

    responder.install(app, finish_unexpected=finish_unexpected)
    app.state.errors = responder
    app.state.expensive_queries = ExpensiveQueryGuard(
        limit=settings.max_concurrent_expensive_queries, wait_seconds=settings.expensive_query_wait_seconds
    )

    app.include_router(backoffice_router)
    app.include_router(exo_router)
    app.include_router(exo_answers_router)
    app.include_router(feeds_router)
    app.include_router(notifications_router)
    install_error_responses(app)

    # Outermost last: the security headers go on every response, even the refusals of the middleware
    # inside them; a caller over its rate is refused before its body is read; size is checked before
    # anything else reads the body.
    app.add_middleware(JsonBodyMiddleware, prefixes=(BACKOFFICE_PREFIX + "/", EXO_PREFIX))
    app.add_middleware(TrailingSlashMiddleware, prefixes=(BACKOFFICE_PREFIX + "/", EXO_PREFIX + "/"))
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        responder=responder.respond,
        upload_paths=UPLOAD_PATHS,
        upload_max_bytes=max(settings.max_body_bytes, upload_body_limit(settings)),
    )
    per_credentials, per_address = rate_limiters(
        per_token_per_minute=settings.rate_limit_per_token_per_minute,
        per_address_per_minute=settings.rate_limit_per_address_per_minute,
        burst=settings.rate_limit_burst,
    )
    app.add_middleware(
        RateLimitMiddleware, per_credentials=per_credentials, per_address=per_address, responder=responder.respond
    )
    app.add_middleware(SecurityHeadersMiddleware, strict_transport_security=hsts)
    return app
