"""One store, two faces: what the Back Office writes the eXo face reads, and the other way round."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.exo_v1.conftest import MakeCaller

DAY = {"startTime": "2026-01-06T00:00:00Z", "endTime": "2026-01-07T00:00:00Z"}


def test_a_back_office_event_is_in_its_authors_default_calendar_with_recipients_as_participants(
    client: TestClient, caller: MakeCaller
) -> None:
    alice, bob = caller("alice"), caller("bob")
    created = client.post(
        "/api/v2/calendars/events",
        json={
            "caption": "Budget",
            "startDate": "2026-01-06T10:00:00+01:00",
            "endDate": "2026-01-06T11:00:00+01:00",
            "recipients": ["BOB@example.com"],
        },
        headers=alice.account.headers,
    )
    assert created.status_code == 201, created.text

    [event] = alice.get(f"/calendars/{alice.default_calendar}/events", params=DAY).json()["data"]

    assert (event["subject"], event["from"], event["to"]) == (
        "Budget",
        "2026-01-06T09:00:00.000Z",
        "2026-01-06T10:00:00.000Z",
    )
    assert event["participants"] == ["bob"]
    assert event["calendarId"] == alice.default_calendar
    assert bob.get(f"/events/{event['id']}").status_code == 200


def test_an_exo_event_is_in_the_back_office_list_of_a_participant(client: TestClient, caller: MakeCaller) -> None:
    alice, bob, carol = caller("alice"), caller("bob"), caller("carol")
    alice.create_event(alice.default_calendar, subject="Review", participants=["bob"])

    seen_by_bob = client.get("/api/v2/calendars/events", headers=bob.account.headers).json()
    seen_by_carol = client.get("/api/v2/calendars/events", headers=carol.account.headers).json()

    assert [(e["caption"], e["recipients"], e["authorEmail"]) for e in seen_by_bob] == [
        ("Review", ["bob@example.com"], "alice@example.com")
    ]
    assert seen_by_carol == []


def test_updates_through_either_face_are_seen_by_the_other(client: TestClient, caller: MakeCaller) -> None:
    alice = caller("alice")
    key = alice.create_event(alice.default_calendar, subject="Draft")
    [listed] = client.get("/api/v2/calendars/events", headers=alice.account.headers).json()

    changed = client.patch(
        f"/api/v2/calendars/events/{listed['id']}", json={"caption": "From BO"}, headers=alice.account.headers
    )
    assert changed.status_code == 200
    assert alice.get(f"/events/{key}").json()["subject"] == "From BO"

    assert alice.put(f"/events/{key}", json={"subject": "From eXo", "location": "Room 1"}).status_code == 200
    seen = client.get(f"/api/v2/calendars/events/{listed['id']}", headers=alice.account.headers).json()
    assert seen["caption"] == "From eXo"
