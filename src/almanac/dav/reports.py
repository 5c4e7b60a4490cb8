"""REPORT (RFC 3253 §3.6) on calendar collections: calendar-query and calendar-multiget (RFC 4791 §7.8-7.9),
sync-collection (RFC 6578 §3.2) and free-busy-query (RFC 4791 §7.10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from starlette.responses import Response

from almanac.dav import paths
from almanac.dav.context import DavRequest
from almanac.dav.errors import DavError, caldav_condition
from almanac.dav.expansion import expand_object, expand_todos, limit_recurrence_set
from almanac.dav.filters import (
    CompFilter,
    TimeRange,
    event_window,
    journal_window,
    matches,
    needs_components,
    parse_filter,
    parse_time_range,
    wanted_components,
)
from almanac.dav.objects_store import (
    list_stored_objects,
    stored_journals_reaching,
    stored_objects_in_window,
    stored_objects_named,
)
from almanac.dav.paths import TargetKind, href_target
from almanac.dav.propfind import PropertyRequest, multistatus, resource_response, status_line
from almanac.dav.resources import ObjectResource, StoredObject
from almanac.dav.sync import SyncPosition, SyncRequest, sync_token, truncation_mark
from almanac.dav.xml import CALDAV, DAV, Element, child, children, element, href, parse_body, tag
from almanac.domain.errors import NotFoundError
from almanac.domain.events import Availability
from almanac.domain.series import EventOccurrence
from almanac.services.calendar_sync import (
    changes_since,
    check_revision,
    current_revision,
    objects_after,
    occurrences_by_object,
)
from almanac.services.calendars import CalendarView, get_readable_calendar


@dataclass(frozen=True)
class _Data:
    """An object's data as a report hands it out (expanded or limited when calendar-data asks)."""

    name: str
    etag: str
    data: bytes
    updated_at: datetime
    component: str


@dataclass(frozen=True)
class DataRequest:
    """What ``calendar-data`` asks of each object: as stored, expanded over a window, or limited to it."""

    expand: TimeRange | None = None
    limit: TimeRange | None = None

    @classmethod
    def of(cls, prop: Element | None) -> DataRequest:
        data = child(prop, tag(CALDAV, "calendar-data"))
        return cls(
            expand=parse_time_range(child(data, tag(CALDAV, "expand"))),
            limit=parse_time_range(child(data, tag(CALDAV, "limit-recurrence-set"))),
        )


def report(request: DavRequest) -> Response:
    body = parse_body(request.body)
    if body is None:
        raise DavError(400, None, "A REPORT needs a body.")
    handlers = {
        tag(CALDAV, "calendar-query"): calendar_query,
        tag(CALDAV, "calendar-multiget"): calendar_multiget,
        tag(DAV, "sync-collection"): sync_collection,
        tag(CALDAV, "free-busy-query"): free_busy_query,
    }
    handler = handlers.get(str(body.tag))
    if handler is None:
        raise DavError(403, tag(DAV, "supported-report"), f"The report {body.tag!s} is not supported here.")
    return handler(request, body)


def _calendar_key(request: DavRequest) -> str:
    """The key of the calendar collection the report is asked of (a report elsewhere is refused).

    Whether the caller may read it is decided by the read the report makes (each refuses an unreadable
    calendar like an unknown one), so a report does not look the calendar up twice.
    """
    target = request.target
    if target.kind is not TargetKind.CALENDAR or target.calendar_key is None:
        raise DavError(403, tag(DAV, "supported-report"), "Calendar reports are answered on calendar collections.")
    if not request.is_own_home():
        raise NotFoundError(kind="calendar", id=target.calendar_key)
    return target.calendar_key


def _calendar(request: DavRequest) -> CalendarView:
    key = _calendar_key(request)
    return get_readable_calendar(request.services, principal=request.principal, calendar_key=key)


def _window(request: DavRequest, time_range: TimeRange) -> tuple[datetime, datetime]:
    """A bounded window: an open side reaches as far as the server expands at once from the other."""
    longest = request.services.event_limits.recurrence.max_window
    start, end = time_range.start, time_range.end
    if start is None:
        assert end is not None
        start = end - longest
    if end is None:
        end = start + longest
    return start, end


def _occurrences(request: DavRequest, key: str, time_range: TimeRange) -> dict[str, list[EventOccurrence]]:
    start, end = _window(request, time_range)
    return occurrences_by_object(
        request.services, principal=request.principal, calendar_key=key, window_start=start, window_end=end
    )


