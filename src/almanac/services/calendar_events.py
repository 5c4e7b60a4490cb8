"""Event use cases addressed by eXo-style keys: read, create in a calendar, update or move, delete,
and the two queries of the eXo face (one calendar's events; one's own events).

Permissions come from ``domain.permissions`` (the model every face shares):
read = public calendar, calendar viewer or participant; write = calendar
editor. Unknown or unreadable events are NotFoundError; refused writes on
readable ones PermissionDeniedError. A face may pass ``rejected`` — its own
input errors — which is raised exactly where the protocol's order of checks
puts validation (spec §5.3.3: after the calendar lookup and before the
permission check; §5.3.5: after the permission checks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from almanac.domain.errors import N_, InvalidInputError, NotFoundError, PermissionDeniedError, Problem
from almanac.domain.events import Event, check_event
from almanac.domain.permissions import can_edit_calendar, can_read_calendar, can_view_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.queries import Page, PageRequest
from almanac.domain.users import Principal
from almanac.services.attachment_files import AttachmentOwner, UploadReference, apply_upload_references
from almanac.services.context import ServiceContext
from almanac.services.events import (
    BeforeCommit,
    EventChanges,
    EventView,
    Unset,
    apply_changes,
    new_event,
    store_new_event,
    views_of,
)
from almanac.services.series import RecurrenceOf

#: eXo's rule (spec §6): the start must be strictly before the end.
START_BEFORE_END: Final = N_('"from" date must be before "to" date')
START_BEFORE_END_CODE: Final = "event-date-time-logic"


def create_event_in_calendar(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    changes: EventChanges,
    rejected: InvalidInputError | None = None,
    uploads: Sequence[UploadReference] | None = None,
    recurrence_of: RecurrenceOf | None = None,
    on_created: BeforeCommit | None = None,
) -> EventView:
    """Create an event (spec §5.3.3). Checks in order: unknown calendar, or one the principal may not read
    (NotFoundError: the same answer, so a key reveals nothing), ``rejected``,
    edit permission (PermissionDeniedError), then the event rules (InvalidInputError: ``from`` strictly
    before ``to``, then the limits of ``check_event``), then ``uploads`` (eXo ``uploadResources``, see
    ``attachment_files.apply_upload_references``). ``summary``, ``starts_at`` and ``ends_at`` must be set.
    ``recurrence_of`` builds the event's recurrence from its final start and zone (see ``series``).
    ``on_created`` runs on the stored event in the same unit of work, after the uploads and before the commit
    (e.g. keeping an Idempotency-Key); what it raises refuses the create."""
    with ctx.uow() as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or calendar.id is None or not can_read_calendar(principal, calendar):
            raise NotFoundError(kind="calendar", id=calendar_key)
        if rejected is not None:
            raise rejected
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        if isinstance(changes.starts_at, Unset) or isinstance(changes.ends_at, Unset):
            raise ValueError("create_event_in_calendar needs starts_at and ends_at")
        event = new_event(ctx, principal, calendar)
        apply_changes(uow, event, changes)
        if recurrence_of is not None:
            event.recurrence = recurrence_of(event)
        check_start_before_end(event)
        check_event(event, ctx.event_limits)
        attach = attaching_uploads(ctx, principal, uploads)

        def finish(uow: UnitOfWork, stored: Event) -> None:
            if attach is not None:
                attach(uow, stored)
            if on_created is not None:
                on_created(uow, stored)

        return store_new_event(ctx, uow, event, calendar, before_commit=finish)


def list_calendar_events(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    starts_from: datetime,
    starts_until: datetime,
    category_key: str | None,
    page: PageRequest,
) -> Page[EventView]:
    """Events of one calendar starting in ``[starts_from, starts_until]`` (the seed's rule, spec §5.3.2).

    Unknown calendar → NotFoundError. Viewers of the calendar (and everyone, when
    it is public) get all its events; anyone else gets only the events they take
    part in — an empty page, never an error.
    """
    with ctx.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or calendar.id is None:
            raise NotFoundError(kind="calendar", id=calendar_key)
        sees_all = calendar.is_public or can_view_calendar(principal, calendar)
        found = uow.events.list_in_calendar(
            calendar.id,
            starts_from=starts_from,
            starts_until=starts_until,
            category_key=category_key,
            participant_id=None if sees_all else principal.user_id,
            page=page,
        )
        return Page(items=views_of(uow, found.items, {calendar.id: calendar}), total=found.total)


def attaching_uploads(
    ctx: ServiceContext, principal: Principal, uploads: Sequence[UploadReference] | None
) -> Callable[[UnitOfWork, Event], object] | None:
    """The step that makes an event's attachments what eXo's ``uploadResources`` lists (None: leave them)."""
    if uploads is None:
        return None

    def attach(uow: UnitOfWork, stored: Event) -> object:
        assert stored.id is not None
        return apply_upload_references(ctx, uow, principal, AttachmentOwner(event_id=stored.id), uploads)

    return attach


def check_start_before_end(event: Event) -> None:
    """eXo's rule (spec §6): ``from`` strictly before ``to``; InvalidInputError otherwise."""
    if not event.starts_at < event.ends_at:
        raise InvalidInputError([Problem("to", START_BEFORE_END_CODE, START_BEFORE_END)])
