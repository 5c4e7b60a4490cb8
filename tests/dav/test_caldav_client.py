"""A real CalDAV client (the ``caldav`` library) against a real Almanac server: from the server URL, a
username and a password to calendars, events, searches, expansion and sync."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import caldav
import pytest

from tests.conftest import MakeAccount

WEEKLY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Almanac tests//EN
BEGIN:VEVENT
UID:weekly-standup@example.com
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Paris:20260105T093000
DTEND;TZID=Europe/Paris:20260105T094500
RRULE:FREQ=WEEKLY;COUNT=10
SUMMARY:Stand-up
END:VEVENT
END:VCALENDAR
"""

SINGLE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Almanac tests//EN
BEGIN:VEVENT
UID:dentist@example.com
DTSTAMP:20260101T000000Z
DTSTART:20260210T140000Z
DTEND:20260210T150000Z
SUMMARY:Dentist
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def principal(live_server: str, make_account: MakeAccount) -> Iterator[caldav.Principal]:
    make_account("alice")
    with caldav.DAVClient(url=live_server, username="alice", password="pw-alice", require_tls=False) as client:
        yield client.principal()


def test_discovery_from_the_server_url_finds_the_default_calendar(principal: caldav.Principal) -> None:
    names = [c.get_display_name() for c in principal.calendars()]
    assert names == ["Alice"]


def test_a_client_creates_a_calendar_and_round_trips_events(principal: caldav.Principal) -> None:
    calendar = principal.make_calendar(name="Work")
    assert "Work" in [c.get_display_name() for c in principal.calendars()]
    calendar.save_event(WEEKLY)
    calendar.save_event(SINGLE)
    fetched = calendar.event_by_uid("dentist@example.com")
    assert fetched.icalendar_component["SUMMARY"] == "Dentist"
    assert len(calendar.events()) == 2

    fetched.icalendar_component["SUMMARY"] = "Dentist (moved)"
    fetched.save()
    assert calendar.event_by_uid("dentist@example.com").icalendar_component["SUMMARY"] == "Dentist (moved)"

    fetched.delete()
    assert [e.icalendar_component["UID"] for e in calendar.events()] == ["weekly-standup@example.com"]


def test_date_search_finds_recurring_events_and_expands_them(principal: caldav.Principal) -> None:
    calendar = principal.make_calendar(name="Work")
    calendar.save_event(WEEKLY)
    calendar.save_event(SINGLE)
    start, end = datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 1, 26, tzinfo=UTC)
    found = calendar.search(start=start, end=end, event=True)
    assert [e.icalendar_component["UID"] for e in found] == ["weekly-standup@example.com"]
    expanded = calendar.search(start=start, end=end, event=True, expand=True, server_expand=True)
    starts = sorted(e.icalendar_component["DTSTART"].dt.astimezone(UTC) for e in expanded)
    assert starts == [datetime(2026, 1, 12, 8, 30, tzinfo=UTC), datetime(2026, 1, 19, 8, 30, tzinfo=UTC)]
    in_february = calendar.search(
        start=datetime(2026, 2, 10, tzinfo=UTC), end=datetime(2026, 2, 11, tzinfo=UTC), event=True
    )
    assert {e.icalendar_component["UID"] for e in in_february} == {
        "dentist@example.com",
        "weekly-standup@example.com",
    } - {"weekly-standup@example.com"} | ({"weekly-standup@example.com"} if False else set())


def test_sync_token_sync_reports_changes_and_deletions(principal: caldav.Principal) -> None:
    calendar = principal.make_calendar(name="Work")
    calendar.save_event(WEEKLY)
    objects = calendar.objects_by_sync_token(load_objects=True)
    assert [o.icalendar_component["UID"] for o in objects] == ["weekly-standup@example.com"]
    token = objects.sync_token

    calendar.save_event(SINGLE)
    changed = calendar.objects_by_sync_token(sync_token=token, load_objects=True, disable_fallback=True)
    assert [o.icalendar_component["UID"] for o in changed] == ["dentist@example.com"]

    calendar.event_by_uid("weekly-standup@example.com").delete()
    after = calendar.objects_by_sync_token(sync_token=changed.sync_token, load_objects=False, disable_fallback=True)
    assert len(list(after)) == 1
    assert changed.sync_token != after.sync_token
