"""Journals (VJOURNAL) through a real CalDAV client against a real Almanac server: saved as written, read
back, found by UID, by time range (RFC 4791 §9.9 on DTSTART) and by sync, deleted; and over raw HTTP the
preconditions they share with events and tasks (one UID per calendar, a calendar's component set)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import unquote

import caldav
import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.services.auth import authenticate_password
from almanac.services.calendars import CalendarDraft, create_calendar
from tests.conftest import Account, MakeAccount
from tests.dav.conftest import NS, Dav, basic, xml

CAL = "/dav/calendars/alice/alice-defaultCalendarId/"

#: Written with unusual spacing and an X- property on purpose: a journal is served byte for byte.
MINUTES = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac tests//EN\r\nBEGIN:VJOURNAL\r\n"
    "UID:minutes@example.com\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260310\r\n"
    "SUMMARY:Board minutes\r\nDESCRIPTION:Budget approved\\, hiring paused\r\nX-NOTEBOOK:work\r\n"
    "END:VJOURNAL\r\nEND:VCALENDAR\r\n"
)


def journal(uid: str, dtstart: str, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac tests//EN\r\nBEGIN:VJOURNAL\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{dtstart}SUMMARY:{uid}\r\n{extra}END:VJOURNAL\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def alice(make_account: MakeAccount) -> Account:
    return make_account("alice")


@pytest.fixture
def calendar(live_server: str, alice: Account) -> Iterator[caldav.Calendar]:
    with caldav.DAVClient(url=live_server, username="alice", password="pw-alice", require_tls=False) as client:
        yield client.principal().calendars()[0]


def _uids(found: list[caldav.CalendarObjectResource]) -> list[str]:
    return sorted(str(item.icalendar_component["UID"]) for item in found)


def test_a_client_saves_reads_finds_and_deletes_journals(calendar: caldav.Calendar) -> None:
    assert "VJOURNAL" in calendar.get_supported_components()
    calendar.save_journal(MINUTES)
    calendar.save_journal(summary="Idea", uid="idea@example.com", dtstart=datetime(2026, 3, 12, 18, tzinfo=UTC))
    calendar.save_journal(journal("undated@example.com", ""))
    assert _uids(calendar.journals()) == ["idea@example.com", "minutes@example.com", "undated@example.com"]
    assert calendar.events() == [] and calendar.todos() == []
    loaded = calendar.journal_by_uid("minutes@example.com")
    assert "X-NOTEBOOK:work" in loaded.data and "DESCRIPTION:Budget approved\\, hiring paused" in loaded.data
    # RFC 4791 §9.9: a dated journal spans its day, a timed one is an instant, an undated one never matches.
    day = calendar.search(
        journal=True, start=datetime(2026, 3, 10, 12, tzinfo=UTC), end=datetime(2026, 3, 11, tzinfo=UTC)
    )
    assert _uids(day) == ["minutes@example.com"]
    week = calendar.search(journal=True, start=datetime(2026, 3, 9, tzinfo=UTC), end=datetime(2026, 3, 16, tzinfo=UTC))
    assert _uids(week) == ["idea@example.com", "minutes@example.com"]
    after = calendar.search(
        journal=True, start=datetime(2026, 3, 12, 18, 0, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert _uids(after) == []
    loaded.delete()
    assert _uids(calendar.journals()) == ["idea@example.com", "undated@example.com"]


def test_a_recurring_journal_is_found_by_any_instance(calendar: caldav.Calendar) -> None:
    calendar.save_journal(
        journal("weekly@example.com", "DTSTART:20260105T090000Z\r\n", "RRULE:FREQ=WEEKLY;COUNT=10\r\n")
    )
    found = calendar.search(journal=True, start=datetime(2026, 2, 9, tzinfo=UTC), end=datetime(2026, 2, 10, tzinfo=UTC))
    assert _uids(found) == ["weekly@example.com"]
    past_the_end = calendar.search(
        journal=True, start=datetime(2026, 4, 1, tzinfo=UTC), end=datetime(2026, 5, 1, tzinfo=UTC)
    )
    assert _uids(past_the_end) == []


def test_journals_sync_and_multiget_like_every_object(calendar: caldav.Calendar) -> None:
    # load_objects: the client reads what changed with one calendar-multiget.
    calendar.save_event(summary="Meeting", uid="meeting@example.com", dtstart=datetime(2026, 3, 2, 9, tzinfo=UTC))
    first = calendar.objects_by_sync_token(load_objects=True)
    assert _uids(list(first)) == ["meeting@example.com"]
    calendar.save_journal(MINUTES)
    changed = calendar.objects_by_sync_token(sync_token=first.sync_token, load_objects=True)
    assert _uids(list(changed)) == ["minutes@example.com"]
    calendar.journal_by_uid("minutes@example.com").delete()
    gone = calendar.objects_by_sync_token(sync_token=changed.sync_token, load_objects=False)
    assert [unquote(str(o.url).rsplit("/", 1)[-1]) for o in gone] == ["minutes@example.com.ics"]


def test_journals_share_the_preconditions_of_every_calendar_object(dav: Dav, alice: Account) -> None:
    def put(path: str, body: str, **headers: str) -> int:
        return dav("PUT", path, "alice", body, Content_Type="text/calendar", **headers).status_code

    assert put(CAL + "minutes.ics", MINUTES, If_None_Match="*") == 201
    fetched = dav("GET", CAL + "minutes.ics", "alice")
    assert fetched.content == MINUTES.encode()
    assert fetched.headers["Content-Type"].endswith("component=vjournal")
    assert put(CAL + "minutes.ics", MINUTES, If_None_Match="*") == 412
    assert put(CAL + "minutes.ics", MINUTES.replace("paused", "resumed"), If_Match='"stale"') == 412
    # Stored as sent, so the PUT answers with the ETag a GET gives (RFC 4791 §5.3.4).
    changed = dav(
        "PUT", CAL + "minutes.ics", "alice", MINUTES.replace("paused", "resumed"), If_Match=fetched.headers["ETag"]
    )
    assert changed.status_code == 204
    assert changed.headers["ETag"] == dav("GET", CAL + "minutes.ics", "alice").headers["ETag"]
    # One UID per calendar, whatever the component; a resource keeps its UID and its kind.
    other_name = put(CAL + "copy.ics", MINUTES)
    event = MINUTES.replace("VJOURNAL", "VEVENT").replace(";VALUE=DATE:20260310", ":20260310T090000Z")
    assert (other_name, put(CAL + "event.ics", event)) == (403, 403)
    assert put(CAL + "minutes.ics", event) == 403
    assert dav("DELETE", CAL + "minutes.ics", "alice", If_Match='"stale"').status_code == 412
    assert dav("DELETE", CAL + "minutes.ics", "alice").status_code == 204
    assert dav("GET", CAL + "minutes.ics", "alice").status_code == 404


def test_a_calendar_made_for_journals_holds_journals_only_and_an_events_calendar_refuses_them(
    dav: Dav, alice: Account
) -> None:
    def mkcalendar(name: str, *components: str) -> int:
        comps = "".join(f'<c:comp name="{c}"/>' for c in components)
        body = (
            '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>'
            f"<c:supported-calendar-component-set>{comps}</c:supported-calendar-component-set>"
            "</d:prop></d:set></c:mkcalendar>"
        )
        return dav("MKCALENDAR", f"/dav/calendars/alice/{name}/", "alice", body).status_code

    assert (mkcalendar("notes", "VJOURNAL"), mkcalendar("meetings", "VEVENT")) == (201, 201)
    notes, meetings = "/dav/calendars/alice/notes/", "/dav/calendars/alice/meetings/"
    assert dav("PUT", notes + "m.ics", "alice", MINUTES).status_code == 201
    refused = dav("PUT", meetings + "m.ics", "alice", MINUTES)
    assert refused.status_code == 403
    assert xml(refused).xpath("/d:error/c:supported-calendar-component", namespaces=NS)
    event = journal("e@example.com", "DTSTART:20260310T090000Z\r\n").replace("VJOURNAL", "VEVENT")
    assert dav("PUT", notes + "e.ics", "alice", event).status_code == 403


def test_journals_stay_out_of_the_rest_faces(client: TestClient, dav: Dav, alice: Account) -> None:
    dav("PUT", CAL + "minutes.ics", "alice", MINUTES)
    found = client.get(
        "/rest/private/v1/calendar/events?startTime=2026-03-01T00:00:00Z&endTime=2026-03-31T00:00:00Z",
        headers=basic("alice"),
    )
    assert found.status_code == 200
    assert "Board minutes" not in found.text
    export = client.get("/rest/private/v1/calendar/calendars/alice-defaultCalendarId/ics", headers=basic("alice"))
    assert export.status_code == 200 and b"VJOURNAL" not in export.content


def test_a_journal_with_a_broken_dtstart_is_refused_naming_the_line(dav: Dav, alice: Account) -> None:
    broken = journal("b@example.com", "DTSTART:someday\r\n")
    response = dav("PUT", CAL + "b.ics", "alice", broken)
    assert response.status_code == 403
    assert xml(response).xpath("/d:error/c:valid-calendar-data", namespaces=NS)
    assert dav("GET", CAL + "b.ics", "alice").status_code == 404


def test_a_dated_journal_in_a_calendar_far_from_utc_is_found_on_its_day(
    dav: Dav, container: Container, alice: Account
) -> None:
    principal = authenticate_password(container.services, username="alice", password="pw-alice")
    create_calendar(
        container.services,
        principal=principal,
        draft=CalendarDraft(name="Atoll", tzid="Pacific/Kiritimati"),
        key="atoll",
    )
    path = "/dav/calendars/alice/atoll/"
    assert dav("PUT", path + "m.ics", "alice", MINUTES).status_code == 201
    query = (
        '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
        '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VJOURNAL">'
        '<c:time-range start="{start}" end="{end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>'
    )
    late = dav("REPORT", path, "alice", query.format(start="20260310T230000Z", end="20260311T000000Z"), Depth="1")
    assert xml(late).xpath("//d:href/text()", namespaces=NS) == [path + "m.ics"]
    after = dav("REPORT", path, "alice", query.format(start="20260311T000000Z", end="20260312T000000Z"), Depth="1")
    assert xml(after).xpath("//d:href/text()", namespaces=NS) == []
