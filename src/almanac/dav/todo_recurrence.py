"""Recurring VTODOs: the instances a task's RRULE/RDATE/EXDATE make, for time ranges and ``expand``.

Tasks are stored as one VTODO with their recurrence lines kept verbatim (the
task model does not recur), so CalDAV reads the recurrence from the calendar
data and expands it with the domain's engine (``domain.recurrence.expand``),
the one every face's window query uses: a time-range on a recurring task
matches when any instance does (RFC 4791 §9.9, "the recurrence set"), and
``expand`` answers one VTODO per instance with a RECURRENCE-ID (§9.6.5).
A rule the engine refuses (too dense, malformed) leaves the task treated as
a single instance rather than failing the report.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar.cal import Component

from almanac.domain.recurrence import Recurrence, SeriesSchedule, expand
from almanac.domain.recurrence_errors import RecurrenceError, RecurrenceLimitError
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc

_RECURRENCE = frozenset({"RRULE", "RDATE", "EXDATE"})
#: The longest window one expansion covers when a time range is open on one side (the engine's default).
_OPEN_WINDOW = timedelta(days=3653)


@dataclass(frozen=True)
class TodoInstance:
    """One instance of a task: its shift from the master's timing, and its recurrence id (UTC or a date)."""

    shift: timedelta
    recurrence_id: datetime | date


def _moment(component: Component, name: str) -> datetime | date | None:
    value = getattr(component.get(name), "dt", None)
    return value if isinstance(value, date) else None


def _zone_of(component: Component, name: str) -> str:
    prop = component.get(name)
    tzid = prop.params.get("TZID") if prop is not None else None
    if isinstance(tzid, str):
        try:
            load_zone(tzid)
        except Exception:
            return "UTC"
        return tzid
    return "UTC"


def _aware(value: datetime | date, tzid: str) -> datetime | date:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=load_zone(tzid))
    return value


def _utc(value: datetime | date, tzid: str) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=load_zone(tzid))).astimezone(UTC)
    return local_midnight_utc(value, load_zone(tzid))


def todo_instances(todo: Component, start: datetime | None, end: datetime | None) -> list[TodoInstance] | None:
    """The instances of a recurring VTODO that may overlap ``[start, end)``; None when it does not recur."""
    lines = [str(line) for line in todo.content_lines() if _name(str(line)) in _RECURRENCE]
    anchor_name = "DTSTART" if "DTSTART" in todo else "DUE" if "DUE" in todo else None
    if not any(_name(line) in ("RRULE", "RDATE") for line in lines) or anchor_name is None:
        return None
    tzid = _zone_of(todo, anchor_name)
    written, due = _moment(todo, anchor_name), _moment(todo, "DUE")
    if written is None:
        return None
    anchor = _aware(written, tzid)
    all_day = not isinstance(anchor, datetime)
    duration = timedelta(0)
    length = getattr(todo.get("DURATION"), "dt", None)
    if anchor_name == "DTSTART" and due is not None:
        duration = max(_utc(due, tzid) - _utc(anchor, tzid), timedelta(0))
    elif anchor_name == "DTSTART" and isinstance(length, timedelta):
        duration = max(length, timedelta(0))
    if all_day:
        duration = timedelta(days=max(duration.days, 0))
    if start is not None:
        window_start, window_end = start, end if end is not None else start + _OPEN_WINDOW
    elif end is not None:
        window_start, window_end = end - _OPEN_WINDOW, end
    else:
        return None
    try:
        recurrence = Recurrence.from_lines(lines, tzid=tzid, all_day=all_day)
        schedule = SeriesSchedule(start=anchor, duration=duration, tzid=tzid, recurrence=recurrence)
        occurrences = expand(schedule, window_start, window_end)  # overlap, the task's length included
    except (RecurrenceError, RecurrenceLimitError, ValueError):
        return None
    first = _utc(anchor, tzid)
    return [TodoInstance(o.starts_at - first, o.recurrence_id) for o in occurrences]


def expand_todo(todo: Component, start: datetime, end: datetime) -> list[Component]:
    """One VTODO per instance in the window, in UTC, with RECURRENCE-ID and no recurrence lines (§9.6.5);
    the task itself, unchanged, when it does not recur."""
    instances = todo_instances(todo, start, end)
    if instances is None:
        return [todo]
    found: list[Component] = []
    for instance in instances:
        copied = copy.deepcopy(todo)
        for name in (*_RECURRENCE, "DTSTART", "DUE"):
            copied.pop(name, None)
        for name in ("DTSTART", "DUE"):
            value = _moment(todo, name)
            if value is not None:
                if isinstance(value, datetime):
                    copied.add(name, _utc(value, _zone_of(todo, name)) + instance.shift)
                else:
                    copied.add(name, value + timedelta(days=instance.shift.days))
        rid = instance.recurrence_id
        copied.add("RECURRENCE-ID", rid.astimezone(UTC) if isinstance(rid, datetime) else rid)
        found.append(copied)
    return found


def _name(line: str) -> str:
    return line.partition(":")[0].partition(";")[0].upper()
