"""The face's access to calendar object resources (``services.calendar_objects``, the iCalendar seam)."""

from __future__ import annotations

from almanac.dav.context import DavRequest
from almanac.dav.resources import StoredObject
from almanac.domain.errors import NotFoundError
from almanac.domain.preconditions import IfMatch


def list_stored_objects(request: DavRequest, calendar_key: str) -> list[StoredObject]:
    return []


def load_stored_object(request: DavRequest, calendar_key: str, name: str) -> StoredObject:
    raise NotFoundError(kind="resource", id=name)


def store_object(
    request: DavRequest,
    calendar_key: str,
    name: str,
    data: bytes,
    *,
    if_match: IfMatch | None,
    if_none_match_any: bool,
) -> tuple[StoredObject, bool]:
    raise NotFoundError(kind="resource", id=name)


def remove_object(request: DavRequest, calendar_key: str, name: str, *, if_match: IfMatch | None) -> None:
    raise NotFoundError(kind="resource", id=name)
