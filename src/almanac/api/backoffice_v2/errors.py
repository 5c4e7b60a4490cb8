"""The Back Office v2 error table: status codes and the one JSON error shape of this face.

Shape: ``{"code", "message", "errors": [{"field", "code", "message"}]}``.
Validation failures are 400 (the Back Office convention, not 422). Objects the
caller may not read, and writes they may not make, are 404, so an id reveals
nothing.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from almanac.api.errors import InternalError, MethodNotAllowedError, StatusTable, json_error, renamed_field, status_for
from almanac.api.i18n import Translator
from almanac.domain.errors import (
    AlmanacError,
    AuthenticationError,
    BusyError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitedError,
    TooLargeError,
)
from almanac.domain.idempotency import IdempotencyKeyReusedError

STATUS: Final[StatusTable] = [
    (InvalidInputError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 404),
    (NotFoundError, 404),
    (MethodNotAllowedError, 405),
    (ConflictError, 409),
    (IdempotencyKeyReusedError, 422),
    (PreconditionFailedError, 412),
    (TooLargeError, 413),
    (RateLimitedError, 429),
    (InternalError, 500),
    (BusyError, 503),
]

#: Domain field names as this face calls them.
WIRE_FIELDS: Final = {
    "summary": "caption",
    "starts_at": "startDate",
    "ends_at": "endDate",
    "participants": "recipients",
    "reminders": "notifications",
    "event_types": "eventTypes",
    "tzid": "timeZone",
    "all_day": "allDay",
}


def wire_field(name: str) -> str:
    return renamed_field(name, WIRE_FIELDS)


#: The path parameters of this face that name an object, and the kind each names (as the services say it).
_PATH_KINDS: Final = {"eventId": "event", "webhookId": "webhook", "reminderId": "reminder"}


def hidden_as_missing(request: Request) -> NotFoundError:
    """The NotFoundError the services raise for an unknown id in this request's path, to answer a refusal with.

    Services raise PermissionDeniedError without naming the object (the eXo face words it that way); here
    the refusal must read exactly as "No event with id 7 was found.", or the difference would tell a
    caller that id 7 exists.
    """
    for name, kind in _PATH_KINDS.items():
        if name in request.path_params:
            raw: str = request.path_params[name]
            # Numeric ids are read as numbers ("007" names event 7), and unknown ones are reported that way.
            return NotFoundError(kind=kind, id=int(raw) if raw.isascii() and raw.isdigit() else raw)
    return NotFoundError(kind="object", id=request.url.path.rsplit("/", 1)[-1])


class BackofficeErrorRenderer:
    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    def __call__(self, request: Request, error: AlmanacError, language: str) -> Response:
        status = status_for(error, STATUS)
        if isinstance(error, PermissionDeniedError):
            # Indistinguishable from "no such object" (see module docstring): the very answer an unknown id gets.
            error = hidden_as_missing(request)
        t = self._translator.translate
        problems = error.problems if isinstance(error, InvalidInputError) else []
        body: dict[str, object] = {
            "code": error.code,
            "message": t(language, error.template, error.params),
            "errors": [
                {"field": wire_field(p.field), "code": p.code, "message": t(language, p.template, p.params)}
                for p in problems
            ],
        }
        headers: dict[str, str] = {}
        if isinstance(error, AuthenticationError):
            sent_token = request.headers.get("authorization", "").lower().startswith("bearer ")
            headers["WWW-Authenticate"] = 'Bearer realm="almanac"' + (', error="invalid_token"' if sent_token else "")
        if isinstance(error, (RateLimitedError, BusyError)):
            headers["Retry-After"] = str(error.params.get("retry_after", 60))
        return json_error(status, body, headers)
