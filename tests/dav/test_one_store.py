"""One store: what the REST faces write, CalDAV sees at once (calendar-query, sync-collection), and the reverse."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.conftest import Account, MakeAccount
from tests.dav.conftest import Dav, texts

EXO = "/rest/private/v1/calendar"
CAL = "/dav/calendars/alice/alice-defaultCalendarId/"
DAY = {"startTime": "2026-01-06T00:00:00Z", "endTime": "2026-01-07T00:00:00Z"}

QUERY = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
<c:time-range start="20260106T000000Z" end="20260107T000000Z"/></c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


def sync(dav: Dav, token: str = "") -> httpx.Response:
    body = (
        f'<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>'
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    response = dav("REPORT", CAL, "alice", body)
    assert response.status_code == 207, response.text
    return response


def token_of(response: httpx.Response) -> str:
    return texts(response, "/d:multistatus/d:sync-token")[0]


def backoffice_event(client: TestClient, alice: Account, **fields: Any) -> dict[str, Any]:
    body = {"caption": "From BO", "startDate": "2026-01-06T09:00:00Z", "endDate": "2026-01-06T10:00:00Z", **fields}
    response = client.post("/api/v2/calendars/events", headers=alice.headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_rest_writes_show_in_calendar_query_and_sync_at_once(
    client: TestClient, dav: Dav, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    token = token_of(sync(dav))
    backoffice_event(client, alice)
    exo = client.post(
        f"{EXO}/calendars/alice-defaultCalendarId/events",
        headers=alice.headers,
        json={"subject": "From eXo", "from": "2026-01-06T11:00:00Z", "to": "2026-01-06T12:00:00Z"},
    )
    assert exo.status_code == 201
    found = dav("REPORT", CAL, "alice", QUERY, Depth="1")
    data = "".join(texts(found, "//c:calendar-data"))
    assert "SUMMARY:From BO" in data
    assert "SUMMARY:From eXo" in data
    changed = sync(dav, token)
    assert len(texts(changed, "//d:response/d:href")) == 2
    assert texts(changed, "//d:response/d:propstat/d:status") == ["HTTP/1.1 200 OK"] * 2


def test_a_caldav_put_shows_in_both_rest_faces_with_participants_and_reminders(
    client: TestClient, dav: Dav, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    make_account("bob")
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\nUID:planning@example.com\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20260106T090000Z\r\nDTEND:20260106T100000Z\r\n"
        "RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Planning\r\n"
        "ORGANIZER:mailto:alice@example.com\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Planning\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert dav("PUT", CAL + "planning.ics", "alice", body, Content_Type="text/calendar").status_code == 201

    listed = client.get("/api/v2/calendars/events", headers=alice.headers, params={"filter[name]": "Planning"})
    [event] = listed.json()
    assert event["recipients"] == ["bob@example.com"]
    assert event["notifications"] == ["PT15M"]
    [exo] = client.get(f"{EXO}/calendars/alice-defaultCalendarId/events", headers=alice.headers, params=DAY).json()[
        "data"
    ]
    assert exo["subject"] == "Planning"
    assert exo["participants"] == ["bob"]
    assert len(exo["reminder"]) == 1
    # The recurrence is kept: CalDAV reads the series back, three occurrences long.
    assert "RRULE:FREQ=DAILY;COUNT=3" in dav("GET", CAL + "planning.ics", "alice").text


def test_deletions_propagate_both_ways(client: TestClient, dav: Dav, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    created = backoffice_event(client, alice)
    token = token_of(sync(dav))
    [href] = [h for h in texts(sync(dav), "//d:response/d:href")]
    assert client.delete(f"/api/v2/calendars/events/{created['id']}", headers=alice.headers).status_code == 204
    gone = sync(dav, token)
    assert texts(gone, "//d:response/d:href") == [href]
    assert texts(gone, "//d:response/d:status") == ["HTTP/1.1 404 Not Found"]
    assert dav("GET", href, "alice").status_code == 404

    again = backoffice_event(client, alice, caption="Delete me over CalDAV")
    [href] = [h for h in texts(sync(dav, token_of(gone)), "//d:response/d:href")]
    assert dav("DELETE", href, "alice").status_code == 204
    assert client.get(f"/api/v2/calendars/events/{again['id']}", headers=alice.headers).status_code == 404
