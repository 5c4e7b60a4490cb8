"""Writing events as iCalendar (RFC 5545): one calendar object, or a whole calendar's feed.

Output is deterministic — objects by UID, a master before its overrides
(by RECURRENCE-ID), properties in icalendar's canonical order, DTSTAMP from
the event's last change rather than the clock — so equal content gives equal
bytes and a hash of them is a stable entity tag.

Each VEVENT carries: UID, DTSTAMP/CREATED/LAST-MODIFIED, DTSTART/DTEND (with
TZID, in UTC, or VALUE=DATE for all-day events; DURATION instead, or no end at
all, when a CalDAV client wrote it so and the end is still the one it implies),
SUMMARY, DESCRIPTION, LOCATION, CATEGORIES (the built-in category's English
name), CLASS (privacy; left out when a CalDAV client sent none and the event is public),
TRANSP (availability; "outside" adds ``X-MICROSOFT-CDO-BUSYSTATUS:OOF``),
PRIORITY (high 1, normal 5, low 9), SEQUENCE (revision - 1), the true
RRULE/RDATE/EXDATE of a series (eXo writes ``COUNT=1``, spec §5.2.6),
RECURRENCE-ID on overrides, ORGANIZER (the author, when there are attendees)
and one ATTENDEE per participant with its PARTSTAT, a VALARM per reminder,
and, verbatim, the properties and components it was imported with but Almanac
does not model (an imported ORGANIZER that is not the author among them,
which then replaces the author's). Tasks are VTODOs after the VEVENTs, by UID:
UID, DTSTAMP/CREATED/LAST-MODIFIED, DTSTART and DUE (those the task has),
SUMMARY, DESCRIPTION, CATEGORIES, PRIORITY, STATUS, COMPLETED and
PERCENT-COMPLETE:100 once completed, SEQUENCE, one ATTENDEE per delegate (with
the author as ORGANIZER), VALARMs and the raw lines kept. Every zone used gets a VTIMEZONE generated from the zoneinfo
database, covering the years the calendar uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

from almanac.domain.calendar_data import PARTSTAT_OF_STATUS
from almanac.domain.calendars import Calendar
from almanac.domain.categories import find_category
from almanac.domain.events import Availability, EndForm, Event, Priority, Privacy, Reminder, ReminderChannel
from almanac.domain.recurrence import format_occurrence_key
from almanac.domain.recurrence_zones import UTC, load_zone, local_midnight_utc, utc_to_wall_clock, wall_clock_to_utc
from almanac.domain.tasks import ICAL_PRIORITY, Task, TaskStatus
from almanac.domain.users import User

PRODID = "-//Almanac//Almanac calendar server//EN"
_CRLF = b"\r\n"
_END_CALENDAR = b"END:VCALENDAR\r\n"
_END_EVENT = b"END:VEVENT\r\n"
_END_TODO = b"END:VTODO\r\n"
_PRIORITY = {Priority.HIGH: 1, Priority.NORMAL: 5, Priority.LOW: 9}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A series without UNTIL runs on: its zone's VTIMEZONE covers at least this far.
_OPEN_ENDED_UNTIL_YEAR = 2038

CalendarObjectParts = tuple[Event, Sequence[Event]]


def calendar_object(master: Event, overrides: Sequence[Event], *, users: Mapping[int, User]) -> bytes:
    """One VCALENDAR with the master, its overrides and the VTIMEZONEs they use (a CalDAV resource)."""
    return _calendar([(master, overrides)], users=users, properties={})


def calendar_task(task: Task, *, users: Mapping[int, User]) -> bytes:
    """One VCALENDAR with the task as a VTODO and the VTIMEZONE it uses (a CalDAV resource)."""
    return _calendar([], users=users, properties={}, tasks=[task])


def calendar_feed(
    calendar: Calendar,
    objects: Sequence[CalendarObjectParts],
    *,
    users: Mapping[int, User],
    tasks: Sequence[Task] = (),
) -> bytes:
    """One VCALENDAR holding every object and task of ``calendar``, named after it (``X-WR-CALNAME``)."""
    properties = {"X-WR-CALNAME": calendar.name}
    if calendar.description:
        properties["X-WR-CALDESC"] = calendar.description
    return _calendar(objects, users=users, properties=properties, tasks=tasks)


def fold(line: str) -> bytes:
    """One content line folded at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1), CRLF-ended."""
    out: list[str] = []
    chunk: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(chunk))
            chunk, size, limit = [], 0, 74  # continuation lines start with a space
        chunk.append(char)
        size += width
    out.append("".join(chunk))
    return "\r\n ".join(out).encode("utf-8") + _CRLF


def _calendar(
    objects: Sequence[CalendarObjectParts],
    *,
    users: Mapping[int, User],
    properties: dict[str, str],
    tasks: Sequence[Task] = (),
) -> bytes:
    header = icalendar.Calendar()
    header.add("prodid", PRODID)
    header.add("version", "2.0")
    header.add("calscale", "GREGORIAN")
    for name, value in properties.items():
        header.add(name, icalendar.vText(value))
    ordered = sorted(((m, sorted(o, key=_override_order)) for m, o in objects), key=lambda parts: parts[0].uid)
    events = [(event, master) for master, overrides in ordered for event in (master, *overrides)]
    todos = sorted(tasks, key=lambda task: (task.uid, task.id or 0))
    years = _zone_years(events)
    for tzid, found in _task_zone_years(todos).items():
        years[tzid] = (min(found[0], years.get(tzid, found)[0]), max(found[1], years.get(tzid, found)[1]))
    parts = [header.to_ical().removesuffix(_END_CALENDAR)]
    parts.extend(_vtimezone(tzid, first, last) for tzid, (first, last) in sorted(years.items()))
    parts.extend(_vevent(event, master, users) for event, master in events)
    parts.extend(_vtodo(task, users) for task in todos)
    parts.append(_END_CALENDAR)
    return b"".join(parts)


def _override_order(event: Event) -> str:
    return format_occurrence_key(event.recurrence_id) if event.recurrence_id is not None else ""


def _zone_years(events: Iterable[tuple[Event, Event]]) -> dict[str, tuple[int, int]]:
    """For each zone written as a TZID, the first and last year of any instant written in it."""
    years: dict[str, list[int]] = {}
    for event, _ in events:
        if event.all_day or event.tzid == "UTC":
            continue
        found = years.setdefault(event.tzid, [])
        found += [event.starts_at.year, event.ends_at.year]
        recurrence = event.recurrence
        if recurrence is not None:
            found += [value.year for value in (*recurrence.rdates, *recurrence.exdates)]
            until = recurrence.rule.until if recurrence.rule else None
            if until is not None:
                found.append(until.year)
            elif recurrence.rule is not None:
                found.append(_OPEN_ENDED_UNTIL_YEAR)
    return {tzid: (min(found), max(found)) for tzid, found in years.items()}


def _task_zone_years(tasks: Iterable[Task]) -> dict[str, tuple[int, int]]:
    """For each zone a task's DTSTART or DUE is written in, the first and last year written."""
    years: dict[str, list[int]] = {}
    for task in tasks:
        if task.all_day or task.tzid == "UTC":
            continue
        written = [i.year for i, given in ((task.starts_at, task.has_start), (task.due_at, task.has_due)) if given]
        if written:
            years.setdefault(task.tzid, []).extend(written)
    return {tzid: (min(found), max(found)) for tzid, found in years.items()}


