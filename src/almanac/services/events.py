"""Event use cases shared by every face: create, read, change, delete and list, with permissions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

from almanac.domain.calendars import Calendar
from almanac.domain.changes import ChangeKind
from almanac.domain.errors import N_, InvalidInputError, NotFoundError, PermissionDeniedError, Problem
from almanac.domain.events import (
    Availability,
    Event,
    Participant,
    Priority,
    Privacy,
    Reminder,
    check_event,
)
from almanac.domain.permissions import can_edit_calendar, can_edit_event, can_read_calendar, can_read_event
from almanac.domain.ports import UnitOfWork
from almanac.domain.preconditions import IfMatch, entity_tag
from almanac.domain.queries import EventFilter, EventOrder, Page, PageRequest
from almanac.domain.recurrence import Recurrence
from almanac.domain.users import Principal, User
from almanac.domain.webhooks import MessageType
from almanac.services.accounts import resolve_emails
from almanac.services.changelog import record_event_change, record_event_move
from almanac.services.context import ServiceContext
from almanac.services.scheduling import announce, event_changed


class Unset:
    """The value of a field a caller did not send (distinct from an explicit null)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


@dataclass(frozen=True)
class EventChanges:
    """The fields a caller sets; every field left UNSET keeps its stored value (or its default on create).

    Participants are named either by email (Back Office) or by username (eXo), not both.
    """

    summary: str | Unset = UNSET
    description: str | Unset | None = UNSET
    location: str | Unset | None = UNSET
    starts_at: datetime | Unset = UNSET
    ends_at: datetime | Unset = UNSET
    tzid: str | Unset = UNSET
    all_day: bool | Unset = UNSET
    recurrence: Recurrence | Unset | None = UNSET
    category_key: str | Unset | None = UNSET
    priority: Priority | Unset = UNSET
    privacy: Privacy | Unset = UNSET
    availability: Availability | Unset = UNSET
    reminders: Sequence[Reminder] | Unset = UNSET
    participant_emails: Sequence[str] | Unset = UNSET
    participant_usernames: Sequence[str] | Unset = UNSET


ChangesFor = Callable[[Event], EventChanges]
"""Changes worked out from the stored event (on create: the blank event in its calendar) inside the unit
of work, for faces whose input reads in the event's context (recurrence lines or dates in its time zone)."""


@dataclass(frozen=True)
class EventView:
    """An event with what every face renders beside it: its calendar, author and participants."""

    event: Event
    calendar: Calendar
    author: User
    participants: list[User] = field(default_factory=list)


REQUIRED_ON_CREATE: Final = ("summary", "starts_at", "ends_at")

#: The earliest delivery a staged write made due (None: nothing), announced after the commit.
Due = datetime | None


def create_event(
    ctx: ServiceContext,
    *,
    principal: Principal,
    changes: EventChanges | ChangesFor,
    calendar_key: str | None = None,
    on_created: Callable[[UnitOfWork, EventView], object] | None = None,
) -> EventView:
    """Create an event in ``calendar_key`` (default: the caller's default calendar).

    ``summary``, ``starts_at`` and ``ends_at`` are required. Raises NotFoundError
    (calendar unknown or unreadable), PermissionDeniedError (readable, not
    editable), InvalidInputError (every broken rule at once). ``on_created`` runs
    on the stored event's view inside the same unit of work, before the commit
    (e.g. keeping an Idempotency-Key); what it raises refuses the create.
    """
    if isinstance(changes, EventChanges):
        _require_on_create(changes)
    with ctx.uow() as uow:
        calendar = _writable_calendar(uow, principal, calendar_key)
        event = new_event(ctx, principal, calendar)
        if not isinstance(changes, EventChanges):
            changes = changes(event)
            _require_on_create(changes)
        apply_changes(uow, event, changes)
        check_event(event, ctx.event_limits)
        if on_created is None:
            return store_new_event(ctx, uow, event, calendar)
        stored, due = stage_new_event(ctx, uow, event, calendar)
        view = view_of(uow, stored, calendar)
        on_created(uow, view)
        return _committed(ctx, uow, due, view)


def _require_on_create(changes: EventChanges) -> None:
    missing = [name for name in REQUIRED_ON_CREATE if isinstance(getattr(changes, name), Unset)]
    if missing:
        raise InvalidInputError([Problem(name, "required", N_("This field is required.")) for name in missing])


def get_event(ctx: ServiceContext, *, principal: Principal, event_id: int) -> EventView:
    """The event, if the caller may read it; NotFoundError otherwise (existence is never hinted)."""
    with ctx.uow(read_only=True) as uow:
        event, calendar = readable_event(uow, principal, event_id=event_id)
        return view_of(uow, event, calendar)


