"""Reading many calendar objects at once, for CalDAV reports: those a time window reaches, and those named.

Each is one unit of work with a fixed number of queries whatever the count of
objects: the indexed window query every face shares (``services.occurrences``)
or one lookup by names, then one query for the objects' events (masters and
all their overrides) and one for the people they name. A report that read the
objects one by one, or listed the whole calendar and filtered it, would cost
in proportion to the calendar, not to the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from almanac.domain.events import Event
from almanac.domain.ports import UnitOfWork
from almanac.domain.series import EventOccurrence
from almanac.domain.users import Principal
from almanac.services.calendar_objects import (
    CalendarObject,
    StoredCalendarObject,
    calendar_object,
    codec_of,
    group_objects,
    readable_calendar,
    users_of,
)
from almanac.services.context import ServiceContext
from almanac.services.journal_objects import JournalObject, journal_object
from almanac.services.occurrences import occurrences_reaching
from almanac.services.task_objects import task_object, task_users


@dataclass(frozen=True)
class ObjectsInWindow:
    """The calendar objects with an occurrence in the window, by name, and those occurrences."""

    objects: dict[str, CalendarObject]
    occurrences: dict[str, list[EventOccurrence]]


def objects_in_window(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, window_start: datetime, window_end: datetime
) -> ObjectsInWindow:
    """The objects of the calendar with an occurrence overlapping ``[window_start, window_end)``.

    NotFoundError unless the principal may read the calendar; raises what
    ``occurrences_reaching`` raises for a bad or too broad window.
    """
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        reached = occurrences_reaching(ctx, uow, window_start, window_end, calendar_ids=[calendar.id])
        master_ids = sorted({_master_id(o.event) for o in reached})
        read = [o.event for o in reached]
        objects = _objects(ctx, uow, uow.events.list_objects_of(calendar.id, master_ids=master_ids, known=read))
        by_master = {o.master.id: o for o in objects.values()}
        occurrences: dict[str, list[EventOccurrence]] = {}
        for occurrence in reached:
            found = by_master.get(_master_id(occurrence.event))
            if found is not None:
                occurrences.setdefault(found.name, []).append(occurrence)
        return ObjectsInWindow(objects=objects, occurrences=occurrences)


def objects_named(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, names: Sequence[str]
) -> dict[str, StoredCalendarObject]:
    """The objects (events', tasks' or journals') of the calendar with these resource names; unknown names are
    absent.

    NotFoundError unless the principal may read the calendar.
    """
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        if not names:
            return {}
        found: dict[str, StoredCalendarObject] = {}
        found.update(_objects(ctx, uow, uow.events.list_objects_of(calendar.id, names=sorted(set(names)))))
        # Names no event has may be tasks' (fewer, and read one by one).
        tasks = [uow.tasks.get_by_dav_name(calendar.id, name) for name in sorted(set(names) - set(found))]
        known = [t for t in tasks if t is not None]
        users = task_users(uow, known)
        now = ctx.clock.now()
        for task in known:
            item = task_object(codec_of(ctx), task, users, now=now)
            found[item.name] = item
        left = sorted(set(names) - set(found))
        if left:
            for journal in uow.journals.list_of_calendar(calendar.id, names=left):
                found[journal.name] = journal_object(journal, now=now)
        return found


def journals_reaching(
    ctx: ServiceContext, *, principal: Principal, calendar_key: str, window_start: datetime, window_end: datetime
) -> list[JournalObject]:
    """The journals of the calendar that may have an instance in ``[window_start, window_end)``: dated within
    two days of it, or recurring (the caller checks each against RFC 4791 §9.9). NotFoundError unless readable."""
    with ctx.uow(read_only=True) as uow:
        calendar = readable_calendar(uow, principal, calendar_key)
        assert calendar.id is not None
        now = ctx.clock.now()
        reached = uow.journals.list_of_calendar(calendar.id, reaching=(window_start, window_end))
        return [journal_object(journal, now=now) for journal in reached]


def _master_id(event: Event) -> int:
    master_id = event.series_id if event.series_id is not None else event.id
    assert master_id is not None
    return master_id


def _objects(ctx: ServiceContext, uow: UnitOfWork, events: Sequence[Event]) -> dict[str, CalendarObject]:
    users = users_of(uow, events)
    found = (calendar_object(ctx, master, overrides, users) for master, overrides in group_objects(events))
    return {o.name: o for o in found}
