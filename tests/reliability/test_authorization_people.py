"""Who can learn what about other people, in the authorization world: participant suggestions
(``GET /participants?name=``) and busy times (``GET /availabilities``), as every kind of caller.

Expectations come from the domain's reference rules (``domain.people.are_related`` and ``is_found``, of which
``storage.people`` is the SQL form) under the world's setting (``ALMANAC_PARTICIPANT_SEARCH=related``): a
caller finds anyone by exact username or address, and related people by part of a name; they see the busy
times of related people only. Everyone else is left out exactly like a name nobody has, so a stranger
enumerates no account and learns no one's schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from almanac.domain.calendars import Calendar
from almanac.domain.events import Availability, Event
from almanac.domain.invitations import InvitationStatus
from almanac.domain.people import Interval, SearchScope, are_related, is_found, merged
from almanac.domain.users import Principal
from tests.reliability.authorization_actors import ACTORS, Actor
from tests.reliability.authorization_operations import WINDOW, headers_of
from tests.reliability.authorization_world import EXO, USERS, World

SIGNED_IN = [a for a in ACTORS if a.signed_in]
#: What the callers type: exact usernames and addresses (any case), parts of names, too short a part, nothing.
QUERIES = ("alice", "ALICE@example.com", "pat@example.com", "example.com", "Ed", "a", "", "nobody")
MIN_LENGTH = 2


@pytest.fixture
def world(authz_world: World) -> World:
    return authz_world


def related_to(world: World, principal: Principal) -> set[str]:
    """The world's users related to ``principal`` (the store read once: calendars do not change in a test)."""
    calendars = world.all_calendars()
    return {u for u in USERS if are_related(principal, world.principal(u), calendars)}


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_participant_search_finds_exactly_whom_the_setting_allows(world: World, actor: Actor, query: str) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    response = world.exo("GET", "/participants", actor.username, params={"name": query, "limit": 100})
    assert response.status_code == 200, response.text
    related = related_to(world, principal)
    expected = {
        username
        for username, user in world.users().items()
        if is_found(user, query, scope=SearchScope.RELATED, min_length=MIN_LENGTH, related=username in related)
    }
    assert {p["id"] for p in response.json()["data"]} == expected


def test_the_people_rules_are_not_vacuous(world: World) -> None:
    """A stranger is related to no one but themself; an administrator to everyone; a sharee to the owner."""
    assert related_to(world, world.principal("stan")) == {"stan"}
    assert related_to(world, world.principal("root")) == set(USERS)
    assert "alice" in related_to(world, world.principal("vera"))
    assert "vera" in related_to(world, world.principal("alice"))
    assert "alice" not in related_to(world, world.principal("pat")), "taking part in an event relates no one"


def millis(instant: datetime) -> str:
    return str(int(instant.timestamp() * 1000))


def expected_busy(events: list[tuple[Calendar, Event]], user: Principal, window: Interval) -> str | None:
    """When ``user`` is busy in the window by README "Participants and availability": events they take part in
    (not declined) or in their own personal calendars, not marked available, clipped and merged."""
    spans: list[Interval] = []
    for calendar, event in events:
        answers = {p.user_id: p.status for p in event.participants}
        takes_part = user.user_id in answers and answers[user.user_id] != InvitationStatus.NO.value
        owns = not calendar.is_group_calendar and calendar.owner_id == user.user_id
        owner_declined = answers.get(calendar.owner_id) == InvitationStatus.NO.value
        if event.availability is Availability.AVAILABLE or not (takes_part or (owns and not owner_declined)):
            continue
        start, end = max(event.starts_at, window.start), min(event.ends_at, window.end)
        if start < end:
            spans.append(Interval(start, end))
    joined = merged(spans)
    return ",".join(f"{millis(s.start)},{millis(s.end)}" for s in joined) or None


@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_availabilities_show_exactly_the_related_peoples_busy_times(world: World, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    window = Interval(datetime.fromisoformat(WINDOW["startTime"]), datetime.fromisoformat(WINDOW["endTime"]))
    params = {
        "usernames": ",".join([*USERS, "nobody"]),
        "fromDate": millis(window.start.astimezone(UTC)),
        "toDate": millis(window.end.astimezone(UTC)),
    }
    response = world.client.get(f"{EXO}/availabilities", params=params, headers=headers_of(world, actor))
    assert response.status_code == 200, response.text
    events = world.all_events()
    expected = {
        username: expected_busy(events, world.principal(username), window)
        for username in sorted(related_to(world, principal))
    }
    assert response.json() == expected
    # Whom the caller may not see is left out exactly like a name nobody has.
    unrelated = [u for u in USERS if u not in expected]
    alone = world.client.get(
        f"{EXO}/availabilities", params={**params, "usernames": "nobody"}, headers=headers_of(world, actor)
    )
    hidden = world.client.get(
        f"{EXO}/availabilities",
        params={**params, "usernames": ",".join([*unrelated, "nobody"])},
        headers=headers_of(world, actor),
    )
    assert hidden.status_code == alone.status_code == 200
    assert hidden.json() == alone.json() == {}


def test_availabilities_are_not_vacuous(world: World) -> None:
    """alice is busy with her own events, pat with those he takes part in: both show for someone."""
    window = Interval(datetime.fromisoformat(WINDOW["startTime"]), datetime.fromisoformat(WINDOW["endTime"]))
    events = world.all_events()
    assert expected_busy(events, world.principal("alice"), window) is not None
    assert expected_busy(events, world.principal("pat"), window) is not None
    assert expected_busy(events, world.principal("stan"), window) is None
