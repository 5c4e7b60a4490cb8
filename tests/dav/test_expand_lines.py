"""``expand`` builds each instance from its VEVENT's stored lines: the very bytes a full `icalendar` parse,
a copy per instance and a new serialization give (the way it was built before, kept here as the reference)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar as ICalendar
from icalendar.cal import Component

from almanac.bootstrap import Container
from almanac.dav.content_lines import outline_of
from almanac.dav.expansion import expand_object
from almanac.domain.recurrence_zones import load_zone, utc_to_wall_clock
from almanac.domain.series import EventOccurrence
from almanac.domain.users import Principal
from almanac.services import calendar_imports
from almanac.services.auth import principal_of
from almanac.services.calendar_object_reads import objects_in_window
from bench.dataset import EPOCH
from bench.ics_import import write_calendar_file
from tests.conftest import MakeAccount

CALENDAR = "importer-defaultCalendarId"
WEEK = timedelta(days=7)
_RULES = ("RRULE", "RDATE", "EXDATE", "EXRULE", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")

#: What the dataset's objects lack: an override, an alarm with its own DURATION, folded and escaped text,
#: an all-day series, X- properties at both levels.
HANDWRITTEN = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nX-WR-CALNAME:Team\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:standup@example.com\r\nDTSTAMP:20250101T000000Z\r\n"
    "DTSTART;TZID=Europe/Paris:20250106T093000\r\nDTEND;TZID=Europe/Paris:20250106T094500\r\n"
    "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR\r\nEXDATE;TZID=Europe/Paris:20250108T093000\r\n"
    "SUMMARY:Stand-up\\, daily; with a summary long enough that the server folds it over two lines or more "
    "when it writes it\r\nX-ALMANAC-TEST:kept\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDURATION:PT5M\r\nREPEAT:2\r\nDESCRIPTION:Soon\r\n"
    "END:VALARM\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:standup@example.com\r\nDTSTAMP:20250101T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20250107T093000\r\n"
    "DTSTART;TZID=Europe/Paris:20250107T110000\r\nDTEND;TZID=Europe/Paris:20250107T113000\r\n"
    "SUMMARY:Stand-up (moved)\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:holiday@example.com\r\nDTSTAMP:20250101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20250106\r\nDTEND;VALUE=DATE:20250107\r\nRRULE:FREQ=WEEKLY;COUNT=20\r\n"
    "SUMMARY:Day off\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def _expanded_by_parsing(data: bytes, occurrences: list[EventOccurrence]) -> bytes:
    """The reference: parse, copy the source component per occurrence, set its timing, serialize it all."""
    calendar = ICalendar.from_ical(data)
    master: Component | None = None
    overrides: dict[date | datetime, Component] = {}
    for component in calendar.walk("VEVENT"):
        recurrence_id = component.get("RECURRENCE-ID")
        if recurrence_id is None:
            master = component
        else:
            value = recurrence_id.dt
            overrides[value.astimezone(UTC) if isinstance(value, datetime) else value] = component
    expanded = ICalendar()
    for name, value in calendar.property_items(recursive=False):
        if name not in ("BEGIN", "END"):
            expanded.add(name, value, encode=False)
    for occurrence in occurrences:
        rid = occurrence.recurrence_id
        rid_key = rid.astimezone(UTC) if isinstance(rid, datetime) else rid
        source = overrides.get(rid_key) if rid_key is not None else None
        source = source if source is not None else master
        assert source is not None
        instance = copy.deepcopy(source)
        for name in _RULES:
            instance.pop(name, None)
        event = occurrence.event
        for name, instant in (("DTSTART", occurrence.starts_at), ("DTEND", occurrence.ends_at)):
            if event.all_day:
                instance.add(name, utc_to_wall_clock(instant, load_zone(event.tzid)).date())
            else:
                instance.add(name, instant.astimezone(UTC))
        if rid is not None:
            instance.add("RECURRENCE-ID", rid.astimezone(UTC) if isinstance(rid, datetime) else rid)
        expanded.add_component(instance)
    return bytes(expanded.to_ical())


def _importer(container: Container, make_account: MakeAccount) -> Principal:
    user = make_account("importer").user
    with container.services.uow() as uow:
        return principal_of(uow, user)


def _import(container: Container, principal: Principal, data: bytes) -> None:
    report = calendar_imports.import_objects(container.services, principal=principal, calendar_key=CALENDAR, data=data)
    assert not report.skipped


def _compare_weeks(
    container: Container, principal: Principal, weeks: list[datetime], *, exact: bool
) -> tuple[int, int, int]:
    """Every object of each week expanded both ways; returns the objects, instances and overrides compared.

    ``exact``: the same bytes; otherwise the same once `icalendar` has written both (it sorts each component's
    properties, and an alarm with properties the server does not model is kept in the order it came in).
    """
    objects = instances = overrides = 0
    for start in weeks:
        found = objects_in_window(
            container.services,
            principal=principal,
            calendar_key=CALENDAR,
            window_start=start,
            window_end=start + WEEK,
        )
        for name, stored in found.objects.items():
            occurrences = found.occurrences.get(name, [])
            expanded, reference = (
                expand_object(stored.data, occurrences),
                _expanded_by_parsing(stored.data, occurrences),
            )
            if exact:
                assert expanded == reference, name
            else:
                assert ICalendar.from_ical(expanded).to_ical() == reference, name
            objects += 1
            instances += len(occurrences)
            overrides += sum(1 for o in occurrences if o.event.is_override)
    return objects, instances, overrides


def _weeks(first: datetime, count: int, step_days: int) -> list[datetime]:
    return [first + timedelta(days=step_days * n) for n in range(count)]


def test_the_dataset_s_objects_expand_to_the_bytes_a_full_parse_gives(
    tmp_path: Path, container: Container, make_account: MakeAccount
) -> None:
    path = tmp_path / "import.ics"
    write_calendar_file(path, 400, seed=8)
    principal = _importer(container, make_account)
    _import(container, principal, path.read_bytes())
    first = datetime(EPOCH.year, EPOCH.month, EPOCH.day, tzinfo=UTC)

    objects, instances, _ = _compare_weeks(container, principal, _weeks(first, 12, 61), exact=True)

    assert objects >= 30
    assert instances > objects  # series expanded into several instances in a week


def test_overrides_alarms_folded_lines_and_all_day_series_expand_as_a_full_parse_does(
    container: Container, make_account: MakeAccount
) -> None:
    principal = _importer(container, make_account)
    _import(container, principal, HANDWRITTEN.encode())

    weeks = _weeks(datetime(2025, 1, 6, tzinfo=UTC), 3, 7)

    objects, instances, overrides = _compare_weeks(container, principal, weeks, exact=False)

    assert (objects, overrides) == (6, 1)
    assert instances == 3 * 1 + 4 + 5 + 5  # a day off a week; stand-ups: 5 a week less an EXDATE


def test_the_outline_keeps_folded_lines_whole_and_leaves_time_zones_out() -> None:
    outline = outline_of(HANDWRITTEN.replace("\r\n", "\n").encode())

    assert [len(e.properties) for e in outline.events] == [8, 6, 6]
    assert outline.properties[-1] == b"X-WR-CALNAME:Team\r\n"
    assert outline.events[0].components[0] == b"BEGIN:VALARM\r\n"
    assert outline.events[1].value_of("RECURRENCE-ID") == datetime(2025, 1, 7, 9, 30, tzinfo=load_zone("Europe/Paris"))


def test_an_instance_keeps_its_alarm_as_stored(container: Container, make_account: MakeAccount) -> None:
    principal = _importer(container, make_account)
    _import(container, principal, HANDWRITTEN.encode())
    week = datetime(2025, 1, 13, tzinfo=UTC)
    found = objects_in_window(
        container.services,
        principal=principal,
        calendar_key=CALENDAR,
        window_start=week,
        window_end=week + timedelta(7),
    )
    stored = found.objects["standup@example.com.ics"]
    alarm = stored.data[stored.data.index(b"BEGIN:VALARM") : stored.data.index(b"END:VALARM")]

    expanded = expand_object(stored.data, found.occurrences["standup@example.com.ics"])

    assert expanded.count(alarm) == 5
    assert b"VTIMEZONE" not in expanded and b"RRULE" not in expanded and b"TZID" not in expanded
