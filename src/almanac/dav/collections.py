"""Changing calendar collections: PROPPATCH (RFC 4918 §9.2), MKCALENDAR (RFC 4791 §5.3.1), DELETE.

Calendar properties map onto calendar fields — ``displayname`` → name,
``calendar-description`` → description, Apple's ``calendar-color`` → colour (hex, or a CSS name stored as hex),
``calendar-order`` → sort order, ``calendar-timezone`` → the IANA zone of its
VTIMEZONE — and are changed through ``services.calendars`` under the same
rules as the REST faces. A PROPPATCH is all or nothing: one property Almanac
cannot store fails the request (403 for it, 424 for the others) and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from starlette.responses import Response

from almanac.dav.colors import parse_color
from almanac.dav.context import DavRequest
from almanac.dav.errors import DavError, caldav_condition, need_privileges
from almanac.dav.loading import not_found
from almanac.dav.paths import TargetKind
from almanac.dav.propfind import multistatus, propstat
from almanac.dav.timezones import tzid_of_timezone_calendar
from almanac.dav.xml import APPLE_ICAL, CALDAV, DAV, Element, children, element, href, parse_body, tag
from almanac.domain.calendars import CALENDAR_COMPONENTS, DEFAULT_COLOR
from almanac.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from almanac.services.calendars import (
    CalendarDraft,
    create_calendar,
    delete_calendar,
    get_readable_calendar,
    update_calendar,
)

#: Collection names a client may choose for a new calendar (they become the calendar's key).
_KEY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,199}")


@dataclass(frozen=True)
class _Setter:
    """How one writable property changes a draft: from its element (set) or to its default (remove)."""

    set: Callable[[CalendarDraft, Element], CalendarDraft]
    remove: Callable[[CalendarDraft], CalendarDraft]


def _text(value: Element) -> str:
    return "".join(value.itertext())


def _order(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError as exc:
        raise DavError(409, None, "calendar-order must be an integer.") from exc


WRITABLE: Final[dict[str, _Setter]] = {
    tag(DAV, "displayname"): _Setter(
        set=lambda d, e: replace(d, name=_text(e)),
        remove=lambda d: d,  # a calendar always has a name: removing it keeps it
    ),
    tag(CALDAV, "calendar-description"): _Setter(
        set=lambda d, e: replace(d, description=_text(e) or None),
        remove=lambda d: replace(d, description=None),
    ),
    tag(APPLE_ICAL, "calendar-color"): _Setter(
        # An empty value clears the colour, as a removal does.
        set=lambda d, e: replace(d, color=parse_color(_text(e)) or DEFAULT_COLOR),
        remove=lambda d: replace(d, color=DEFAULT_COLOR),
    ),
    tag(APPLE_ICAL, "calendar-order"): _Setter(
        set=lambda d, e: replace(d, sort_order=_order(_text(e))),
        remove=lambda d: replace(d, sort_order=None),
    ),
    tag(CALDAV, "calendar-timezone"): _Setter(
        set=lambda d, e: replace(d, tzid=tzid_of_timezone_calendar(_text(e))),
        remove=lambda d: d,  # a calendar always has a zone
    ),
}


def _draft_of(operations: list[tuple[bool, Element]]) -> tuple[CalendarDraft, list[Element], list[Element]]:
    """Apply ``(is_set, property)`` operations in order; the draft, the properties taken, and those refused."""
    draft = CalendarDraft()
    taken: list[Element] = []
    refused: list[Element] = []
    for is_set, prop in operations:
        setter = WRITABLE.get(str(prop.tag))
        if setter is None:
            refused.append(element(str(prop.tag)))
            continue
        draft = setter.set(draft, prop) if is_set else setter.remove(draft)
        taken.append(element(str(prop.tag)))
    return draft, taken, refused


def _operations(update: Element | None) -> list[tuple[bool, Element]]:
    found: list[tuple[bool, Element]] = []
    if update is None:
        return found
    for instruction in update:
        if instruction.tag not in (tag(DAV, "set"), tag(DAV, "remove")):
            continue
        for prop in children(instruction, tag(DAV, "prop")):
            found += [(instruction.tag == tag(DAV, "set"), p) for p in prop if isinstance(p.tag, str)]
    return found


def proppatch(request: DavRequest) -> Response:
    body = parse_body(request.body)
    if body is None or body.tag != tag(DAV, "propertyupdate"):
        raise DavError(400, None, "A PROPPATCH body must be a DAV:propertyupdate element.")
    operations = _operations(body)
    target = request.target
    if target.kind is not TargetKind.CALENDAR or target.calendar_key is None or not request.is_own_home():
        # Principals, homes and the root have no writable properties.
        return _all_failed(request, [element(str(p.tag)) for _, p in operations], 403)
    get_readable_calendar(request.services, principal=request.principal, calendar_key=target.calendar_key)  # 404 first
    try:
        draft, taken, refused = _draft_of(operations)
    except (InvalidInputError, DavError) as exc:
        return _all_failed(request, [element(str(p.tag)) for _, p in operations], 409, str(exc))
    if refused:
        response = element(tag(DAV, "response"), href(request.path))
        response.append(propstat(refused, 403))
        if taken:
            response.append(propstat(taken, 424))
        return multistatus([response])
    try:
        update_calendar(request.services, principal=request.principal, calendar_key=target.calendar_key, draft=draft)
    except InvalidInputError as exc:
        return _all_failed(request, taken, 409, exc.render())
    return _all_failed(request, taken, 200)


def _all_failed(request: DavRequest, props: list[Element], code: int, message: str = "") -> Response:
    response = element(tag(DAV, "response"), href(request.path), propstat(props, code))
    if message:
        response.append(element(tag(DAV, "responsedescription"), text=message))
    return multistatus([response])


def mkcalendar(request: DavRequest) -> Response:
    """Create a calendar named by the last path segment, in the caller's own home (RFC 4791 §5.3.1)."""
    target = request.target
    key = target.calendar_key
    if target.kind is not TargetKind.CALENDAR or key is None or not request.is_own_home():
        raise DavError(403, None, "Calendars are created in your own calendar home: /dav/calendars/<you>/<name>/.")
    if not _KEY.fullmatch(key):
        raise DavError(403, None, "A calendar's name may hold letters, digits, '.', '_', '-' and '@' (at most 200).")
    body = parse_body(request.body)
    operations: list[tuple[bool, Element]] = []
    if body is not None:
        if body.tag != tag(CALDAV, "mkcalendar"):
            raise DavError(400, None, "A MKCALENDAR body must be a CALDAV:mkcalendar element.")
        operations = _operations(body)
    components = _check_components(operations)
    operations = [(s, p) for s, p in operations if p.tag != tag(CALDAV, "supported-calendar-component-set")]
    try:
        draft, _taken, refused = _draft_of(operations)
    except InvalidInputError as exc:
        raise DavError(403, tag(DAV, "valid-resourcetype"), exc.render()) from exc
    if refused:
        raise DavError(403, None, "Almanac cannot store these properties: " + ", ".join(str(r.tag) for r in refused))
    try:
        create_calendar(request.services, principal=request.principal, draft=draft, key=key, components=components)
    except ConflictError as exc:
        raise DavError(405, tag(DAV, "resource-must-be-null"), exc.render()) from exc
    except InvalidInputError as exc:
        raise DavError(403, None, exc.render()) from exc
    return Response(status_code=201, headers={"Cache-Control": "no-store"})


