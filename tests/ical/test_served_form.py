"""An event is served in the form its CalDAV client wrote it: DTEND, DURATION or no end at all, CLASS or none;
a change the REST faces make (another end, another privacy) is written out in full again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from almanac.domain.events import EndForm, Privacy
from almanac.ical.parse import parse_calendar_object
from almanac.ical.serialize import calendar_object
from tests.ical.factories import USERS, events_of


def _object(timing: str, extra: str = "") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\nUID:u@t\r\n"
        f"{timing}SUMMARY:Talk\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def _served(data: bytes, **changes: object) -> tuple[str, datetime]:
    parsed = parse_calendar_object(data, default_tzid="Europe/Paris")
    master, overrides = events_of(parsed)
    master = replace(master, **changes)  # type: ignore[arg-type]
    served = calendar_object(master, overrides, users=USERS)
    again = parse_calendar_object(served, default_tzid="Europe/Paris")
    assert again.master is not None
    return served.decode(), again.master.ends_at


def test_a_duration_is_served_as_the_exact_time_it_gives_across_a_dst_change() -> None:
    # P1D from noon before the spring change in Paris ends at noon the next day: 23 hours later.
    data = _object("DTSTART;TZID=Europe/Paris:20260328T120000\r\nDURATION:P1D\r\n")
    parsed = parse_calendar_object(data, default_tzid="Europe/Paris")
    assert parsed.master is not None and parsed.master.end_form is EndForm.DURATION
    served, ends_at = _served(data)
    assert "DURATION:PT23H" in served and "DTEND" not in served
    assert ends_at == datetime(2026, 3, 29, 10, tzinfo=UTC)


def test_an_event_without_an_end_is_served_without_one_until_its_end_moves() -> None:
    dated = _object("DTSTART;VALUE=DATE:20260310\r\n")
    served, ends_at = _served(dated)
    assert "DTEND" not in served and "DURATION" not in served
    assert ends_at == datetime(2026, 3, 10, 23, tzinfo=UTC)  # the next local midnight in Paris
    moved, _ = _served(dated, ends_at=ends_at + timedelta(days=2))
    assert "DTEND;VALUE=DATE:20260313" in moved
    instant, _ = _served(_object("DTSTART:20260310T090000Z\r\n"))
    assert "DTEND" not in instant
    lasting, _ = _served(_object("DTSTART:20260310T090000Z\r\n"), ends_at=datetime(2026, 3, 10, 10, 30, tzinfo=UTC))
    assert "DTEND:20260310T103000Z" in lasting


def test_class_is_served_only_when_sent_or_once_the_event_is_private() -> None:
    unsaid = _object("DTSTART:20260310T090000Z\r\nDTEND:20260310T100000Z\r\n")
    assert "CLASS" not in _served(unsaid)[0]
    assert "CLASS:PRIVATE" in _served(unsaid, privacy=Privacy.PRIVATE)[0]
    said = _object("DTSTART:20260310T090000Z\r\nDTEND:20260310T100000Z\r\n", "CLASS:PUBLIC\r\n")
    assert "CLASS:PUBLIC" in _served(said)[0]
