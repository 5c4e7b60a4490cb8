"""The eXo v1 error table (spec §1.9, §6): status codes and wire forms of every failure on this face.

* 400: ``{"message", "developerMessage"}`` — eXo's English messages (or their translation), first problem only;
* 401 for missing or bad credentials: a challenge (``WWW-Authenticate: Basic realm="almanac", Bearer``) and a message;
* 401 for a refused write: empty body, as eXo answers (its clients rely on it);
* 403 for the two forbidden personal-calendar changes: eXo's plain-text bodies;
* 404 (unknown or unreadable) and 500: empty bodies.
Every error response is ``Cache-Control: no-cache, no-store`` (spec §1.8).
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from almanac.api.errors import InternalError, MethodNotAllowedError, StatusTable, renamed_field, status_for
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
    Problem,
    RateLimitedError,
    TooLargeError,
)
from almanac.domain.idempotency import IdempotencyKeyReusedError
from almanac.domain.sharing import PersonalCalendarChangeError

NO_CACHE: Final = {"Cache-Control": "no-cache, no-store"}
CHALLENGE: Final = 'Basic realm="almanac", Bearer'

STATUS: Final[StatusTable] = [
    (PersonalCalendarChangeError, 403),
    (InvalidInputError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 401),
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

#: Problem codes whose template is a complete eXo-style message and whose code is the ``developerMessage``.
EXO_CODES: Final = frozenset(
    {
        "name",
        "owner",
        "groups",
        "timeZone",
        "viewPermission",
        "editPermission",
        "id",
        "availability",
        "priority",
        "privacy",
        "subject",
        "repeat",
        "repeatOn",
        "repeatBy",
        "event-date-time-logic",
        "from",
        "to",
        "categoryId",
        "reminderType",
        "alarmBefore",
        "startTime",
        "endTime",
        "offset",
        "limit",
        "jsonp",
        "invitation",
        "participant",
        "status",
        "usernames",
        "fromDate",
        "toDate",
        "uploadResources",
        "calendarIds",
        "file",
        # recurring events (README "Recurring events")
        "repeat.every",
        "repeat.end",
        "repeat.exclude",
        "recurringUpdateType",
        "start",
        "end",
    }
)

#: Domain field names as this face calls them.
WIRE_FIELDS: Final = {
    "summary": "subject",
    "starts_at": "from",
    "ends_at": "to",
    "reminders": "reminder",
    "recurrence": "repeat",
    "recurrence_id": "recurrenceId",
}


def wire_field(name: str) -> str:
    return renamed_field(name, WIRE_FIELDS)


class ExoErrorRenderer:
    def __init__(self, translator: Translator) -> None:
        self._translator = translator

    def __call__(self, request: Request, error: AlmanacError, language: str) -> Response:
        status = status_for(error, STATUS, default=400)
        t = self._translator.translate
        if isinstance(error, PersonalCalendarChangeError):
            return Response(t(language, error.template, error.params), 403, headers=NO_CACHE, media_type="text/plain")
        if isinstance(error, InvalidInputError):
            return JSONResponse(self._problem_body(error, language), 400, headers=NO_CACHE)
        if isinstance(error, AuthenticationError):
            body = {"message": t(language, error.template, error.params), "developerMessage": None}
            return JSONResponse(body, 401, headers={**NO_CACHE, "WWW-Authenticate": CHALLENGE})
        if status in (401, 404, 500):
            return Response(status_code=status, headers=NO_CACHE)
        headers = dict(NO_CACHE)
        if isinstance(error, (RateLimitedError, BusyError)):
            headers["Retry-After"] = str(error.params.get("retry_after", 60))
        body = {"message": t(language, error.template, error.params), "developerMessage": error.code}
        return JSONResponse(body, status, headers=headers)

    def _problem_body(self, error: InvalidInputError, language: str) -> dict[str, str | None]:
        t = self._translator.translate
        if not error.problems:
            return {"message": t(language, error.template, error.params), "developerMessage": None}
        problem: Problem = error.problems[0]
        text = t(language, problem.template, problem.params)
        if problem.code in EXO_CODES:
            return {"message": text, "developerMessage": problem.code}
        field = wire_field(problem.field)
        return {"message": f"{field}: {text}" if field else text, "developerMessage": field or None}
