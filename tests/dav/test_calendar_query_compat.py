"""calendar-query as the CalDAV peers answer it, through a real client against a real server: is-not-defined
on what the client stored (no CLASS, DURATION or no DTEND served back as sent), time ranges on alarms
(RFC 4791 §9.9: trigger times, repeats, RELATED=END, recurring events) and right under VCALENDAR."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import caldav
import pytest

from almanac.bootstrap import Container
from almanac.services import calendar_objects
from almanac.services.auth import authenticate_password
from almanac.services.events import EventChanges, update_event
from tests.conftest import Account, MakeAccount

CAL_KEY = "alice-defaultCalendarId"


def vevent(uid: str, timing: str, extra: str = "", component: str = "VEVENT") -> str:
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac tests//EN\r\nBEGIN:{component}\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{timing}SUMMARY:{uid}\r\n{extra}END:{component}\r\nEND:VCALENDAR\r\n"
    )


ALARM_15 = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"


@pytest.fixture
def alice(make_account: MakeAccount) -> Account:
    return make_account("alice")


@pytest.fixture
def calendar(live_server: str, alice: Account) -> Iterator[caldav.Calendar]:
    with caldav.DAVClient(url=live_server, username="alice", password="pw-alice", require_tls=False) as client:
        yield client.principal().calendars()[0]


def _uids(found: list[caldav.CalendarObjectResource]) -> list[str]:
    return sorted(str(item.icalendar_component["UID"]) for item in found)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 2, day, hour, minute, tzinfo=UTC)


def test_is_not_defined_sees_class_and_dtend_as_the_client_stored_them(calendar: caldav.Calendar) -> None:
    calendar.save_event(vevent("plain", "DTSTART:20260210T090000Z\r\nDTEND:20260210T100000Z\r\n"))
    calendar.save_event(
        vevent("secret", "DTSTART:20260210T090000Z\r\nDTEND:20260210T100000Z\r\n", "CLASS:CONFIDENTIAL\r\n")
    )
    calendar.save_event(vevent("lasting", "DTSTART:20260210T090000Z\r\nDURATION:PT1H30M\r\n"))
    calendar.save_event(vevent("instant", "DTSTART:20260210T090000Z\r\n"))
    calendar.save_event(vevent("day", "DTSTART;VALUE=DATE:20260211\r\n"))
    no_class = calendar.search(event=True, no_class=True, post_filter=False)
    assert _uids(no_class) == ["day", "instant", "lasting", "plain"]
    no_dtend = calendar.search(event=True, no_dtend=True, post_filter=False)
    assert _uids(no_dtend) == ["day", "instant", "lasting"]
    lasting = calendar.event_by_uid("lasting").data
    assert "DURATION:PT1H30M" in lasting and "DTEND" not in lasting and "CLASS" not in lasting
    # Still events of the store: the window query finds them by the end the DURATION gives.
    found = calendar.search(event=True, start=at(10, 10, 15), end=at(10, 11), post_filter=False)
    assert _uids(found) == ["lasting"]


def test_an_end_moved_through_a_rest_face_is_served_as_dtend(
    calendar: caldav.Calendar, container: Container, alice: Account
) -> None:
    calendar.save_event(vevent("instant", "DTSTART:20260210T090000Z\r\n"))
    principal = authenticate_password(container.services, username="alice", password="pw-alice")
    stored = calendar_objects.get_object(
        container.services, principal=principal, calendar_key=CAL_KEY, name="instant.ics"
    )
    assert isinstance(stored, calendar_objects.CalendarObject) and stored.master.id is not None
    update_event(
        container.services,
        principal=principal,
        event_id=stored.master.id,
        changes=EventChanges(ends_at=at(10, 11)),
    )
    served = calendar.event_by_uid("instant").data
    assert "DTEND:20260210T110000Z" in served


def test_a_time_range_on_an_alarm_finds_the_events_whose_alarm_triggers_in_it(calendar: caldav.Calendar) -> None:
    calendar.save_event(vevent("alarmed", "DTSTART:20260210T080000Z\r\nDTEND:20260210T090000Z\r\n", ALARM_15))
    calendar.save_event(vevent("quiet", "DTSTART:20260210T080000Z\r\nDTEND:20260210T090000Z\r\n"))
    repeated = (
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT1H\r\nREPEAT:2\r\nDURATION:PT20M\r\n"
        "END:VALARM\r\n"
    )
    calendar.save_event(vevent("nagging", "DTSTART:20260212T080000Z\r\nDTEND:20260212T090000Z\r\n", repeated))
    after_end = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER;RELATED=END:PT5M\r\nEND:VALARM\r\n"
    calendar.save_event(vevent("debrief", "DTSTART:20260213T080000Z\r\nDURATION:PT2H\r\n", after_end))
    daily = "RRULE:FREQ=DAILY;COUNT=30\r\n" + ALARM_15
    calendar.save_event(vevent("daily", "DTSTART:20260301T060000Z\r\nDTEND:20260301T061500Z\r\n", daily))

    def alarms(start: datetime, end: datetime) -> list[str]:
        return _uids(calendar.search(event=True, alarm_start=start, alarm_end=end, post_filter=False))

    assert alarms(at(10, 7, 40), at(10, 7, 55)) == ["alarmed"]  # 07:45
    assert alarms(at(10, 8), at(10, 8, 15)) == []  # after the trigger, while the event runs
    assert alarms(at(12, 7, 30), at(12, 7, 45)) == ["nagging"]  # the second of 07:00, 07:20, 07:40
    assert alarms(at(12, 7, 41), at(12, 7, 59)) == []
    assert alarms(at(13, 10, 5), at(13, 10, 6)) == ["debrief"]  # 5 minutes after its 10:00 end
    assert alarms(datetime(2026, 3, 20, 5, 40, tzinfo=UTC), datetime(2026, 3, 20, 5, 50, tzinfo=UTC)) == ["daily"]
    assert alarms(datetime(2026, 4, 20, 5, 40, tzinfo=UTC), datetime(2026, 4, 20, 5, 50, tzinfo=UTC)) == []


def test_an_alarm_of_a_replaced_instance_is_the_overrides(calendar: caldav.Calendar) -> None:
    series = vevent(
        "series", "DTSTART:20260301T060000Z\r\nDTEND:20260301T061500Z\r\n", "RRULE:FREQ=DAILY;COUNT=5\r\n" + ALARM_15
    )
    moved = (
        "BEGIN:VEVENT\r\nUID:series\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:20260303T060000Z\r\n"
        "DTSTART:20260303T100000Z\r\nDTEND:20260303T101500Z\r\nSUMMARY:moved\r\n" + ALARM_15 + "END:VEVENT\r\n"
    )
    calendar.save_event(series.replace("END:VCALENDAR", moved + "END:VCALENDAR"))

    def alarms(start: datetime, end: datetime) -> list[str]:
        return _uids(calendar.search(event=True, alarm_start=start, alarm_end=end, post_filter=False))

    assert alarms(datetime(2026, 3, 3, 5, 40, tzinfo=UTC), datetime(2026, 3, 3, 5, 50, tzinfo=UTC)) == []
    assert alarms(datetime(2026, 3, 3, 9, 40, tzinfo=UTC), datetime(2026, 3, 3, 9, 50, tzinfo=UTC)) == ["series"]


def test_a_time_range_right_under_vcalendar_finds_every_kind_of_object_in_it(calendar: caldav.Calendar) -> None:
    calendar.save_event(vevent("event-in", "DTSTART:20260210T120000Z\r\nDTEND:20260210T130000Z\r\n"))
    calendar.save_event(vevent("event-out", "DTSTART:20260220T120000Z\r\nDTEND:20260220T130000Z\r\n"))
    calendar.save_todo(vevent("task-in", "DUE:20260210T170000Z\r\n", component="VTODO"))
    calendar.save_todo(vevent("task-out", "DUE:20260225T170000Z\r\n", component="VTODO"))
    calendar.save_journal(vevent("note-in", "DTSTART;VALUE=DATE:20260211\r\n", component="VJOURNAL"))
    calendar.save_journal(vevent("note-out", "DTSTART;VALUE=DATE:20260301\r\n", component="VJOURNAL"))
    found = calendar.search(
        start=at(10, 0), end=at(10, 0) + timedelta(days=2), post_filter=False, compatibility_workarounds=False
    )
    assert _uids(found) == ["event-in", "note-in", "task-in"]
