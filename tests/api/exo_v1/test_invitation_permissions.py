"""Who may list, read, create, answer and delete invitations (spec §2.4): editors of the event's calendar
manage every invitation, the invitee reads and answers their own, anyone else sees nothing (404) and may
change nothing (401 where they may see the object, 404 where they may not)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.api.exo_v1.conftest import Caller, MakeCaller

ROLES = {
    "owner": "alice",
    "editor by entry": "eddie",
    "viewer by entry": "vic",
    "invitee": "pat",
    "other invitee": "oli",
    "public reader": "pub",
    "stranger": "stan",
    "admin": "root",
}

# role: (invitations listed, read pat's, invite someone, answer pat's, delete pat's)
EXPECTED = {
    "owner": (2, 200, 201, 401, 200),
    "editor by entry": (2, 200, 201, 401, 200),
    "viewer by entry": (0, 404, 401, 404, 404),
    "invitee": (1, 200, 401, 200, 401),
    "other invitee": (1, 404, 401, 404, 404),
    "public reader": (0, 404, 401, 404, 404),
    "stranger": (404, 404, 404, 404, 404),
    "admin": (2, 200, 201, 401, 200),
}
OPERATIONS = ("list", "read", "invite", "answer", "delete")


@dataclass
class World:
    callers: dict[str, Caller]
    event_of: dict[str, str]


@pytest.fixture
def world(caller: MakeCaller, group: Callable[..., None]) -> World:
    callers = {role: caller(name, admin=role == "admin") for role, name in ROLES.items()}
    caller("newbie")
    alice = callers["owner"]
    shared = alice.create_calendar(name="Plans", viewPermission="vic", editPermission="eddie")
    public = alice.create_calendar(name="Public", publicURL="/pub/alice")
    events = {calendar: alice.create_event(calendar, participants=["pat", "oli"]) for calendar in (shared, public)}
    event_of = {role: events[shared] for role in ROLES}
    event_of["public reader"] = events[public]
    return World(callers, event_of)


def _do(world: World, role: str, operation: str) -> int:
    me, event = world.callers[role], world.event_of[role]
    if operation == "list":
        response = me.get(f"/events/{event}/invitations")
        return len(response.json()["data"]) if response.status_code == 200 else response.status_code
    if operation == "read":
        return me.get(f"/invitations/{event}:pat").status_code
    if operation == "invite":
        return me.post(f"/events/{event}/invitations", json={"participant": "newbie", "status": ""}).status_code
    if operation == "answer":
        return me.put(f"/invitations/{event}:pat?status=yes").status_code
    return me.delete(f"/invitations/{event}:pat").status_code


@pytest.mark.parametrize("role", list(ROLES))
def test_invitation_permission_matrix(world: World, role: str) -> None:
    got = tuple(_do(world, role, operation) for operation in OPERATIONS)
    assert dict(zip(OPERATIONS, got, strict=True)) == dict(zip(OPERATIONS, EXPECTED[role], strict=True))


def test_refusals_have_empty_bodies(world: World) -> None:
    stranger, invitee = world.callers["stranger"], world.callers["invitee"]
    event = world.event_of["invitee"]
    for response in (
        stranger.get(f"/invitations/{event}:pat"),
        invitee.delete(f"/invitations/{event}:pat"),
        invitee.post(f"/events/{event}/invitations", json={"participant": "newbie"}),
    ):
        assert response.content == b""
        assert response.headers["Cache-Control"] == "no-cache, no-store"