@lru_cache(maxsize=512)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE for ``tzid`` from the zoneinfo database, valid from ``first_year`` through ``last_year``."""
    zone = ZoneInfo(tzid)
    first, last = date(max(first_year - 1, 1), 1, 1), date(min(last_year + 2, 9999), 1, 1)
    component = icalendar.Timezone.from_tzinfo(zone, tzid, first, last)
    data: bytes = component.to_ical()
    return data


def _vevent(event: Event, master: Event, users: Mapping[int, User]) -> bytes:
    extra_properties, extra_components = _extras(event.extra_properties)
    extra_names = {_name(line) for line in extra_properties}
    component = icalendar.Event()
    component.add("uid", event.uid)
    changed = event.updated_at or event.created_at or _EPOCH
    component.add("dtstamp", changed.astimezone(UTC))
    if event.created_at is not None:
        component.add("created", event.created_at.astimezone(UTC))
    component.add("last-modified", changed.astimezone(UTC))
    _timing(component, "dtstart", event.starts_at, all_day=event.all_day, tzid=event.tzid)
    end_line = _end_line(event)
    if end_line is None:
        _timing(component, "dtend", event.ends_at, all_day=event.all_day, tzid=event.tzid)
    if event.recurrence_id is not None:
        _recurrence_id(component, event.recurrence_id, master)
    component.add("summary", event.summary)
    if event.description is not None:
        component.add("description", event.description)
    if event.location is not None:
        component.add("location", event.location)
    category = find_category(event.category_key) if event.category_key else None
    if category is not None:
        component.add("categories", [category.name])
    if event.class_stated or event.privacy is not Privacy.PUBLIC:
        component.add("class", "PUBLIC" if event.privacy is Privacy.PUBLIC else "PRIVATE")
    component.add("transp", "TRANSPARENT" if event.availability is Availability.AVAILABLE else "OPAQUE")
    if event.availability is Availability.OUTSIDE:
        component.add("x-microsoft-cdo-busystatus", "OOF")
    if event.priority in _PRIORITY:
        component.add("priority", _PRIORITY[event.priority])
    component.add("sequence", max(event.revision - 1, 0))
    for participant in event.participants:
        user = users.get(participant.user_id)
        if user is not None:
            component.add("attendee", _address(user, PARTSTAT_OF_STATUS.get(participant.status, "NEEDS-ACTION")))
    author = users.get(event.author_id)
    has_attendees = bool(event.participants) or "ATTENDEE" in extra_names
    if has_attendees and author is not None and "ORGANIZER" not in extra_names:
        component.add("organizer", _address(author, None))
    parts = [component.to_ical().removesuffix(_END_EVENT)]
    if end_line:
        parts.append(fold(end_line))
    if event.recurrence is not None:
        tzid = None if event.all_day else event.tzid
        parts.extend(fold(line) for line in event.recurrence.to_lines(tzid=tzid))
    parts.extend(fold(line) for line in extra_properties)
    parts.extend(_valarm(reminder, event.summary, author) for reminder in event.reminders)
    parts.extend(fold(line) for line in extra_components)
    parts.append(_END_EVENT)
    return b"".join(parts)


def _end_line(event: Event) -> str | None:
    """The end in the form a CalDAV client wrote it: a DURATION line, "" for no end at all (only while the end
    is still the one RFC 5545 §3.6.1 implies), or None for DTEND (every other form, and any end a REST face moved).
    """
    if event.end_form is EndForm.DURATION:
        return "DURATION:" + _duration(event)
    if event.end_form is EndForm.IMPLIED:
        if not event.all_day:
            return "" if event.ends_at == event.starts_at else None
        zone = load_zone(event.tzid)
        next_day = utc_to_wall_clock(event.starts_at, zone).date() + timedelta(days=1)
        return "" if event.ends_at == local_midnight_utc(next_day, zone) else None
    return None


def _duration(event: Event) -> str:
    """The event's length as an RFC 5545 §3.3.6 duration: whole days of its zone when all-day; otherwise the
    exact time (hours, minutes, seconds, never days: a day of DURATION is a nominal one, 23 h across a DST change)."""
    if event.all_day:
        zone = load_zone(event.tzid)
        days = (utc_to_wall_clock(event.ends_at, zone).date() - utc_to_wall_clock(event.starts_at, zone).date()).days
        return f"P{max(days, 0)}D"
    seconds = max(int((event.ends_at - event.starts_at).total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return "PT" + (text or "0S")


def _vtodo(task: Task, users: Mapping[int, User]) -> bytes:
    """One VTODO (RFC 5545 §3.6.2) from what the task model holds, then the raw lines it was written with."""
    extra_properties, extra_components = _extras(task.extra_properties)
    completed = task.status is TaskStatus.COMPLETED
    if completed:  # the server's PERCENT-COMPLETE:100 replaces whatever a client sent before completing
        extra_properties = [line for line in extra_properties if _name(line) != "PERCENT-COMPLETE"]
    extra_names = {_name(line) for line in extra_properties}
    component = icalendar.Todo()
    component.add("uid", task.uid)
    changed = task.updated_at or task.created_at or _EPOCH
    component.add("dtstamp", changed.astimezone(UTC))
    if task.created_at is not None:
        component.add("created", task.created_at.astimezone(UTC))
    component.add("last-modified", changed.astimezone(UTC))
    if task.has_start:
        _timing(component, "dtstart", task.starts_at, all_day=task.all_day, tzid=task.tzid)
    if task.has_due:
        _timing(component, "due", task.due_at, all_day=task.all_day, tzid=task.tzid)
    component.add("summary", task.summary)
    if task.description is not None:
        component.add("description", task.description)
    category = find_category(task.category_key) if task.category_key else None
    if category is not None:
        component.add("categories", [category.name])
    if ICAL_PRIORITY[task.priority]:
        component.add("priority", ICAL_PRIORITY[task.priority])
    component.add("status", task.status.ical)
    if completed and task.completed_at is not None:
        component.add("completed", task.completed_at.astimezone(UTC))
    if completed:
        component.add("percent-complete", 100)
    component.add("sequence", max(task.revision - 1, 0))
    for delegate_id in task.delegate_ids:
        user = users.get(delegate_id)
        if user is not None:
            component.add("attendee", _address(user, None))
    author = users.get(task.author_id)
    has_attendees = bool(task.delegate_ids) or "ATTENDEE" in extra_names
    if has_attendees and author is not None and "ORGANIZER" not in extra_names:
        component.add("organizer", _address(author, None))
    parts = [component.to_ical().removesuffix(_END_TODO)]
    parts.extend(fold(line) for line in extra_properties)
    # A task without a start counts its reminders back from DUE (domain.task_reminders): RELATED=END says so.
    related_end = task.has_due and not task.has_start
    parts.extend(_valarm(reminder, task.summary, author, related_end=related_end) for reminder in task.reminders)
    parts.extend(fold(line) for line in extra_components)
    parts.append(_END_TODO)
    return b"".join(parts)


def _extras(text: str | None) -> tuple[list[str], list[str]]:
    """Stored raw lines split into properties and sub-component lines (BEGIN..END blocks, properties first)."""
    properties: list[str] = []
    components: list[str] = []
    depth = 0
    for line in (text or "").split("\n"):
        if not line:
            continue
        name = _name(line)
        if name == "BEGIN":
            depth += 1
        (components if depth else properties).append(line)
        if name == "END":
            depth = max(depth - 1, 0)
    return properties, components


def _name(line: str) -> str:
    return line.partition(":")[0].partition(";")[0].upper()


def _timing(component: icalendar.cal.Component, name: str, instant: datetime, *, all_day: bool, tzid: str) -> None:
    """DTSTART/DTEND/DUE: a date when all-day, UTC for zone "UTC", else the wall clock with TZID."""
    if all_day:
        component.add(name, utc_to_wall_clock(instant, load_zone(tzid)).date())
    elif tzid == "UTC":
        component.add(name, instant.astimezone(UTC))
    else:
        component.add(name, _local(instant, tzid))


def _local(instant: datetime, tzid: str) -> datetime:
    """``instant`` on the wall clock of ``tzid`` — or in UTC when that wall-clock time would read back as
    another instant (the second pass of a repeated hour, RFC 5545 §3.3.5)."""
    zone = ZoneInfo(tzid)
    local = instant.astimezone(zone)
    if wall_clock_to_utc(local.replace(tzinfo=None), zone) != instant.astimezone(UTC):
        return instant.astimezone(UTC)
    return local.replace(fold=0)


def _recurrence_id(component: icalendar.Event, recurrence_id: date | datetime, master: Event) -> None:
    """RECURRENCE-ID in the form of the master's DTSTART (RFC 5545 §3.8.4.4)."""
    if not isinstance(recurrence_id, datetime):
        component.add("recurrence-id", recurrence_id)
    elif master.tzid == "UTC" or master.all_day:
        component.add("recurrence-id", recurrence_id.astimezone(UTC))
    else:
        component.add("recurrence-id", _local(recurrence_id, master.tzid))


def _address(user: User, partstat: str | None) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{user.email}")
    if user.display_name:
        address.params["CN"] = user.display_name
    if partstat is not None:
        address.params["PARTSTAT"] = partstat
    return address


def _valarm(reminder: Reminder, summary: str, author: User | None, *, related_end: bool = False) -> bytes:
    alarm = icalendar.Alarm()
    if reminder.at is not None:
        alarm.add("trigger", reminder.at.astimezone(UTC), parameters={"VALUE": "DATE-TIME"})
    elif related_end:
        alarm.add("trigger", -(reminder.before or timedelta(0)), parameters={"RELATED": "END"})
    else:
        alarm.add("trigger", -(reminder.before or timedelta(0)))
    alarm.add("description", summary)
    if reminder.channel is ReminderChannel.EMAIL:
        alarm.add("action", "EMAIL")
        alarm.add("summary", summary)
        if author is not None:
            alarm.add("attendee", _address(author, None))
    else:
        alarm.add("action", "DISPLAY")
    data: bytes = alarm.to_ical()
    return data


__all__ = ["PRODID", "calendar_feed", "calendar_object", "calendar_task", "fold"]
