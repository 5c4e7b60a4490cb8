"""Task reminders: which instants a task's reminders fall due at, for which instances and recipients.

The rules (the README's "Task reminders" states them for users):

* **What a ``before`` reminder counts back from** (its *anchor*): the task's
  start (VTODO ``DTSTART``, eXo ``from``) when it has one — eXo schedules
  reminders from the item's start (spec §7), and a VALARM's relative TRIGGER is
  related to the start unless it says ``RELATED=END`` (RFC 5545 §3.8.6.3);
  otherwise its due instant (``DUE``, eXo ``to``), which is what a VALARM
  ``TRIGGER;RELATED=END`` names and what the VTODO is written back with. A
  task with neither has nothing to count back from: only its ``at``
  (absolute) reminders are delivered.
* **Who**: the users the task is delegated to, or its author when it is
  delegated to no one (the event rule: participants, else the author).
* **Not for finished tasks**: a completed or canceled task reminds no one; its
  pending reminders are cancelled, and planned again if it is reopened.
* **Recurring tasks** (an ``RRULE``/``RDATE``/``EXDATE`` kept verbatim from
  CalDAV, ``dav.todo_recurrence`` reads the same lines): each instance is
  reminded relative to its own anchor, the instances expanded by
  ``domain.recurrence`` over the planning window only; an ``at`` reminder
  reminds once, of the first instance after it (the series rule). A rule the
  engine refuses leaves the task one instance, as CalDAV then reads it.

Delivery ids are uuid5 of (task id, UID, anchor, reminder, recipient, channel):
recomputing a plan never duplicates a delivery, a moved task gets new ids for
its new time, and a task deleted then made again with the same UID is a new task.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from almanac.domain.deliveries import (
    DELIVERY_NAMESPACE,
    PLAN_LOOKBACK,
    Delivery,
    DeliveryChannel,
    PlannedDelivery,
    PlanningWindow,
    ReminderPlan,
    reminder_key,
)
from almanac.domain.errors import InvalidInputError
from almanac.domain.recurrence import Recurrence, RecurrenceLimits, SeriesSchedule, expand
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc, utc_to_wall_clock
from almanac.domain.tasks import Task, TaskStatus

#: The VTODO lines that make a task recur (RFC 5545 §3.8.5), kept verbatim in ``Task.extra_properties``.
RECURRENCE_NAMES = frozenset({"RRULE", "RDATE", "EXDATE"})
_FINISHED = frozenset({TaskStatus.COMPLETED, TaskStatus.CANCELED})


@dataclass(frozen=True)
class TaskInstance:
    """One instance of a task: its start and due instants (stand-ins included, as the task holds them), the
    ``anchor`` its ``before`` reminders count back from (None: the task has neither start nor due), and its
    occurrence key when the task recurs."""

    starts_at: datetime
    due_at: datetime
    anchor: datetime | None
    recurrence_key: str | None = None


def reminds(task: Task) -> bool:
    """False for a completed or canceled task: it reminds no one."""
    return task.status not in _FINISHED


def reminder_anchor(task: Task) -> datetime | None:
    """The start when the task has one, else the due instant, else None (see the module docstring)."""
    if task.has_start:
        return task.starts_at
    if task.has_due:
        return task.due_at
    return None


def task_reminder_recipients(task: Task) -> list[int]:
    """The delegates, in order; the author when there are none."""
    return list(dict.fromkeys(task.delegate_ids)) or [task.author_id]


def recurrence_lines(task: Task) -> list[str]:
    """The task's own RRULE/RDATE/EXDATE lines (not those of a sub-component such as a raw VALARM)."""
    found: list[str] = []
    depth = 0
    for line in (task.extra_properties or "").split("\n"):
        name = _name(line)
        if name == "BEGIN":
            depth += 1
        elif name == "END":
            depth = max(depth - 1, 0)
        elif depth == 0 and name in RECURRENCE_NAMES:
            found.append(line)
    return found


def recurs(task: Task) -> bool:
    """True when the task has a rule or dates that make more than one instance, and an instant to anchor them."""
    if reminder_anchor(task) is None:
        return False
    return any(_name(line) in ("RRULE", "RDATE") for line in recurrence_lines(task))


def instance_at(task: Task, anchor: datetime | None, recurrence_key: str | None = None) -> TaskInstance:
    """The instance of ``task`` whose anchor is ``anchor``: start and due moved by as much as the anchor moved.

    An all-day task moves by whole days of its zone, so its dates stay dates across a DST change.
    """
    own = reminder_anchor(task)
    if anchor is None or own is None or anchor == own:
        return TaskInstance(task.starts_at, task.due_at, own, recurrence_key)
    if task.all_day:
        zone = load_zone(task.tzid)
        days = timedelta(days=(_local_date(anchor, task.tzid) - _local_date(own, task.tzid)).days)
        starts_at = local_midnight_utc(_local_date(task.starts_at, task.tzid) + days, zone)
        due_at = local_midnight_utc(_local_date(task.due_at, task.tzid) + days, zone)
    else:
        shift = anchor - own
        starts_at, due_at = task.starts_at + shift, task.due_at + shift
    return TaskInstance(starts_at, due_at, anchor, recurrence_key)


