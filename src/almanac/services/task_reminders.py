"""Keeping a task's reminder deliveries in step with the task, from every face that writes tasks.

Called inside the writer's unit of work (the eXo task use cases, CalDAV PUT and
DELETE of a VTODO, iCalendar import), so a task and its deliveries change
together or not at all, and by the worker to roll a recurring task's horizon
forward. The rules of when and to whom are ``domain.task_reminders``; the rows
are kept by the same rule as an event's (``services.reminder_rows``). Each
function returns the earliest due time it made pending, for the caller to
announce after committing.
"""

from __future__ import annotations

from datetime import datetime

from almanac.domain.deliveries import ReminderPlan
from almanac.domain.ports import UnitOfWork
from almanac.domain.task_reminders import (
    plan_task_reminders,
    reminds,
    task_instances,
    task_planning_window,
)
from almanac.domain.tasks import Task
from almanac.services.context import ServiceContext
from almanac.services.reminder_rows import sync_reminder_deliveries


def task_changed(ctx: ServiceContext, uow: UnitOfWork, task: Task) -> datetime | None:
    """Replan the reminders of a stored (created or changed) task: moved times, changed reminders or delegates,
    a completed or canceled task (every open delivery cancelled), a reopened one (planned again)."""
    assert task.id is not None
    return plan_task_reminders_of(ctx, uow, task, task_id=task.id, now=ctx.clock.now())


def task_deleted(ctx: ServiceContext, uow: UnitOfWork, task_id: int) -> None:
    """Cancel the open reminder deliveries of a task being deleted (call it before deleting the row)."""
    plan_task_reminders_of(ctx, uow, None, task_id=task_id, now=ctx.clock.now())


def plan_task_reminders_of(
    ctx: ServiceContext, uow: UnitOfWork, task: Task | None, *, task_id: int, now: datetime
) -> datetime | None:
    """Make the stored reminder deliveries of one task (None: deleted) match its plan at ``now``."""
    plan = task_reminder_plan(ctx, task, now=now) if task is not None else ReminderPlan()
    earliest = sync_reminder_deliveries(uow, uow.deliveries.reminders_of_task(task_id), plan, now=now)
    if task is not None and plan.horizon_end is not None:
        uow.deliveries.set_task_horizon(task_id, plan.horizon_end)
    return earliest


def task_reminder_plan(ctx: ServiceContext, task: Task, *, now: datetime) -> ReminderPlan:
    """The deliveries ``task`` should have at ``now``: a recurring task's instances are expanded over the
    planning window only (capped at the recurrence window the server allows), so it never plans more than
    the horizon ahead."""
    window = task_planning_window(task, now=now, horizon=ctx.deliveries.horizon)
    if not task.reminders or not reminds(task):
        return ReminderPlan(horizon_end=window.horizon_end)
    limits = ctx.event_limits.recurrence
    # A reminder set years before its instance must not widen the expansion past what the server allows.
    window_end = min(window.end, window.start + limits.max_window)
    instances = task_instances(task, window.start, window_end, limits=limits)
    return plan_task_reminders(task, instances=instances, window=window, now=now)


def extend_task_reminder_horizons(
    ctx: ServiceContext, uow: UnitOfWork, *, now: datetime, limit: int
) -> datetime | None:
    """Replan the tasks whose horizon is half used up (a recurring task's next instances), and tasks stored
    before their reminders were delivered (never planned). In the caller's unit of work."""
    found: list[datetime] = []
    for task_id in uow.deliveries.tasks_to_plan(before=now + ctx.deliveries.horizon / 2, limit=limit):
        task = uow.tasks.get(task_id)
        if task is None:
            continue
        due = plan_task_reminders_of(ctx, uow, task, task_id=task_id, now=now)
        if due is not None:
            found.append(due)
    return min(found) if found else None
