"""Tasks through a real CalDAV client (the ``caldav`` library) against a real Almanac server: todos saved,
listed, searched by time range, completed and deleted, and the same tasks seen through the eXo face."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import caldav
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Account, MakeAccount

EXO = "/rest/private/v1/calendar"
MARCH = "startTime=2026-03-01T00:00:00Z&endTime=2026-03-31T00:00:00Z"

PAINT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Almanac tests//EN
BEGIN:VTODO
UID:paint@example.com
DTSTAMP:20260101T000000Z
SUMMARY:Paint the fence
X-SOMETHING:kept as written
END:VTODO
END:VCALENDAR
"""


@pytest.fixture
def alice(make_account: MakeAccount) -> Account:
    return make_account("alice")


@pytest.fixture
def calendar(live_server: str, alice: Account) -> Iterator[caldav.Calendar]:
    with caldav.DAVClient(url=live_server, username="alice", password="pw-alice", require_tls=False) as client:
        yield client.principal().calendars()[0]


def _uids(found: list[caldav.CalendarObjectResource]) -> list[str]:
    return sorted(str(item.icalendar_component["UID"]) for item in found)


def test_calendars_offer_tasks_and_a_client_saves_lists_completes_and_deletes_them(
    calendar: caldav.Calendar, client: TestClient, alice: Account
) -> None:
    assert set(calendar.get_supported_components()) == {"VEVENT", "VTODO", "VJOURNAL"}
    calendar.save_todo(
        summary="Buy milk",
        uid="milk@example.com",
        dtstart=datetime(2026, 3, 2, 9, tzinfo=UTC),
        due=datetime(2026, 3, 2, 12, tzinfo=UTC),
        priority=1,
    )
    calendar.save_todo(PAINT)
    assert _uids(calendar.todos()) == ["milk@example.com", "paint@example.com"]
    assert calendar.events() == []

    paint = calendar.todo_by_uid("paint@example.com").icalendar_component
    assert "DTSTART" not in paint and "DUE" not in paint  # a dateless VTODO stays dateless
    assert paint["X-SOMETHING"] == "kept as written"

    milk = calendar.todo_by_uid("milk@example.com")
    assert milk.icalendar_component["PRIORITY"] == 1
    milk.complete(completion_timestamp=datetime(2026, 3, 2, 11, tzinfo=UTC))
    assert _uids(calendar.todos()) == ["paint@example.com"]  # only pending ones by default
    assert _uids(calendar.todos(include_completed=True)) == ["milk@example.com", "paint@example.com"]
    done = calendar.todo_by_uid("milk@example.com").icalendar_component
    assert done["STATUS"] == "COMPLETED" and done["PERCENT-COMPLETE"] == 100
    assert done["COMPLETED"].dt == datetime(2026, 3, 2, 11, tzinfo=UTC)

    seen = client.get(f"{EXO}/calendars/alice-defaultCalendarId/tasks?{MARCH}", headers=alice.headers).json()
    assert [(t["name"], t["status"], t["priority"]) for t in seen["data"]] == [("Buy milk", "completed", "high")]

    calendar.todo_by_uid("milk@example.com").delete()
    assert _uids(calendar.todos(include_completed=True)) == ["paint@example.com"]
    gone = client.get(f"{EXO}/calendars/alice-defaultCalendarId/tasks?{MARCH}", headers=alice.headers).json()
    assert gone["data"] == []


def test_a_todo_search_by_time_range_follows_due_and_start(calendar: caldav.Calendar) -> None:
    calendar.save_todo(summary="Early", uid="early@example.com", due=datetime(2026, 3, 5, 12, tzinfo=UTC))
    calendar.save_todo(summary="Late", uid="late@example.com", dtstart=datetime(2026, 4, 10, 12, tzinfo=UTC))
    calendar.save_todo(PAINT)  # no date at all: RFC 4791 §9.9 lets it match any range... after its creation
    march = calendar.search(
        todo=True, start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 3, 10, tzinfo=UTC), server_expand=False
    )
    assert "early@example.com" in _uids(march) and "late@example.com" not in _uids(march)
    april = calendar.search(todo=True, start=datetime(2026, 4, 1, tzinfo=UTC), end=datetime(2026, 4, 30, tzinfo=UTC))
    assert "late@example.com" in _uids(april) and "early@example.com" not in _uids(april)


def test_a_task_made_through_exo_is_seen_and_changed_over_caldav(
    calendar: caldav.Calendar, client: TestClient, alice: Account
) -> None:
    made = client.post(
        f"{EXO}/calendars/alice-defaultCalendarId/tasks",
        headers=alice.headers,
        json={"name": "File the report", "from": "2026-03-03T09:00:00Z", "to": "2026-03-04T17:00:00Z"},
    )
    assert made.status_code == 201, made.text
    token = calendar.objects_by_sync_token(load_objects=True)
    [todo] = calendar.todos()
    component = todo.icalendar_component
    assert component["SUMMARY"] == "File the report" and component["STATUS"] == "NEEDS-ACTION"
    assert component["DUE"].dt == datetime(2026, 3, 4, 17, tzinfo=UTC)
    component["SUMMARY"] = "File the quarterly report"
    todo.save()
    task = client.get(made.headers["Location"], headers=alice.headers).json()
    assert task["name"] == "File the quarterly report"
    changed = client.put(made.headers["Location"], headers=alice.headers, json={"status": "in-process"})
    assert changed.status_code == 200, changed.text
    delta = calendar.objects_by_sync_token(sync_token=token.sync_token, load_objects=True, disable_fallback=True)
    assert [o.icalendar_component["STATUS"] for o in delta] == ["IN-PROCESS"]
    assert client.delete(made.headers["Location"], headers=alice.headers).status_code in (200, 204)
    assert calendar.todos(include_completed=True) == []
