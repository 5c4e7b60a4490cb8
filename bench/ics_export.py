"""The dataset's events as iCalendar objects (RFC 5545), one VEVENT per file, for loading CalDAV peers.

Each object is what a CalDAV client would PUT: a VCALENDAR holding one VEVENT
and the VTIMEZONE its TZID needs (RFC 4791 §4.1 allows one component per
resource; §3.6.5 of RFC 5545 requires the VTIMEZONE). Recurring events carry
their RRULE and EXDATEs, so the peers' ``<expand>`` does the work a real
calendar asks of it. Output is deterministic: the same event gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from bench.dataset import Dataset, EventKind, EventSpec, UserSpec

PRODID = "-//Almanac//bench dataset//EN"
#: A fixed DTSTAMP keeps the bytes (and so peers' ETags) stable from run to run.
DTSTAMP = datetime(2024, 12, 1, tzinfo=UTC)


#: VTIMEZONEs cover the dataset's span only: a 1970-2038 one is 4 kB per object and slows every peer's parser.
TZ_FIRST = date(2024, 1, 1)
TZ_LAST = date(2028, 1, 1)


@cache
def _vtimezone(tzid: str) -> icalendar.Timezone:
    return icalendar.Timezone.from_tzid(tzid, first_date=TZ_FIRST, last_date=TZ_LAST)


def event_ics(event: EventSpec, users: dict[int, UserSpec]) -> bytes:
    """One VCALENDAR object for ``event``; ``users`` maps ids to people for ORGANIZER and ATTENDEE.

    Events planned in UTC are written in UTC form (``Z``), all others with a TZID and its VTIMEZONE.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    zone = needed_vtimezone(event)
    if zone is not None:
        calendar.add_component(zone)
    calendar.add_component(event_vevent(event, users))
    body: bytes = calendar.to_ical()
    return body


def needed_vtimezone(event: EventSpec) -> icalendar.Timezone | None:
    """The VTIMEZONE ``event``'s DTSTART and DTEND refer to, or None when they are UTC or dates."""
    if event.tzid == "UTC" or event.kind is EventKind.ALL_DAY:
        return None
    return _vtimezone(event.tzid)


def event_vevent(event: EventSpec, users: dict[int, UserSpec]) -> icalendar.Event:
    """The VEVENT alone, for a file holding many (whose VTIMEZONEs are written once each)."""
    zone = UTC if event.tzid == "UTC" else ZoneInfo(event.tzid)
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", DTSTAMP)
    vevent.add("created", event.created_at)
    vevent.add("summary", event.summary)
    if event.description is not None:
        vevent.add("description", event.description)
    if event.location is not None:
        vevent.add("location", event.location)
    if event.kind is EventKind.ALL_DAY:
        vevent.add("dtstart", event.starts_at.astimezone(zone).date())
        vevent.add("dtend", event.ends_at.astimezone(zone).date())
    else:
        vevent.add("dtstart", event.starts_at.astimezone(zone))
        vevent.add("dtend", event.ends_at.astimezone(zone))
    if event.rrule is not None:
        vevent.add("rrule", icalendar.vRecur.from_ical(event.rrule))
        for excluded in event.exdates:
            vevent.add("exdate", excluded.astimezone(zone))
    author = users[event.author_id]
    vevent.add("organizer", f"mailto:{author.email}", parameters={"CN": author.display_name})
    for uid in event.participant_ids:
        vevent.add("attendee", f"mailto:{users[uid].email}", parameters={"PARTSTAT": "NEEDS-ACTION"})
    for reminder in event.reminders:
        alarm = icalendar.Alarm()
        alarm.add("action", "EMAIL" if reminder.channel == "email" else "DISPLAY")
        alarm.add("trigger", -timedelta(seconds=reminder.before_seconds))
        alarm.add("description", event.summary)
        if reminder.channel == "email":
            alarm.add("summary", event.summary)
            alarm.add("attendee", f"mailto:{author.email}")
        vevent.add_component(alarm)
    return vevent


def iter_ics(dataset: Dataset, *, calendar_id: int | None = None, limit: int | None = None) -> Iterator[EventSpec]:
    """The events to export: all, or those of one calendar, at most ``limit`` of them."""
    count = 0
    for event in dataset.events():
        if calendar_id is not None and event.calendar_id != calendar_id:
            continue
        if limit is not None and count >= limit:
            return
        count += 1
        yield event


def export_ics(directory: Path, dataset: Dataset, events: Iterable[EventSpec]) -> list[Path]:
    """Write one ``<uid>.ics`` file per event into ``directory``; returns the paths in event order."""
    directory.mkdir(parents=True, exist_ok=True)
    users = {u.id: u for u in dataset.users}
    paths = []
    for event in events:
        path = directory / f"{event.uid}.ics"
        path.write_bytes(event_ics(event, users))
        paths.append(path)
    return paths
