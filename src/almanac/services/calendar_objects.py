"""Calendar objects: the events of one UID read and written as iCalendar, for CalDAV and for imports.

A calendar object (RFC 4791 §4.1) is a master event (or a single event) and
the overrides sharing its UID. Its resource name is the master's ``dav_name``
or ``<uid>.ics``; its entity tag is a hash of its iCalendar bytes, so it
changes exactly when the data a client would read does. Every use case is
one unit of work, with the permission model every face shares: the calendar's
viewers (everyone, when it is public) read; its editors write; anyone else
gets NotFoundError, and a viewer who may not write PermissionDeniedError.

Writing a calendar object replaces the master and its overrides in one
transaction, matching by UID (a re-put or re-import updates, never
duplicates): overrides are matched by recurrence id, those no longer sent are
deleted, and events whose content did not change are not rewritten (their
revision and entity tag stay). Attendees and an organizer whose address is
no user's, and everything else Almanac does not model, are kept verbatim in
``extra_properties``. Rule breaks (an empty title, too many reminders...) are
reported as CalendarDataError naming the line of the component at fault.
Tasks (``services.task_objects``) and journals (``services.journal_objects``,
kept as written) are calendar objects too, under the same rules: one resource
name and one UID per object in a calendar, whatever its component.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from almanac.domain.calendar_data import (
    Address,
    CalendarCodec,
    CalendarDataError,
    ComponentKind,
    ParsedComponent,
    ParsedObject,
    UidConflictError,
    UnsupportedComponentError,
    entity_tag_of,
    line_field,
)
from almanac.domain.calendars import Calendar
from almanac.domain.changes import ChangeKind
from almanac.domain.errors import (
    N_,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    Problem,
)
from almanac.domain.events import Event, Participant, check_event
from almanac.domain.journals import Journal
from almanac.domain.permissions import can_edit_calendar, can_read_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.preconditions import IfMatch
from almanac.domain.tasks import Task
from almanac.domain.users import Principal, User, normalize_email
from almanac.domain.webhooks import MessageType
from almanac.services.changelog import record_event_change
from almanac.services.context import ServiceContext
from almanac.services.events import editable_copy, new_event
from almanac.services.journal_objects import JournalObject, delete_journal, journal_object, store_journal
from almanac.services.scheduling import announce, event_changed
from almanac.services.task_objects import TaskObject, delete_task, store_task, task_object, task_users


@dataclass(frozen=True)
class CalendarObject:
    """One calendar object as a client reads it: ``data`` is a whole VCALENDAR, ``etag`` quoted and strong."""

    uid: str
    name: str
    etag: str
    data: bytes
    master: Event
    overrides: list[Event]
    updated_at: datetime
    component: str = "VEVENT"


#: A calendar object resource: a VEVENT series, a task (VTODO), or a journal (VJOURNAL).
StoredCalendarObject = CalendarObject | TaskObject | JournalObject


def name_of(master: Event) -> str:
    """The CalDAV resource name of a calendar object."""
    return master.dav_name or f"{master.uid}.ics"


def codec_of(ctx: ServiceContext) -> CalendarCodec:
    if ctx.calendar_codec is None:
        raise RuntimeError("no calendar codec is wired into the service context (see almanac.bootstrap)")
    return ctx.calendar_codec


def list_objects(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, components: Collection[str] | None = None
) -> list[StoredCalendarObject]:
    """Every calendar object of the calendar: the events' by UID, then the tasks', then the journals'; only
    those holding ``components`` (VEVENT, VTODO, VJOURNAL) when given. NotFoundError unless the principal may
    read the calendar."""
    wanted = frozenset(components) if components is not None else frozenset(ComponentKind)
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        found: list[StoredCalendarObject] = []
        now = ctx.clock.now()
        if ComponentKind.EVENT in wanted:
            grouped = group_objects(uow.events.list_of_calendar(calendar.id))
            users = users_of(uow, [e for master, overrides in grouped for e in (master, *overrides)])
            found.extend(calendar_object(ctx, master, overrides, users) for master, overrides in grouped)
        if ComponentKind.TODO in wanted:
            tasks = uow.tasks.list_of_calendar(calendar.id)
            owners = task_users(uow, tasks)
            found.extend(task_object(codec_of(ctx), task, owners, now=now) for task in tasks)
        if ComponentKind.JOURNAL in wanted:
            found.extend(journal_object(journal, now=now) for journal in uow.journals.list_of_calendar(calendar.id))
        return found


def get_object(ctx: ServiceContext, *, principal: Principal, calendar_key: str, name: str) -> StoredCalendarObject:
    """The calendar object named ``name``; NotFoundError if the calendar or the object is unknown or unreadable."""
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        return _current(ctx, uow, calendar, name)


def put_object(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    name: str,
    data: bytes,
    if_match: IfMatch | None = None,
    if_none_match_any: bool = False,
) -> tuple[StoredCalendarObject, bool]:
    """Create or replace the calendar object ``name`` from iCalendar ``data``; True when it was created.

    Checks in order: calendar unknown or unreadable (NotFoundError), not
    editable (PermissionDeniedError); data (CalendarDataError, or
    UnsupportedComponentError for a component the calendar does not hold); a VTODO goes to ``_put_task``,
    a VJOURNAL to ``_put_journal``; ``if_none_match_any`` with
    an existing object, or ``if_match`` not matching its current entity tag or
    with no object (PreconditionFailedError); the data's UID used by another
    object of the calendar, or differing from the object's (UidConflictError);
    the event rules (CalendarDataError). All in one transaction.
    """
    with ctx.uow() as uow:
        calendar = writable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        parsed = codec_of(ctx).parse_calendar_object(data, default_tzid=calendar.tzid)
        if parsed.kind.value not in calendar.components:
            raise UnsupportedComponentError(kind=parsed.kind.value)
        if parsed.kind is ComponentKind.TODO:
            task_put, due = _put_task(ctx, uow, calendar, principal, parsed, name, if_match, if_none_match_any)
            uow.commit()
            announce(ctx, due)
            return task_put
        if parsed.kind is ComponentKind.JOURNAL:
            put = _put_journal(ctx, uow, calendar, principal, parsed, name, data, if_match, if_none_match_any)
            due = None
            uow.commit()
            announce(ctx, due)
            return put
        if parsed.kind is not ComponentKind.EVENT:
            raise UnsupportedComponentError(kind=parsed.kind.value)
        held = _name_or_uid_held(uow, calendar.id, name, parsed.uid)
        current: Event | None = None
        existing: list[Event] = []
        if held:
            _refuse_other_kind(name, uow.tasks.get_by_dav_name(calendar.id, name))
            _refuse_other_kind(name, uow.journals.get_by_name(calendar.id, name))
            current = uow.events.get_by_dav_name(calendar.id, name, for_update=True)
            existing = uow.events.list_by_uid(calendar.id, current.uid, for_update=True) if current else []
        _require_put_preconditions(
            uow,
            calendar,
            name=name,
            uid=parsed.uid,
            current_uid=current.uid if current is not None else None,
            current_etag=lambda: calendar_object(ctx, existing[0], existing[1:], users_of(uow, existing)).etag,
            if_match=if_match,
            if_none_match_any=if_none_match_any,
            uid_held=held,
        )
        default_name = f"{parsed.uid}.ics"
        outcome = store_object(
            ctx, uow, calendar, principal, parsed, existing, dav_name=None if name == default_name else name
        )
        result = calendar_object(
            ctx, outcome.master, outcome.overrides, users_of(uow, [outcome.master, *outcome.overrides])
        )
        uow.commit()
    announce(ctx, outcome.due_at)
    return result, current is None


def delete_object(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, name: str, if_match: IfMatch | None = None
) -> None:
    """Delete the calendar object ``name`` (its master and overrides); NotFoundError if there is none,
    PermissionDeniedError if the calendar is not editable, PreconditionFailedError if ``if_match`` fails."""
    with ctx.uow() as uow:
        calendar = writable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        current = uow.events.get_by_dav_name(calendar.id, name, for_update=True)
        journal = uow.journals.get_by_name(calendar.id, name, for_update=True) if current is None else None
        if journal is not None:
            if if_match is not None:
                if_match.require(journal_object(journal, now=ctx.clock.now()).etag)
            delete_journal(ctx, uow, journal)
            uow.commit()
            return
        if current is None:
            task = uow.tasks.get_by_dav_name(calendar.id, name, for_update=True)
            if task is None:
                raise NotFoundError(kind="event", id=name)
            if if_match is not None:
                if_match.require(task_object(codec_of(ctx), task, task_users(uow, [task]), now=ctx.clock.now()).etag)
            delete_task(ctx, uow, task)
            uow.commit()
            return
        events = uow.events.list_by_uid(calendar.id, current.uid, for_update=True)
        if if_match is not None:
            if_match.require(calendar_object(ctx, events[0], events[1:], users_of(uow, events)).etag)
        # The change log (CalDAV sync) records the object's deletion in this same transaction.
        record_event_change(ctx, uow, events[0], calendar_id=calendar.id, kind=ChangeKind.DELETED)
        due = None
        for event in reversed(events):  # overrides before their master
            assert event.id is not None
            gone = replace(event, revision=event.revision + 1, updated_at=ctx.clock.now())
            due = _earliest(due, event_changed(ctx, uow, MessageType.EVENT_DELETED, gone, calendar))
            uow.events.delete(event.id)
        uow.commit()
    announce(ctx, due)


# --- the steps the use cases share ------------------------------------------------------------------


def readable_calendar(uow: UnitOfWork, principal: Principal, calendar_key: str) -> Calendar:
    """The calendar, if the principal may read its events as a whole (viewer, or public); else NotFoundError."""
    calendar = uow.calendars.get_by_key(calendar_key)
    if calendar is None or calendar.id is None or not can_read_calendar(principal, calendar):
        raise NotFoundError(kind="calendar", id=calendar_key)
    return calendar


def writable_calendar(uow: UnitOfWork, principal: Principal, calendar_key: str) -> Calendar:
    """The calendar, if the principal may change its events (NotFoundError, PermissionDeniedError)."""
    calendar = readable_calendar(uow, principal, calendar_key)
    if not can_edit_calendar(principal, calendar):
        raise PermissionDeniedError()
    return calendar


def group_objects(events: Sequence[Event]) -> list[tuple[Event, list[Event]]]:
    """Stored events as (master, overrides) pairs, by UID; overrides whose master is absent are left out."""
    masters: dict[int | None, tuple[Event, list[Event]]] = {e.id: (e, []) for e in events if not e.is_override}
    for event in events:
        if event.is_override and event.series_id in masters:
            masters[event.series_id][1].append(event)
    return sorted(masters.values(), key=lambda pair: (pair[0].uid, pair[0].id or 0))


def users_of(uow: UnitOfWork, events: Sequence[Event]) -> dict[int, User]:
    """The authors and participants of ``events``, by id (one query)."""
    ids = sorted({e.author_id for e in events} | {p.user_id for e in events for p in e.participants})
    return {user.id: user for user in uow.users.list_by_ids(ids) if user.id is not None}


def calendar_object(
    ctx: ServiceContext, master: Event, overrides: Sequence[Event], users: dict[int, User]
) -> CalendarObject:
    """The calendar object of a master and its overrides, as a client reads it."""
    data = codec_of(ctx).calendar_object(master, overrides, users=users)
    changed = [e.updated_at for e in (master, *overrides) if e.updated_at is not None]
    return CalendarObject(
        uid=master.uid,
        name=name_of(master),
        etag=entity_tag_of(data),
        data=data,
        master=master,
        overrides=list(overrides),
        updated_at=max(changed) if changed else ctx.clock.now(),
    )


def _current(ctx: ServiceContext, uow: UnitOfWork, calendar: Calendar, name: str) -> StoredCalendarObject:
    assert calendar.id is not None
    current = uow.events.get_by_dav_name(calendar.id, name)
    if current is None:
        task = uow.tasks.get_by_dav_name(calendar.id, name)
        if task is None:
            journal = uow.journals.get_by_name(calendar.id, name)
            if journal is None:
                raise NotFoundError(kind="event", id=name)
            return journal_object(journal, now=ctx.clock.now())
        return task_object(codec_of(ctx), task, task_users(uow, [task]), now=ctx.clock.now())
    events = uow.events.list_by_uid(calendar.id, current.uid)
    return calendar_object(ctx, events[0], events[1:], users_of(uow, events))


def _put_task(
    ctx: ServiceContext,
    uow: UnitOfWork,
    calendar: Calendar,
    principal: Principal,
    parsed: ParsedObject,
    name: str,
    if_match: IfMatch | None,
    if_none_match_any: bool,
) -> tuple[tuple[TaskObject, bool], datetime | None]:
    """``put_object`` for a VTODO: the same preconditions, in the same order, against the calendar's tasks.
    ((the object, created), the earliest reminder made pending)."""
    assert calendar.id is not None
    current = uow.tasks.get_by_dav_name(calendar.id, name, for_update=True)
    event = uow.events.get_by_dav_name(calendar.id, name)
    _refuse_other_kind(name, event)
    _refuse_other_kind(name, uow.journals.get_by_name(calendar.id, name))
    codec = codec_of(ctx)

    def current_etag() -> str:
        assert current is not None
        return task_object(codec, current, task_users(uow, [current]), now=ctx.clock.now()).etag

    _require_put_preconditions(
        uow,
        calendar,
        name=name,
        uid=parsed.uid,
        current_uid=current.uid if current is not None else None,
        current_etag=current_etag,
        if_match=if_match,
        if_none_match_any=if_none_match_any,
    )
    dav_name = None if name == f"{parsed.uid}.ics" else name
    stored = store_task(ctx, uow, calendar, principal, parsed, current, dav_name=dav_name)
    written = task_object(codec, stored.task, task_users(uow, [stored.task]), now=ctx.clock.now())
    return (written, current is None), stored.due_at


def _require_put_preconditions(
    uow: UnitOfWork,
    calendar: Calendar,
    *,
    name: str,
    uid: str,
    current_uid: str | None,
    current_etag: Callable[[], str],
    if_match: IfMatch | None,
    if_none_match_any: bool,
    uid_held: bool = True,
) -> None:
    """The preconditions of a PUT of ``name`` carrying ``uid``, one rule for events, tasks and journals, in order.

    ``current_uid`` is the UID the resource holds now (None: no such resource); ``current_etag`` computes
    its entity tag, only when ``if_match`` needs it. ``If-None-Match: *`` on an existing resource, or
    ``If-Match`` on a missing one or naming another tag: PreconditionFailedError (RFC 9110 §13.1.1-2).
    A PUT changing the resource's UID, or creating a resource with a UID another object of the calendar
    (an event series, a task or a journal) holds: UidConflictError (RFC 4791 §5.3.2.1, ``no-uid-conflict``).
    ``uid_held`` False: the caller knows no object holds ``uid`` (``_name_or_uid_held``), so none is looked up.
    """
    assert calendar.id is not None
    if current_uid is not None and if_none_match_any:
        raise PreconditionFailedError(N_("The calendar object %(name)s already exists."), name=name)
    if if_match is not None:
        if current_uid is None:
            raise PreconditionFailedError(N_("The calendar object %(name)s does not exist."), name=name)
        if_match.require(current_etag())
    if current_uid is not None and current_uid != uid:
        raise UidConflictError(
            N_("The calendar object %(name)s holds the UID %(uid)s; a PUT cannot change it."),
            name=name,
            uid=current_uid,
        )
    if current_uid is None and uid_held:
        # An event series names the conflict before a task does (one UID is one or the other).
        events = uow.events.list_by_uid(calendar.id, uid)
        if events:
            raise UidConflictError(uid=uid, name=name_of(events[0]))
        task = uow.tasks.get_by_uid(calendar.id, uid)
        if task is not None:
            raise UidConflictError(uid=uid, name=_task_name(task))
        journal = uow.journals.get_by_uid(calendar.id, uid)
        if journal is not None:
            raise UidConflictError(uid=uid, name=journal.name)


def _put_journal(
    ctx: ServiceContext,
    uow: UnitOfWork,
    calendar: Calendar,
    principal: Principal,
    parsed: ParsedObject,
    name: str,
    data: bytes,
    if_match: IfMatch | None,
    if_none_match_any: bool,
) -> tuple[JournalObject, bool]:
    """``put_object`` for a VJOURNAL: the same preconditions, in the same order, against the calendar's journals."""
    assert calendar.id is not None
    current = uow.journals.get_by_name(calendar.id, name, for_update=True)
    _refuse_other_kind(name, uow.events.get_by_dav_name(calendar.id, name))
    _refuse_other_kind(name, uow.tasks.get_by_dav_name(calendar.id, name))
    now = ctx.clock.now()

    def current_etag() -> str:
        assert current is not None
        return journal_object(current, now=now).etag

    _require_put_preconditions(
        uow,
        calendar,
        name=name,
        uid=parsed.uid,
        current_uid=current.uid if current is not None else None,
        current_etag=current_etag,
        if_match=if_match,
        if_none_match_any=if_none_match_any,
    )
    stored, _changed = store_journal(ctx, uow, calendar, principal, parsed, current, name=name, data=data)
    return journal_object(stored, now=now), current is None


