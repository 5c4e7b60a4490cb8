"""VALARM time ranges (RFC 4791 §9.9): when the alarms of an event or a task trigger, instance by instance.

An alarm overlaps ``[start, end)`` when one of its trigger times does
(``start <= trigger < end``). A trigger is an absolute UTC date-time, or a
duration from its component's start (``RELATED=START``, the default) or end
(``RELATED=END``: DTEND, DTSTART + DURATION, or a task's DUE); ``REPEAT`` and
``DURATION`` add that many more, each the interval later (RFC 5545 §3.6.6).
A relative alarm of a recurring component triggers once per instance, and
the instances come from the domain's engine, as every other time range's do
(``todo_recurrence.todo_instances``); instances replaced by an override are
left to the override's own alarms. Dates and floating times are read as UTC,
as the other time ranges of the CalDAV face read them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

from icalendar.cal import Component

from almanac.dav.todo_recurrence import todo_instances

#: RFC 5545 §3.6.6 puts no bound on REPEAT; more triggers than this per alarm are not looked at.
MAX_REPEATS = 1000
#: Instances are looked for this much beyond the triggers' reach (a dated instance lasts a day).
_MARGIN = timedelta(days=1)


def moment_of(component: Component, name: str) -> datetime | None:
    """A DATE or DATE-TIME property as a UTC instant (dates and floating times read as UTC); None when absent."""
    value = getattr(component.get(name), "dt", None)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def recurrence_key(component: Component) -> datetime | date | None:
    """The RECURRENCE-ID of an override (a UTC instant, or a date), as the engine names instances."""
    value = getattr(component.get("RECURRENCE-ID"), "dt", None)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value if isinstance(value, date) else None


def _end_of(owner: Component, start: datetime | None) -> datetime | None:
    """Where ``RELATED=END`` counts from: DTEND (DUE for a task), else DTSTART + DURATION, else the implied end."""
    end = moment_of(owner, "DUE" if owner.name == "VTODO" else "DTEND")
    if end is not None or start is None:
        return end
    length = getattr(owner.get("DURATION"), "dt", None)
    if isinstance(length, timedelta):
        return start + length
    if owner.name == "VEVENT":  # RFC 5545 §3.6.1: a date lasts the day, a date-time is an instant
        written = getattr(owner.get("DTSTART"), "dt", None)
        return start + timedelta(days=1) if not isinstance(written, datetime) else start
    return None


def _triggers(alarm: Component, owner: Component) -> tuple[list[datetime], bool]:
    """The alarm's trigger times for the owner's first instance, and whether they are absolute."""
    trigger = alarm.get("TRIGGER")
    value = getattr(trigger, "dt", None)
    if isinstance(value, datetime):
        first, absolute = (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)), True
    elif isinstance(value, timedelta) and trigger is not None:
        start = moment_of(owner, "DTSTART")
        related = str(trigger.params.get("RELATED", "START")).upper()
        anchor = _end_of(owner, start) if related == "END" else start
        if anchor is None and owner.name == "VTODO":
            anchor = moment_of(owner, "DUE")  # a task without DTSTART: its due instant stands in
        if anchor is None:
            return [], False
        first, absolute = anchor + value, False
    else:
        return [], False
    interval = getattr(alarm.get("DURATION"), "dt", None)
    try:
        repeat = min(max(int(alarm.get("REPEAT", 0)), 0), MAX_REPEATS)
    except (TypeError, ValueError):
        repeat = 0
    if not isinstance(interval, timedelta) or interval <= timedelta(0):
        repeat = 0
        interval = timedelta(0)
    return [first + interval * k for k in range(repeat + 1)], absolute


def alarm_overlaps(
    alarm: Component,
    owner: Component,
    start: datetime | None,
    end: datetime | None,
    *,
    overridden: Collection[datetime | date] = (),
) -> bool:
    """Whether the VALARM of ``owner`` (a VEVENT or VTODO) triggers in ``[start, end)`` (open bounds are
    infinite), in any instance of a recurring owner not in ``overridden``."""
    times, absolute = _triggers(alarm, owner)
    if not times:
        return False
    lowest, highest = start or datetime.min.replace(tzinfo=UTC), end or datetime.max.replace(tzinfo=UTC)

    def hit(shift: timedelta) -> bool:
        return any(lowest <= t + shift < highest for t in times)

    if absolute:
        return hit(timedelta(0))
    # An instance starting at S triggers at S + (t - first start): it matters only when S lies within the
    # triggers' distance from the first start (and a margin) of the range.
    widen = _span(times, owner) + _MARGIN
    reach_start = None if start is None else start - widen
    reach_end = None if end is None else end + widen
    instances = todo_instances(owner, reach_start, reach_end)
    if instances is None:
        return hit(timedelta(0))
    return any(hit(i.shift) for i in instances if i.recurrence_id not in overridden)


def _span(times: list[datetime], owner: Component) -> timedelta:
    """How far the triggers lie from the owner's first start (either way): the instances' window is widened by it."""
    anchor = moment_of(owner, "DTSTART") or moment_of(owner, "DUE")
    if anchor is None:
        return timedelta(0)
    return max(abs(t - anchor) for t in times)
