"""Tasks (VTODO) as calendar object resources over raw HTTP: PUT/GET/DELETE with strong ETags and
preconditions, calendar-query by component and by the time ranges of RFC 4791 §9.9, calendar-multiget and
sync-collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Todo

from almanac.bootstrap import Container
from almanac.dav.filters import TimeRange, todo_overlaps
from tests.conftest import MakeAccount
from tests.dav.conftest import NS, Dav, texts, xml
from tests.dav.test_objects import event, put

CAL = "/dav/calendars/alice/alice-defaultCalendarId/"


def todo(uid: str = "chore@example.com", lines: str = "DUE:20260310T120000Z\r\n", summary: str = "Chore") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTODO\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\n{lines}END:VTODO\r\nEND:VCALENDAR\r\n"
    )


def query(dav: Dav, filter_xml: str) -> list[str]:
    body = (
        '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
        f'<c:filter><c:comp-filter name="VCALENDAR">{filter_xml}</c:comp-filter></c:filter></c:calendar-query>'
    )
    response = dav("REPORT", CAL, "alice", body, Depth="1")
    assert response.status_code == 207, response.text
    return sorted(h.rsplit("/", 1)[1] for h in texts(response, "//d:response/d:href"))


@pytest.fixture
def alice(make_account: MakeAccount) -> None:
    make_account("alice")


def test_a_vtodo_is_put_read_and_deleted_with_preconditions(dav: Dav, alice: None) -> None:
    assert put(dav, "chore.ics", todo(), If_None_Match="*").status_code == 201
    assert put(dav, "chore.ics", todo(), If_None_Match="*").status_code == 412
    fetched = dav("GET", CAL + "chore.ics", "alice")
    assert fetched.status_code == 200 and "BEGIN:VTODO" in fetched.text and "SUMMARY:Chore" in fetched.text
    assert fetched.headers["Content-Type"] == "text/calendar; charset=utf-8; component=vtodo"
    etag = fetched.headers["ETag"]
    assert dav("GET", CAL + "chore.ics", "alice").headers["ETag"] == etag  # stable
    assert put(dav, "chore.ics", todo(summary="Changed"), If_Match=etag).status_code == 204
    assert put(dav, "chore.ics", todo(summary="Lost"), If_Match=etag).status_code == 412
    assert dav("DELETE", CAL + "chore.ics", "alice", If_Match=etag).status_code == 412
    current = dav("GET", CAL + "chore.ics", "alice").headers["ETag"]
    assert dav("DELETE", CAL + "chore.ics", "alice", If_Match=current).status_code == 204
    assert dav("GET", CAL + "chore.ics", "alice").status_code == 404


def test_a_uid_is_one_resource_whatever_its_component(dav: Dav, alice: None) -> None:
    assert put(dav, "a.ics", event(uid="same@example.com")).status_code == 201
    taken = put(dav, "b.ics", todo(uid="same@example.com"))
    assert taken.status_code == 403
    assert xml(taken).xpath("/d:error/c:no-uid-conflict", namespaces=NS)
    assert put(dav, "a.ics", todo(uid="same@example.com")).status_code == 403  # an event cannot become a task
    assert put(dav, "t.ics", todo(uid="task@example.com")).status_code == 201
    assert put(dav, "t2.ics", event(uid="task@example.com")).status_code == 403
    assert put(dav, "t.ics", event(uid="task@example.com")).status_code == 403


def test_broken_vtodos_name_the_rfc_precondition(dav: Dav, alice: None) -> None:
    syntax = put(dav, "x.ics", todo(lines="DUE:soon\r\n"))
    assert syntax.status_code == 403 and xml(syntax).xpath("/d:error/c:valid-calendar-data", namespaces=NS)
    rule = put(dav, "y.ics", todo(summary="x" * 5000))
    assert rule.status_code == 403 and xml(rule).xpath("/d:error/c:valid-calendar-object-resource", namespaces=NS)


def test_calendar_query_by_component_and_time_range(dav: Dav, alice: None) -> None:
    put(dav, "event.ics", event(start="20260310T090000Z"))
    put(dav, "due.ics", todo(uid="due@t", lines="DUE:20260310T120000Z\r\n"))
    put(dav, "start.ics", todo(uid="start@t", lines="DTSTART:20260420T120000Z\r\n"))
    put(dav, "done.ics", todo(uid="done@t", lines="STATUS:COMPLETED\r\nCOMPLETED:20260302T100000Z\r\n"))
    assert query(dav, "") == ["done.ics", "due.ics", "event.ics", "start.ics"]
    assert query(dav, '<c:comp-filter name="VEVENT"/>') == ["event.ics"]
    assert query(dav, '<c:comp-filter name="VTODO"/>') == ["done.ics", "due.ics", "start.ics"]
    march = (
        '<c:comp-filter name="VTODO"><c:time-range start="20260301T000000Z" end="20260315T000000Z"/></c:comp-filter>'
    )
    # The dateless, completed task has CREATED (the server's clock) and COMPLETED: it matches when either is in range.
    assert "due.ics" in query(dav, march) and "start.ics" not in query(dav, march)
    april = march.replace("20260301", "20260401").replace("20260315", "20260430")
    assert query(dav, april) == ["start.ics"]
    pending = (
        '<c:comp-filter name="VTODO"><c:prop-filter name="STATUS">'
        '<c:text-match negate-condition="yes">COMPLETED</c:text-match></c:prop-filter></c:comp-filter>'
    )
    assert query(dav, pending) == ["due.ics", "start.ics"]


def test_multiget_and_sync_collection_carry_tasks(dav: Dav, alice: None) -> None:
    sync = (
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token>'
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    first = dav("REPORT", CAL, "alice", sync.format(""))
    token = texts(first, "/d:multistatus/d:sync-token")[0]
    put(dav, "due.ics", todo(uid="due@t"))
    multiget = (
        '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        f"<d:prop><c:calendar-data/></d:prop><d:href>{CAL}due.ics</d:href></c:calendar-multiget>"
    )
    got = dav("REPORT", CAL, "alice", multiget)
    assert got.status_code == 207 and "UID:due@t" in "".join(texts(got, "//c:calendar-data"))
    changed = dav("REPORT", CAL, "alice", sync.format(token))
    assert texts(changed, "//d:response/d:href") == [CAL + "due.ics"]
    token = texts(changed, "/d:multistatus/d:sync-token")[0]
    dav("DELETE", CAL + "due.ics", "alice")
    deleted = dav("REPORT", CAL, "alice", sync.format(token))
    assert texts(deleted, "//d:response/d:status") == ["HTTP/1.1 404 Not Found"]


def _todo(**props: datetime) -> Todo:
    component = Todo()
    for name, value in props.items():
        component.add(name, value)
    return component


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("props", "inside", "outside"),
    [
        ({"dtstart": _at(5), "due": _at(8)}, TimeRange(_at(7), _at(9)), TimeRange(_at(9), _at(10))),
        ({"dtstart": _at(5)}, TimeRange(_at(5), _at(6)), TimeRange(_at(1), _at(5))),
        ({"due": _at(8)}, TimeRange(_at(7), _at(8)), TimeRange(_at(8), _at(9))),
        ({"completed": _at(4), "created": _at(1)}, TimeRange(_at(3), _at(5)), TimeRange(_at(5), _at(6))),
        ({"completed": _at(4)}, TimeRange(_at(4), _at(4)), TimeRange(_at(5), None)),
        ({"created": _at(4)}, TimeRange(None, _at(5)), TimeRange(None, _at(4))),
    ],
    ids=["start-due", "start", "due", "completed-created", "completed", "created"],
)
def test_todo_time_ranges_follow_rfc_4791_section_9_9(
    props: dict[str, datetime], inside: TimeRange, outside: TimeRange
) -> None:
    assert todo_overlaps(_todo(**props), inside)
    assert not todo_overlaps(_todo(**props), outside)


def test_a_todo_without_any_date_matches_every_range() -> None:
    assert todo_overlaps(Todo(), TimeRange(_at(1), _at(2)))


def test_a_recurring_task_matches_by_any_instance_and_expands(dav: Dav, alice: None) -> None:
    weekly = "DTSTART:20260302T090000Z\r\nDUE:20260302T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
    assert put(dav, "weekly.ics", todo(uid="weekly@t", lines=weekly)).status_code == 201
    in_range = '<c:comp-filter name="VTODO"><c:time-range start="{}" end="{}"/></c:comp-filter>'
    assert query(dav, in_range.format("20260316T000000Z", "20260317T000000Z")) == ["weekly.ics"]
    assert query(dav, in_range.format("20260324T000000Z", "20260401T000000Z")) == []  # after the fourth
    body = (
        '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data>'
        '<c:expand start="20260309T000000Z" end="20260320T000000Z"/></c:calendar-data></d:prop>'
        '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">'
        '<c:time-range start="20260309T000000Z" end="20260320T000000Z"/></c:comp-filter></c:comp-filter>'
        "</c:filter></c:calendar-query>"
    )
    expanded = "".join(texts(dav("REPORT", CAL, "alice", body, Depth="1"), "//c:calendar-data"))
    assert expanded.count("BEGIN:VTODO") == 2 and "RRULE" not in expanded
    assert "RECURRENCE-ID:20260309T090000Z" in expanded and "RECURRENCE-ID:20260316T090000Z" in expanded
    assert "DUE:20260316T100000Z" in expanded


def test_open_time_ranges_on_recurring_tasks_are_answered(dav: Dav, alice: None) -> None:
    daily = "DTSTART:20260302T090000Z\r\nDUE:20260302T100000Z\r\nRRULE:FREQ=DAILY\r\n"
    assert put(dav, "daily.ics", todo(uid="daily@t", lines=daily)).status_code == 201
    only_end = '<c:comp-filter name="VTODO"><c:time-range end="20260303T000000Z"/></c:comp-filter>'
    only_start = '<c:comp-filter name="VTODO"><c:time-range start="20300101T000000Z"/></c:comp-filter>'
    before = '<c:comp-filter name="VTODO"><c:time-range end="20260301T000000Z"/></c:comp-filter>'
    assert query(dav, only_end) == ["daily.ics"]
    assert query(dav, only_start) == ["daily.ics"]
    assert query(dav, before) == []


def _alarm(trigger: str) -> str:
    return f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Chore\r\n{trigger}\r\nEND:VALARM\r\n"


def test_a_task_without_a_start_counts_its_alarms_back_from_due(dav: Dav, alice: None, container: Container) -> None:
    # RFC 5545 §3.8.6.3: a relative trigger of a VTODO without DTSTART is RELATED=END; it is what the task's
    # reminder counts back from (domain.task_reminders), so it is modelled and written back that way.
    assert (
        put(dav, "due.ics", todo(lines="DUE:20260310T120000Z\r\n" + _alarm("TRIGGER;RELATED=END:-PT30M"))).status_code
        == 201
    )
    started = "DTSTART:20260309T120000Z\r\nDUE:20260310T120000Z\r\n" + _alarm("TRIGGER;RELATED=END:-PT30M")
    assert put(dav, "started.ics", todo(uid="started@example.com", lines=started)).status_code == 201
    with container.services.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key("alice-defaultCalendarId")
        assert calendar is not None and calendar.id is not None
        due = uow.tasks.get_by_dav_name(calendar.id, "due.ics")
        kept = uow.tasks.get_by_dav_name(calendar.id, "started.ics")
    assert due is not None and [r.before for r in due.reminders] == [timedelta(minutes=30)]
    # With a start, an alarm related to DUE is not one Almanac models: it is kept verbatim, not delivered.
    assert kept is not None and kept.reminders == [] and "RELATED=END" in (kept.extra_properties or "")
    written = dav("GET", CAL + "due.ics", "alice").text
    assert "TRIGGER;RELATED=END:-PT30M" in written
    assert "TRIGGER;RELATED=END:-PT30M" in dav("GET", CAL + "started.ics", "alice").text
