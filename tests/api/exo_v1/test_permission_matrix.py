"""The seed's permission rule, as a matrix: who may read a calendar, list and read its events, and
create, update, move or delete them (spec §2.4, §1.9: unreadable → 404, also for writes aimed at it, and
for the event list of a calendar the caller neither views nor takes part in; refused write → 401)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.api.exo_v1.conftest import Caller, MakeCaller

WINDOW = {"startTime": "2026-01-06T00:00:00Z", "endTime": "2026-01-07T00:00:00Z"}


@dataclass
class World:
    callers: dict[str, Caller]
    calendar_of: dict[str, str]
    event_of: dict[str, str]


@pytest.fixture
def world(caller: MakeCaller, group: Callable[..., None]) -> World:
    names = ("alice", "tom", "mia", "sam", "gus", "pat", "pub", "stan")
    callers = {name: caller(name) for name in names}
    group("/team", ("tom", "member"), ("mia", "manager"))
    group("/sharing", ("gus", "member"))
    alice, mia = callers["alice"], callers["mia"]
    personal = alice.create_calendar(name="Plans", viewPermission="sam;/sharing/:*.*")
    public = alice.create_calendar(name="Public", publicURL="/pub/alice")
    team = mia.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.manager")
    events = {}
    for calendar, owner in ((personal, alice), (public, alice), (team, mia)):
        events[calendar] = owner.create_event(calendar, subject="With pat", participants=["pat"])
        owner.create_event(calendar, subject="Without pat")
    calendar_of = {
        "owner": personal,
        "group member": team,
        "group manager": team,
        "sharee by user": personal,
        "sharee by group": personal,
        "participant": personal,
        "public reader": public,
        "stranger": personal,
    }
    return World(callers, calendar_of, {role: events[key] for role, key in calendar_of.items()})


ROLES = {
    "owner": "alice",
    "group member": "tom",
    "group manager": "mia",
    "sharee by user": "sam",
    "sharee by group": "gus",
    "participant": "pat",
    "public reader": "pub",
    "stranger": "stan",
}

# role: (read calendar, events listed, read event, create, update, move, delete)
EXPECTED = {
    "owner": (200, 2, 200, 201, 200, 200, 200),
    "group member": (200, 2, 200, 401, 401, 401, 401),
    "group manager": (200, 2, 200, 201, 200, 200, 200),
    "sharee by user": (200, 2, 200, 401, 401, 401, 401),
    "sharee by group": (200, 2, 200, 401, 401, 401, 401),
    "participant": (404, 1, 200, 404, 401, 401, 401),
    "public reader": (404, 2, 200, 401, 401, 401, 401),
    "stranger": (404, 404, 404, 404, 404, 404, 404),
}
OPERATIONS = ("read calendar", "list events", "read event", "create", "update", "move", "delete")


def _do(world: World, role: str, operation: str) -> int:
    me = world.callers[ROLES[role]]
    calendar, event = world.calendar_of[role], world.event_of[role]
    if operation == "read calendar":
        return me.get(f"/calendars/{calendar}").status_code
    if operation == "list events":
        response = me.get(f"/calendars/{calendar}/events", params=WINDOW)
        # How many are listed; a hidden calendar's window is the 404 of an unknown calendar.
        return len(response.json()["data"]) if response.status_code == 200 else response.status_code
    if operation == "read event":
        return me.get(f"/events/{event}").status_code
    if operation == "create":
        body = {"subject": "New", "from": "2026-01-06T12:00:00Z", "to": "2026-01-06T13:00:00Z"}
        return me.post(f"/calendars/{calendar}/events", json=body).status_code
    if operation == "update":
        return me.put(f"/events/{event}", json={"subject": "Changed"}).status_code
    if operation == "move":
        return me.put(f"/events/{event}", json={"calendarId": me.default_calendar}).status_code
    return me.delete(f"/events/{event}").status_code


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_permission_matrix(world: World, role: str, operation: str) -> None:
    expected = EXPECTED[role][OPERATIONS.index(operation)]
    assert _do(world, role, operation) == expected


@pytest.mark.parametrize("role", sorted(ROLES))
def test_writes_take_effect_only_when_allowed(world: World, role: str) -> None:
    event = world.event_of[role]
    me = world.callers[ROLES[role]]
    owner = world.callers["mia" if world.calendar_of[role] == world.calendar_of["group member"] else "alice"]
    allowed = EXPECTED[role][OPERATIONS.index("update")] == 200
    me.put(f"/events/{event}", json={"subject": "Changed"})
    assert (owner.get(f"/events/{event}").json()["subject"] == "Changed") is allowed
    me.put(f"/events/{event}", json={"calendarId": me.default_calendar})
    moved = owner.get(f"/events/{event}")
    if allowed:
        assert me.get(f"/events/{event}").json()["calendarId"] == me.default_calendar
    else:
        assert moved.json()["calendarId"] == world.calendar_of[role]


def test_a_sharee_with_edit_rights_may_change_events_but_not_the_calendar(caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    key = alice.create_calendar(name="Shared", editPermission="bob")
    event = alice.create_event(key)
    assert bob.put(f"/events/{event}", json={"subject": "By bob"}).status_code == 200
    assert (
        bob.post(f"/calendars/{key}/events", json={"from": "2026-01-06T09:00Z", "to": "2026-01-06T10:00Z"}).status_code
        == 201
    )
    assert bob.put(f"/calendars/{key}", json={"name": "Mine"}).status_code == 401


def test_moving_needs_edit_rights_on_the_target_too(caller: MakeCaller) -> None:
    alice, bob = caller("alice"), caller("bob")
    event = alice.create_event(alice.default_calendar)
    readable_only = bob.create_calendar(name="Readable", viewPermission="alice")
    assert alice.put(f"/events/{event}", json={"calendarId": readable_only}).status_code == 401
    assert alice.put(f"/events/{event}", json={"calendarId": "calendar-unknown"}).status_code == 401
    assert alice.get(f"/events/{event}").json()["calendarId"] == alice.default_calendar
