"""Recording event writes in the calendars' change log, inside the writer's unit of work.

Every face's event writes end in ``services.events`` (store_new_event,
store_changed_event, store_deleted_event) or in the calendar-object use cases;
each calls ``record_event_change`` before committing (task writes, from
``services.tasks`` and ``services.task_objects``, ``record_task_change``), so a change and its log
entry commit together or not at all, and CalDAV clients see writes made through
the Back Office or eXo in their next sync.
"""

from __future__ import annotations

from almanac.domain.changes import ChangeKind, default_object_name, object_name
from almanac.domain.events import Event
from almanac.domain.ports import UnitOfWork
from almanac.domain.tasks import Task
from almanac.services.context import ServiceContext


def object_name_of(uow: UnitOfWork, event: Event) -> str:
    """The resource name of the calendar object holding ``event`` (an override lives in its master's)."""
    if event.series_id is not None:
        master = uow.events.get(event.series_id)
        if master is not None:
            return object_name(master)
    return object_name(event)


def record_event_change(
    ctx: ServiceContext, uow: UnitOfWork, event: Event, *, calendar_id: int, kind: ChangeKind
) -> None:
    """Log a write of ``event`` in calendar ``calendar_id``.

    An override's creation or deletion changes its master's object, so it is
    logged as a modification of that object; so is anything but the master's own
    creation or deletion.
    """
    if event.is_override and kind is not ChangeKind.MODIFIED:
        kind = ChangeKind.MODIFIED
    uow.changes.record(calendar_id, object_name_of(uow, event), kind, ctx.clock.now())


def record_event_move(ctx: ServiceContext, uow: UnitOfWork, before: Event, after: Event) -> None:
    """Log a change that may have moved the event to another calendar (eXo's update with a target calendar)."""
    if before.calendar_id == after.calendar_id:
        record_event_change(ctx, uow, after, calendar_id=after.calendar_id, kind=ChangeKind.MODIFIED)
        return
    record_event_change(ctx, uow, before, calendar_id=before.calendar_id, kind=ChangeKind.DELETED)
    record_event_change(ctx, uow, after, calendar_id=after.calendar_id, kind=ChangeKind.CREATED)


def task_object_name(task: Task) -> str:
    """The resource name of a task's calendar object: the client's choice, or ``<uid>.ics``."""
    return task.dav_name or default_object_name(task.uid)


def record_task_change(ctx: ServiceContext, uow: UnitOfWork, task: Task, *, kind: ChangeKind) -> None:
    """Log a write of ``task`` (a VTODO calendar object of its calendar)."""
    uow.changes.record(task.calendar_id, task_object_name(task), kind, ctx.clock.now())
