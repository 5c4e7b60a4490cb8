"""Who can do what, on every face: one matrix of (operation, object, actor), its expectations derived from the
permission model (``authorization_actors``), run against one world built once per module.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from almanac.domain.users import Principal
from tests.reliability import authorization_actors as model
from tests.reliability.authorization_actors import ACTORS, Actor, Credentials, Outcome
from tests.reliability.authorization_world import (
    BO,
    CALENDAR_NAMES,
    DAV,
    EVENT_START,
    EXO,
    NOW,
    PUBLIC_EXO,
    World,
    build_world,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from build_world(tmp_path_factory.mktemp("authz"), "authz")


# --- the objects an operation acts on, and ids that name nothing ------------------------------------------

MISSING = {
    "calendar": "calendar" + "0" * 32,
    "event": "Event" + "0" * 32,
    "task": "Event" + "1" * 32,
    "attachment": "Attachment" + "0" * 32,
    "invitation": "Event" + "0" * 32 + ":pat",
    "webhook": "987654321",
}
TARGETS = {
    "calendar": CALENDAR_NAMES,
    "event": CALENDAR_NAMES,
    "task": ("shared",),
    "attachment": ("shared",),
    "invitation": ("personal", "group"),
    "webhook": ("alice's",),
}

WINDOW = {"startTime": (NOW - timedelta(days=1)).isoformat(), "endTime": (NOW + timedelta(days=2)).isoformat()}
BO_WINDOW = {"from": WINDOW["startTime"], "to": WINDOW["endTime"]}


def headers_of(world: World, actor: Actor) -> dict[str, str]:
    return world.bearer(actor.username) if actor.username else {}


def dav_home(actor: Actor) -> str:
    """Each caller reaches calendars through their own home (anonymous callers try alice's)."""
    return f"{DAV}/calendars/{actor.username or 'alice'}"


def ics(uid: str, summary: str) -> str:
    start = EVENT_START.strftime("%Y%m%dT%H%M%SZ")
    end = (EVENT_START + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Almanac tests//authorization//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260105T090000Z",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"SUMMARY:{summary}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


PROPFIND = '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/><d:getetag/></d:prop></d:propfind>'
QUERY = (
    '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
    '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter>'
    "</c:calendar-query>"
)


# --- the operations -------------------------------------------------------------------------------------

Send = Callable[[World, Actor, str], httpx.Response]
Rule = Callable[[World, Principal, str], Outcome]


@dataclass(frozen=True)
class Operation:
    face: str
    name: str
    kind: str
    rule: Rule
    send: Send
    write: bool = False
    #: For reads: text the answer must hold when allowed (computed from the object).
    shows: Callable[[World, str], str] | None = None
    #: The statuses an unknown id may get (a hidden object gets the very same answer).
    missing_statuses: tuple[int, ...] = (401, 404)

    @property
    def id(self) -> str:
        return f"{self.face}: {self.name}"


def _cal(rule: Callable[[Principal, model.Calendar], Outcome]) -> Rule:
    return lambda world, p, key: rule(p, world.calendar(key))


def _ev(rule: Callable[[Principal, model.Calendar, model.Event], Outcome]) -> Rule:
    def decide(world: World, p: Principal, key: str) -> Outcome:
        event = world.event(key)
        assert event is not None
        return rule(p, world.calendar_of(event), event)

    return decide


def _task(rule: Callable[[Principal, model.Calendar, model.Task], Outcome]) -> Rule:
    def decide(world: World, p: Principal, key: str) -> Outcome:
        task = world.stored_task(key)
        return rule(p, world.calendar_by_id(task.calendar_id), task)

    return decide


def _attachment(rule: Rule) -> Rule:
    """An attachment follows the event it is attached to."""
    return lambda world, p, key: rule(world, p, world.attachment_event(key))


def _invitation(world: World, p: Principal, key: str) -> Outcome:
    return model.see_invitation(p, *world.invitation(key))


def _answer(world: World, p: Principal, key: str) -> Outcome:
    return model.answer_invitation(p, *world.invitation(key))


def _uninvite(world: World, p: Principal, key: str) -> Outcome:
    return model.uninvite(p, *world.invitation(key))


def _webhook(world: World, p: Principal, key: str) -> Outcome:
    return model.manage_webhook(p, world.stored_webhook(int(key)))


def _exo(method: str, path: str, **kwargs: object) -> Send:
    def send(world: World, actor: Actor, key: str) -> httpx.Response:
        return world.client.request(method, EXO + path.format(key=key), headers=headers_of(world, actor), **kwargs)  # type: ignore[arg-type]

    return send


def _bo(method: str, path: str, **kwargs: object) -> Send:
    def send(world: World, actor: Actor, key: str) -> httpx.Response:
        target = world.bo_id(key) if path.startswith("/calendars/events/") else key
        return world.client.request(method, BO + path.format(key=target), headers=headers_of(world, actor), **kwargs)  # type: ignore[arg-type]

    return send


def _dav_object(method: str, body: Callable[[World, str], str] | None = None) -> Send:
    def send(world: World, actor: Actor, key: str) -> httpx.Response:
        calendar_key, name, uid = world.dav_address(key)
        content = body(world, uid) if body else None
        headers = {**headers_of(world, actor), "Content-Type": "text/calendar; charset=utf-8"}
        url = f"{dav_home(actor)}/{calendar_key}/{name}"
        return world.client.request(method, url, headers=headers, content=content)

    return send


def _dav_calendar(method: str, body: str, depth: str = "0") -> Send:
    def send(world: World, actor: Actor, key: str) -> httpx.Response:
        headers = {**headers_of(world, actor), "Depth": depth, "Content-Type": "application/xml"}
        return world.client.request(method, f"{dav_home(actor)}/{key}/", headers=headers, content=body)

    return send


def _new_feed(world: World, actor: Actor, key: str) -> httpx.Response:
    body = {"name": f"Feed {world.next_number()}", "calendarIds": [key]}
    return world.client.post(f"{EXO}/feeds", json=body, headers=headers_of(world, actor))


def _dav_new_object(world: World, actor: Actor, key: str) -> httpx.Response:
    headers = {**headers_of(world, actor), "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}
    uid = f"matrix-{world.next_number()}"
    return world.client.put(f"{dav_home(actor)}/{key}/{uid}.ics", headers=headers, content=ics(uid, "Put by DAV"))


NEW_EVENT = {"subject": "Added", "from": EVENT_START.isoformat(), "to": (EVENT_START + timedelta(hours=1)).isoformat()}
NEW_TASK = {"name": "Added task"}
BO_CHANGE = {"caption": "Changed through the Back Office"}
FILES = {"files": [("file", ("more.txt", b"more", "text/plain"))]}


def _subject(world: World, key: str) -> str:
    event = world.event(key)
    assert event is not None
    return event.summary


OPERATIONS: tuple[Operation, ...] = (
    # Back Office v2
    Operation(
        "backoffice", "get event", "event", _ev(model.read_event), _bo("GET", "/calendars/events/{key}"), shows=_subject
    ),
    Operation(
        "backoffice",
        "occurrences",
        "event",
        _ev(model.read_event),
        _bo("GET", "/calendars/events/{key}/occurrences", params=BO_WINDOW),
        shows=_subject,
    ),
    Operation(
        "backoffice",
        "patch event",
        "event",
        _ev(model.change_event),
        _bo("PATCH", "/calendars/events/{key}", json=BO_CHANGE),
        write=True,
    ),
    Operation(
        "backoffice",
        "delete event",
        "event",
        _ev(model.change_event),
        _bo("DELETE", "/calendars/events/{key}"),
        write=True,
    ),
    # eXo v1: calendars
    Operation(
        "exo",
        "get calendar",
        "calendar",
        _cal(model.view_calendar),
        _exo("GET", "/calendars/{key}"),
        shows=lambda w, k: k,
    ),
    Operation(
        "exo",
        "export ICS",
        "calendar",
        _cal(model.read_calendar_events),
        _exo("GET", "/calendars/{key}/ics"),
        shows=lambda w, k: "BEGIN:VCALENDAR",
    ),
    Operation(
        "exo",
        "change calendar",
        "calendar",
        _cal(model.manage_calendar),
        _exo("PUT", "/calendars/{key}", json={"description": "Changed"}),
        write=True,
    ),
    Operation(
        "exo",
        "delete calendar",
        "calendar",
        _cal(model.remove_calendar),
        _exo("DELETE", "/calendars/{key}"),
        write=True,
    ),
    Operation(
        "exo",
        "mint private feed",
        "calendar",
        _cal(model.manage_calendar),
        _exo("POST", "/calendars/{key}/private-url"),
        write=True,
    ),
    Operation(
        "exo",
        "revoke private feed",
        "calendar",
        _cal(model.manage_calendar),
        _exo("DELETE", "/calendars/{key}/private-url"),
        write=True,
    ),
    Operation(
        "exo",
        "create event",
        "calendar",
        _cal(model.add_to_calendar),
        _exo("POST", "/calendars/{key}/events", json=NEW_EVENT),
        write=True,
    ),
    Operation(
        "exo",
        "create task",
        "calendar",
        _cal(model.add_to_calendar),
        _exo("POST", "/calendars/{key}/tasks", json=NEW_TASK),
        write=True,
    ),
    # A feed names calendars by id: an unreadable one is refused exactly as an unknown one (400 naming the id).
    Operation(
        "exo",
        "create feed of calendar",
        "calendar",
        _cal(model.read_calendar_events),
        _new_feed,
        write=True,
        missing_statuses=(400,),
    ),
    # eXo v1: events
    Operation("exo", "get event", "event", _ev(model.read_event), _exo("GET", "/events/{key}"), shows=_subject),
    Operation(
        "exo",
        "occurrences",
        "event",
        _ev(model.read_event),
        _exo("GET", "/events/{key}/occurrences", params=WINDOW),
        shows=_subject,
    ),
    Operation(
        "exo",
        "update event",
        "event",
        _ev(model.change_event),
        _exo("PUT", "/events/{key}", json={"subject": "Changed"}),
        write=True,
    ),
    Operation("exo", "delete event", "event", _ev(model.change_event), _exo("DELETE", "/events/{key}"), write=True),
    Operation("exo", "list attachments", "event", _ev(model.read_event), _exo("GET", "/events/{key}/attachments")),
    Operation(
        "exo",
        "attach file",
        "event",
        _ev(model.change_event),
        _exo("POST", "/events/{key}/attachments", **FILES),
        write=True,
    ),
    Operation("exo", "list invitations", "event", _ev(model.read_event), _exo("GET", "/events/{key}/invitations")),
    Operation(
        "exo",
        "invite",
        "event",
        _ev(model.change_event),
        _exo("POST", "/events/{key}/invitations", json={"participant": "stan"}),
        write=True,
    ),
    # eXo v1: invitations, tasks, attachments
    Operation(
        "exo", "get invitation", "invitation", _invitation, _exo("GET", "/invitations/{key}"), shows=lambda w, k: k
    ),
    Operation(
        "exo",
        "answer invitation",
        "invitation",
        _answer,
        _exo("PUT", "/invitations/{key}", params={"status": "yes"}),
        write=True,
    ),
    Operation("exo", "uninvite", "invitation", _uninvite, _exo("DELETE", "/invitations/{key}"), write=True),
    Operation("exo", "get task", "task", _task(model.read_task), _exo("GET", "/tasks/{key}"), shows=lambda w, k: k),
    Operation(
        "exo",
        "update task",
        "task",
        _task(model.change_task),
        _exo("PUT", "/tasks/{key}", json={"name": "Changed"}),
        write=True,
    ),
    Operation("exo", "delete task", "task", _task(model.change_task), _exo("DELETE", "/tasks/{key}"), write=True),
    Operation(
        "exo",
        "get attachment",
        "attachment",
        _attachment(_ev(model.read_event)),
        _exo("GET", "/attachments/{key}"),
        shows=lambda w, k: k,
    ),
    Operation(
        "exo",
        "download attachment",
        "attachment",
        _attachment(_ev(model.read_event)),
        _exo("GET", "/attachments/{key}/content"),
        shows=lambda w, k: "minutes",
    ),
    Operation(
        "exo",
        "delete attachment",
        "attachment",
        _attachment(_ev(model.change_event)),
        _exo("DELETE", "/attachments/{key}"),
        write=True,
    ),
    # CalDAV
    Operation(
        "caldav",
        "PROPFIND calendar",
        "calendar",
        _cal(model.read_calendar_events),
        _dav_calendar("PROPFIND", PROPFIND),
        shows=lambda w, k: k,
    ),
    Operation(
        "caldav",
        "REPORT calendar-query",
        "calendar",
        _cal(model.read_calendar_events),
        _dav_calendar("REPORT", QUERY, depth="1"),
        shows=lambda w, k: w.dav_name_in(k),
    ),
    Operation("caldav", "PUT new object", "calendar", _cal(model.add_to_calendar), _dav_new_object, write=True),
    Operation(
        "caldav",
        "GET object",
        "event",
        _ev(model.read_dav_object),
        _dav_object("GET"),
        shows=lambda w, k: w.dav_address(k)[2],
    ),
    Operation(
        "caldav",
        "PUT object",
        "event",
        _ev(model.change_dav_object),
        _dav_object("PUT", lambda w, uid: ics(uid, "Changed through CalDAV")),
        write=True,
    ),
    Operation("caldav", "DELETE object", "event", _ev(model.change_dav_object), _dav_object("DELETE"), write=True),
    # Webhooks (Back Office family)
    Operation(
        "webhooks",
        "get webhook",
        "webhook",
        _webhook,
        _bo("GET", "/webhooks/{key}"),
        shows=lambda w, k: "hooks.example.com",
    ),
    Operation("webhooks", "deliveries", "webhook", _webhook, _bo("GET", "/webhooks/{key}/deliveries")),
    Operation(
        "webhooks",
        "patch webhook",
        "webhook",
        _webhook,
        _bo("PATCH", "/webhooks/{key}", json={"active": False}),
        write=True,
    ),
    Operation("webhooks", "delete webhook", "webhook", _webhook, _bo("DELETE", "/webhooks/{key}"), write=True),
)

#: How each face refuses a caller who may see the object but not do this (README of each face).
FORBIDDEN_STATUS = {"backoffice": 404, "exo": 401, "caldav": 403, "webhooks": 404}
#: The Back Office never says "forbidden": a refused write is answered exactly as an unknown id.
FORBIDDEN_LOOKS_MISSING = {"backoffice", "webhooks"}


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


def normalized(response: httpx.Response, *ids: str) -> tuple[int, str]:
    """Status and body with the ids the request named blanked out (numeric ids only as whole numbers)."""
    text = response.text
    for value in sorted(ids, key=len, reverse=True):
        text = re.sub(rf"\b{value}\b", "<id>", text) if value.isdigit() else text.replace(value, "<id>")
    return response.status_code, text


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