def _check_components(operations: list[tuple[bool, Element]]) -> tuple[str, ...] | None:
    """The components the new calendar is to hold (None: the default, events, tasks and journals); 403 when the
    set names none of them (RFC 4791 §5.3.1: a VFREEBUSY-only calendar cannot be made here)."""
    wanted: tuple[str, ...] | None = None
    for _is_set, prop in operations:
        if prop.tag != tag(CALDAV, "supported-calendar-component-set"):
            continue
        names = {comp.get("name", "").upper() for comp in children(prop, tag(CALDAV, "comp"))}
        if not names & set(CALENDAR_COMPONENTS):
            raise DavError(
                403,
                caldav_condition("supported-calendar-component"),
                "Almanac calendars hold events (VEVENT), tasks (VTODO) and journals (VJOURNAL).",
            )
        wanted = tuple(name for name in CALENDAR_COMPONENTS if name in names)
    return wanted


def delete_collection(request: DavRequest) -> Response:
    """Delete a calendar with its events, or leave one shared with the caller (as the eXo face does)."""
    target = request.target
    if target.kind is not TargetKind.CALENDAR or target.calendar_key is None:
        raise DavError(403, need_privileges(), "Only calendars and calendar objects can be deleted.")
    if not request.is_own_home():
        raise not_found(request)
    get_readable_calendar(request.services, principal=request.principal, calendar_key=target.calendar_key)  # 404 first
    try:
        delete_calendar(request.services, principal=request.principal, calendar_key=target.calendar_key)
    except InvalidInputError as exc:  # a user's default calendar: the REST faces create events in it
        raise DavError(403, need_privileges(), exc.render()) from exc
    except PermissionDeniedError as exc:
        raise DavError(403, need_privileges(), exc.render()) from exc
    return Response(status_code=204)
