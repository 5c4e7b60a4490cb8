"""The iCalendar export and feeds over HTTP: content, ETag and 304, public and private URLs, permissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import icalendar
import pytest
import recurring_ical_events
from fastapi.testclient import TestClient

from tests.api.exo_v1.conftest import Caller, MakeCaller

PUBLIC = "/rest/v1/calendar"


WEEKLY = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
BEGIN:VEVENT\r
UID:weekly@t\r
DTSTART;TZID=Europe/Paris:20260105T090000\r
DTEND;TZID=Europe/Paris:20260105T100000\r
RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO\r
EXDATE;TZID=Europe/Paris:20260112T090000\r
SUMMARY:Weekly review\r
ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
TRIGGER:-PT15M\r
DESCRIPTION:Weekly review\r
END:VALARM\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def alice(caller: MakeCaller) -> Caller:
    me = caller("alice")
    response = me.post(f"/calendars/{me.default_calendar}/ics", content=WEEKLY)
    assert response.status_code == 200, response.text
    return me


def _ics(me: Caller, calendar: str | None = None, **headers: str) -> tuple[int, dict[str, str], bytes]:
    response = me.get(f"/calendars/{calendar or me.default_calendar}/ics", headers=headers)
    return response.status_code, dict(response.headers), response.content


def test_the_export_is_a_valid_calendar_with_the_true_rule(alice: Caller) -> None:
    status, headers, data = _ics(alice)
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["content-disposition"].startswith('attachment; filename="Alice.ics"')
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Weekly review"
    assert b"RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO\r\n" in data
    assert b"EXDATE;TZID=Europe/Paris:20260112T090000\r\n" in data
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n" in data
    assert len(event.walk("VALARM")) == 1
    assert str(event["ATTENDEE"]) == "mailto:alice@example.com"
    starts = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2026, 3, 1))
    assert sorted(str(e["DTSTART"].dt.date()) for e in starts) == ["2026-01-05", "2026-01-19", "2026-01-26"]


def test_the_etag_changes_only_with_the_content_and_answers_304(alice: Caller) -> None:
    _, headers, data = _ics(alice)
    etag = headers["etag"]
    assert _ics(alice)[1]["etag"] == etag and _ics(alice)[2] == data
    status, again, body = _ics(alice, **{"If-None-Match": etag})
    assert (status, body, again["etag"]) == (304, b"", etag)
    alice.create_event(alice.default_calendar, subject="Another")
    status, changed, _ = _ics(alice, **{"If-None-Match": etag})
    assert status == 200 and changed["etag"] != etag


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("sharee", 200), ("group member", 200), ("participant", 404), ("stranger", 404), ("admin", 200)],
)
def test_who_may_export(alice: Caller, caller: MakeCaller, group: Callable[..., None], role: str, status: int) -> None:
    sam, tom, pat, stan = caller("sam"), caller("tom"), caller("pat"), caller("stan")
    boss = caller("boss", admin=True)
    group("/team", ("tom", "member"))
    alice.put(f"/calendars/{alice.default_calendar}", json={"viewPermission": "sam;/team/:*.*"})
    alice.create_event(alice.default_calendar, subject="With pat", participants=["pat"])
    me = {"owner": alice, "sharee": sam, "group member": tom, "participant": pat, "stranger": stan, "admin": boss}[role]
    assert _ics(me, alice.default_calendar)[0] == status


def test_a_public_calendar_is_served_without_login(alice: Caller, client: TestClient) -> None:
    path = f"{PUBLIC}/calendars/{alice.default_calendar}/ics"
    assert client.get(path).status_code == 404  # not public yet
    alice.put(f"/calendars/{alice.default_calendar}", json={"publicURL": "/anything"})
    response = client.get(path)
    assert response.status_code == 200 and b"Weekly review" in response.content
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert client.get(path, headers={"If-None-Match": response.headers["etag"]}).status_code == 304
    head = client.head(path)
    assert head.status_code == 200 and head.headers["etag"] == response.headers["etag"] and head.content == b""
    assert client.get(f"{PUBLIC}/calendars/nope/ics").status_code == 404
    alice.put(f"/calendars/{alice.default_calendar}", json={"publicURL": ""})
    assert client.get(path).status_code == 404


def test_a_private_url_serves_the_feed_until_it_is_rotated_or_revoked(
    alice: Caller, caller: MakeCaller, client: TestClient
) -> None:
    minted = alice.post(f"/calendars/{alice.default_calendar}/private-url")
    assert minted.status_code == 201
    url = minted.json()["privateURL"]
    assert url.startswith("http://testserver/rest/v1/calendar/calendars/alice-defaultCalendarId/private/")
    assert minted.json()["webcalURL"] == "webcal://" + url.split("://")[1]
    path = url.removeprefix("http://testserver")
    response = client.get(path)
    assert response.status_code == 200 and b"Weekly review" in response.content
    assert client.get(path.replace("/private/", "/private/x")).status_code == 404
    assert client.get(path.replace("alice-defaultCalendarId", "stan-defaultCalendarId")).status_code == 404
    rotated = alice.post(f"/calendars/{alice.default_calendar}/private-url").json()["privateURL"]
    assert client.get(path).status_code == 404
    assert client.get(rotated.removeprefix("http://testserver")).status_code == 200
    assert alice.delete(f"/calendars/{alice.default_calendar}/private-url").status_code == 200
    assert client.get(rotated.removeprefix("http://testserver")).status_code == 404


def test_only_who_may_change_the_calendar_mints_its_private_url(alice: Caller, caller: MakeCaller) -> None:
    sam, stan = caller("sam"), caller("stan")
    alice.put(f"/calendars/{alice.default_calendar}", json={"viewPermission": "sam", "editPermission": "sam"})
    assert sam.post(f"/calendars/{alice.default_calendar}/private-url").status_code == 401
    assert stan.post(f"/calendars/{alice.default_calendar}/private-url").status_code == 404
    assert stan.delete(f"/calendars/{alice.default_calendar}/private-url").status_code == 404
