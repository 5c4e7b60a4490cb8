"""Serialize and parse as inverses over the recurrence fixtures, with deterministic bytes, and the export
expanding to the same occurrences in recurring-ical-events as the original file."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import icalendar
import pytest
import recurring_ical_events

from almanac.domain.calendar_data import ParsedObject
from almanac.domain.calendars import Calendar
from almanac.ical.parse import parse_calendar_file, parse_calendar_object
from almanac.ical.serialize import calendar_feed, calendar_object
from tests.ical.factories import ALL_FIXTURES, USERS, events_of, fixture, objects_of

CALENDAR = Calendar(key="calendarX", name="Team, plans", owner_id=1, tzid="Europe/Paris")


def _without_lines(parsed: ParsedObject) -> ParsedObject:
    """A parsed object compared for content only (where each component began differs between files)."""
    assert parsed.master is not None
    return replace(
        parsed,
        line=0,
        master=replace(parsed.master, line=0),
        overrides=tuple(replace(o, line=0) for o in parsed.overrides),
    )


def _starts(data: bytes, start: date, end: date) -> list[tuple[Any, Any, str]]:
    calendar = icalendar.Calendar.from_ical(data)
    found = recurring_ical_events.of(calendar).between(start, end)

    def instant(value: Any) -> Any:
        return value.astimezone(UTC) if isinstance(value, datetime) else value

    return sorted((instant(e["DTSTART"].dt), instant(e["DTEND"].dt), str(e["SUMMARY"])) for e in found)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_a_fixture_survives_serialize_then_parse(name: str) -> None:
    (original,) = parse_calendar_file(fixture(name), default_tzid="Europe/Paris")
    master, overrides = events_of(original)
    exported = calendar_object(master, overrides, users=USERS)
    again = parse_calendar_object(exported, default_tzid="Europe/Paris")
    assert _without_lines(again) == _without_lines(original)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_output_is_deterministic_and_stable_after_one_round(name: str) -> None:
    (original,) = parse_calendar_file(fixture(name), default_tzid="Europe/Paris")
    master, overrides = events_of(original)
    first = calendar_object(master, list(reversed(overrides)), users=USERS)
    assert calendar_object(master, overrides, users=USERS) == first
    master2, overrides2 = events_of(parse_calendar_object(first, default_tzid="Europe/Paris"))
    assert calendar_object(master2, overrides2, users=USERS) == first


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_the_export_expands_to_the_same_occurrences_as_the_original(name: str) -> None:
    found = parse_calendar_file(fixture(name), default_tzid="Europe/Paris")
    exported = calendar_feed(CALENDAR, objects_of(found), users=USERS)
    for start, end in ((date(2024, 1, 1), date(2025, 1, 1)), (date(1997, 1, 1), date(2005, 1, 1))):
        assert _starts(exported, start, end) == _starts(fixture(name), start, end)


def test_a_feed_holds_every_object_sorted_by_uid_with_one_vtimezone_per_zone() -> None:
    found = [o for name in ALL_FIXTURES for o in parse_calendar_file(fixture(name), default_tzid="Europe/Paris")]
    data = calendar_feed(CALENDAR, list(reversed(objects_of(found))), users=USERS)
    calendar = icalendar.Calendar.from_ical(data)
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == sorted(
        {"Europe/Berlin", "Australia/Sydney", "America/Los_Angeles", "Asia/Tokyo", "America/New_York"}
        | {"Europe/London", "Europe/Paris"}
    )
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert uids == sorted(uids) and len(uids) == len(ALL_FIXTURES)
    assert b"X-WR-CALNAME:Team\\, plans\r\n" in data
    assert data == calendar_feed(CALENDAR, objects_of(found), users=USERS)


def test_the_true_rule_is_exported_not_count_one() -> None:
    (parsed,) = parse_calendar_file(fixture("weekly_paris_across_dst.ics"), default_tzid="UTC")
    master, _ = events_of(parsed)
    data = calendar_object(master, [], users=USERS).decode()
    assert "RRULE:FREQ=WEEKLY;COUNT=40;BYDAY=MO\r\n" in data
    assert "COUNT=1;" not in data


def test_all_day_dates_stay_dates_and_overrides_keep_the_masters_zone() -> None:
    (all_day,) = parse_calendar_file(fixture("weekly_all_day_exdate_rdate.ics"), default_tzid="Pacific/Auckland")
    master, _ = events_of(all_day)
    text = calendar_object(master, [], users=USERS).decode()
    assert "DTSTART;VALUE=DATE:20240301\r\n" in text and "DTEND;VALUE=DATE:20240302\r\n" in text
    assert "EXDATE;VALUE=DATE:20240329\r\n" in text and "BEGIN:VTIMEZONE" not in text
    (london,) = parse_calendar_file(fixture("weekly_overridden_instance_london.ics"), default_tzid="UTC")
    master, overrides = events_of(london)
    text = calendar_object(master, overrides, users=USERS).decode()
    assert "RECURRENCE-ID;TZID=Europe/London:20240326T140000\r\n" in text
