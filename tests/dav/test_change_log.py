"""The change log behind sync tokens: every event write, from every face, in the writer's own transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from almanac.bootstrap import Container
from almanac.domain.changes import ChangeKind, UnknownSyncRevisionError
from almanac.domain.errors import NotFoundError
from almanac.domain.users import Principal
from almanac.services.auth import authenticate
from almanac.services.calendar_sync import changes_since, current_revision, occurrences_by_object
from tests.api.backoffice_v2.factories import event_body
from tests.conftest import Account, MakeAccount

EXO = "/rest/private/v1/calendar"
DEFAULT = "alice-defaultCalendarId"


def me(container: Container, account: Account) -> Principal:
    return authenticate(container.services, secret=account.token)


def test_writes_through_both_rest_faces_are_logged_in_order(
    client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    principal = me(container, alice)
    start = current_revision(container.services, principal=principal, calendar_key=DEFAULT)
    created = client.post(
        "/api/v2/calendars/events",
        headers=alice.headers,
        json={"caption": "Back Office", "startDate": "2026-02-01T09:00:00Z", "endDate": "2026-02-01T10:00:00Z"},
    )
    assert created.status_code == 201
    exo = client.post(
        f"{EXO}/calendars/{DEFAULT}/events",
        headers=alice.headers,
        json={"subject": "eXo", "from": "2026-02-02T09:00:00Z", "to": "2026-02-02T10:00:00Z"},
    )
    assert exo.status_code == 201
    delta = changes_since(container.services, principal=principal, calendar_key=DEFAULT, revision=start)
    assert delta.revision == start + 2
    assert [c.kind for c in delta.changes] == [ChangeKind.CREATED, ChangeKind.CREATED]
    assert all(c.name.endswith(".ics") for c in delta.changes)

    event_id = created.json()["id"]
    client.patch(f"/api/v2/calendars/events/{event_id}", headers=alice.headers, json={"caption": "Renamed"})
    client.delete(f"/api/v2/calendars/events/{event_id}", headers=alice.headers)
    later = changes_since(container.services, principal=principal, calendar_key=DEFAULT, revision=delta.revision)
    # One entry per name: the modification and the deletion of the same object collapse into the deletion.
    assert [(c.name, c.kind, c.revision) for c in later.changes] == [
        (delta.changes[0].name, ChangeKind.DELETED, start + 4)
    ]
    assert (
        changes_since(container.services, principal=principal, calendar_key=DEFAULT, revision=later.revision).changes
        == []
    )


def test_a_refused_write_logs_nothing(client: TestClient, container: Container, make_account: MakeAccount) -> None:
    alice = make_account("alice")
    principal = me(container, alice)
    before = current_revision(container.services, principal=principal, calendar_key=DEFAULT)
    refused = client.post(
        "/api/v2/calendars/events",
        headers=alice.headers,
        json={"caption": "Backwards", "startDate": "2026-02-01T10:00:00Z", "endDate": "2026-02-01T09:00:00Z"},
    )
    assert refused.status_code == 400
    assert current_revision(container.services, principal=principal, calendar_key=DEFAULT) == before


def test_moving_an_event_logs_a_deletion_and_a_creation(
    client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    principal = me(container, alice)
    other = client.post(f"{EXO}/calendars", headers=alice.headers, json={"name": "Other"})
    other_key = other.headers["Location"].rsplit("/", 1)[1]
    made = client.post(
        f"{EXO}/calendars/{DEFAULT}/events",
        headers=alice.headers,
        json={"subject": "Move me", "from": "2026-02-02T09:00:00Z", "to": "2026-02-02T10:00:00Z"},
    )
    event_key = made.headers["Location"].rsplit("/", 1)[1]
    here = current_revision(container.services, principal=principal, calendar_key=DEFAULT)
    there = current_revision(container.services, principal=principal, calendar_key=other_key)
    moved = client.put(
        f"{EXO}/events/{event_key}",
        headers=alice.headers,
        json={
            "subject": "Move me",
            "from": "2026-02-02T09:00:00Z",
            "to": "2026-02-02T10:00:00Z",
            "calendarId": other_key,
        },
    )
    assert moved.status_code == 200, moved.text
    gone = changes_since(container.services, principal=principal, calendar_key=DEFAULT, revision=here).changes
    arrived = changes_since(container.services, principal=principal, calendar_key=other_key, revision=there).changes
    assert [c.kind for c in gone] == [ChangeKind.DELETED]
    assert [c.kind for c in arrived] == [ChangeKind.CREATED]
    assert gone[0].name == arrived[0].name


def test_unknown_revisions_and_unreadable_calendars_are_refused(
    container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    bob = make_account("bob")
    principal = me(container, alice)
    current = current_revision(container.services, principal=principal, calendar_key=DEFAULT)
    with pytest.raises(UnknownSyncRevisionError):
        changes_since(container.services, principal=principal, calendar_key=DEFAULT, revision=current + 1)
    with pytest.raises(UnknownSyncRevisionError):
        changes_since(container.services, principal=principal, calendar_key=DEFAULT, revision=-1)
    with pytest.raises(NotFoundError):
        changes_since(container.services, principal=me(container, bob), calendar_key=DEFAULT, revision=0)


def test_a_public_calendar_is_synced_and_windowed_by_anyone_who_may_read_it(
    client: TestClient, container: Container, make_account: MakeAccount
) -> None:
    alice = make_account("alice")
    stranger = me(container, make_account("bob"))
    with container.services.uow() as uow:
        calendar = uow.calendars.get_by_key(DEFAULT)
        assert calendar is not None
        uow.calendars.update(replace(calendar, public_url="/public"))
        uow.commit()
    assert client.post("/api/v2/calendars/events", headers=alice.headers, json=event_body()).status_code == 201
    # The same rule as every CalDAV read of the calendar's objects: public means readable by anyone.
    revision = current_revision(container.services, principal=stranger, calendar_key=DEFAULT)
    assert revision > 0
    assert changes_since(container.services, principal=stranger, calendar_key=DEFAULT, revision=0).changes
    found = occurrences_by_object(
        container.services,
        principal=stranger,
        calendar_key=DEFAULT,
        window_start=datetime(2026, 3, 2, tzinfo=UTC),
        window_end=datetime(2026, 3, 2, tzinfo=UTC) + timedelta(days=7),
    )
    assert len(found) == 1
