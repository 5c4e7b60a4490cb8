"""Moving an event between calendars, as every kind of caller, from a calendar of their own.

The matrix moves alice's events into each calendar (the source's rights); here each caller moves an event of
their own default calendar into each of the world's calendars (the destination's rights), decided by
``authorization_actors.move_event``: allowed only into a calendar they may add to; refused otherwise with
exactly the answer a calendar id that does not exist gets, and nothing changed — so a move reveals no
calendar. CalDAV has no MOVE (RFC 4918 §9.9): every signed-in caller gets the same 405 on any path.
"""

from __future__ import annotations

import pytest

from tests.reliability import authorization_actors as model
from tests.reliability.authorization_actors import ACTORS, Actor, Outcome
from tests.reliability.authorization_operations import MISSING, headers_of, normalized
from tests.reliability.authorization_world import CALENDAR_NAMES, DAV, World

SIGNED_IN = [a for a in ACTORS if a.signed_in]


@pytest.fixture
def world(authz_world: World) -> World:
    return authz_world


@pytest.mark.parametrize("target", CALENDAR_NAMES)
@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_moving_an_own_event_into_a_calendar(world: World, actor: Actor, target: str) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    own = f"{actor.username}-defaultCalendarId"
    key = world.create_event(own, owner=actor.username)
    event = world.stored_event(key)
    destination = world.calendar(target)
    outcome = model.move_event(principal, world.calendar(own), event, destination)
    try:
        before = world.snapshot()
        response = world.exo("PUT", f"/events/{key}", actor.username, json={"calendarId": destination.key})
        if outcome is Outcome.ALLOWED:
            assert response.status_code == 200, response.text
            assert world.stored_event(key).calendar_id == destination.id
            return
        assert world.snapshot() == before, "a refused move changes nothing"
        unknown = world.exo("PUT", f"/events/{key}", actor.username, json={"calendarId": MISSING["calendar"]})
        assert normalized(response, destination.key) == normalized(unknown, MISSING["calendar"])
        assert response.status_code == 401, response.text  # eXo's refusal of a write (spec §2.4)
    finally:
        world.exo("DELETE", f"/events/{key}", "root")


def test_moves_are_not_vacuous(world: World) -> None:
    """ed may move his events into the calendar shared with him for editing, tom into none of alice's."""
    allowed = {
        name: {
            t
            for t in CALENDAR_NAMES
            if model.move_event(
                world.principal(name),
                world.calendar(f"{name}-defaultCalendarId"),
                world.stored_event(world.events["personal"]),
                world.calendar(t),
            )
            is Outcome.ALLOWED
        }
        for name in ("ed", "tom", "root")
    }
    assert allowed == {"ed": {"shared"}, "tom": set(), "root": set(CALENDAR_NAMES)}


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.role)
def test_caldav_has_no_move_for_anyone(world: World, actor: Actor) -> None:
    calendar_key, name, _ = world.dav_address(world.events["personal"])
    headers = {**headers_of(world, actor), "Destination": f"{DAV}/calendars/alice/{world.calendars['shared']}/{name}"}
    before = world.snapshot()
    existing = world.client.request("MOVE", f"{DAV}/calendars/alice/{calendar_key}/{name}", headers=headers)
    unknown = world.client.request("MOVE", f"{DAV}/calendars/alice/{MISSING['calendar']}/none.ics", headers=headers)
    # Credentials are checked first (401 with a challenge, as for every request), then the method (405).
    assert existing.status_code == unknown.status_code == (405 if actor.signed_in else 401)
    assert existing.text == unknown.text
    assert world.snapshot() == before
    assert world.exo("GET", f"/events/{world.events['personal']}", "alice").json()["calendarId"] == calendar_key
