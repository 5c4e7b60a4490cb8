"""Importing an iCalendar file into a calendar: every object matched by UID, all or nothing, in bulk.

One unit of work (one transaction) holds the whole import, so a file that is
broken anywhere, even in its last object, stores nothing. The file is read
one object at a time (``CalendarFile``; a large one is parsed ahead by worker
processes, ``ServiceContext.import_workers``, which this use case starts and
stops) and stored in batches of ``IMPORT_BATCH`` objects, with the same outcome as storing each object by
itself through ``calendar_objects.store_object`` (the CalDAV PUT path) but a
few statements per batch instead of a dozen per event:

* the batch's UIDs are looked up at once, among events and tasks;
* the users behind attendee and organizer addresses are looked up once per
  address per import (a cache that lives as long as the import);
* objects whose UID is new are checked, then inserted together: events (one
  multi-row INSERT ... RETURNING for masters, one for overrides), their
  participants and reminders, their reminder deliveries and horizons, their
  change-log entries (``ChangeLogRepository.record_many``) and their webhook
  messages;
* objects whose UID exists go through ``store_object`` one by one (compared,
  then rewritten only when changed), with the looked-up users; so do tasks.

Webhooks keep their meaning: one ``event.created`` (``event.updated``...)
message per event written, to each subscribed webhook whose owner may read it,
exactly as one write at a time would queue them; only the work is shared (the
subscribed webhooks and their owners' rights are read once per import, the
messages inserted per batch). Reminder deliveries are planned once per new
series, with all its overrides: writing a master and then each override would
have planned (and cancelled) deliveries of the occurrences the overrides
replace, which this never creates. Imports send no invitation mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice

from almanac.domain.calendar_data import (
    CalendarDataError,
    ComponentKind,
    ParsedObject,
    Progress,
)
from almanac.domain.calendars import Calendar
from almanac.domain.changes import ChangeKind, object_name
from almanac.domain.deliveries import Delivery
from almanac.domain.errors import N_, NotFoundError
from almanac.domain.events import Event
from almanac.domain.ports import UnitOfWork
from almanac.domain.users import Principal, User, normalize_email
from almanac.domain.webhooks import MessageType
from almanac.services.auth import principal_of
from almanac.services.calendar_objects import (
    addresses_of,
    apply_component,
    check_component,
    codec_of,
    store_object,
    writable_calendar,
)
from almanac.services.context import ServiceContext
from almanac.services.events import new_event
from almanac.services.scheduling import (
    WebhookAudience,
    announce,
    queue_event_messages,
    reminder_plan,
    webhook_audience,
)
from almanac.services.task_objects import store_task

TOO_MANY_OBJECTS = N_("The file holds %(count)s objects; at most %(limit)s are imported at once.")
SKIPPED_KIND = N_("%(kind)s components are not stored (only events and tasks are); this one was skipped.")
SKIPPED_BY_CALENDAR = N_("This calendar does not store %(kind)s components; this one was skipped.")
UID_IN_USE = N_("The UID %(uid)s is in use.")

#: Calendar objects parsed, checked and written together. Larger batches mean fewer statements and more
#: memory; at 1,000 the statements are no longer what an import waits for.
IMPORT_BATCH = 1_000


@dataclass(frozen=True)
class SkippedObject:
    """A calendar object an import left out: its UID, kind, first line and why (a message template)."""

    uid: str
    kind: ComponentKind
    line: int
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did, by UID: created, updated, found unchanged, skipped."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedObject] = field(default_factory=list)


def import_objects(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    data: bytes,
    progress: Progress | None = None,
    max_objects: int | None = None,
    batch_size: int = IMPORT_BATCH,
) -> ImportReport:
    """Import every event of an iCalendar file into the calendar, all or nothing, matching by UID.

    Permissions as ``calendar_objects.put_object``. VTODOs become tasks (matched by UID like
    events); VJOURNAL objects, and components the calendar was created without
    (CalDAV MKCALENDAR), are skipped and reported. A broken file, or any event breaking a
    rule, is refused (CalendarDataError naming the line) and nothing is stored.
    ``progress`` is told (done, total) after each object, once its batch is written. A file holding
    more than ``max_objects`` objects (None: no limit, for administrative imports) is refused whole
    (CalendarDataError) before anything is parsed. ``batch_size``: objects written together (tests
    make it small to cross batch boundaries with small files); the outcome does not depend on it.
    """
    report = ImportReport()
    with ctx.uow() as uow:
        calendar = writable_calendar(uow, principal, calendar_key)
        codec = codec_of(ctx)
        # Leaving this block stops the parsing processes (ctx.import_workers), however the import ends.
        with codec.read_calendar_file(data, default_tzid=calendar.tzid, workers=ctx.import_workers) as found:
            total = len(found)
            if max_objects is not None and total > max_objects:
                raise CalendarDataError.at(1, TOO_MANY_OBJECTS, count=total, limit=max_objects)
            importer = _Importer(ctx, uow, calendar, principal, report)
            done = 0
            for batch in _batches(found, batch_size):
                importer.store(batch)
                for _ in batch:
                    done += 1
                    if progress is not None:
                        progress(done, total)
        uow.commit()
    announce(ctx, importer.due)
    return report


def importer_principal(ctx: ServiceContext, *, calendar_key: str, username: str | None = None) -> Principal:
    """Who an administrative import acts as: ``username``, or else the calendar's owner (NotFoundError)."""
    with ctx.uow() as uow:
        if username is not None:
            user = uow.users.get_by_username(username)
            if user is None:
                raise NotFoundError(kind="user", id=username)
        else:
            calendar = uow.calendars.get_by_key(calendar_key)
            if calendar is None:
                raise NotFoundError(kind="calendar", id=calendar_key)
            user = uow.users.get(calendar.owner_id) if calendar.owner_id is not None else None
            if user is None:
                raise NotFoundError(kind="user", id=calendar_key)
        return principal_of(uow, user)


