"""Broken iCalendar data is refused with the line at fault and the reason, never half-read."""

from __future__ import annotations

import pytest

from almanac.domain.calendar_data import CalendarDataError, ComponentKind
from almanac.ical.parse import parse_calendar_file, parse_calendar_object

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
EVENT = "BEGIN:VEVENT\r\nUID:a@t\r\nDTSTART:20240101T100000Z\r\nSUMMARY:A\r\nEND:VEVENT\r\n"
TAIL = "END:VCALENDAR\r\n"


def _data(*events: str) -> bytes:
    return (HEAD + "".join(events) + TAIL).encode()


def _event(*lines: str, uid: str = "a@t") -> str:
    return "BEGIN:VEVENT\r\nUID:" + uid + "\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


def _fault(data: bytes) -> tuple[str, str]:
    with pytest.raises(CalendarDataError) as caught:
        parse_calendar_file(data, default_tzid="UTC")
    problem = caught.value.problems[0]
    return problem.field, caught.value.render()


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", "line 1", "no BEGIN:VCALENDAR"),
        (HEAD.encode() + EVENT.encode(), "line 1", "never closed"),
        (_data(_event("DTSTART:20240101T100000Z", "this is not a line")), "line 7", "not an iCalendar content line"),
        (_data(_event("DTSTART:20240101T100000Z")).replace(b"END:VEVENT", b"END:VTODO"), "line 7", "closes"),
        (_data(_event("DTSTART:2024-01-01")), "line 6", "not a date"),
        (_data(_event("SUMMARY:no start")), "line 4", "no DTSTART"),
        (_data(_event("DTSTART:20240101T100000Z", "DTEND:20240101T090000Z")), "line 7", "ends before it starts"),
        (_data(_event("DTSTART:20240101T100000Z", "DTEND;VALUE=DATE:20240102")), "line 7", "DTEND must be a date"),
        (_data(_event("DTSTART;TZID=Mars/Olympus:20240101T100000")), "line 6", "unknown time zone"),
        (_data(_event("DTSTART:20240101T100000Z", "RRULE:FREQ=SOMETIMES")), "line 7", "FREQ"),
        (_data(_event("DTSTART:20240101T100000Z", "PRIORITY:11")), "line 7", "from 0 to 9"),
        (_data(_event("DTSTART:20240101T100000Z", "SUMMARY:a", "SUMMARY:b")), "line 8", "only once"),
        (_data(EVENT, EVENT), "line 9", "second VEVENT"),
        (_data(_event("DTSTART:20240101T100000Z", "RECURRENCE-ID:20240101T100000Z")), "line 4", "no master"),
        (_data("BEGIN:VEVENT\r\nDTSTART:20240101T100000Z\r\nEND:VEVENT\r\n"), "line 4", "no UID"),
        (HEAD.encode() + b"SUMMARY:\xff\r\n" + TAIL.encode(), "line 4", "not UTF-8"),
        (b"BEGIN:VCALENDAR\r\nVERSION:1.0\r\nEND:VCALENDAR\r\n", "line 2", "VERSION:2.0"),
    ],
)
def test_a_broken_file_names_its_line_and_reason(data: bytes, line: str, reason: str) -> None:
    field, message = _fault(data)
    assert field == line
    assert reason in message


def test_folded_lines_count_from_where_they_start() -> None:
    data = _data(_event("DESCRIPTION:a long\r\n  folded value", "DTSTART:20240101T100000Z", "PRIORITY:x"))
    assert _fault(data)[0] == "line 9"


def test_a_calendar_object_holds_exactly_one_uid() -> None:
    with pytest.raises(CalendarDataError) as caught:
        parse_calendar_object(_data(EVENT, _event("DTSTART:20240101T100000Z", uid="b@t")), default_tzid="UTC")
    assert caught.value.problems[0].field == "line 9"
    with pytest.raises(CalendarDataError):
        parse_calendar_object(_data(), default_tzid="UTC")


def test_todos_and_journals_are_reported_by_kind_without_a_master() -> None:
    todo = "BEGIN:VTODO\r\nUID:t@t\r\nSUMMARY:Task\r\nEND:VTODO\r\n"
    found = parse_calendar_file(_data(EVENT, todo), default_tzid="UTC")
    assert [(o.uid, o.kind, o.master is None) for o in found] == [
        ("a@t", ComponentKind.EVENT, False),
        ("t@t", ComponentKind.TODO, True),
    ]
