"""The world the authorization matrix runs in: one store, built once per module, with every kind of object.

alice owns four calendars: her personal default one (``personal``), one shared with vera (view) and
ed (edit) (``shared``), a public one (``public``), and a group calendar of ``/team`` (``group``: alice
is its manager, who may edit; tom a member, who may view). Each holds one event; pat is a participant
of the personal and group events. The shared calendar also holds a task and an event attachment; alice
has a webhook, a feed of all four calendars and a pending upload, and the personal event a popup
reminder that is due (pat's: the event's participant is its recipient). Answer links of invitation
mails are signed with ``LINK_SECRET``.

The store is its own database (a SQLite copy of the migrated template, or a PostgreSQL database of its
own), so tests of other modules running on the same pytest-xdist worker never empty it under us.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from almanac.bootstrap import Container, build_container
from almanac.config import Settings
from almanac.domain.attachments import Upload
from almanac.domain.calendars import Calendar
from almanac.domain.deliveries import Delivery
from almanac.domain.events import Event
from almanac.domain.feeds import Feed
from almanac.domain.ports import UnitOfWork
from almanac.domain.queries import PageRequest
from almanac.domain.tasks import Task
from almanac.domain.users import Principal, User
from almanac.domain.webhooks import Webhook
from almanac.passwords import Argon2PasswordHasher
from almanac.services import accounts, auth
from almanac.storage.engine import build_engine
from almanac.storage.migrate import upgrade_to_head
from almanac.storage.tables import Base
from tests import databases
from tests.conftest import UNLIMITED_RATES
from tests.doubles import FakeClock

EXO = "/rest/private/v1/calendar"
PUBLIC_EXO = "/rest/v1/calendar"
BO = "/api/v2"
DAV = "/dav"

#: The clock while the matrix runs. Events start 20 minutes after the world was built (10 minutes before
#: ``NOW``), so the popup 15 minutes before is planned when the event is created and due while tests run.
NOW = FakeClock().now() + timedelta(minutes=10)
EVENT_START = NOW + timedelta(minutes=10)
POPUP = [{"reminderType": "popup", "alarmBefore": 15}]
#: The key answer links are signed with (``ALMANAC_SECRET_KEY``).
LINK_SECRET = "authorization-matrix-link-secret-0123456789"
FEED = "Alice_feed"

#: The users, and the group calendar's group. alice owns everything; root is an administrator.
USERS = ("alice", "tom", "vera", "ed", "pat", "stan", "root", "eve", "rex")
TEAM = "/team"
CALENDAR_NAMES = ("personal", "shared", "public", "group")
#: How alice creates each calendar (the personal one is her default calendar, made with her account).
CALENDAR_BODIES: dict[str, dict[str, Any]] = {
    "personal": {},
    "shared": {"viewPermission": "vera", "editPermission": "ed"},
    "public": {"publicURL": "/public/alice"},
    "group": {"groups": [TEAM], "editPermission": f"{TEAM}/:*.manager"},
}
WATCHED_TABLES = (
    "calendars",
    "calendar_groups",
    "calendar_grants",
    "events",
    "event_participants",
    "event_reminders",
    "tasks",
    "task_delegates",
    "attachments",
    "webhooks",
    "feeds",
    "feed_calendars",
    "uploads",
    "deliveries",
)
PARTICIPANTS = {"personal": ["pat"], "shared": [], "public": [], "group": ["pat"]}
#: Categories are everyone's built-ins: one to read.
CATEGORIES = {"meeting": "defaultEventCategoryIdMeeting"}


@dataclass
class World:
    container: Container
    client: TestClient
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)
    #: calendar name -> calendar key; event name (= its calendar's name) -> eXo key
    calendars: dict[str, str] = field(default_factory=dict)
    events: dict[str, str] = field(default_factory=dict)
    task: str = ""
    attachment: str = ""
    webhook: int = 0
    private_feed: str = ""
    feed: str = FEED
    upload: str = ""
    popup: str = ""
    #: calendars made as fresh copies for allowed writes (deleted again by ``prune`` where allowed)
    extra_calendars: list[str] = field(default_factory=list)
    counter: int = 0
    principals: dict[str, Principal] = field(default_factory=dict)

    # --- reading the store, for deriving expectations and checking writes ---------------------------

    def principal(self, username: str) -> Principal:
        """Who ``username``'s token stands for (users and memberships never change once the world is built)."""
        if username not in self.principals:
            with self.container.services.uow() as uow:
                user = uow.users.get_by_username(username)
                assert user is not None
                self.principals[username] = auth.principal_of(uow, user)
        return self.principals[username]

    def calendar(self, name_or_key: str) -> Calendar:
        key = self.calendars.get(name_or_key, name_or_key)
        with self.container.services.uow() as uow:
            calendar = uow.calendars.get_by_key(key)
            assert calendar is not None, key
            return calendar

    def event(self, key: str) -> Event | None:
        with self.container.services.uow() as uow:
            return uow.events.get_by_key(key)

    def stored_event(self, key: str) -> Event:
        event = self.event(key)
        assert event is not None, key
        return event

    def bo_id(self, key: str) -> str:
        """The Back Office id of an eXo key (an unknown key: an id no event has)."""
        event = self.event(key)
        return str(event.id) if event is not None else "987654321"

    def calendar_by_id(self, calendar_id: int) -> Calendar:
        with self.container.services.uow() as uow:
            calendar = uow.calendars.get(calendar_id)
            assert calendar is not None
            return calendar

    def calendar_of(self, event: Event) -> Calendar:
        return self.calendar_by_id(event.calendar_id)

    def stored_task(self, key: str) -> Task:
        with self.container.services.uow() as uow:
            task = uow.tasks.get_by_key(key)
            assert task is not None, key
            return task

    def attachment_event(self, key: str) -> str:
        """The eXo key of the event an attachment belongs to."""
        with self.container.services.uow() as uow:
            attachment = uow.attachments.get_by_key(key)
            assert attachment is not None and attachment.event_id is not None, key
            event = uow.events.get(attachment.event_id)
            assert event is not None
            return event.key

    def invitation(self, key: str) -> tuple[Calendar, Event, int]:
        """(calendar, event, invitee's user id) of an invitation id ``{eventKey}:{username}``."""
        event_key, _, username = key.partition(":")
        event = self.stored_event(event_key)
        return self.calendar_of(event), event, self.principal(username).user_id

    def stored_webhook(self, webhook_id: int) -> Webhook:
        with self.container.services.uow() as uow:
            webhook = uow.webhooks.get(webhook_id)
            assert webhook is not None
            return webhook

    def users(self) -> dict[str, User]:
        """Every user of the world by username."""
        with self.container.services.uow() as uow:
            found = {name: uow.users.get_by_username(name) for name in USERS}
        return {name: user for name, user in found.items() if user is not None}

    def stored_feed(self, title: str) -> Feed:
        """alice's feed of that title (the world's feeds are alice's)."""
        owner = self.principal("alice").user_id  # before the unit of work: one at a time on SQLite
        with self.container.services.uow() as uow:
            feed = uow.feeds.get(owner, title)
            assert feed is not None, title
            return feed

    def stored_upload(self, key: str) -> Upload:
        with self.container.services.uow() as uow:
            upload = uow.uploads.get_by_key(key)
            assert upload is not None, key
            return upload

    def stored_delivery(self, delivery_id: str) -> Delivery:
        with self.container.services.uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            assert delivery is not None, delivery_id
            return delivery

    def all_feeds(self) -> list[Feed]:
        owners = [self.principal(username).user_id for username in USERS]
        with self.container.services.uow() as uow:
            return [f for owner in owners for f in uow.feeds.list_owned(owner, PageRequest(0, 10_000)).items]

    def popup_of(self, event_key: str, username: str) -> str:
        """The id of ``username``'s due popup of an event."""
        recipient = self.principal(username).user_id
        with self.container.services.uow() as uow:
            event = uow.events.get_by_key(event_key)
            assert event is not None
            due = uow.deliveries.due_popups(recipient, now=self.clock.now(), since=self.clock.now() - timedelta(days=1))
            return next(d.id for d in due if d.event_id == event.id)

    def dav_address(self, key: str) -> tuple[str, str, str]:
        """(calendar key, resource name, UID) of an event; an unknown key: names nothing."""
        event = self.event(key)
        if event is None:
            return "calendar" + "0" * 32, "nothing-here.ics", "nothing-here"
        return self.calendar_of(event).key, event.dav_name or f"{event.uid}.ics", event.uid

    def dav_name_in(self, calendar_key: str) -> str:
        with self.container.services.uow() as uow:
            calendar = uow.calendars.get_by_key(calendar_key)
            assert calendar is not None and calendar.id is not None
            event = uow.events.list_of_calendar(calendar.id)[0]
            return event.dav_name or f"{event.uid}.ics"

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    # --- the whole store, for lists and for "a refused write changes nothing" -------------------------

    def all_calendars(self) -> list[Calendar]:
        with self.container.services.uow() as uow:
            return self._calendars(uow)

    def _calendars(self, uow: UnitOfWork) -> list[Calendar]:
        keys = [*self.calendars.values(), *self.extra_calendars, *(f"{u}-defaultCalendarId" for u in USERS)]
        found = [uow.calendars.get_by_key(key) for key in dict.fromkeys(keys)]
        return [c for c in found if c is not None]

    def all_events(self) -> list[tuple[Calendar, Event]]:
        with self.container.services.uow() as uow:
            return [(c, e) for c in self._calendars(uow) if c.id for e in uow.events.list_of_calendar(c.id)]

    def all_tasks(self) -> list[Task]:
        with self.container.services.uow() as uow:
            return self._tasks(uow, self._calendars(uow))

    def _tasks(self, uow: UnitOfWork, calendars: list[Calendar]) -> list[Task]:
        tasks: list[Task] = []
        for calendar in calendars:
            assert calendar.id is not None
            tasks += uow.tasks.list_in_calendar(
                calendar.id,
                starts_from=datetime(1970, 1, 1, tzinfo=UTC),
                starts_until=datetime(2100, 1, 1, tzinfo=UTC),
                category_key=None,
                delegate_id=None,
                page=PageRequest(0, 10_000),
            ).items
        return tasks

    def all_webhooks(self) -> list[Webhook]:
        with self.container.services.uow() as uow:
            return uow.webhooks.list_owned(owner_id=None, offset=0, limit=10_000)

    def all_uploads(self) -> list[str]:
        with self.container.engine.connect() as connection:
            return list(connection.execute(select(Base.metadata.tables["uploads"].c.key)).scalars())

    def snapshot(self) -> list[tuple[str, list[tuple[object, ...]]]]:
        """Every row a request could change (calendars and their sharing, events, participants, reminders,
        tasks, files, webhooks), read straight from the tables: a refused write must leave all of them."""
        with self.container.engine.connect() as connection:
            return [
                (name, sorted((tuple(row) for row in connection.execute(select(Base.metadata.tables[name]))), key=repr))
                for name in WATCHED_TABLES
            ]

    # --- fresh copies for allowed writes, and cleaning up after them --------------------------------

    def key_of(self, kind: str, target: str) -> str:
        """The id of a world object: ``kind`` of operation target, ``target`` its name in the world."""
        if kind == "calendar":
            return self.calendars[target]
        if kind == "event":
            return self.events[target]
        if kind == "invitation":
            return f"{self.events[target]}:pat"
        if kind == "task":
            return self.task
        if kind == "attachment":
            return self.attachment
        if kind == "feed":
            return self.feed
        if kind == "upload":
            return self.upload
        if kind == "popup":
            return self.popup
        if kind == "category":
            return CATEGORIES[target]
        if kind == "account":
            return target
        return str(self.webhook)

    def fresh(self, kind: str, target: str) -> str:
        """A new object just like the world's ``target`` (same calendar, same sharing, same participants)."""
        if kind == "calendar":
            body = dict(CALENDAR_BODIES.get(target, {}))
            body["name"] = f"Copy {self.next_number()}"
            if "publicURL" in body:
                body["publicURL"] = f"/public/copy{self.counter}"
            response = self.exo("POST", "/calendars", "alice", json=body)
            assert response.status_code == 201, response.text
            key = response.headers["Location"].rsplit("/", 1)[1]
            self.extra_calendars.append(key)
            # With a private feed URL, like the world's personal calendar, so that revoking one changes something.
            minted = self.exo("POST", f"/calendars/{key}/private-url", "alice")
            assert minted.status_code == 201, minted.text
            return key
        if kind in ("event", "invitation"):
            key = self.create_event(target, participants=PARTICIPANTS[target])
            return f"{key}:pat" if kind == "invitation" else key
        if kind == "task":
            return self.create_task(target)
        if kind == "attachment":
            return self.attach(self.create_event(target))
        if kind == "feed":
            return self.create_feed(f"Copy_{self.next_number()}")
        if kind == "upload":
            return self.stage_upload()
        if kind == "popup":
            return self.popup_of(self.create_event("personal", participants=["pat"], reminder=POPUP), "pat")
        if kind in ("category", "account"):
            return self.key_of(kind, target)
        return str(self.create_webhook())

    def prune(self) -> None:
        """Remove what allowed writes added: events and tasks beyond the world's, copies, webhooks."""
        root = self.bearer("root")
        keep_events = set(self.events.values())
        with self.container.services.uow() as uow:
            found = [uow.calendars.get_by_key(k) for k in [*self.calendars.values(), *self.extra_calendars]]
            calendars = [c for c in found if c is not None]
            events = [e for c in calendars if c.id for e in uow.events.list_of_calendar(c.id)]
            tasks = self._tasks(uow, calendars)
        for event in events:
            if event.key not in keep_events and event.recurrence_id is None:
                self.client.delete(f"{BO}/calendars/events/{event.id}", headers=root)
        for task in tasks:
            if task.key != self.task:
                self.exo("DELETE", f"/tasks/{task.key}", "root")
        for webhook in self.all_webhooks():
            if webhook.id != self.webhook:
                self.client.delete(f"{BO}/webhooks/{webhook.id}", headers=root)
        for feed in self.all_feeds():
            if feed.title != self.feed and feed.id is not None:
                with self.container.services.uow() as uow:
                    uow.feeds.delete(feed.id)
                    uow.commit()
        for upload in self.all_uploads():
            if upload != self.upload:
                with self.container.services.uow() as uow:
                    stored = uow.uploads.get_by_key(upload)
                    if stored is not None and stored.id is not None:
                        uow.uploads.delete(stored.id)
                        uow.commit()
        for key in list(self.extra_calendars):
            self.exo("DELETE", f"/calendars/{key}", "alice")
        existing = {c.key for c in self.all_calendars()}
        self.extra_calendars = [k for k in self.extra_calendars if k in existing]

    # --- requests ----------------------------------------------------------------------------------

    def bearer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def exo(self, method: str, path: str, username: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.bearer(username), **kwargs.pop("headers", {})}
        return self.client.request(method, EXO + path, headers=headers, **kwargs)

    def create_event(self, calendar: str, *, owner: str = "alice", **body: Any) -> str:
        """A new event in a calendar of the world (by name or key), created by ``owner``; its eXo key."""
        key = self.calendars.get(calendar, calendar)
        body.setdefault("subject", f"In {calendar}")
        body.setdefault("from", EVENT_START.isoformat())
        body.setdefault("to", (EVENT_START + timedelta(hours=1)).isoformat())
        response = self.exo("POST", f"/calendars/{key}/events", owner, json=body)
        assert response.status_code == 201, response.text
        return response.headers["Location"].rsplit("/", 1)[1]

    def create_task(self, calendar: str, *, owner: str = "alice") -> str:
        key = self.calendars.get(calendar, calendar)
        body = {"name": f"Task in {calendar}", "from": NOW.isoformat(), "to": (NOW + timedelta(days=1)).isoformat()}
        response = self.exo("POST", f"/calendars/{key}/tasks", owner, json=body)
        assert response.status_code == 201, response.text
        return response.headers["Location"].rsplit("/", 1)[1]

    def attach(self, event_key: str, *, owner: str = "alice") -> str:
        files = [("file", ("notes.txt", b"minutes", "text/plain"))]
        response = self.exo("POST", f"/events/{event_key}/attachments", owner, files=files)
        assert response.status_code == 201, response.text
        listed = self.exo("GET", f"/events/{event_key}/attachments", owner)
        attachment: str = listed.json()["data"][-1]["id"]
        return attachment

    def create_feed(self, title: str, *, owner: str = "alice") -> str:
        """A feed of ``owner`` listing every world calendar (alice may read them all)."""
        body = {"name": title, "calendarIds": [self.calendars[name] for name in CALENDAR_NAMES]}
        response = self.exo("POST", "/feeds", owner, json=body)
        assert response.status_code == 201, response.text
        return title

    def stage_upload(self, *, owner: str = "alice") -> str:
        files = [("file", ("agenda.txt", b"agenda", "text/plain"))]
        response = self.exo("POST", "/uploads", owner, files=files)
        assert response.status_code == 201, response.text
        key: str = response.json()["data"][0]["id"]
        return key

    def create_webhook(self, *, owner: str = "alice") -> int:
        body = {"url": "https://hooks.example.com/almanac", "eventTypes": ["event.created"]}
        response = self.client.post(f"{BO}/webhooks", json=body, headers=self.bearer(owner))
        assert response.status_code == 201, response.text
        webhook_id: int = int(response.json()["id"])
        return webhook_id