def _batches(objects: Iterable[ParsedObject], size: int) -> Iterator[list[ParsedObject]]:
    iterator = iter(objects)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class _NewObject:
    """A calendar object whose UID the calendar does not hold yet: its master and overrides, checked."""

    master: Event
    overrides: list[Event]


class _Importer:
    """The state one import keeps across its batches: what it looked up once, and the earliest due time."""

    def __init__(
        self, ctx: ServiceContext, uow: UnitOfWork, calendar: Calendar, principal: Principal, report: ImportReport
    ) -> None:
        assert calendar.id is not None
        self._ctx, self._uow, self._calendar, self._principal = ctx, uow, calendar, principal
        self._calendar_id = calendar.id
        self._report = report
        self._author_email = normalize_email(principal.email)
        self._users_by_email: dict[str, User | None] = {}
        self._users_by_id: dict[int, User] = {}
        self._audience: WebhookAudience | None = None
        self.due: datetime | None = None

    def store(self, batch: list[ParsedObject]) -> None:
        """Store one batch of objects (in file order), new events in bulk at its end."""
        calendar, report, uow = self._calendar, self._report, self._uow
        stored_kinds = {kind for kind in ComponentKind if kind.value in calendar.components}
        wanted = [p.uid for p in batch if p.kind in stored_kinds]
        events = uow.events.list_by_uids(self._calendar_id, wanted, for_update=True)
        event_uids = [p.uid for p in batch if p.kind is ComponentKind.EVENT and p.kind in stored_kinds]
        task_uids = uow.tasks.uids_in_use(self._calendar_id, event_uids)
        self._look_up_users(p for p in batch if p.kind is ComponentKind.EVENT and p.kind in stored_kinds)
        fresh: list[_NewObject] = []
        for parsed in batch:
            if parsed.kind in (ComponentKind.EVENT, ComponentKind.TODO) and parsed.kind not in stored_kinds:
                report.skipped.append(SkippedObject(parsed.uid, parsed.kind, parsed.line, SKIPPED_BY_CALENDAR))
            elif parsed.kind is ComponentKind.TODO:
                if parsed.uid in events:
                    raise CalendarDataError.at(parsed.line, UID_IN_USE, uid=parsed.uid)
                task = uow.tasks.get_by_uid(self._calendar_id, parsed.uid, for_update=True)
                stored_task = store_task(self._ctx, uow, calendar, self._principal, parsed, task, dav_name=None)
                self._due(stored_task.due_at)
                changed = stored_task.changed
                target = report.unchanged if not changed else report.updated if task else report.created
                target.append(parsed.uid)
            elif parsed.kind is not ComponentKind.EVENT:
                report.skipped.append(SkippedObject(parsed.uid, parsed.kind, parsed.line, SKIPPED_KIND))
            elif parsed.uid in task_uids:
                raise CalendarDataError.at(parsed.line, UID_IN_USE, uid=parsed.uid)
            elif parsed.uid in events:
                self._store_existing(parsed, events[parsed.uid])
            else:
                fresh.append(self._new_object(parsed))
                report.created.append(parsed.uid)
        self._insert(fresh)

    def _look_up_users(self, objects: Iterable[ParsedObject]) -> None:
        """Find the users of the addresses not seen before in this import (one query per batch at most)."""
        unseen = {normalize_email(a) for parsed in objects for a in addresses_of(parsed)} - self._users_by_email.keys()
        if not unseen:
            return
        found = {normalize_email(u.email): u for u in self._uow.users.list_by_emails(sorted(unseen))}
        for address in unseen:
            self._users_by_email[address] = found.get(address)
        self._users_by_id.update({u.id: u for u in found.values() if u.id is not None})

    def _store_existing(self, parsed: ParsedObject, existing: list[Event]) -> None:
        if existing[0].is_override:  # overrides of a master this calendar does not hold
            raise CalendarDataError.at(parsed.line, UID_IN_USE, uid=parsed.uid)
        outcome = store_object(
            self._ctx,
            self._uow,
            self._calendar,
            self._principal,
            parsed,
            existing,
            dav_name=None,
            users=self._users_by_email,
        )
        self._due(outcome.due_at)
        report = self._report
        (report.unchanged if not outcome.changed else report.updated).append(parsed.uid)

    def _new_object(self, parsed: ParsedObject) -> _NewObject:
        """The events of a new object, built and checked as ``store_object`` builds and checks them."""
        assert parsed.master is not None
        ctx, calendar, principal = self._ctx, self._calendar, self._principal
        master = new_event(ctx, principal, calendar)
        master.uid, master.dav_name = parsed.uid, None
        apply_component(master, parsed.master, self._users_by_email, self._author_email)
        check_component(master, parsed.master, ctx)
        overrides: list[Event] = []
        for component in parsed.overrides:
            override = new_event(ctx, principal, calendar)
            override.uid, override.dav_name = parsed.uid, None
            apply_component(override, component, self._users_by_email, self._author_email)
            override.recurrence_id = component.recurrence_id  # series_id once the master has its id
            check_component(override, component, ctx)
            overrides.append(override)
        return _NewObject(master, overrides)

    def _insert(self, fresh: list[_NewObject]) -> None:
        """Insert new objects with everything writing each one by itself would have written."""
        if not fresh:
            return
        uow, now = self._uow, self._ctx.clock.now()
        masters = uow.events.add_many([o.master for o in fresh])
        for master, new in zip(masters, fresh, strict=True):
            for override in new.overrides:
                override.series_id = master.id
        stored_overrides = iter(uow.events.add_many([e for o in fresh for e in o.overrides]))
        objects = [
            (master, [next(stored_overrides) for _ in new.overrides])
            for master, new in zip(masters, fresh, strict=True)
        ]
        self._plan_reminders(objects, now)
        self._queue_messages([e for master, overrides in objects for e in (master, *overrides)], now)
        uow.changes.record_many(
            self._calendar_id, [(object_name(master), ChangeKind.CREATED) for master, _ in objects], now
        )

    def _plan_reminders(self, objects: list[tuple[Event, list[Event]]], now: datetime) -> None:
        """Each new object's reminder deliveries and horizon, as ``scheduling.plan_event_reminders`` makes them
        for an event with no deliveries yet, planned once with all its overrides."""
        fresh: list[Delivery] = []
        horizons: dict[int, datetime] = {}
        for master, overrides in objects:
            assert master.id is not None
            plan = reminder_plan(self._ctx, self._uow, master, now=now, overrides=overrides)
            fresh.extend(replace(p.delivery, created_at=now) for p in plan.planned if p.creatable)
            if plan.horizon_end is not None:
                horizons[master.id] = plan.horizon_end
        self._uow.deliveries.add_missing(fresh)
        self._uow.deliveries.set_horizons(horizons)
        self._due(min((d.due_at for d in fresh), default=None))

    def _queue_messages(self, events: list[Event], now: datetime) -> None:
        if self._audience is None:
            self._audience = webhook_audience(self._uow, MessageType.EVENT_CREATED)
        if not self._audience:
            return
        if self._principal.user_id not in self._users_by_id:
            author = self._uow.users.get(self._principal.user_id)
            if author is not None:
                self._users_by_id[self._principal.user_id] = author
        queued = queue_event_messages(
            self._uow,
            MessageType.EVENT_CREATED,
            events,
            self._calendar,
            audience=self._audience,
            users=self._users_by_id,
            now=now,
        )
        self._due(queued)

    def _due(self, due_at: datetime | None) -> None:
        if due_at is not None and (self.due is None or due_at < self.due):
            self.due = due_at
