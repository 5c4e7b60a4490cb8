"""Tasks as VTODOs in the iCalendar export, the feeds and the import: every modelled property, unmodelled ones
kept, dateless and all-day tasks, delegates as attendees, stable entity tags."""

from __future__ import annotations

import icalendar
from fastapi.testclient import TestClient

from tests.api.exo_v1.conftest import Caller, MakeCaller

PUBLIC = "/rest/v1/calendar"
MARCH = "startTime=2026-03-01T00:00:00Z&endTime=2026-03-31T00:00:00Z"

IMPORTED = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
BEGIN:VTODO\r
UID:fence@t\r
DTSTART;TZID=Europe/Paris:20260302T090000\r
DUE;TZID=Europe/Paris:20260306T180000\r
SUMMARY:Paint the fence\r
DESCRIPTION:Two coats\r
STATUS:IN-PROCESS\r
PERCENT-COMPLETE:40\r
PRIORITY:2\r
CATEGORIES:Meeting\r
ATTENDEE:mailto:bob@example.com\r
ATTENDEE;CN=Someone:mailto:someone@elsewhere.example\r
X-CUSTOM;A=1:kept\\, verbatim\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
TRIGGER:-PT30M\r
DESCRIPTION:Paint\r
END:VALARM\r
END:VTODO\r
BEGIN:VTODO\r
UID:someday@t\r
SUMMARY:Someday\r
END:VTODO\r
BEGIN:VTODO\r
UID:holiday@t\r
DUE;VALUE=DATE:20260320\r
SUMMARY:Book the holiday\r
STATUS:COMPLETED\r
COMPLETED:20260301T100000Z\r
END:VTODO\r
END:VCALENDAR\r
"""


def _todos(data: bytes) -> dict[str, icalendar.cal.Component]:
    return {str(c["UID"]): c for c in icalendar.Calendar.from_ical(data).walk("VTODO")}


def _export(me: Caller) -> tuple[bytes, str]:
    response = me.get(f"/calendars/{me.default_calendar}/ics")
    assert response.status_code == 200, response.text
    return response.content, response.headers["etag"]


def test_an_exo_task_is_exported_as_a_vtodo_with_a_stable_etag(caller: MakeCaller) -> None:
    alice, _bob = caller("alice"), caller("bob")
    made = alice.post(
        f"/calendars/{alice.default_calendar}/tasks",
        json={
            "name": "Quarterly report",
            "note": "For the board",
            "from": "2026-03-03T09:00:00Z",
            "to": "2026-03-04T17:00:00Z",
            "priority": "low",
            "categoryId": "defaultEventCategoryIdMeeting",
            "delegation": ["bob"],
        },
    )
    assert made.status_code == 201, made.text
    data, etag = _export(alice)
    todo = _todos(data)
    [(uid, component)] = todo.items()
    assert component["SUMMARY"] == "Quarterly report" and component["DESCRIPTION"] == "For the board"
    assert component["DTSTART"].to_ical() == b"20260303T090000Z" and component["DUE"].to_ical() == b"20260304T170000Z"
    assert component["STATUS"] == "NEEDS-ACTION" and component["PRIORITY"] == 9
    assert component["CATEGORIES"].to_ical() == b"Meeting"
    assert str(component["ATTENDEE"]) == "mailto:bob@example.com"
    assert str(component["ORGANIZER"]) == "mailto:alice@example.com"
    assert "COMPLETED" not in component and "PERCENT-COMPLETE" not in component
    assert {"DTSTAMP", "LAST-MODIFIED", "CREATED"} <= set(component)
    assert _export(alice) == (data, etag)  # the same content, the same bytes and tag

    task = made.headers["Location"].split("/rest/private/v1/calendar")[1]
    assert alice.put(task, json={"status": "completed"}).status_code == 200
    done, new_etag = _export(alice)
    assert new_etag != etag
    finished = _todos(done)[uid]
    assert finished["STATUS"] == "COMPLETED" and finished["PERCENT-COMPLETE"] == 100 and "COMPLETED" in finished
    assert alice.get(f"/calendars/{alice.default_calendar}/ics", headers={"If-None-Match": new_etag}).status_code == 304


def test_an_import_of_vtodos_creates_tasks_keeping_what_it_does_not_model(caller: MakeCaller) -> None:
    alice, _bob = caller("alice"), caller("bob")
    report = alice.post(f"/calendars/{alice.default_calendar}/ics", content=IMPORTED)
    assert report.status_code == 200, report.text
    assert report.json()["created"] == ["fence@t", "someday@t", "holiday@t"]

    seen = alice.get(f"/calendars/{alice.default_calendar}/tasks?{MARCH}").json()["data"]
    fence = next(t for t in seen if t["name"] == "Paint the fence")
    assert (fence["from"], fence["to"]) == ("2026-03-02T08:00:00.000Z", "2026-03-06T17:00:00.000Z")
    assert (fence["status"], fence["priority"], fence["delegation"]) == ("in-process", "high", ["bob"])
    assert fence["categoryId"] == "defaultEventCategoryIdMeeting" and fence["note"] == "Two coats"

    exported, _etag = _export(alice)
    todos = _todos(exported)
    assert todos["fence@t"]["DTSTART"].params["TZID"] == "Europe/Paris"
    assert b"X-CUSTOM;A=1:kept\\, verbatim\r\n" in exported
    assert b"PERCENT-COMPLETE:40\r\n" in exported
    assert sorted(str(a) for a in todos["fence@t"]["ATTENDEE"]) == [
        "mailto:bob@example.com",
        "mailto:someone@elsewhere.example",
    ]
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris" in exported
    assert "DTSTART" not in todos["someday@t"] and "DUE" not in todos["someday@t"]
    assert todos["holiday@t"]["DUE"].to_ical() == b"20260320" and todos["holiday@t"]["STATUS"] == "COMPLETED"
    assert todos["holiday@t"]["COMPLETED"].to_ical() == b"20260301T100000Z"

    again = alice.post(f"/calendars/{alice.default_calendar}/ics", content=exported)
    assert again.json()["unchanged"] == ["fence@t", "holiday@t", "someday@t"]
    assert _export(alice)[0] == exported


def test_a_broken_vtodo_is_refused_naming_its_line(caller: MakeCaller) -> None:
    alice = caller("alice")
    broken = IMPORTED.replace(b"STATUS:IN-PROCESS", b"STATUS:TENTATIVE")
    response = alice.post(f"/calendars/{alice.default_calendar}/ics", content=broken)
    assert response.status_code == 400
    assert "line 9" in response.text and "TENTATIVE" in response.text
    assert alice.get(f"/calendars/{alice.default_calendar}/tasks?{MARCH}").json()["data"] == []
    backwards = IMPORTED.replace(b"DUE;TZID=Europe/Paris:20260306T180000", b"DUE;TZID=Europe/Paris:20260301T180000")
    assert alice.post(f"/calendars/{alice.default_calendar}/ics", content=backwards).status_code == 400


def test_public_feeds_carry_the_tasks(caller: MakeCaller, client: TestClient) -> None:
    alice = caller("alice")
    assert alice.post(f"/calendars/{alice.default_calendar}/ics", content=IMPORTED).status_code == 200
    alice.put(f"/calendars/{alice.default_calendar}", json={"publicURL": "/anything"})
    feed = client.get(f"{PUBLIC}/calendars/{alice.default_calendar}/ics")
    assert feed.status_code == 200
    assert sorted(_todos(feed.content)) == ["fence@t", "holiday@t", "someday@t"]
