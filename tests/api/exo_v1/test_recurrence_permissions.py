"""Who may list a series' occurrences and edit it, as a matrix (spec §2.4, §1.9): unreadable → 404,
refused write → 401, and a refused write changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.exo_v1.conftest import Caller, MakeCaller

WINDOW = {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}
SECOND = "20260113T090000Z"  # Tuesdays 09:00Z from 6 January 2026
REPEAT = {"type": "weekly", "repeatOn": "TU", "end": {"type": "endAfter", "value": "4"}}


@dataclass
class World:
    callers: dict[str, Caller]
    series_of: dict[str, str]
    owner_of: dict[str, Caller]


ROLES = {
    "owner": "alice",
    "group member": "tom",
    "group manager": "mia",
    "sharee by user": "sam",
    "sharee by group": "gus",
    "participant": "pat",
    "public reader": "pub",
    "stranger": "stan",
    "admin": "root",
}


@pytest.fixture
def world(caller: MakeCaller, group: Callable[..., None]) -> World:
    callers = {name: caller(name, admin=name == "root") for name in ROLES.values()}
    group("/team", ("tom", "member"), ("mia", "manager"))
    group("/sharing", ("gus", "member"))
    alice, mia = callers["alice"], callers["mia"]
    personal = alice.create_calendar(name="Plans", viewPermission="sam;/sharing/:*.*")
    public = alice.create_calendar(name="Public", publicURL="/pub/alice")
    team = mia.create_calendar(name="Team", groups=["/team"], editPermission="/team/:*.manager")
    series = {
        calendar: owner.create_event(calendar, subject="Weekly", participants=["pat"], repeat=REPEAT)
        for calendar, owner in ((personal, alice), (public, alice), (team, mia))
    }
    calendar_of = {
        "owner": personal,
        "group member": team,
        "group manager": team,
        "sharee by user": personal,
        "sharee by group": personal,
        "participant": personal,
        "public reader": public,
        "stranger": personal,
        "admin": personal,
    }
    return World(
        callers,
        {role: series[calendar] for role, calendar in calendar_of.items()},
        {role: mia if calendar == team else alice for role, calendar in calendar_of.items()},
    )


def _one(me: Caller, key: str) -> httpx.Response:
    return me.put(f"/events/{key}?recurringUpdateType=ONE", json={"recurrenceId": SECOND, "subject": "One"})


def _following(me: Caller, key: str) -> httpx.Response:
    return me.put(f"/events/{key}?recurringUpdateType=FOLLOWING", json={"recurrenceId": SECOND, "subject": "Next"})


def _all(me: Caller, key: str) -> httpx.Response:
    return me.put(f"/events/{key}?recurringUpdateType=ALL", json={"recurrenceId": SECOND, "subject": "All"})


def _plain(me: Caller, key: str) -> httpx.Response:
    return me.put(f"/events/{key}", json={"repeat": {"type": "daily"}})


def _cancel(me: Caller, key: str) -> httpx.Response:
    return me.delete(f"/events/{key}", params={"recurrenceId": SECOND})


def _delete(me: Caller, key: str) -> httpx.Response:
    return me.delete(f"/events/{key}")


def _occurrences(me: Caller, key: str) -> httpx.Response:
    return me.get(f"/events/{key}/occurrences", params=WINDOW)


OPERATIONS: dict[str, Callable[[Caller, str], httpx.Response]] = {
    "occurrences": _occurrences,
    "ONE": _one,
    "FOLLOWING": _following,
    "ALL": _all,
    "plain repeat change": _plain,
    "cancel one": _cancel,
    "delete series": _delete,
}
READER = (200, 401, 401, 401, 401, 401, 401)
EDITOR = (200, 200, 200, 200, 200, 200, 200)
EXPECTED = {
    "owner": EDITOR,
    "group member": READER,
    "group manager": EDITOR,
    "sharee by user": READER,
    "sharee by group": READER,
    "participant": READER,
    "public reader": READER,
    "stranger": (404, 404, 404, 404, 404, 404, 404),
    "admin": EDITOR,
}


def _state(world: World, role: str) -> Any:
    owner, key = world.owner_of[role], world.series_of[role]
    listed = _occurrences(owner, key).json()["data"]
    return owner.get(f"/events/{key}").json(), [(o["id"], o["from"], o["subject"]) for o in listed]


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_series_permission_matrix(world: World, role: str, operation: str) -> None:
    me, key = world.callers[ROLES[role]], world.series_of[role]
    before = _state(world, role)
    expected = EXPECTED[role][list(OPERATIONS).index(operation)]

    response = OPERATIONS[operation](me, key)

    assert response.status_code == expected, response.text
    if operation == "occurrences" and expected == 200:
        assert [o["recurrenceId"] for o in response.json()["data"]] == [
            "20260106T090000Z",
            SECOND,
            "20260120T090000Z",
            "20260127T090000Z",
        ]
    if expected != 200:
        assert response.content == b""
        assert _state(world, role) == before