def _database(directory: Path, label: str) -> str:
    base = databases.backend_url()
    if not base:
        return databases.sqlite_copy(databases.sqlite_template(directory), directory)
    # A database of this module's own (not the worker's, which other modules' tests empty before each test).
    url = databases._fresh_postgres_database(base, f"almanac_test_{databases.worker_suffix()}_{label}")
    engine = build_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    return url


def build_world(directory: Path, label: str) -> Iterator[World]:
    """Build the world in a fresh store; yields it, then closes the container."""
    clock = FakeClock(NOW - timedelta(minutes=10))
    # Rate limits off, as for every test container: the matrix sends hundreds of requests a second.
    settings = Settings(
        database_url=_database(directory, label),
        secret_key=LINK_SECRET,  # type: ignore[arg-type]
        **UNLIMITED_RATES,  # type: ignore[arg-type]
    )
    container = build_container(settings, clock=clock, passwords=Argon2PasswordHasher(time_cost=1, memory_cost=64))
    try:
        with TestClient(container.web_app(), raise_server_exceptions=False) as client:
            world = World(container=container, client=client, clock=clock)
            _people(world)
            _objects(world)
            yield world
    finally:
        container.close()


def _people(world: World) -> None:
    services = world.container.services
    accounts.add_group(services, group_id=TEAM)
    for username in USERS:
        accounts.add_user(
            services,
            username=username,
            email=f"{username}@example.com",
            display_name=username.title(),
            password=f"pw-{username}",
            is_admin=username == "root",
        )
        world.tokens[username] = auth.issue_api_token(services, username=username).secret
    accounts.add_membership(services, group_id=TEAM, username="tom", membership_type="member")
    accounts.add_membership(services, group_id=TEAM, username="alice", membership_type="manager")
    # eve's token expired an hour ago: signed in two hours before now (the access token lives one hour).
    start = world.clock.now()
    world.clock.set(start - timedelta(hours=2))
    world.tokens["eve"] = auth.sign_in(services, email="eve@example.com", password="pw-eve").access.secret
    world.clock.set(start)
    # rex signed out: the pair is revoked.
    rex = auth.sign_in(services, email="rex@example.com", password="pw-rex").access.secret
    auth.sign_out(services, secret=rex)
    world.tokens["rex"] = rex


def _objects(world: World) -> None:
    world.calendars["personal"] = "alice-defaultCalendarId"
    for name in ("shared", "public", "group"):
        response = world.exo("POST", "/calendars", "alice", json={"name": name.title(), **CALENDAR_BODIES[name]})
        assert response.status_code == 201, (name, response.status_code, response.text)
        world.calendars[name] = response.headers["Location"].rsplit("/", 1)[1]
    for name in CALENDAR_NAMES:
        reminder = POPUP if name == "personal" else []
        world.events[name] = world.create_event(name, participants=PARTICIPANTS[name], reminder=reminder)
    world.task = world.create_task("shared")
    world.attachment = world.attach(world.events["shared"])
    world.webhook = world.create_webhook()
    world.create_feed(FEED)
    world.upload = world.stage_upload()
    response = world.exo("POST", f"/calendars/{world.calendars['personal']}/private-url", "alice")
    assert response.status_code == 201, response.text
    world.private_feed = response.json()["privateURL"].removeprefix("http://testserver")
    world.clock.set(NOW)
    world.popup = world.popup_of(world.events["personal"], "pat")
