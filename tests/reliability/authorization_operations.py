"""The operations of the authorization matrix: what each one sends, on which kind of object, and which rule of
the permission model (``authorization_actors``) decides it; the objects each kind is tried on, and ids that name
nothing (a hidden object must be answered exactly as one of those)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx

from almanac.domain.users import Principal
from tests.reliability import authorization_actors as model
from tests.reliability.authorization_actors import Actor, Outcome
from tests.reliability.authorization_world import (
    BO,
    CALENDAR_NAMES,
    DAV,
    EVENT_START,
    EXO,
    NOW,
    World,
)

# --- the objects an operation acts on, and ids that name nothing ------------------------------------------

MISSING = {
    "calendar": "calendar" + "0" * 32,
    "event": "Event" + "0" * 32,
    "task": "Event" + "1" * 32,
    "attachment": "Attachment" + "0" * 32,
    "invitation": "Event" + "0" * 32 + ":pat",
    "webhook": "987654321",
    "feed": "No_such_feed",
    "upload": "Upload" + "0" * 32,
    "popup": "00000000-0000-0000-0000-000000000000",
    "category": "defaultEventCategoryIdNothing",
}
TARGETS = {
    "calendar": CALENDAR_NAMES,
    "event": CALENDAR_NAMES,
    "task": ("shared",),
    "attachment": ("shared",),
    "invitation": ("personal", "group"),
    "webhook": ("alice's",),
    "feed": ("alice's",),
    "upload": ("alice's",),
    "popup": ("pat's",),
    "category": ("meeting",),
    # What a caller does on their own account: no one else's object is named.
    "account": ("own",),
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


SYNC = (
    '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level>'
    "<d:prop><d:getetag/></d:prop></d:sync-collection>"
)
FREE_BUSY = (
    '<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav">'
    f'<c:time-range start="{(NOW - timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")}"'
    f' end="{(NOW + timedelta(days=2)).strftime("%Y%m%dT%H%M%SZ")}"/></c:free-busy-query>'
)
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


def _feed(world: World, p: Principal, key: str) -> Outcome:
    return model.see_feed(p, world.stored_feed(key))


def _upload(world: World, p: Principal, key: str) -> Outcome:
    return model.use_upload(p, world.stored_upload(key), world.clock.now())


def _popup(world: World, p: Principal, key: str) -> Outcome:
    return model.dismiss_popup(p, world.stored_delivery(key))


def _category(world: World, p: Principal, key: str) -> Outcome:
    return model.see_category(p, key)


def _own(world: World, p: Principal, key: str) -> Outcome:
    return model.anyone_signed_in(p, key)


def _move(target: str) -> Rule:
    """Moving an event into the world's calendar ``target``."""

    def decide(world: World, p: Principal, key: str) -> Outcome:
        event = world.stored_event(key)
        return model.move_event(p, world.calendar_of(event), event, world.calendar(target))

    return decide


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


def _dav_multiget(world: World, actor: Actor, key: str) -> httpx.Response:
    """calendar-multiget of the calendar's event by its path (an unknown calendar names an object of none)."""
    name = world.dav_name_in(key) if key in world.calendars.values() else "nothing-here.ics"
    body = (
        '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        f"<d:prop><d:getetag/><c:calendar-data/></d:prop><d:href>{dav_home(actor)}/{key}/{name}</d:href>"
        "</c:calendar-multiget>"
    )
    return _dav_calendar("REPORT", body, depth="1")(world, actor, key)


def _new_feed(world: World, actor: Actor, key: str) -> httpx.Response:
    body = {"name": f"Feed {world.next_number()}", "calendarIds": [key]}
    return world.client.post(f"{EXO}/feeds", json=body, headers=headers_of(world, actor))


def _move_send(target: str) -> Send:
    def send(world: World, actor: Actor, key: str) -> httpx.Response:
        body = {"calendarId": world.calendars[target]}
        return world.client.put(f"{EXO}/events/{key}", json=body, headers=headers_of(world, actor))

    return send


