"""The one table from failures to DAV responses: statuses, RFC preconditions and the Basic challenge.

Services raise domain errors; the CalDAV face turns them into HTTP here and
nowhere else. A handler that knows which RFC precondition a failure breaks
(RFC 4791 §5.3.2.1, RFC 6578 §3.2...) raises ``DavError`` with that condition,
chained ``from`` the domain error.
"""

from __future__ import annotations

import logging
from typing import Final

from starlette.responses import Response

from almanac.dav.xml import CALDAV, DAV, Element, element, serialize, tag
from almanac.domain.changes import UnknownSyncRevisionError
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

log = logging.getLogger("almanac.dav")

#: The realm of the Basic challenge every 401 carries (RFC 7617).
CHALLENGE: Final = 'Basic realm="Almanac", charset="UTF-8"'


class DavError(Exception):
    """A refusal with an HTTP status and, when the RFC names one, its precondition element (Clark notation)."""

    def __init__(
        self, status: int, condition: str | None = None, message: str = "", *, detail: Element | None = None
    ) -> None:
        self.status = status
        self.condition = condition
        self.message = message
        # The condition element with content (e.g. no-uid-conflict holding the href of the other resource).
        self.detail = detail
        super().__init__(message or condition or str(status))


def need_privileges() -> str:
    return tag(DAV, "need-privileges")


def valid_sync_token() -> str:
    return tag(DAV, "valid-sync-token")


def caldav_condition(name: str) -> str:
    return tag(CALDAV, name)


_STATUSES: Final[list[tuple[type[AlmanacError], int, str | None]]] = [
    (AuthenticationError, 401, None),
    (RateLimitedError, 429, None),
    (BusyError, 503, None),
    (NotFoundError, 404, None),
    (PreconditionFailedError, 412, None),
    (UnknownSyncRevisionError, 403, tag(DAV, "valid-sync-token")),
    (PermissionDeniedError, 403, tag(DAV, "need-privileges")),
    (ConflictError, 409, None),
    (TooLargeError, 413, None),
    (InvalidInputError, 400, None),
]


def dav_error_of(error: AlmanacError) -> DavError:
    """The DAV form of a domain error (statuses as the REST faces, plus RFC conditions where one applies)."""
    for error_class, status, condition in _STATUSES:
        if isinstance(error, error_class):
            return DavError(status, condition, error.render())
    return DavError(400, None, error.render())


def error_response(error: DavError | AlmanacError, *, message: str | None = None) -> Response:
    """The response for a refusal: a DAV:error body naming the broken precondition, else plain text.

    ``message`` replaces the English text (the caller's translation, where one was made).
    """
    dav = error if isinstance(error, DavError) else dav_error_of(error)
    if message is not None:
        dav.message = message
    headers = {"Cache-Control": "no-store"}
    if dav.status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
    if isinstance(error, (RateLimitedError, BusyError)) and "retry_after" in error.params:
        headers["Retry-After"] = str(error.params["retry_after"])
    if dav.condition is None:
        return Response(dav.message + "\n", status_code=dav.status, media_type="text/plain", headers=headers)
    body = element(tag(DAV, "error"), dav.detail if dav.detail is not None else element(dav.condition))
    if dav.message:
        body.append(element(tag(DAV, "responsedescription"), text=dav.message))
    return Response(
        serialize(body), status_code=dav.status, media_type="application/xml; charset=utf-8", headers=headers
    )