def update_event(
    ctx: ServiceContext,
    *,
    principal: Principal,
    event_id: int,
    changes: EventChanges | ChangesFor,
    if_match: IfMatch | None = None,
) -> EventView:
    """Apply the changes and validate the result as a whole; a refused change stores nothing.

    ``changes`` may be worked out from the stored event (``ChangesFor``), once it is locked and checked.

    With ``if_match``, the event must still carry one of the given entity tags
    (PreconditionFailedError otherwise); the check and the write are one
    transaction on a locked row, so two writers holding the same tag cannot both win.
    """
    with ctx.uow() as uow:
        event, calendar = readable_event(uow, principal, event_id=event_id, for_update=True)
        if not can_edit_event(principal, calendar, event):
            raise PermissionDeniedError()
        if if_match is not None:
            if_match.require(entity_tag(event))
        updated = editable_copy(event)
        apply_changes(uow, updated, changes if isinstance(changes, EventChanges) else changes(event))
        check_event(updated, ctx.event_limits)
        return store_changed_event(ctx, uow, event, updated, calendar)


def delete_event(ctx: ServiceContext, *, principal: Principal, event_id: int, if_match: IfMatch | None = None) -> None:
    """Delete the event (with ``if_match``, only if it still carries one of those entity tags)."""
    with ctx.uow() as uow:
        event, calendar = readable_event(uow, principal, event_id=event_id, for_update=True)
        if not can_edit_event(principal, calendar, event):
            raise PermissionDeniedError()
        if if_match is not None:
            if_match.require(entity_tag(event))
        store_deleted_event(ctx, uow, event, calendar)


def list_events(
    ctx: ServiceContext,
    *,
    principal: Principal,
    event_filter: EventFilter,
    order: EventOrder,
    page: PageRequest,
) -> Page[EventView]:
    """The events the caller may list, filtered, sorted and paged, with the total before paging.

    Listed: events of calendars the caller may view (own, group, shared) and
    events they take part in; administrators list everything.
    """
    with ctx.uow(read_only=True) as uow:
        found = uow.events.list_visible(principal, event_filter, order, page)
        return Page(items=views_of(uow, found.items), total=found.total)


# --- the steps every face's event use cases share -------------------------------------------------------


def readable_event(
    uow: UnitOfWork,
    principal: Principal,
    *,
    event_id: int | None = None,
    event_key: str | None = None,
    for_update: bool = False,
) -> tuple[Event, Calendar]:
    """The event (by integer id or by key) and its calendar, if the principal may read it.

    NotFoundError otherwise, the same for a missing and an unreadable event. With
    ``for_update`` the row stays locked until the unit of work ends.
    """
    if event_key is not None:
        event = uow.events.get_by_key(event_key, for_update=for_update)
    elif event_id is not None:
        event = uow.events.get(event_id, for_update=for_update)
    else:
        raise TypeError("readable_event needs event_id or event_key")
    calendar = uow.calendars.get(event.calendar_id) if event else None
    if event is None or calendar is None or not can_read_event(principal, calendar, event):
        raise NotFoundError(kind="event", id=event_key if event_key is not None else event_id)
    return event, calendar


def new_event(ctx: ServiceContext, principal: Principal, calendar: Calendar) -> Event:
    """A blank event of the principal in ``calendar``; the caller applies the client's changes to it."""
    assert calendar.id is not None
    now = ctx.clock.now()
    placeholder = datetime.min.replace(tzinfo=now.tzinfo)  # every create sets the times
    return Event(
        calendar_id=calendar.id,
        author_id=principal.user_id,
        summary="",
        starts_at=placeholder,
        ends_at=placeholder,
        tzid=calendar.tzid,
        created_at=now,
        updated_at=now,
        revision=1,
    )


def editable_copy(event: Event) -> Event:
    """A copy to apply changes to, sharing no list with the stored event."""
    return replace(event, participants=list(event.participants), reminders=list(event.reminders))


#: A further write of the same unit of work, given the stored event (a face's attachments, for example).
BeforeCommit = Callable[[UnitOfWork, Event], object]


def store_new_event(
    ctx: ServiceContext, uow: UnitOfWork, event: Event, calendar: Calendar, *, before_commit: BeforeCommit | None = None
) -> EventView:
    """Add a checked event, plan its deliveries, log the change, commit, and wake the worker."""
    stored, due = stage_new_event(ctx, uow, event, calendar)
    if before_commit is not None:
        before_commit(uow, stored)
    return _committed(ctx, uow, due, view_of(uow, stored, calendar))


def store_changed_event(
    ctx: ServiceContext,
    uow: UnitOfWork,
    before: Event,
    after: Event,
    calendar: Calendar,
    *,
    before_commit: BeforeCommit | None = None,
) -> EventView:
    """Store a checked change (``calendar`` is where ``after`` lives), replan deliveries, log, commit, wake."""
    stored, due = stage_changed_event(ctx, uow, before, after, calendar)
    if before_commit is not None:
        before_commit(uow, stored)
    return _committed(ctx, uow, due, view_of(uow, stored, calendar))


def store_deleted_event(ctx: ServiceContext, uow: UnitOfWork, event: Event, calendar: Calendar) -> None:
    """Delete the event, cancel its deliveries and announce the deletion, log, commit."""
    due = stage_deleted_event(ctx, uow, event, calendar)
    uow.commit()
    announce(ctx, due)