Expansion = dict[str, list[EventOccurrence]]


@dataclass(frozen=True)
class _Shaping:
    """What ``calendar-data`` asks of every object, resolved once per report: its windows, and the events'
    occurrences to expand into (by object name; a task's recurrence is read from its own data)."""

    expand: tuple[datetime, datetime] | None = None
    limit: tuple[datetime, datetime] | None = None
    occurrences: Expansion | None = None


def _shaping(request: DavRequest, key: str, shape: DataRequest, *, known: Expansion | None = None) -> _Shaping:
    """``known``: the occurrences the filter's window query already read, when the expand window is the same."""
    expand = None if shape.expand is None else _window(request, shape.expand)
    limit = None if shape.limit is None else _window(request, shape.limit)
    occurrences = None
    if shape.expand is not None:
        occurrences = known if known is not None else _occurrences(request, key, shape.expand)
    return _Shaping(expand=expand, limit=limit, occurrences=occurrences)


def _shaped(stored: StoredObject, shaping: _Shaping) -> StoredObject:
    """The object's data as ``calendar-data`` asked for it."""
    data = stored.data
    if stored.component != "VEVENT":
        if shaping.expand is None:
            return stored
        data = expand_todos(data, *shaping.expand)
    elif shaping.expand is not None:
        data = expand_object(data, (shaping.occurrences or {}).get(stored.name, []))
    elif shaping.limit is not None:
        data = limit_recurrence_set(data, *shaping.limit)
    if data is stored.data:
        return stored
    return _Data(
        name=stored.name, etag=stored.etag, data=data, updated_at=stored.updated_at, component=stored.component
    )


def _object_response(request: DavRequest, key: str, stored: StoredObject, wanted: PropertyRequest) -> Element:
    resource = ObjectResource(
        href=paths.object_href(request.principal.username, key, stored.name), principal=request.principal, stored=stored
    )
    return resource_response(resource, wanted)


def calendar_query(request: DavRequest, body: Element) -> Response:
    key = _calendar_key(request)
    wanted = PropertyRequest.from_parent(body)
    shape = DataRequest.of(child(body, tag(DAV, "prop")))
    root = parse_filter(child(body, tag(CALDAV, "filter")))
    selected: list[StoredObject] = []
    kinds = wanted_components(root)
    if not kinds:
        _calendar(request)  # nothing to read, but an unreadable calendar still answers 404
    else:
        objects, known = _candidates(request, key, root, kinds, shape)
        shaping = _shaping(request, key, shape, known=known)
        check = needs_components(root)
        # Matched and shaped before the answer starts (either may refuse); their responses are built as sent.
        selected = [_shaped(stored, shaping) for stored in objects if not check or matches(root, stored.data)]
    return multistatus(_object_response(request, key, stored, wanted) for stored in selected)


def _candidates(
    request: DavRequest, key: str, root: CompFilter, kinds: frozenset[str], shape: DataRequest
) -> tuple[list[StoredObject], Expansion | None]:
    """The objects of ``kinds`` that may match the filter, read as narrowly as its time ranges allow, and the
    events' occurrences when the window query read those ``expand`` needs."""
    objects: list[StoredObject] = []
    known: Expansion | None = None
    rest = set(kinds)
    window = event_window(root)
    if "VEVENT" in kinds and window is not None:
        # Events in a time range (the VEVENT comp-filter's or VCALENDAR's) are found by the window query.
        rest.discard("VEVENT")
        start, end = _window(request, window)
        found = stored_objects_in_window(request, key, start, end)
        names = set(found.objects)
        if root.time_range is not None and root.time_range != window:
            other = stored_objects_in_window(request, key, *_window(request, root.time_range))
            names &= set(other.objects)
        objects += [found.objects[name] for name in sorted(names)]
        if shape.expand is not None and _window(request, shape.expand) == (start, end):
            known = found.occurrences
    journals = journal_window(root)
    if rest == {"VJOURNAL"} and journals is not None:
        objects += stored_journals_reaching(request, key, *_window(request, journals))
    elif rest:
        objects += list_stored_objects(request, key, components=rest)
    return objects, known