def _task_name(task: Task) -> str:
    return task.dav_name or f"{task.uid}.ics"


def _name_or_uid_held(uow: UnitOfWork, calendar_id: int, name: str, uid: str) -> bool:
    """Whether an event, task or journal of the calendar is named ``name`` or holds ``uid``.

    A PUT creating an object meets none, and then skips the eight lookups that would name the holder: they
    were a quarter of such a PUT's time (issue 8's uploads). One probe per kind, the events' first.
    """
    return (
        uow.events.holds_name_or_uid(calendar_id, name, uid)
        or uow.tasks.holds_name_or_uid(calendar_id, name, uid)
        or uow.journals.holds_name_or_uid(calendar_id, name, uid)
    )


def _refuse_other_kind(name: str, other: Event | Task | Journal | None) -> None:
    """A resource holding an event cannot become a task or a journal, nor the reverse (RFC 4791 §5.3.2.1: its UID
    stays)."""
    if other is not None:
        raise UidConflictError(
            N_("The calendar object %(name)s holds the UID %(uid)s; a PUT cannot change it."),
            name=name,
            uid=other.uid,
        )


@dataclass(frozen=True)
class StoredObject:
    """The events of a calendar object after a write; ``changed`` is False when nothing was rewritten."""

    master: Event
    overrides: list[Event]
    changed: bool
    due_at: datetime | None


