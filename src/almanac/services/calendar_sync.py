"""What changed in a calendar since a revision (RFC 6578 sync-collection), and what a window holds per object.

Both read one calendar the caller may read (``calendar_objects.readable_calendar``, the rule of every CalDAV
read: its viewers, and everyone when it is public; NotFoundError otherwise, revealing
nothing) inside one unit of work. Changes come from the change log
(``domain.changes``), so an incremental sync reads only what changed; windows
come from ``services.occurrences``, the indexed query every face shares.

A client may ask for at most N results (RFC 6578 §3.7 DAV:limit); N is clamped to ``ctx.sync.max_results``
and a truncated answer says where the next page starts: after the last change given (an incremental sync),
or after the last resource name given (an initial sync, listed by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from almanac.domain.changes import Change, InvalidSyncLimitError, check_sync_revision
from almanac.domain.series import EventOccurrence
from almanac.domain.users import Principal
from almanac.services.calendar_objects import StoredCalendarObject, list_objects, readable_calendar
from almanac.services.changelog import object_name_of
from almanac.services.context import ServiceContext
from almanac.services.occurrences import occurrences_reaching


@dataclass(frozen=True)
class SyncDelta:
    """The latest change of every name changed after the client's revision (by revision), and the revision a
    new token names: the calendar's current one, or, when ``truncated``, that of the last change given (the
    next page starts after it)."""

    revision: int
    changes: list[Change]
    truncated: bool = False


@dataclass(frozen=True)
class ObjectsPage:
    """Calendar objects by resource name; ``truncated`` when more names follow the last one."""

    objects: list[StoredCalendarObject]
    truncated: bool = False


def page_size(ctx: ServiceContext, limit: int | None) -> int | None:
    """The most results one answer holds: the client's ``limit`` clamped to ``ctx.sync.max_results`` (None: no
    limit asked, so none applied). InvalidSyncLimitError when ``limit`` is below 1."""
    if limit is None:
        return None
    if limit < 1:
        raise InvalidSyncLimitError()
    return min(limit, ctx.sync.max_results)


def changes_since(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, revision: int, limit: int | None = None
) -> SyncDelta:
    """The changes after ``revision``, at most ``limit`` (see ``page_size``) of them.

    UnknownSyncRevisionError when the calendar never had that revision, ExpiredSyncRevisionError when it is
    below the calendar's sync horizon (tombstones after it were pruned); InvalidSyncLimitError for a bad limit.
    """
    size = page_size(ctx, limit)
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        current = uow.changes.revision_of(calendar.id)
        check_sync_revision(revision, horizon=uow.changes.horizon_of(calendar.id), current=current)
        if size is None:
            return SyncDelta(revision=current, changes=uow.changes.since(calendar.id, revision))
        # One more than asked tells whether anything is left after the page.
        changes = uow.changes.since(calendar.id, revision, limit=size + 1)
        if len(changes) <= size:
            return SyncDelta(revision=current, changes=changes)
        # Revisions become visible in the order they were handed out (the calendar row's lock, storage.changes),
        # so nothing committed later can land at or below the last revision given: the next page misses nothing.
        return SyncDelta(revision=changes[size - 1].revision, changes=changes[:size], truncated=True)


def check_revision(ctx: ServiceContext, *, principal: Principal, calendar_key: str, revision: int) -> None:
    """Raise what ``changes_since`` raises for ``revision`` (an initial sync resumed at a later page)."""
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        current = uow.changes.revision_of(calendar.id)
        check_sync_revision(revision, horizon=uow.changes.horizon_of(calendar.id), current=current)


def current_revision(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> int:
    """The calendar's current revision (what an initial sync's token names)."""
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        return uow.changes.revision_of(calendar.id)


def objects_after(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, after: str | None, limit: int | None = None
) -> ObjectsPage:
    """The calendar's objects whose resource name sorts after ``after`` (None: all), by name; at most ``limit``
    (see ``page_size``). Each page reads the whole listing (the serialization cache spares the bytes), so only
    clients that ask for a limit pay for paging an initial sync."""
    size = page_size(ctx, limit)
    objects = sorted(list_objects(ctx, principal=principal, calendar_key=calendar_key), key=lambda o: o.name)
    if after is not None:
        objects = [o for o in objects if o.name > after]
    if size is None or len(objects) <= size:
        return ObjectsPage(objects=objects)
    return ObjectsPage(objects=objects[:size], truncated=True)


def occurrences_by_object(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, window_start: datetime, window_end: datetime
) -> dict[str, list[EventOccurrence]]:
    """The occurrences of the calendar overlapping ``[window_start, window_end)``, by calendar object name.

    Raises what ``occurrences_reaching`` raises for a bad or too broad window.
    """
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        found: dict[str, list[EventOccurrence]] = {}
        names: dict[int, str] = {}
        for occurrence in occurrences_reaching(ctx, uow, window_start, window_end, calendar_ids=[calendar.id]):
            event = occurrence.event
            key = event.series_id if event.series_id is not None else event.id
            assert key is not None
            if key not in names:
                names[key] = object_name_of(uow, event)
            found.setdefault(names[key], []).append(occurrence)
        return found