def calendar_multiget(request: DavRequest, body: Element) -> Response:
    key = _calendar_key(request)
    wanted = PropertyRequest.from_parent(body)
    shape = DataRequest.of(child(body, tag(DAV, "prop")))
    asked: list[tuple[str, str | None]] = []
    for href_element in children(body, tag(DAV, "href")):
        text = (href_element.text or "").strip()
        target = href_target(text)
        named = target.kind is TargetKind.OBJECT and target.calendar_key == key and target.name is not None
        asked.append((text, target.name if named else None))
    found = stored_objects_named(request, key, [name for _, name in asked if name is not None])
    shaping = _shaping(request, key, shape) if found else _Shaping()
    shaped = {name: _shaped(stored, shaping) for name, stored in found.items()}
    return multistatus(
        _named_response(request, key, text, None if name is None else shaped.get(name), wanted) for text, name in asked
    )


def _named_response(
    request: DavRequest, key: str, text: str, stored: StoredObject | None, wanted: PropertyRequest
) -> Element:
    """The response for one href a client named: the object's, or 404 when it names none."""
    if stored is None:
        return element(tag(DAV, "response"), href(text), element(tag(DAV, "status"), text=status_line(404)))
    return _object_response(request, key, stored, wanted)


def sync_collection(request: DavRequest, body: Element) -> Response:
    view = _calendar(request)
    key = view.calendar.key
    asked = SyncRequest.of(body, key)
    wanted = PropertyRequest.from_parent(body)
    ctx, principal = request.services, request.principal
    position = asked.position
    # Each name listed, with its object (None for one gone: a 404 response).
    listed: list[tuple[str, StoredObject | None]]
    if position is None or position.after is not None:
        # An initial sync (or a later page of one): the objects by name, and the revision read before the first
        # page (a change made meanwhile is sent again next time, never lost).
        if position is None:
            revision = current_revision(ctx, principal=principal, calendar_key=key)
        else:
            revision = position.revision
            check_revision(ctx, principal=principal, calendar_key=key, revision=revision)
        page = objects_after(
            ctx,
            principal=principal,
            calendar_key=key,
            after=None if position is None else position.after,
            limit=asked.limit,
        )
        listed = [(stored.name, stored) for stored in page.objects]
        truncated = page.truncated
        reached = SyncPosition(revision, page.objects[-1].name if truncated else None)
    else:
        delta = changes_since(ctx, principal=principal, calendar_key=key, revision=position.revision, limit=asked.limit)
        present = stored_objects_named(request, key, [c.name for c in delta.changes if not c.is_deletion])
        listed = [(c.name, None if c.is_deletion else present.get(c.name)) for c in delta.changes]
        truncated = delta.truncated
        reached = SyncPosition(delta.revision)
    tail = [truncation_mark(paths.calendar_href(principal.username, key))] if truncated else []
    tail.append(element(tag(DAV, "sync-token"), text=sync_token(key, reached)))
    responses = (
        _named_response(request, key, paths.object_href(principal.username, key, name), stored, wanted)
        for name, stored in listed
    )
    return multistatus(responses, *tail)


_FBTYPES: Final = {Availability.BUSY: "BUSY", Availability.OUTSIDE: "BUSY-UNAVAILABLE"}


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def free_busy_query(request: DavRequest, body: Element) -> Response:
    """A VFREEBUSY of the calendar's busy time in the range (transparent events leave it free)."""
    key = _calendar_key(request)
    time_range = parse_time_range(child(body, tag(CALDAV, "time-range")))
    if time_range is None:
        raise DavError(400, caldav_condition("valid-filter"), "A free-busy-query needs a time-range.")
    start, end = _window(request, time_range)
    found = _occurrences(request, key, TimeRange(start, end))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Almanac//CalDAV//EN",
        "BEGIN:VFREEBUSY",
        f"DTSTAMP:{_utc(request.services.clock.now())}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
    ]
    periods = sorted(
        (max(o.starts_at, start), min(o.ends_at, end), _FBTYPES[o.event.availability])
        for occurrences in found.values()
        for o in occurrences
        if o.event.availability in _FBTYPES
    )
    lines += [f"FREEBUSY;FBTYPE={fbtype}:{_utc(s)}/{_utc(e)}" for s, e, fbtype in periods]
    lines += ["END:VFREEBUSY", "END:VCALENDAR", ""]
    return Response("\r\n".join(lines).encode("utf-8"), media_type="text/calendar; charset=utf-8")
