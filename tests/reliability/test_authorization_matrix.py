"""Who can do what, on every face: one matrix of (operation, object, actor), its expectations derived from the
permission model (``authorization_actors``), run against one world built once per test process
(``conftest.authz_world``).

Each cell asserts, by the model's outcome:
* allowed: a 2xx, with the object's data for reads; a write changes the store;
* forbidden (visible, not allowed): the face's refusal (Back Office 404, eXo 401 as in eXo, CalDAV 403);
* hidden: exactly the answer (status and body, ids aside) the same caller gets for an id that does not exist;
* no, expired or revoked token: 401 with a ``WWW-Authenticate`` challenge.
A refused write changes nothing (the store is compared before and after). Allowed writes act on a fresh copy
of the object (same calendar, same participants: the model gives it the same outcome), so cells stay
independent in any order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.reliability import authorization_actors as model
from tests.reliability.authorization_actors import ACTORS, Actor, Credentials, Outcome
from tests.reliability.authorization_operations import (
    FORBIDDEN_LOOKS_MISSING,
    FORBIDDEN_STATUS,
    MISSING,
    OPERATIONS,
    PROPFIND,
    TARGETS,
    WINDOW,
    Operation,
    headers_of,
    normalized,
)
from tests.reliability.authorization_world import BO, CALENDAR_NAMES, DAV, EXO, PUBLIC_EXO, USERS, World


@pytest.fixture
def world(authz_world: World) -> World:
    return authz_world


def cells() -> Iterator[object]:
    """Every (operation, object, actor); callers without valid credentials meet one object per operation
    (they are refused before any object is looked up, so the others would add time, not coverage)."""
    for operation in OPERATIONS:
        for index, target in enumerate(TARGETS[operation.kind]):
            for actor in ACTORS:
                if actor.signed_in or index == 0:
                    yield pytest.param(operation, target, actor, id=f"{operation.id} | {target} | {actor.role}")


def names_in_request(world: World, kind: str, key: str) -> list[str]:
    """Every id a request about ``key`` carries: the key, and for events their Back Office id and CalDAV path."""
    if kind != "event":
        return [key]
    return [key, world.bo_id(key), *world.dav_address(key)]


@pytest.mark.parametrize(("operation", "target", "actor"), list(cells()))
def test_matrix_cell(world: World, operation: Operation, target: str, actor: Actor) -> None:
    key = world.key_of(operation.kind, target)
    if not actor.signed_in:
        before = world.snapshot() if operation.write else None
        response = operation.send(world, actor, key)
        assert response.status_code == 401, response.text
        assert response.headers.get("WWW-Authenticate"), "a 401 says how to authenticate"
        assert (world.snapshot() if operation.write else None) == before
        return
    assert actor.username is not None
    principal = world.principal(actor.username)
    outcome = operation.rule(world, principal, key)
    if outcome is Outcome.ALLOWED and operation.write:
        key = world.fresh(operation.kind, target)
        assert operation.rule(world, principal, key) is Outcome.ALLOWED, "a fresh copy has the same rights"
    before = world.snapshot() if operation.write else None
    response = operation.send(world, actor, key)
    after = world.snapshot() if operation.write else None
    try:
        if outcome is Outcome.ALLOWED:
            assert 200 <= response.status_code < 300, response.text
            if operation.write:
                assert after != before, "an acknowledged write changes the store"
            elif operation.shows is not None:
                assert operation.shows(world, key) in response.text
            return
        assert after == before, "a refused request changes nothing"
        missing = operation.send(world, actor, MISSING[operation.kind])
        if outcome is Outcome.HIDDEN or operation.face in FORBIDDEN_LOOKS_MISSING:
            assert missing.status_code in operation.missing_statuses, missing.text
            named = normalized(response, *names_in_request(world, operation.kind, key))
            assert named == normalized(missing, *names_in_request(world, operation.kind, MISSING[operation.kind]))
        else:
            assert response.status_code == FORBIDDEN_STATUS[operation.face], response.text
    finally:
        if operation.write and outcome is Outcome.ALLOWED:
            world.prune()


# --- no-login feeds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", CALENDAR_NAMES)
@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.role)
def test_public_feed_serves_public_calendars_only(world: World, target: str, actor: Actor) -> None:
    key = world.key_of("calendar", target)
    response = world.client.get(f"{PUBLIC_EXO}/calendars/{key}/ics", headers=headers_of(world, actor))
    if world.calendar(key).is_public:
        assert response.status_code == 200
        assert world.dav_address(world.events[target])[2] in response.text
        return
    missing = world.client.get(f"{PUBLIC_EXO}/calendars/{MISSING['calendar']}/ics", headers=headers_of(world, actor))
    assert normalized(response, key) == normalized(missing, MISSING["calendar"])
    assert response.status_code == 404


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.role)
def test_private_feed_serves_whoever_holds_the_secret_and_nobody_else(world: World, actor: Actor) -> None:
    key = world.key_of("calendar", "personal")
    minted = world.exo("POST", f"/calendars/{key}/private-url", "alice")
    assert minted.status_code == 201, minted.text
    url = minted.json()["privateURL"].removeprefix("http://testserver")
    assert world.client.get(url, headers=headers_of(world, actor)).status_code == 200
    wrong = url.rsplit("/", 1)[0] + "/" + "0" * 43 + ".ics"
    guessed = world.client.get(wrong, headers=headers_of(world, actor))
    other = world.client.get(url.replace(key, MISSING["calendar"]), headers=headers_of(world, actor))
    assert guessed.status_code == other.status_code == 404
    assert guessed.text == other.text


# --- lists hold only what the caller may see ------------------------------------------------------------


SIGNED_IN = [a for a in ACTORS if a.signed_in]


@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_backoffice_list_holds_exactly_the_listable_events(world: World, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    response = world.client.get(
        f"{BO}/calendars/events",
        params={"limit": 100, "filter[startDate]": WINDOW["startTime"], "filter[endDate]": WINDOW["endTime"]},
        headers=world.bearer(actor.username),
    )
    assert response.status_code == 200, response.text
    listed = {item["id"] for item in response.json()}
    expected = {
        event.id for calendar, event in world.all_events() if model.listed_by_backoffice(principal, calendar, event)
    }
    assert listed == expected


@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_exo_calendar_list_and_caldav_home_hold_exactly_the_callers_calendars(world: World, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    expected = {c.key for c in world.all_calendars() if model.in_calendar_home(principal, c)}
    response = world.exo("GET", "/calendars", actor.username, params={"limit": 100})
    assert response.status_code == 200, response.text
    assert {c["id"] for c in response.json()["data"]} == expected
    home = world.client.request(
        "PROPFIND",
        f"{DAV}/calendars/{actor.username}/",
        headers={**world.bearer(actor.username), "Depth": "1"},
        content=PROPFIND,
    )
    assert home.status_code == 207, home.text
    for calendar in world.all_calendars():
        assert (f"/{calendar.key}/" in home.text) is (calendar.key in expected), calendar.key


@pytest.mark.parametrize("target", CALENDAR_NAMES)
@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_exo_calendar_window_holds_exactly_the_readable_events(world: World, target: str, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    key = world.key_of("calendar", target)
    calendar = world.calendar(key)
    expected = {e.key for c, e in world.all_events() if c.key == key and model.can_read_event(principal, c, e)}
    response = world.exo("GET", f"/calendars/{key}/events", actor.username, params=WINDOW)
    if not expected and model.view_calendar(principal, calendar) is not Outcome.ALLOWED:
        missing = world.exo("GET", f"/calendars/{MISSING['calendar']}/events", actor.username, params=WINDOW)
        assert normalized(response, key) == normalized(missing, MISSING["calendar"])
        return
    assert response.status_code == 200, response.text
    assert {e["id"] for e in response.json()["data"]} == expected


@pytest.mark.parametrize("target", ["shared"])
@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_exo_task_window_holds_exactly_the_readable_tasks(world: World, target: str, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    key = world.key_of("calendar", target)
    calendar = world.calendar(key)
    expected = {
        t.key for t in world.all_tasks() if t.calendar_id == calendar.id and model.can_read_task(principal, calendar, t)
    }
    response = world.exo("GET", f"/calendars/{key}/tasks", actor.username, params=WINDOW)
    if not expected:
        missing = world.exo("GET", f"/calendars/{MISSING['calendar']}/tasks", actor.username, params=WINDOW)
        assert normalized(response, key) == normalized(missing, MISSING["calendar"])
        return
    assert response.status_code == 200, response.text
    assert {t["id"] for t in response.json()["data"]} == expected


@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_exo_own_events_hold_exactly_the_callers_personal_and_group_calendars(world: World, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    response = world.exo("GET", "/events", actor.username, params={**WINDOW, "limit": 100})
    assert response.status_code == 200, response.text
    expected = {e.key for c, e in world.all_events() if model.in_own_events(principal, c)}
    assert {e["id"] for e in response.json()["data"]} == expected


@pytest.mark.parametrize("target", ["personal", "group"])
@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_exo_invitation_list_holds_exactly_the_invitations_the_caller_may_see(
    world: World, target: str, actor: Actor
) -> None:
    """Editors see every invitation of the event, anyone else who may read it only their own."""
    assert actor.username is not None
    principal = world.principal(actor.username)
    key = world.events[target]
    event = world.stored_event(key)
    calendar = world.calendar_of(event)
    if model.read_event(principal, calendar, event) is not Outcome.ALLOWED:
        return  # the event itself is hidden: the matrix's "list invitations" cells check that answer
    response = world.exo("GET", f"/events/{key}/invitations", actor.username, params={"limit": 100})
    assert response.status_code == 200, response.text
    usernames = {p.user_id: name for name in USERS if (p := world.principal(name))}
    expected = {
        f"{key}:{usernames[p.user_id]}"
        for p in event.participants
        if model.see_invitation(principal, calendar, event, p.user_id) is Outcome.ALLOWED
    }
    assert {i["id"] for i in response.json()["data"]} == expected


@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_exo_feed_list_holds_exactly_the_callers_feeds(world: World, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    response = world.exo("GET", "/feeds", actor.username, params={"limit": 100})
    assert response.status_code == 200, response.text
    expected = {f.title for f in world.all_feeds() if model.see_feed(principal, f) is Outcome.ALLOWED}
    assert {f["id"] for f in response.json()["data"]} == expected


@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_exo_feed_of_every_calendar_lists_and_streams_exactly_the_readable_ones(world: World, actor: Actor) -> None:
    """Each caller makes a feed of the world's calendars they may read (any other is refused like an unknown
    id); the feed lists exactly those, and its RSS exactly their events and tasks."""
    assert actor.username is not None
    principal = world.principal(actor.username)
    calendars = [world.calendar(name) for name in CALENDAR_NAMES]
    readable = [c for c in calendars if model.feed_lists(principal, c)]
    title = f"Everything_{world.next_number()}"
    try:
        made = world.exo(
            "POST", "/feeds", actor.username, json={"name": title, "calendarIds": [c.key for c in readable]}
        )
        assert made.status_code == 201, made.text
        feed = world.exo("GET", f"/feeds/{title}", actor.username)
        assert feed.json()["calendarIds"] == [c.key for c in readable]
        rss = world.exo("GET", f"/feeds/{title}/rss", actor.username)
        assert rss.status_code == 200, rss.text
        links = {link.rsplit("/", 1)[1] for link in re.findall(r"<link>([^<]+)</link>", rss.text)}
        ids = {c.id for c in readable}
        events = {e.key for c, e in world.all_events() if c.id in ids}
        tasks = {t.key for t in world.all_tasks() if t.calendar_id in ids}
        assert links - {title} == events | tasks
        for hidden in [c for c in calendars if c not in readable]:
            refused = world.exo("POST", "/feeds", actor.username, json={"name": "Nope", "calendarIds": [hidden.key]})
            unknown = {"name": "Nope", "calendarIds": [MISSING["calendar"]]}
            missing = world.exo("POST", "/feeds", actor.username, json=unknown)
            assert normalized(refused, hidden.key) == normalized(missing, MISSING["calendar"])
    finally:
        world.prune()


@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_webhook_list_holds_exactly_the_manageable_webhooks(world: World, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    response = world.client.get(f"{BO}/webhooks", headers=world.bearer(actor.username))
    assert response.status_code == 200, response.text
    expected = {w.id for w in world.all_webhooks() if model.can_manage_webhook(principal, w)}
    assert {int(w["id"]) for w in response.json()} == expected


@pytest.mark.parametrize("face", ["exo", "backoffice"])
@pytest.mark.parametrize("actor", SIGNED_IN, ids=lambda a: a.role)
def test_due_popups_are_the_callers_own(world: World, face: str, actor: Actor) -> None:
    assert actor.username is not None
    principal = world.principal(actor.username)
    url = f"{EXO}/reminders/due" if face == "exo" else f"{BO}/reminders/due"
    response = world.client.get(url, headers=world.bearer(actor.username))
    assert response.status_code == 200, response.text
    items = response.json()["data"] if face == "exo" else response.json()
    shown = {str(item["eventId"]) for item in items}
    expected = {
        (e.key if face == "exo" else str(e.id))
        for _, e in world.all_events()
        if model.popup_recipient(principal, e) and e.reminders
    }
    assert shown == expected


@pytest.mark.parametrize("face", ["exo", "backoffice", "caldav", "webhooks", "reminders"])
@pytest.mark.parametrize("actor", [a for a in ACTORS if not a.signed_in], ids=lambda a: a.role)
def test_lists_refuse_callers_without_valid_credentials(world: World, face: str, actor: Actor) -> None:
    headers = headers_of(world, actor)
    request = {
        "exo": ("GET", f"{EXO}/calendars"),
        "backoffice": ("GET", f"{BO}/calendars/events"),
        "caldav": ("PROPFIND", f"{DAV}/calendars/alice/"),
        "webhooks": ("GET", f"{BO}/webhooks"),
        "reminders": ("GET", f"{EXO}/reminders/due"),
    }[face]
    response = world.client.request(*request, headers=headers)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate")
    assert Credentials(actor.credentials) is not Credentials.VALID


def test_the_world_holds_every_role(world: World) -> None:
    """Guard against a vacuous matrix: each role has at least one allowed and one refused cell somewhere."""
    owner, stranger = world.principal("alice"), world.principal("stan")
    for name in CALENDAR_NAMES:
        key = world.key_of("calendar", name)
        assert model.view_calendar(owner, world.calendar(key)) is Outcome.ALLOWED
    assert model.view_calendar(stranger, world.calendar(world.key_of("calendar", "personal"))) is Outcome.HIDDEN
    edit = model.change_event(
        world.principal("ed"),
        world.calendar_of(world.stored_event(world.events["shared"])),
        world.stored_event(world.events["shared"]),
    )
    view = model.change_event(
        world.principal("vera"),
        world.calendar_of(world.stored_event(world.events["shared"])),
        world.stored_event(world.events["shared"]),
    )
    assert (edit, view) == (Outcome.ALLOWED, Outcome.FORBIDDEN)