def task_instances(
    task: Task, window_start: datetime, window_end: datetime, *, limits: RecurrenceLimits | None = None
) -> list[TaskInstance]:
    """The instances whose anchor lies in ``[window_start, window_end)``; a task that does not recur (or whose
    rule the engine refuses: too dense, malformed) is its one instance, wherever it lies."""
    anchor = reminder_anchor(task)
    if anchor is None or not recurs(task):
        return [instance_at(task, anchor)]
    start: datetime | date = _local_date(anchor, task.tzid) if task.all_day else anchor
    try:
        recurrence = Recurrence.from_lines(recurrence_lines(task), tzid=task.tzid, all_day=task.all_day)
        # A zero-length schedule at the anchor: expansion then finds exactly the anchors inside the window.
        schedule = SeriesSchedule(start=start, duration=timedelta(0), tzid=task.tzid, recurrence=recurrence)
        occurrences = expand(schedule, window_start, window_end, limits=limits)
    except (InvalidInputError, ValueError):
        return [instance_at(task, anchor)]
    return [instance_at(task, o.starts_at, o.key) for o in occurrences]


def task_planning_window(task: Task, *, now: datetime, horizon: timedelta) -> PlanningWindow:
    """The window ``task`` is planned over at ``now``: ``horizon`` ahead for a recurring task; a task that does
    not recur is planned whole (its anchor and its ``at`` reminders, however far ahead)."""
    horizon_end = now + horizon
    if not recurs(task):
        ahead = [i for i in (reminder_anchor(task), *(r.at for r in task.reminders)) if i is not None]
        horizon_end = max([horizon_end, *(i + timedelta(seconds=1) for i in ahead)])
    longest_before = max((r.before for r in task.reminders if r.before is not None), default=timedelta(0))
    return PlanningWindow(start=now - PLAN_LOOKBACK, end=horizon_end + longest_before, horizon_end=horizon_end)


def plan_task_reminders(
    task: Task, *, instances: Sequence[TaskInstance], window: PlanningWindow, now: datetime
) -> ReminderPlan:
    """Every (instance, reminder, recipient) delivery of ``task`` due before ``window.horizon_end``.

    Nothing for a completed or canceled task. A delivery whose anchor has passed
    is *not creatable* (kept if it exists, never created), as for an event that
    started; a reminder whose time has passed while its anchor is still ahead is
    due at once.
    """
    if task.id is None:
        raise ValueError("a task is planned once it is stored (it needs its id)")
    planned: list[PlannedDelivery] = []
    if not reminds(task):
        return ReminderPlan(planned=planned, horizon_end=window.horizon_end)
    recipients = task_reminder_recipients(task)
    recurring = any(i.recurrence_key is not None for i in instances)
    absolute_taken: set[str] = set()
    for instance in sorted(instances, key=lambda i: i.anchor or i.starts_at):
        for reminder in task.reminders:
            key = reminder_key(reminder)
            if reminder.before is not None:
                if instance.anchor is None:
                    continue  # no start and no due: nothing to count back from
                due, about = instance.anchor - reminder.before, instance.anchor
            else:
                assert reminder.at is not None
                due, about = reminder.at, instance.anchor or reminder.at
                if recurring:
                    # Once per task: for the first instance after the instant (the series rule).
                    if reminder.at < window.start or about <= reminder.at or key in absolute_taken:
                        continue
                    absolute_taken.add(key)
            if due >= window.horizon_end:
                continue
            channel = DeliveryChannel(reminder.channel.value)
            for recipient in recipients:
                delivery = Delivery(
                    id=task_reminder_delivery_id(task.id, task.uid, about, key, recipient, channel),
                    channel=channel,
                    due_at=due,
                    task_id=task.id,
                    occurrence_start=about,
                    recurrence_key=instance.recurrence_key,
                    reminder_key=key,
                    recipient_id=recipient,
                )
                planned.append(PlannedDelivery(delivery, creatable=about > now))
    return ReminderPlan(planned=planned, horizon_end=window.horizon_end)


def task_reminder_delivery_id(
    task_id: int, task_uid: str, anchor: datetime, key: str, recipient_id: int, channel: DeliveryChannel
) -> str:
    """uuid5 of (task id, task UID, anchor, reminder, recipient, channel), apart from every event's ids."""
    parts = ["task", str(task_id), task_uid, anchor.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"), key]
    parts += [str(recipient_id), channel]
    return str(uuid.uuid5(DELIVERY_NAMESPACE, "|".join(parts)))


def _name(line: str) -> str:
    return line.partition(":")[0].partition(";")[0].strip().upper()


def _local_date(instant: datetime, tzid: str) -> date:
    return utc_to_wall_clock(instant, load_zone(tzid)).date()


__all__ = [
    "TaskInstance",
    "instance_at",
    "plan_task_reminders",
    "reminder_anchor",
    "reminds",
    "task_instances",
    "task_planning_window",
    "task_reminder_recipients",
]
