"""Series use cases every face shares: change one occurrence, this and following ones, or the whole series;
cancel an occurrence; delete a series with its overrides.

The model (``domain.events``): a *master* carries the recurrence; an
*override* is a stored event replacing one occurrence (same UID, its master's
id in ``series_id``, the slot's original start in ``recurrence_id``, RFC 5545
§3.8.4.4); a cancelled occurrence is an EXDATE of the master.

Every use case here is one unit of work: all its writes commit together or
none does (a refused split leaves the old series untouched). Events are
addressed by integer id or key, occurrences by their key (``YYYYMMDDTHHMMSSZ``,
the series' local ``YYYYMMDDTHHMMSS``, or ``YYYYMMDD`` for all-day series);
a key naming no occurrence is an InvalidInputError, never a silent no-op.
Checks, in order: unknown or unreadable event (NotFoundError); edit rights
on its calendar and on a target calendar (PermissionDeniedError); If-Match
(PreconditionFailedError); the face's ``rejected`` input error; the
occurrence key; the resulting events (``check``, then ``check_event``).

A face whose repeat shape needs the event's final start and zone (eXo's
``repeat``) passes ``recurrence_of``, built into the recurrence once those are
known; EXDATEs naming overridden occurrences are dropped (the overrides stay).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from almanac.domain.calendars import Calendar
from almanac.domain.errors import N_, InvalidInputError, NotFoundError, PermissionDeniedError
from almanac.domain.events import Event, check_event, new_event_key, schedule_of
from almanac.domain.permissions import can_edit_calendar, can_edit_event
from almanac.domain.ports import UnitOfWork
from almanac.domain.preconditions import IfMatch, entity_tag
from almanac.domain.recurrence import (
    Occurrence,
    Recurrence,
    RecurrenceError,
    RecurrenceId,
    format_occurrence_key,
    parse_occurrence_key,
)
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc, utc_to_wall_clock
from almanac.domain.series_edits import WallClockShift, occurrence_slot, shift_recurrence, split_recurrence
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext
from almanac.services.events import (
    BeforeCommit,
    Due,
    EventChanges,
    EventView,
    Unset,
    apply_changes,
    editable_copy,
    readable_event,
    stage_changed_event,
    stage_deleted_event,
    stage_new_event,
    view_of,
)
from almanac.services.scheduling import announce

#: Builds an event's recurrence from a face's repeat shape once the event's start and zone are final;
#: None makes it a single event. Raises InvalidInputError.
RecurrenceOf = Callable[[Event], Recurrence | None]

#: A face's own rule on a resulting event (e.g. eXo: start strictly before end); raises InvalidInputError.
EventCheck = Callable[[Event], None]

OCCURRENCE_FIELD: Final = "recurrence_id"
NEEDS_OCCURRENCE: Final = N_("Name the occurrence to change by its recurrence id, such as 20240311T090000Z.")
NOT_A_SERIES: Final = N_("The event does not repeat, so it has no occurrence %(key)s.")
NOT_AN_OCCURRENCE: Final = N_("%(key)s is not an occurrence of this series.")


def detach_occurrence(
    ctx: ServiceContext,
    *,
    principal: Principal,
    occurrence_key: str | None,
    changes: EventChanges,
    event_id: int | None = None,
    event_key: str | None = None,
    target_calendar_key: str | None = None,
    if_match: IfMatch | None = None,
    rejected: InvalidInputError | None = None,
    check: EventCheck | None = None,
) -> EventView:
    """Change one occurrence only ("this event"): store it as an override with the changes applied.

    The event is the master (or one of its overrides, whose own occurrence is
    meant when ``occurrence_key`` is None). An already overridden occurrence is
    changed in place. With a ``target_calendar_key`` naming another calendar the
    occurrence leaves the series: it is cancelled there and stored as a single
    event (new UID) in the target. Returns the stored override (or single event).
    """
    with ctx.uow() as uow:
        edit = _SeriesEdit.begin(ctx, uow, principal, event_id, event_key, if_match, target_calendar_key, rejected)
        rid = edit.recurrence_id(occurrence_key)
        override = edit.overrides.get(rid)
        base = override if override is not None else edit.occurrence_copy(edit.slot(rid))
        if edit.target.id != edit.master_calendar.id:
            single = _fresh_copy(ctx, base, calendar=edit.target)
            single.uid, single.series_id, single.recurrence_id = str(uuid.uuid4()), None, None
            apply_changes(uow, single, changes)
            master = edit.master_with_exdate(rid)
            _check(ctx, single, check)
            _check(ctx, master, None)
            dues = [edit.stage_master(master)]
            if override is not None:
                dues.append(stage_deleted_event(ctx, uow, override, edit.master_calendar))
            stored, due = stage_new_event(ctx, uow, single, edit.target)
            return _committed(ctx, uow, [*dues, due], view_of(uow, stored, edit.target))
        updated = editable_copy(base)
        apply_changes(uow, updated, changes)
        _check(ctx, updated, check)
        if override is not None:
            stored, due = stage_changed_event(ctx, uow, override, updated, edit.master_calendar)
            return _committed(ctx, uow, [due], view_of(uow, stored, edit.master_calendar))
        # A new override changes the series too (its list of replaced occurrences): a new revision of
        # the master, so caches and entity tags of the master see it, and its reminders are replanned.
        master_due = edit.stage_master(editable_copy(edit.master))
        stored, due = stage_new_event(ctx, uow, updated, edit.master_calendar)
        return _committed(ctx, uow, [master_due, due], view_of(uow, stored, edit.master_calendar))


def split_series(
    ctx: ServiceContext,
    *,
    principal: Principal,
    occurrence_key: str | None,
    changes: EventChanges,
    event_id: int | None = None,
    event_key: str | None = None,
    target_calendar_key: str | None = None,
    recurrence_of: RecurrenceOf | None = None,
    if_match: IfMatch | None = None,
    rejected: InvalidInputError | None = None,
    check: EventCheck | None = None,
) -> EventView:
    """Change an occurrence and every later one ("this and following", RFC 5545 RANGE=THISANDFUTURE).

    The master ends just before the occurrence (UNTIL, or a COUNT shared out,
    see ``domain.series_edits.split_recurrence``); a new master (new key, new
    UID, in the target calendar) starts at that occurrence with the changes
    applied and repeats as the old one did from there, moved with it (or as
    ``recurrence_of``/``changes.recurrence`` say). Overrides from that occurrence
    on are deleted. Splitting at the first occurrence changes the whole series
    (``update_series``). Returns the new master.
    """
    with ctx.uow() as uow:
        edit = _SeriesEdit.begin(ctx, uow, principal, event_id, event_key, if_match, target_calendar_key, rejected)
        rid = edit.recurrence_id(occurrence_key)
        slot = edit.slot(rid)
        override = edit.overrides.get(rid)
        shown = override if override is not None else edit.occurrence_copy(slot)
        if rid == schedule_of(edit.master).start:
            return edit.change_whole_series(shown, changes, recurrence_of, check)
        halves = split_recurrence(edit.master, rid, ctx.event_limits.recurrence)
        new = _fresh_copy(ctx, edit.master, calendar=edit.target)
        new.uid = str(uuid.uuid4())
        new.starts_at, new.ends_at, new.recurrence = shown.starts_at, shown.ends_at, None
        apply_changes(uow, new, changes)
        if isinstance(changes.recurrence, Unset):
            shift = WallClockShift.between(edit.master.tzid, slot.starts_at, new.starts_at)
            new.recurrence = shift_recurrence(halves.after, shift) if halves.after is not None else None
            if recurrence_of is not None:
                new.recurrence = recurrence_of(new)
        old = editable_copy(edit.master)
        old.recurrence = halves.before
        _check(ctx, new, check)
        _check(ctx, old, None)
        dues = [edit.stage_master(old)]
        later = [o for r, o in edit.overrides.items() if old.recurrence is None or not r < rid]
        dues.extend(stage_deleted_event(ctx, uow, o, edit.master_calendar) for o in later)
        stored, due = stage_new_event(ctx, uow, new, edit.target)
        return _committed(ctx, uow, [*dues, due], view_of(uow, stored, edit.target))


def update_series(
    ctx: ServiceContext,
    *,
    principal: Principal,
    occurrence_key: str | None,
    changes: EventChanges,
    event_id: int | None = None,
    event_key: str | None = None,
    target_calendar_key: str | None = None,
    recurrence_of: RecurrenceOf | None = None,
    if_match: IfMatch | None = None,
    rejected: InvalidInputError | None = None,
    check: EventCheck | None = None,
) -> EventView:
    """Change the whole series from one of its occurrences ("all events").

    The changes are read as made to that occurrence: the series moves by the
    wall-clock shift of its start and takes its new duration; EXDATEs, UNTIL,
    weekdays and the overrides' recurrence ids move alike (overrides keep their
    own times and fields). Overrides of occurrences the changed series no
    longer has are deleted, all of them when it no longer repeats. With a
    target calendar, the series (overrides too) moves there. Returns the master.
    """
    with ctx.uow() as uow:
        edit = _SeriesEdit.begin(ctx, uow, principal, event_id, event_key, if_match, target_calendar_key, rejected)
        rid = edit.recurrence_id(occurrence_key)
        override = edit.overrides.get(rid)
        shown = override if override is not None else edit.occurrence_copy(edit.slot(rid))
        return edit.change_whole_series(shown, changes, recurrence_of, check)


def update_event_in_series(
    ctx: ServiceContext,
    *,
    principal: Principal,
    changes: EventChanges,
    event_id: int | None = None,
    event_key: str | None = None,
    target_calendar_key: str | None = None,
    recurrence_of: RecurrenceOf | None = None,
    if_match: IfMatch | None = None,
    rejected: InvalidInputError | None = None,
    check: EventCheck | None = None,
    before_commit: BeforeCommit | None = None,
) -> EventView:
    """Change a stored event as it is addressed: a single event, a whole series from its master's own times
    (as ``update_series`` from the first occurrence), or one override in place (which cannot be moved to
    another calendar: PermissionDeniedError). ``before_commit`` runs on the stored event inside the same
    unit of work (e.g. the eXo face's ``uploadResources``); what it raises refuses the whole change."""
    with ctx.uow() as uow:
        edit = _SeriesEdit.begin(ctx, uow, principal, event_id, event_key, if_match, target_calendar_key, rejected)
        if edit.event.is_override:
            if edit.target.id != edit.master_calendar.id:
                raise PermissionDeniedError()
            updated = editable_copy(edit.event)
            apply_changes(uow, updated, changes)
            _check(ctx, updated, check)
            stored, due = stage_changed_event(ctx, uow, edit.event, updated, edit.master_calendar)
            if before_commit is not None:
                before_commit(uow, stored)
            return _committed(ctx, uow, [due], view_of(uow, stored, edit.master_calendar))
        return edit.change_whole_series(edit.master, changes, recurrence_of, check, before_commit)


def cancel_occurrence(
    ctx: ServiceContext,
    *,
    principal: Principal,
    occurrence_key: str | None,
    event_id: int | None = None,
    event_key: str | None = None,
    if_match: IfMatch | None = None,
) -> None:
    """Cancel one occurrence: an EXDATE on the master, and its override (if any) deleted."""
    with ctx.uow() as uow:
        edit = _SeriesEdit.begin(ctx, uow, principal, event_id, event_key, if_match, None, None)
        rid = edit.recurrence_id(occurrence_key)
        override = edit.overrides.get(rid)
        if override is None:
            edit.slot(rid)
        _commit(ctx, uow, edit.cancel(rid, override))


def delete_event_in_series(
    ctx: ServiceContext,
    *,
    principal: Principal,
    event_id: int | None = None,
    event_key: str | None = None,
    if_match: IfMatch | None = None,
) -> None:
    """Delete a stored event as it is addressed: a single event; a master with all its overrides (their
    deliveries cancelled too); an override, which cancels its occurrence (EXDATE on the master)."""
    with ctx.uow() as uow:
        edit = _SeriesEdit.begin(ctx, uow, principal, event_id, event_key, if_match, None, None)
        if edit.event.is_override:
            assert edit.event.recurrence_id is not None
            _commit(ctx, uow, edit.cancel(edit.event.recurrence_id, edit.event))
            return
        dues = [stage_deleted_event(ctx, uow, o, edit.master_calendar) for o in edit.overrides.values()]
        dues.append(stage_deleted_event(ctx, uow, edit.master, edit.master_calendar))
        _commit(ctx, uow, dues)


def built_recurrence(
    event: Event, recurrence_of: RecurrenceOf, overridden: Collection[RecurrenceId] = ()
) -> Recurrence | None:
    """``recurrence_of(event)``, without EXDATEs naming the ``overridden`` occurrences (the overrides stay)."""
    recurrence = recurrence_of(event)
    if recurrence is None or not overridden:
        return recurrence
    return replace(recurrence, exdates=tuple(v for v in recurrence.exdates if v not in overridden))


# --- the steps the use cases share ----------------------------------------------------------------------


class _SeriesEdit:
    """One series edit inside its unit of work: the addressed event, its master, the target calendar."""

    def __init__(
        self,
        ctx: ServiceContext,
        uow: UnitOfWork,
        event: Event,
        master: Event,
        master_calendar: Calendar,
        target: Calendar,
    ) -> None:
        self.ctx, self.uow = ctx, uow
        self.event, self.master, self.master_calendar, self.target = event, master, master_calendar, target
        assert master.id is not None
        self.overrides: dict[RecurrenceId, Event] = {
            o.recurrence_id: o for o in uow.events.list_overrides(master.id) if o.recurrence_id is not None
        }

    @classmethod
    def begin(
        cls,
        ctx: ServiceContext,
        uow: UnitOfWork,
        principal: Principal,
        event_id: int | None,
        event_key: str | None,
        if_match: IfMatch | None,
        target_calendar_key: str | None,
        rejected: InvalidInputError | None,
    ) -> _SeriesEdit:
        peek, _calendar = readable_event(uow, principal, event_id=event_id, event_key=event_key)
        # Every series edit locks the master first, so two edits of one series (through the master or
        # through an override) queue up instead of deadlocking.
        found = uow.events.get(peek.series_id, for_update=True) if peek.series_id is not None else None
        event, calendar = readable_event(uow, principal, event_id=peek.id, for_update=True)
        master, master_calendar = event, calendar
        if event.series_id is not None:
            found_calendar = uow.calendars.get(found.calendar_id) if found is not None else None
            if found is None or found_calendar is None:
                raise NotFoundError(kind="event", id=event_key if event_key is not None else event_id)
            master, master_calendar = found, found_calendar
        target = master_calendar
        if target_calendar_key is not None and target_calendar_key != master_calendar.key:
            moved_to = uow.calendars.get_by_key(target_calendar_key)
            if moved_to is None or not can_edit_calendar(principal, moved_to):
                raise PermissionDeniedError()
            target = moved_to
        if not (can_edit_event(principal, calendar, event) and can_edit_event(principal, master_calendar, master)):
            raise PermissionDeniedError()
        if if_match is not None:
            if_match.require(entity_tag(event))
        if rejected is not None:
            raise rejected
        return cls(ctx, uow, event, master, master_calendar, target)

    def recurrence_id(self, key: str | None) -> RecurrenceId:
        """The occurrence ``key`` names; without one, that of the addressed override."""
        if key is None:
            if self.event.recurrence_id is not None:
                return self.event.recurrence_id
            raise RecurrenceError.about(OCCURRENCE_FIELD, NEEDS_OCCURRENCE)
        if not self.master.is_series:
            raise RecurrenceError.about(OCCURRENCE_FIELD, NOT_A_SERIES, key=key)
        return parse_occurrence_key(key, tzid=self.master.tzid, all_day=self.master.all_day, field=OCCURRENCE_FIELD)

    def slot(self, rid: RecurrenceId) -> Occurrence:
        """The occurrence ``rid`` of the master at its own slot; InvalidInputError when there is none."""
        found = occurrence_slot(self.master, rid, self.ctx.event_limits.recurrence)
        if found is None:
            raise RecurrenceError.about(OCCURRENCE_FIELD, NOT_AN_OCCURRENCE, key=format_occurrence_key(rid))
        return found

    def occurrence_copy(self, slot: Occurrence) -> Event:
        """A new override of the master for ``slot``: the master's fields at the slot's times, same UID."""
        copy = _fresh_copy(self.ctx, self.master, calendar=self.master_calendar)
        copy.recurrence, copy.series_id, copy.recurrence_id = None, self.master.id, slot.recurrence_id
        copy.starts_at, copy.ends_at = slot.starts_at, slot.ends_at
        return copy

    def master_with_exdate(self, rid: RecurrenceId) -> Event:
        updated = editable_copy(self.master)
        recurrence = self.master.recurrence or Recurrence()
        updated.recurrence = replace(recurrence, exdates=(*recurrence.exdates, rid))
        return updated

    def stage_master(self, updated: Event) -> Due:
        _stored, due = stage_changed_event(self.ctx, self.uow, self.master, updated, self.master_calendar)
        return due

    def cancel(self, rid: RecurrenceId, override: Event | None) -> list[Due]:
        master = self.master_with_exdate(rid)
        _check(self.ctx, master, None)
        dues = [self.stage_master(master)]
        if override is not None:
            dues.append(stage_deleted_event(self.ctx, self.uow, override, self.master_calendar))
        return dues

    def change_whole_series(
        self,
        shown: Event,
        changes: EventChanges,
        recurrence_of: RecurrenceOf | None,
        check: EventCheck | None,
        before_commit: BeforeCommit | None = None,
    ) -> EventView:
        """Apply ``changes`` made to the occurrence ``shown`` (its current times) to the whole series."""
        master = self.master
        edited = editable_copy(master)
        edited.starts_at, edited.ends_at = shown.starts_at, shown.ends_at
        apply_changes(self.uow, edited, changes)
        if check is not None:
            check(edited)
        shift = WallClockShift.between(master.tzid, shown.starts_at, edited.starts_at)
        updated = editable_copy(edited)
        # Edited from its own first occurrence the master takes the new start exactly; the wall clock
        # would read an ambiguous time (a repeated DST hour) as its first pass.
        exact = shown.starts_at == master.starts_at
        updated.starts_at = edited.starts_at if exact else shift.instant(master.starts_at)
        updated.ends_at = _end_like(updated, edited.starts_at, edited.ends_at)
        if isinstance(changes.recurrence, Unset):
            if master.recurrence is not None:
                updated.recurrence = shift_recurrence(master.recurrence, shift)
            if recurrence_of is not None:
                moved = {shift.value(rid) for rid in self.overrides}
                updated.recurrence = built_recurrence(updated, recurrence_of, moved)
        assert self.target.id is not None
        updated.calendar_id = self.target.id
        _check(self.ctx, updated, None)
        kept, dropped = self._overrides_after(updated, shift)
        dues = [stage_deleted_event(self.ctx, self.uow, o, self.master_calendar) for o in dropped]
        stored, due = stage_changed_event(self.ctx, self.uow, master, updated, self.target)
        dues.append(due)
        for before, after in kept:
            dues.append(stage_changed_event(self.ctx, self.uow, before, after, self.target)[1])
        if before_commit is not None:
            before_commit(self.uow, stored)
        return _committed(self.ctx, self.uow, dues, view_of(self.uow, stored, self.target))

    def _overrides_after(self, updated: Event, shift: WallClockShift) -> tuple[list[tuple[Event, Event]], list[Event]]:
        """The overrides that follow the changed series (re-keyed, moved), and those it no longer has."""
        kept: list[tuple[Event, Event]] = []
        dropped: list[Event] = []
        # Moving keys forward, the latest goes first (and backward, the earliest) so that no two
        # overrides ever share a key, which the store forbids, between two writes.
        ordered = sorted(self.overrides.items(), key=lambda item: item[1].starts_at, reverse=shift.delta > timedelta(0))
        for rid, override in ordered:
            new_rid = shift.value(rid)
            if not updated.is_series or occurrence_slot(updated, new_rid, self.ctx.event_limits.recurrence) is None:
                dropped.append(override)
                continue
            if new_rid == rid and updated.calendar_id == override.calendar_id:
                continue
            after = editable_copy(override)
            after.recurrence_id, after.calendar_id = new_rid, updated.calendar_id
            kept.append((override, after))
        return kept, dropped


def _fresh_copy(ctx: ServiceContext, event: Event, *, calendar: Calendar) -> Event:
    """A new stored event (new key, not yet stored) with ``event``'s fields, in ``calendar``."""
    assert calendar.id is not None
    copy = editable_copy(event)
    now = ctx.clock.now()
    copy.id, copy.key, copy.calendar_id = None, new_event_key(), calendar.id
    copy.created_at, copy.updated_at, copy.revision = now, now, 1
    return copy


def _end_like(event: Event, like_start: datetime, like_end: datetime) -> datetime:
    """The end of ``event`` lasting as long as ``like_start``-``like_end``: exactly, or in whole local days."""
    if not event.all_day:
        return event.starts_at + (like_end - like_start)
    zone = load_zone(event.tzid)
    days = (utc_to_wall_clock(like_end, zone).date() - utc_to_wall_clock(like_start, zone).date()).days
    return local_midnight_utc(utc_to_wall_clock(event.starts_at, zone).date() + timedelta(days=days), zone)


def _check(ctx: ServiceContext, event: Event, check: EventCheck | None) -> None:
    if check is not None:
        check(event)
    check_event(event, ctx.event_limits)


def _commit(ctx: ServiceContext, uow: UnitOfWork, dues: Iterable[Due]) -> None:
    uow.commit()
    for due in dues:
        announce(ctx, due)


def _committed(ctx: ServiceContext, uow: UnitOfWork, dues: Iterable[Due], view: EventView) -> EventView:
    _commit(ctx, uow, dues)
    return view


__all__ = [
    "EventCheck",
    "RecurrenceOf",
    "built_recurrence",
    "cancel_occurrence",
    "delete_event_in_series",
    "detach_occurrence",
    "split_series",
    "update_event_in_series",
    "update_series",
]
