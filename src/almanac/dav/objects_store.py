"""The face's access to calendar object resources (``services.calendar_objects``), with the RFC 4791 §5.3.2.1
preconditions its failures break.

Every call checks the caller's rights in the service; an object reached
through another user's home path is not found, like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from almanac.dav import paths
from almanac.dav.context import DavRequest
from almanac.dav.errors import DavError, caldav_condition
from almanac.dav.resources import StoredObject
from almanac.dav.xml import element, href
from almanac.domain.calendar_data import CalendarDataError, UidConflictError, UnsupportedComponentError
from almanac.domain.errors import InvalidInputError, NotFoundError
from almanac.domain.preconditions import IfMatch
from almanac.services import calendar_object_reads, calendar_objects
from almanac.services.calendar_object_reads import ObjectsInWindow


def list_stored_objects(
    request: DavRequest, calendar_key: str, *, components: Collection[str] | None = None
) -> list[StoredObject]:
    """The calendar's objects (only those holding ``components`` when given)."""
    found = calendar_objects.list_objects(
        request.services, principal=request.principal, calendar_key=calendar_key, components=components
    )
    return list(found)


def load_stored_object(request: DavRequest, calendar_key: str, name: str) -> StoredObject:
    if not request.is_own_home():
        raise NotFoundError(kind="resource", id=name)
    return calendar_objects.get_object(
        request.services, principal=request.principal, calendar_key=calendar_key, name=name
    )


def stored_objects_named(request: DavRequest, calendar_key: str, names: list[str]) -> dict[str, StoredObject]:
    """The named objects of the calendar that exist (one read for all of them, as calendar-multiget needs)."""
    if not request.is_own_home():
        return {}
    found = calendar_object_reads.objects_named(
        request.services, principal=request.principal, calendar_key=calendar_key, names=names
    )
    return dict(found)


def stored_objects_in_window(request: DavRequest, calendar_key: str, start: datetime, end: datetime) -> ObjectsInWindow:
    return calendar_object_reads.objects_in_window(
        request.services, principal=request.principal, calendar_key=calendar_key, window_start=start, window_end=end
    )


def stored_journals_reaching(
    request: DavRequest, calendar_key: str, start: datetime, end: datetime
) -> list[StoredObject]:
    """The journals that may have an instance in the window (each still checked against the filter)."""
    return list(
        calendar_object_reads.journals_reaching(
            request.services, principal=request.principal, calendar_key=calendar_key, window_start=start, window_end=end
        )
    )


def store_object(
    request: DavRequest,
    calendar_key: str,
    name: str,
    data: bytes,
    *,
    if_match: IfMatch | None,
    if_none_match_any: bool,
) -> tuple[StoredObject, bool]:
    try:
        return calendar_objects.put_object(
            request.services,
            principal=request.principal,
            calendar_key=calendar_key,
            name=name,
            data=data,
            if_match=if_match,
            if_none_match_any=if_none_match_any,
        )
    except UnsupportedComponentError as exc:
        raise DavError(403, caldav_condition("supported-calendar-component"), exc.render()) from exc
    except CalendarDataError as exc:
        # Unparsable data, or data breaking a rule every event obeys (both name the line at fault).
        condition = "valid-calendar-data" if _is_syntax(exc) else "valid-calendar-object-resource"
        raise DavError(403, caldav_condition(condition), exc.render()) from exc
    except UidConflictError as exc:
        other = exc.params.get("name")
        detail = None
        if isinstance(other, str) and other != name:
            other_href = paths.object_href(request.principal.username, calendar_key, other)
            detail = element(caldav_condition("no-uid-conflict"), href(other_href))
        raise DavError(403, caldav_condition("no-uid-conflict"), exc.render(), detail=detail) from exc
    except InvalidInputError as exc:
        raise DavError(403, caldav_condition("valid-calendar-object-resource"), exc.render()) from exc


def _is_syntax(error: CalendarDataError) -> bool:
    """True when the data could not be read as one calendar object (as opposed to an event rule broken)."""
    return not error.__cause__ or not isinstance(error.__cause__, InvalidInputError)


def remove_object(request: DavRequest, calendar_key: str, name: str, *, if_match: IfMatch | None) -> None:
    calendar_objects.delete_object(
        request.services, principal=request.principal, calendar_key=calendar_key, name=name, if_match=if_match
    )
