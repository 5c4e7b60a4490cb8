"""The scenario registry: what the benchmark asks of each server, as one declarative list.

A scenario names its face, the client counts it runs at, and a ``calls``
function that turns the generated world and a target server into a call
factory for the load generator. The runner probes Almanac with a scenario's
first call: a face that does not exist yet (eXo v1, CalDAV, ...) answers 404
and the scenario is reported "not yet available" instead of failing. So the
scenarios of faces still being built are already here, written to their
specs, and start measuring the day the face answers. Scenarios with
``peers=True`` also run against Radicale and Xandikos; those with
``calls=None`` need a driver that is not an HTTP request loop (an import, the
reminders worker): with a ``driver`` (bench.drivers) they are measured by it,
without one they are listed as pending.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

import httpx

from bench import caldav, ics_import, reminders, storage_floor
from bench.dataset import SEARCH_WORDS, Dataset, UserSpec, week_window
from bench.drivers import DriverFor
from bench.load import Call, CallFactory


class Face(StrEnum):
    BACKOFFICE_V2 = "Back Office v2"
    EXO_V1 = "eXo v1"
    CALDAV = "CalDAV"
    ICS_IMPORT = "ICS import"
    REMINDERS = "reminders worker"


#: Why a face's scenarios may not answer yet (the issue that builds it).
PENDING_FACES: Mapping[Face, str] = {
    Face.EXO_V1: "eXo v1 face not yet built",
    Face.CALDAV: "CalDAV not yet built",
    Face.ICS_IMPORT: "ICS import not yet built",
    Face.REMINDERS: "reminders worker not yet built",
}

EXO_ROOT = "/rest/private/v1/calendar"
#: Where Almanac's CalDAV will serve a calendar; adjust when the CalDAV issue fixes its URL layout.
ALMANAC_DAV_COLLECTION = "/dav/calendars/{username}/{calendar_key}/"


@dataclass(frozen=True)
class World:
    """What scenarios need from the generated store: people, their tokens, their events, the .ics objects."""

    dataset: Dataset
    tokens: Mapping[int, str]
    writers: tuple[UserSpec, ...]
    own_events: Mapping[int, tuple[tuple[int, str], ...]]  # user id -> (event id, event key) in their calendar
    ics: tuple[tuple[str, bytes], ...] = ()  # (uid, object) of the hot calendar, as uploaded to peers
    weeks: tuple[int, ...] = (52, 40, 64, 76)

    def bearer(self, user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user_id]}"}

    def basic(self, user_id: int) -> dict[str, str]:
        """HTTP Basic with the API token as password (how eXo and CalDAV clients sign in to Almanac)."""
        user = next(u for u in self.dataset.users if u.id == user_id)
        secret = base64.b64encode(f"{user.username}:{self.tokens[user_id]}".encode()).decode()
        return {"Authorization": f"Basic {secret}"}


@dataclass(frozen=True)
class Target:
    """One server under test. Peers name their CalDAV collection and their own credentials."""

    system: str
    base_url: str
    dav_collection: str | None = None
    dav_headers: Mapping[str, str] = field(default_factory=dict)
    #: False for the HTTP floor, which answers canned bytes: a scenario must not set up state through it.
    stateful: bool = True


CallsFor = Callable[[World, Target], CallFactory]


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    face: Face
    calls: CallsFor | None
    clients: tuple[int, ...] = (1, 8, 32)
    unit: str = "req/s"
    peers: bool = False
    #: Run each call of the factory once (an upload of N objects) instead of for a duration.
    exhaustive: bool = False
    storage_floor: storage_floor.FloorFor | None = None
    note: str = ""
    #: Measures the scenario itself instead of a request loop (``calls`` is then None): see bench.drivers.
    driver: DriverFor | None = None


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


# --- Back Office v2 ------------------------------------------------------------------------------------


def v2_list_week(world: World, target: Target) -> CallFactory:
    caller = world.dataset.caller
    paths = []
    for week in world.weeks:
        start, end = week_window(week)
        query = {
            "filter[startDate]": _instant(start),
            "filter[endDate]": _instant(end),
            "filter[recipients]": caller.email,
            "limit": 50,
        }
        paths.append(f"/api/v2/calendars/events?{urlencode(query)}")
    headers = world.bearer(caller.id)
    return lambda worker, n: Call("GET", paths[n % len(paths)], headers)


def v2_search_name(world: World, target: Target) -> CallFactory:
    caller = world.dataset.caller
    paths = [f"/api/v2/calendars/events?{urlencode({'filter[name]': w, 'limit': 50})}" for w in SEARCH_WORDS]
    headers = world.bearer(caller.id)
    return lambda worker, n: Call("GET", paths[n % len(paths)], headers)


WRITE_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def v2_create(world: World, target: Target) -> CallFactory:
    def call(worker: int, n: int) -> Call:
        user = world.writers[worker % len(world.writers)]
        colleague = world.writers[(worker + 1) % len(world.writers)]
        start = WRITE_START + timedelta(hours=n % 5_000)
        body = {
            "caption": f"Bench create {n}",
            "description": "Created by the benchmark.",
            "startDate": _instant(start),
            "endDate": _instant(start + timedelta(hours=1)),
            "recipients": [user.email, colleague.email],
            "notifications": ["PT15M"],
        }
        headers = {**world.bearer(user.id), "Content-Type": "application/json"}
        return Call("POST", "/api/v2/calendars/events", headers, json.dumps(body).encode(), ok=(201,))

    return call


def v2_update(world: World, target: Target) -> CallFactory:
    def call(worker: int, n: int) -> Call:
        user = world.writers[worker % len(world.writers)]
        events = world.own_events[user.id]
        event_id, _ = events[n % len(events)]
        headers = {**world.bearer(user.id), "Content-Type": "application/json"}
        body = json.dumps({"caption": f"Bench update {n}"}).encode()
        return Call("PATCH", f"/api/v2/calendars/events/{event_id}", headers, body)

    return call


# --- eXo v1 (spec: shared/spec/exo-calendar-rest.md §5.3) ----------------------------------------------


def _exo_window(world: World) -> str:
    start, end = week_window(world.weeks[0])
    return urlencode({"startTime": _instant(start), "endTime": _instant(end)})


def exo_calendar_events_week(world: World, target: Target) -> CallFactory:
    caller = world.dataset.caller
    path = f"{EXO_ROOT}/calendars/{world.dataset.hot_calendar.key}/events?{_exo_window(world)}&limit=50"
    headers = world.basic(caller.id)
    return lambda worker, n: Call("GET", path, headers)


def exo_events_week(world: World, target: Target) -> CallFactory:
    caller = world.dataset.caller
    path = f"{EXO_ROOT}/events?{_exo_window(world)}"
    headers = world.basic(caller.id)
    return lambda worker, n: Call("GET", path, headers)


def exo_create(world: World, target: Target) -> CallFactory:
    def call(worker: int, n: int) -> Call:
        user = world.writers[worker % len(world.writers)]
        start = WRITE_START + timedelta(hours=n % 5_000)
        body = {"subject": f"Bench create {n}", "from": _instant(start), "to": _instant(start + timedelta(hours=1))}
        headers = {**world.basic(user.id), "Content-Type": "application/json"}
        path = f"{EXO_ROOT}/calendars/{user.username}-defaultCalendarId/events"
        return Call("POST", path, headers, json.dumps(body).encode(), ok=(201,))

    return call


def exo_update(world: World, target: Target) -> CallFactory:
    def call(worker: int, n: int) -> Call:
        user = world.writers[worker % len(world.writers)]
        events = world.own_events[user.id]
        _, key = events[n % len(events)]
        headers = {**world.basic(user.id), "Content-Type": "application/json"}
        body = json.dumps({"subject": f"Bench update {n}"}).encode()
        return Call("PUT", f"{EXO_ROOT}/events/{key}", headers, body)

    return call


# --- CalDAV (Almanac when built; Radicale and Xandikos now) ---------------------------------------------


def _collection(world: World, target: Target) -> tuple[str, dict[str, str]]:
    if target.dav_collection is not None:
        return target.dav_collection, dict(target.dav_headers)
    caller = world.dataset.caller
    path = ALMANAC_DAV_COLLECTION.format(username=caller.username, calendar_key=world.dataset.hot_calendar.key)
    return path, world.basic(caller.id)


def caldav_put(world: World, target: Target) -> CallFactory:
    collection, auth = _collection(world, target)
    if target.dav_collection is None:
        # Almanac's store already holds the hot calendar (the peers start empty): upload the same objects
        # into the caller's own default calendar, where none of these UIDs is stored yet.
        username = world.dataset.caller.username
        collection = ALMANAC_DAV_COLLECTION.format(username=username, calendar_key=f"{username}-defaultCalendarId")
    headers = {**auth, "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}
    if target.dav_collection is None:
        # Almanac is probed with the first call before the upload, so that object is written twice.
        headers.pop("If-None-Match")

    def call(worker: int, n: int) -> Call | None:
        if n >= len(world.ics):
            return None
        uid, body = world.ics[n]
        return Call("PUT", collection + caldav.object_name(uid), headers, body, ok=(201, 204))

    return call


def _caldav_query(*, expand: bool) -> CallsFor:
    def calls(world: World, target: Target) -> CallFactory:
        collection, auth = _collection(world, target)
        start, end = week_window(world.weeks[0])
        body = caldav.calendar_query(start, end, expand=expand)
        headers = {**auth, **caldav.REPORT_HEADERS}
        return lambda worker, n: Call("REPORT", collection, headers, body, ok=caldav.MULTISTATUS)

    return calls


def caldav_multiget_50(world: World, target: Target) -> CallFactory:
    collection, auth = _collection(world, target)
    uids = [uid for uid, _ in world.ics] or ["missing"]
    batches = [
        caldav.calendar_multiget([collection + caldav.object_name(uid) for uid in uids[i : i + 50]])
        for i in range(0, max(1, len(uids) - 49), 50)
    ][:8]
    headers = {**auth, **caldav.REPORT_HEADERS}
    return lambda worker, n: Call("REPORT", collection, headers, batches[n % len(batches)], ok=caldav.MULTISTATUS)


#: How many objects change between the two syncs of the incremental sync scenario.
SYNC_CHANGES = 10


def _current_sync_token(client: httpx.Client, collection: str, headers: dict[str, str]) -> str:
    """The collection's token now: its DAV:sync-token property, as a client that already holds the objects
    asks it; an initial sync only when the server gives no such property. At 1M events an initial sync
    lists the hot calendar's 100,000 objects, longer than the client's timeout, and that is not what the
    scenario measures."""
    found = client.request("PROPFIND", collection, headers=headers, content=caldav.PROPFIND_SYNC_TOKEN)
    token = caldav.sync_token_property_of(found.content) if found.status_code == 207 else None
    if token is not None:
        return token
    initial = client.request("REPORT", collection, headers=headers, content=caldav.sync_collection(""))
    initial.raise_for_status()
    return caldav.sync_token_of(initial.content)


def caldav_sync_after_changes(world: World, target: Target) -> CallFactory:
    """An incremental sync-collection after ``SYNC_CHANGES`` changes: the setup takes the current token,
    then rewrites that many of the hot calendar's objects; every measured call asks what changed since the token.
    """
    collection, auth = _collection(world, target)
    changed = world.ics[:SYNC_CHANGES]
    if len(changed) < SYNC_CHANGES:
        return lambda worker, n: None
    headers = {**auth, **caldav.SYNC_HEADERS}
    if not target.stateful:
        body = caldav.sync_collection(caldav.FLOOR_SYNC_TOKEN)
        return lambda worker, n: Call("REPORT", collection, headers, body, ok=caldav.MULTISTATUS)
    with httpx.Client(base_url=target.base_url, timeout=60) as client:
        token = _current_sync_token(client, collection, headers)
        put_headers = {**auth, "Content-Type": "text/calendar; charset=utf-8"}
        for uid, body in changed:
            rewritten = body.replace(b"SUMMARY:", b"SUMMARY:Changed ", 1)
            client.put(collection + caldav.object_name(uid), headers=put_headers, content=rewritten).raise_for_status()
    body = caldav.sync_collection(token)
    return lambda worker, n: Call("REPORT", collection, headers, body, ok=caldav.MULTISTATUS)


# --- the registry ---------------------------------------------------------------------------------------

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "v2-list-week",
        "v2 list: 1-week window, limit=50, by recipient",
        Face.BACKOFFICE_V2,
        v2_list_week,
        storage_floor=storage_floor.list_week_by_recipient,
    ),
    Scenario(
        "v2-search-name",
        "v2 list: filter[name] search, limit=50",
        Face.BACKOFFICE_V2,
        v2_search_name,
        storage_floor=storage_floor.search_by_name,
    ),
    Scenario("exo-calendar-week", "eXo GET /calendars/{id}/events, 1 week", Face.EXO_V1, exo_calendar_events_week),
    Scenario("exo-events-week", "eXo GET /events, 1 week (expanded)", Face.EXO_V1, exo_events_week),
    # Peers are loaded by this upload, so it runs before the queries below.
    Scenario(
        "caldav-put",
        "CalDAV PUT of the hot calendar's events",
        Face.CALDAV,
        caldav_put,
        clients=(8,),
        unit="events/s",
        peers=True,
        exhaustive=True,
    ),
    Scenario(
        "caldav-query-week", "CalDAV calendar-query, 1 week", Face.CALDAV, _caldav_query(expand=False), peers=True
    ),
    Scenario(
        "caldav-query-week-expand",
        "CalDAV calendar-query, 1 week, <expand>",
        Face.CALDAV,
        _caldav_query(expand=True),
        peers=True,
    ),
    Scenario("caldav-multiget-50", "CalDAV calendar-multiget of 50", Face.CALDAV, caldav_multiget_50, peers=True),
    Scenario(
        "caldav-sync-10",
        f"CalDAV sync-collection after {SYNC_CHANGES} changes",
        Face.CALDAV,
        caldav_sync_after_changes,
        peers=True,
    ),
    Scenario(
        "v2-create",
        "v2 create event",
        Face.BACKOFFICE_V2,
        v2_create,
        clients=(1, 8),
        unit="events/s",
        storage_floor=storage_floor.create_event,
    ),
    Scenario(
        "v2-update",
        "v2 update event (PATCH caption)",
        Face.BACKOFFICE_V2,
        v2_update,
        clients=(1, 8),
        unit="events/s",
        storage_floor=storage_floor.update_event,
    ),
    Scenario("exo-create", "eXo create event", Face.EXO_V1, exo_create, clients=(1, 8), unit="events/s"),
    Scenario("exo-update", "eXo update event", Face.EXO_V1, exo_update, clients=(1, 8), unit="events/s"),
    Scenario(
        "ics-import-100k",
        "ICS import of 100k events",
        Face.ICS_IMPORT,
        None,
        unit="s",
        driver=ics_import.drive,
        note="one .ics file through `almanac import`",
    ),
    Scenario(
        "reminders-lag",
        "reminders dispatch lag",
        Face.REMINDERS,
        None,
        unit="s",
        driver=reminders.drive,
        note="due time to SMTP accept, 1 and 2 worker processes",
    ),
)
