"""What changed in a calendar since a revision (RFC 6578 sync-collection), and what a window holds per object.

Both read one calendar the caller may read (``calendar_objects.readable_calendar``, the rule of every CalDAV
read: its viewers, and everyone when it is public; NotFoundError otherwise, revealing
nothing) inside one unit of work. Changes come from the change log
(``domain.changes``), so an incremental sync reads only what changed; windows
come from ``services.occurrences``, the indexed query every face shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from almanac.domain.changes import Change, UnknownSyncRevisionError
from almanac.domain.series import EventOccurrence
from almanac.domain.users import Principal
from almanac.services.calendar_objects import readable_calendar
from almanac.services.changelog import object_name_of
from almanac.services.context import ServiceContext
from almanac.services.occurrences import occurrences_reaching


@dataclass(frozen=True)
class SyncDelta:
    """The calendar's current ``revision`` and the latest change of every name changed after the client's."""

    revision: int
    changes: list[Change]


def changes_since(ctx: ServiceContext, *, principal: Principal, calendar_key: str, revision: int) -> SyncDelta:
    """The changes after ``revision``; UnknownSyncRevisionError when the calendar never had that revision."""
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        current = uow.changes.revision_of(calendar.id)
        if revision < 0 or revision > current:
            raise UnknownSyncRevisionError()
        return SyncDelta(revision=current, changes=uow.changes.since(calendar.id, revision))


def current_revision(ctx: ServiceContext, *, principal: Principal, calendar_key: str) -> int:
    """The calendar's current revision (what an initial sync's token names)."""
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        return uow.changes.revision_of(calendar.id)


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