def store_object(
    ctx: ServiceContext,
    uow: UnitOfWork,
    calendar: Calendar,
    principal: Principal,
    parsed: ParsedObject,
    existing: Sequence[Event],
    *,
    dav_name: str | None,
    users: Mapping[str, User | None] | None = None,
) -> StoredObject:
    """Make the stored events of ``parsed.uid`` (``existing``: master first, then overrides) match ``parsed``.

    Does not commit. Masters keep their author; new ones are the principal's.
    ``users``: the users of the object's addresses by normalized e-mail (None
    for an address of no user) when the caller has looked them up already.
    """
    assert parsed.master is not None and calendar.id is not None
    before = existing[0] if existing else None
    if users is None:
        users = {normalize_email(u.email): u for u in uow.users.list_by_emails(sorted(addresses_of(parsed)))}
    master = editable_copy(before) if before is not None else new_event(ctx, principal, calendar)
    if before is None:
        master.uid = parsed.uid
    master.dav_name = dav_name if before is None else (dav_name or before.dav_name)
    author = author_email(uow, master.author_id, principal)
    apply_component(master, parsed.master, users, author)
    master.series_id, master.recurrence_id = None, None
    check_component(master, parsed.master, ctx)
    stored, changed, due = _write(ctx, uow, calendar, before, master)
    assert stored.id is not None
    old = {e.recurrence_id: e for e in existing[1:]}
    overrides: list[Event] = []
    for component in parsed.overrides:
        previous = old.pop(component.recurrence_id, None)
        override = editable_copy(previous) if previous is not None else new_event(ctx, principal, calendar)
        override.uid, override.author_id, override.dav_name = parsed.uid, stored.author_id, None
        apply_component(override, component, users, author)
        override.series_id, override.recurrence_id = stored.id, component.recurrence_id
        check_component(override, component, ctx)
        written, override_changed, override_due = _write(ctx, uow, calendar, previous, override)
        overrides.append(written)
        changed, due = changed or override_changed, _earliest(due, override_due)
    for gone in old.values():
        assert gone.id is not None
        deleted = replace(gone, revision=gone.revision + 1, updated_at=ctx.clock.now())
        due = _earliest(due, event_changed(ctx, uow, MessageType.EVENT_DELETED, deleted, calendar))
        uow.events.delete(gone.id)
        changed = True
    if changed:  # in the change log (CalDAV sync) within this same transaction
        kind = ChangeKind.CREATED if before is None else ChangeKind.MODIFIED
        record_event_change(ctx, uow, stored, calendar_id=calendar.id, kind=kind)
    return StoredObject(stored, overrides, changed, due)


