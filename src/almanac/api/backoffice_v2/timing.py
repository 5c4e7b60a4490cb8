"""How the timing of a Back Office body (startDate, endDate, allDay, timeZone, recurrence) becomes event changes.

The body's dates and recurrence lines are read in the event's time zone and
according to whether it is all-day, and a PATCH may send only some of those
(``recurrence`` alone reads in the stored zone). So the face does not guess the
stored event: it hands the service a function of it (``services.events.ChangesFor``),
called inside the unit of work on the locked row, after the permission check.

Rules (documented in the README, "Recurring events"):

* ``timeZone`` is an IANA name; unsent, the event keeps its zone (on create:
  its calendar's). Changing it keeps the stored instants of a timed event; an
  all-day event keeps its dates, which then begin at the new zone's midnights.
* ``allDay: true`` takes dates (``2026-03-02``) for ``startDate`` and ``endDate``
  (the end exclusive, as in RFC 5545: a one-day event ends the next day);
  a timed event takes instants with an offset. Changing ``allDay`` needs both
  dates in the same body.
* ``recurrence`` holds RFC 5545 lines (RRULE, RDATE, EXDATE) read with
  ``Recurrence.from_lines`` in the event's zone; ``null`` or ``[]`` makes the
  event a single one again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from almanac.api.backoffice_v2.schemas import EventCreate, EventUpdate
from almanac.api.wire import WIRE_TEMPLATES, format_instant, shown
from almanac.domain.errors import N_, InvalidInputError, Problem
from almanac.domain.events import Event
from almanac.domain.recurrence import Recurrence, RecurrenceError
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc, utc_to_wall_clock
from almanac.services.events import ChangesFor, EventChanges

_DOMAIN_NAMES: Final = {"startDate": "starts_at", "endDate": "ends_at"}
_TIMING: Final = ("startDate", "endDate", "allDay", "timeZone", "recurrence")


@dataclass(frozen=True)
class Timing:
    """The timing properties of one body; ``sent`` names (wire names) those the client sent."""

    sent: frozenset[str]
    start: datetime | date | None = None
    end: datetime | date | None = None
    all_day: bool | None = None
    time_zone: str | None = None
    recurrence: Sequence[str] | None = None


def timing_fields(timing: Timing, event: Event) -> dict[str, Any]:
    """The ``EventChanges`` fields of ``timing`` for ``event`` (the stored one, or the blank one on create).

    Raises InvalidInputError listing every fault at once (RecurrenceError when
    only the recurrence lines are at fault), with the face's field names.
    """
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    zone: ZoneInfo | None = load_zone(event.tzid)
    tzid = event.tzid
    if "timeZone" in timing.sent and timing.time_zone is not None:
        try:
            zone, tzid = load_zone(timing.time_zone), timing.time_zone
            fields["tzid"] = tzid
        except RecurrenceError:
            zone = None  # nothing else can be read in an unknown zone
            problems.append(
                Problem(
                    "timeZone",
                    "unknown_time_zone",
                    N_("%(tzid)s is not a known IANA time zone (such as Europe/Paris)."),
                    {"tzid": shown(timing.time_zone)},
                )
            )
    all_day = event.all_day
    if "allDay" in timing.sent and timing.all_day is not None:
        all_day = fields["all_day"] = timing.all_day
        if all_day != event.all_day and not {"startDate", "endDate"} <= timing.sent:
            problems.append(
                Problem(
                    "allDay",
                    "dates_required",
                    N_("Send startDate and endDate with allDay when it changes: all-day events take dates."),
                )
            )
    for name, value in (("startDate", timing.start), ("endDate", timing.end)):
        if name in timing.sent and value is not None:
            problems.extend(_checked_bound(name, value, all_day=all_day, zone=zone, fields=fields))
        elif all_day and event.all_day and zone is not None and tzid != event.tzid:
            # The stored midnights belong to the old zone: keep the dates, at the new zone's midnights.
            stored: datetime = getattr(event, _DOMAIN_NAMES[name])
            day = utc_to_wall_clock(stored, load_zone(event.tzid)).date()
            fields[_DOMAIN_NAMES[name]] = local_midnight_utc(day, zone)
    recurrence_problems: list[Problem] = []
    if "recurrence" in timing.sent:
        if not timing.recurrence:
            fields["recurrence"] = None
        elif zone is not None:
            try:
                fields["recurrence"] = Recurrence.from_lines(timing.recurrence, tzid=tzid, all_day=all_day)
            except RecurrenceError as error:
                recurrence_problems = [replace(p, field=_indexed(p.field)) for p in error.problems]
    if problems:
        raise InvalidInputError(problems + recurrence_problems)
    if recurrence_problems:
        raise RecurrenceError(recurrence_problems)
    return fields


def _checked_bound(
    name: str, value: datetime | date, *, all_day: bool, zone: ZoneInfo | None, fields: dict[str, Any]
) -> list[Problem]:
    if all_day and isinstance(value, datetime):
        template = N_("%(value)s has a time, but an all-day event takes a date such as 2026-03-02.")
        return [Problem(name, "date_expected", template, {"value": format_instant(value)})]
    if not all_day and not isinstance(value, datetime):
        # The message a date-only value always got here: an instant needs its offset.
        return [
            Problem(name, "datetime_without_offset", WIRE_TEMPLATES["datetime_without_offset"], {"value": str(value)})
        ]
    if isinstance(value, datetime):
        fields[_DOMAIN_NAMES[name]] = value
    elif zone is not None:
        fields[_DOMAIN_NAMES[name]] = local_midnight_utc(value, zone)
    return []


def _indexed(field: str) -> str:
    """``recurrence.2`` (the engine's path) as this face writes list items: ``recurrence[2]``."""
    head, _, index = field.partition(".")
    return f"{head}[{index}]" if index.isdigit() else field


def create_sent(body: EventCreate) -> frozenset[str]:
    """What a create body sets: every property (unsent ones take their defaults), bar a null time zone."""
    return frozenset(name for name in EventCreate.model_fields if name != "timeZone" or body.timeZone is not None)


def changes_with_timing(
    fields: dict[str, Any], body: EventCreate | EventUpdate, sent: frozenset[str] | set[str]
) -> ChangesFor:
    """``fields`` (EventChanges fields) with the body's timing, read against the stored event once it is known."""
    timing = Timing(
        sent=frozenset(name for name in _TIMING if name in sent),
        start=body.startDate,
        end=body.endDate,
        all_day=body.allDay,
        time_zone=body.timeZone,
        recurrence=body.recurrence,
    )

    def changes_for(event: Event) -> EventChanges:
        return EventChanges(**fields, **timing_fields(timing, event))

    return changes_for