def _with_upload(kind: str) -> Send:
    """Create an event or a task in the caller's own default calendar, attaching the upload ``key`` by its id."""

    def send(world: World, actor: Actor, key: str) -> httpx.Response:
        own = f"{actor.username or 'alice'}-defaultCalendarId"
        body = {**(NEW_EVENT if kind == "events" else NEW_TASK), "uploadResources": [{"id": key}]}
        return world.client.post(f"{EXO}/calendars/{own}/{kind}", json=body, headers=headers_of(world, actor))

    return send


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
    Operation(
        "caldav",
        "REPORT calendar-multiget",
        "calendar",
        _cal(model.read_calendar_events),
        _dav_multiget,
        shows=lambda w, k: "BEGIN:VEVENT",
    ),
    Operation(
        "caldav",
        "REPORT sync-collection",
        "calendar",
        _cal(model.read_calendar_events),
        _dav_calendar("REPORT", SYNC, depth="1"),
        shows=lambda w, k: w.dav_name_in(k),
    ),
    Operation(
        "caldav",
        "REPORT free-busy-query",
        "calendar",
        _cal(model.read_calendar_events),
        _dav_calendar("REPORT", FREE_BUSY, depth="1"),
        shows=lambda w, k: "FREEBUSY;FBTYPE=BUSY:",
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
    Operation(
        "webhooks",
        "create webhook",
        "account",
        _own,
        _bo("POST", "/webhooks", json={"url": "https://hooks.example.com/mine", "eventTypes": ["event.created"]}),
        write=True,
    ),
    # eXo v1: moving an event into each calendar (the event's own: a plain change)
    *(
        Operation("exo", f"move event to {target}", "event", _move(target), _move_send(target), write=True)
        for target in CALENDAR_NAMES
    ),
    # eXo v1: feeds (a feed's id is its title, among its owner's feeds)
    Operation("exo", "get feed", "feed", _feed, _exo("GET", "/feeds/{key}"), shows=lambda w, k: k),
    Operation("exo", "feed RSS", "feed", _feed, _exo("GET", "/feeds/{key}/rss"), shows=lambda w, k: "In personal"),
    Operation(
        "exo",
        "change feed",
        "feed",
        _feed,
        _exo("PUT", "/feeds/{key}", json={"calendarIds": ["alice-defaultCalendarId"]}),
        write=True,
    ),
    # eXo answers 200 for a feed that is not there (spec §5.8.3), so someone else's is answered the same.
    Operation("exo", "delete feed", "feed", _feed, _exo("DELETE", "/feeds/{key}"), write=True, missing_statuses=(200,)),
    # eXo v1: uploads, and using one by id in an item's uploadResources (anyone else's: 400, as an unknown id)
    Operation("exo", "upload files", "account", _own, _exo("POST", "/uploads", **FILES), write=True),
    Operation("exo", "get upload", "upload", _upload, _exo("GET", "/uploads/{key}"), shows=lambda w, k: k),
    Operation("exo", "delete upload", "upload", _upload, _exo("DELETE", "/uploads/{key}"), write=True),
    Operation(
        "exo",
        "attach upload to new event",
        "upload",
        _upload,
        _with_upload("events"),
        write=True,
        missing_statuses=(400,),
    ),
    Operation(
        "exo",
        "attach upload to new task",
        "upload",
        _upload,
        _with_upload("tasks"),
        write=True,
        missing_statuses=(400,),
    ),
    # eXo v1: categories (everyone's built-ins)
    Operation(
        "exo",
        "list categories",
        "account",
        _own,
        _exo("GET", "/categories"),
        shows=lambda w, k: "defaultEventCategoryIdAll",
    ),
    Operation("exo", "get category", "category", _category, _exo("GET", "/categories/{key}"), shows=lambda w, k: k),
    # The popup reminder lists of both faces: dismissing someone else's popup
    Operation("exo", "dismiss popup", "popup", _popup, _exo("POST", "/reminders/{key}/dismiss"), write=True),
    Operation("backoffice", "dismiss popup", "popup", _popup, _bo("POST", "/reminders/{key}/dismiss"), write=True),
)

#: How each face refuses a caller who may see the object but not do this (README of each face).
FORBIDDEN_STATUS = {"backoffice": 404, "exo": 401, "caldav": 403, "webhooks": 404}
#: The Back Office never says "forbidden": a refused write is answered exactly as an unknown id.
FORBIDDEN_LOOKS_MISSING = {"backoffice", "webhooks"}


def normalized(response: httpx.Response, *ids: str) -> tuple[int, str]:
    """Status and body with the ids the request named blanked out (numeric ids only as whole numbers)."""
    text = response.text
    for value in sorted(ids, key=len, reverse=True):
        text = re.sub(rf"\b{value}\b", "<id>", text) if value.isdigit() else text.replace(value, "<id>")
    return response.status_code, text