def _committed(ctx: ServiceContext, uow: UnitOfWork, due: Due, view: EventView) -> EventView:
    uow.commit()
    announce(ctx, due)
    return view


# The staged halves of the store_* steps, also for use cases that write several events in one unit of
# work (series edits): each writes, replans and logs the change (for CalDAV sync) without committing, and
# returns the earliest due time to announce once the caller has committed.


def stage_new_event(ctx: ServiceContext, uow: UnitOfWork, event: Event, calendar: Calendar) -> tuple[Event, Due]:
    """Add a checked event, plan its deliveries and log it; the caller commits, then announces the due time."""
    stored = uow.events.add(event)
    due = event_changed(ctx, uow, MessageType.EVENT_CREATED, stored, calendar)
    record_event_change(ctx, uow, stored, calendar_id=stored.calendar_id, kind=ChangeKind.CREATED)
    return stored, due


def stage_changed_event(
    ctx: ServiceContext, uow: UnitOfWork, before: Event, after: Event, calendar: Calendar
) -> tuple[Event, Due]:
    """Store a checked change (bumping revision and ``updated_at``), replan and log; the caller commits."""
    after.updated_at = ctx.clock.now()
    after.revision = before.revision + 1
    stored = uow.events.update(after)
    due = event_changed(ctx, uow, MessageType.EVENT_UPDATED, stored, calendar)
    record_event_move(ctx, uow, before, stored)
    return stored, due


def stage_deleted_event(ctx: ServiceContext, uow: UnitOfWork, event: Event, calendar: Calendar) -> Due:
    """Delete the event, cancel its deliveries and log it; the caller commits."""
    assert event.id is not None
    gone = replace(event, revision=event.revision + 1, updated_at=ctx.clock.now())
    due = event_changed(ctx, uow, MessageType.EVENT_DELETED, gone, calendar)
    # Logged before the row goes: an override's name is found through its master.
    record_event_change(ctx, uow, event, calendar_id=event.calendar_id, kind=ChangeKind.DELETED)
    uow.events.delete(event.id)
    return due


def _writable_calendar(uow: UnitOfWork, principal: Principal, calendar_key: str | None) -> Calendar:
    calendar = (
        uow.calendars.default_for(principal.user_id) if calendar_key is None else uow.calendars.get_by_key(calendar_key)
    )
    if calendar is None or not can_read_calendar(principal, calendar):
        raise NotFoundError(kind="calendar", id=calendar_key or principal.username)
    if not can_edit_calendar(principal, calendar):
        raise PermissionDeniedError()
    return calendar


_SIMPLE_FIELDS: Final = (
    "summary",
    "description",
    "location",
    "starts_at",
    "ends_at",
    "tzid",
    "all_day",
    "recurrence",
    "category_key",
    "priority",
    "privacy",
    "availability",
)


def apply_changes(uow: UnitOfWork, event: Event, changes: EventChanges) -> None:
    for name in _SIMPLE_FIELDS:
        value = getattr(changes, name)
        if not isinstance(value, Unset):
            setattr(event, name, value)
    if not isinstance(changes.reminders, Unset):
        event.reminders = list(changes.reminders)
    users: list[User] | None = None
    if not isinstance(changes.participant_emails, Unset):
        emails = list(changes.participant_emails)
        users = resolve_emails(uow.users.list_by_emails(emails), emails, field_name="participants")
    elif not isinstance(changes.participant_usernames, Unset):
        users = _resolve_usernames(uow, changes.participant_usernames)
    if users is not None:
        previous = {p.user_id: p.status for p in event.participants}
        event.participants = [
            Participant(user_id=u.id, status=previous.get(u.id, "")) for u in users if u.id is not None
        ]


def _resolve_usernames(uow: UnitOfWork, usernames: Sequence[str]) -> list[User]:
    users: dict[str, User] = {}
    problems: list[Problem] = []
    for name in usernames:
        if name in users:
            continue
        user = uow.users.get_by_username(name)
        if user is None:
            problems.append(
                Problem("participants", "unknown_user", N_("No user is named %(username)s."), {"username": name})
            )
        else:
            users[name] = user
    if problems:
        raise InvalidInputError(problems)
    return list(users.values())


def view_of(uow: UnitOfWork, event: Event, calendar: Calendar) -> EventView:
    return views_of(uow, [event], {calendar.id: calendar} if calendar.id is not None else None)[0]


def views_of(uow: UnitOfWork, events: list[Event], calendars: dict[int, Calendar] | None = None) -> list[EventView]:
    """Attach calendars and users to events with one query per kind, not one per event."""
    user_ids = {e.author_id for e in events} | {p.user_id for e in events for p in e.participants}
    users = {u.id: u for u in uow.users.list_by_ids(sorted(user_ids))}
    known = dict(calendars or {})
    missing = sorted({e.calendar_id for e in events} - known.keys())
    known.update({c.id: c for c in uow.calendars.list_by_ids(missing) if c.id is not None})
    return [
        EventView(
            event=e,
            calendar=known[e.calendar_id],
            author=users[e.author_id],
            participants=[users[p.user_id] for p in e.participants if p.user_id in users],
        )
        for e in events
    ]