def addresses_of(parsed: ParsedObject) -> set[str]:
    """The e-mail addresses of an event object's attendees and organizers (those that may be users)."""
    return {
        a.email for c in (parsed.master, *parsed.overrides) if c is not None for a in (*c.attendees, *_organizer(c))
    }


def _organizer(component: ParsedComponent) -> tuple[Address, ...]:
    return (component.organizer,) if component.organizer is not None else ()


def author_email(uow: UnitOfWork, author_id: int, principal: Principal) -> str:
    if author_id == principal.user_id:
        return normalize_email(principal.email)
    user = uow.users.get(author_id)
    return normalize_email(user.email) if user is not None else ""


def apply_component(
    event: Event, component: ParsedComponent, users: Mapping[str, User | None], author_email: str
) -> None:
    """Set the event's modelled fields from the component; addresses of no user join the raw lines."""
    event.summary, event.description, event.location = component.summary, component.description, component.location
    event.starts_at, event.ends_at, event.tzid = component.starts_at, component.ends_at, component.tzid
    event.all_day, event.recurrence = component.all_day, component.recurrence
    event.category_key, event.priority = component.category_key, component.priority
    event.privacy, event.availability = component.privacy, component.availability
    event.reminders = list(component.reminders)
    event.end_form, event.class_stated = component.end_form, component.class_stated
    extra = [component.extra_properties] if component.extra_properties else []
    participants: dict[int, Participant] = {}
    for attendee in component.attendees:
        user = users.get(normalize_email(attendee.email))
        if user is None or user.id is None:
            extra.append(attendee.line)
        elif user.id not in participants:
            participants[user.id] = Participant(user_id=user.id, status=attendee.status)
    event.participants = list(participants.values())
    organizer = component.organizer
    if organizer is not None and normalize_email(organizer.email) != author_email:
        extra.append(organizer.line)
    event.extra_properties = "\n".join(extra) or None


def check_component(event: Event, component: ParsedComponent, ctx: ServiceContext) -> None:
    """The event rules, with any broken one reported at the line where the component begins."""
    try:
        check_event(event, ctx.event_limits)
    except CalendarDataError:
        raise
    except InvalidInputError as error:
        problems = error.problems or [Problem("", error.code, error.template, error.params)]
        raise CalendarDataError(
            [Problem(line_field(component.line), p.code, p.template, p.params) for p in problems]
        ) from error


def _write(
    ctx: ServiceContext, uow: UnitOfWork, calendar: Calendar, before: Event | None, after: Event
) -> tuple[Event, bool, datetime | None]:
    """Add or update one event unless it is unchanged; replan its deliveries. (stored, changed, due)."""
    if before is None:
        stored = uow.events.add(after)
        return stored, True, event_changed(ctx, uow, MessageType.EVENT_CREATED, stored, calendar)
    if replace(after, revision=before.revision, updated_at=before.updated_at) == before:
        return before, False, None
    after.revision, after.updated_at = before.revision + 1, ctx.clock.now()
    stored = uow.events.update(after)
    return stored, True, event_changed(ctx, uow, MessageType.EVENT_UPDATED, stored, calendar)


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return min(first, second)
