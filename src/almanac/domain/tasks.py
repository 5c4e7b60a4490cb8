"""Tasks: to-dos kept in a calendar beside its events, shaped after the iCalendar VTODO (RFC 5545 §3.6.2).

A task has a ``uid`` (VTODO ``UID``), a ``summary`` (``SUMMARY``; eXo's
``name``), a ``description`` (``DESCRIPTION``; eXo's ``note``), a start
(``DTSTART``; eXo's ``from``) and a due instant (``DUE``; eXo's ``to``), a
``priority``, a ``status`` (``STATUS``, RFC 5545 §3.8.1.11), the users it is
delegated to, reminders (``VALARM``) and one category (``CATEGORIES``).
``completed_at`` is VTODO ``COMPLETED``: set when the status becomes completed.
A VTODO may lack DTSTART or DUE; ``has_start``/``has_due`` say which it has,
and the missing one is stood in for so the eXo face, which needs both, still
has instants to show.

Permissions are the event rules of ``permissions`` (spec §2.4): a task is read
by whoever may view its calendar, by everyone when the calendar is public, and
by the users it is delegated to (eXo checks a participant list tasks do not
have, spec §8 item 24); it is changed by the calendar's editors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from almanac.domain.calendars import Calendar
from almanac.domain.errors import N_, InvalidInputError, Problem
from almanac.domain.events import EventLimits, Priority, Reminder, new_event_key
from almanac.domain.permissions import can_view_calendar
from almanac.domain.users import Principal


class TaskStatus(StrEnum):
    """eXo's task statuses (spec §3.8); the values are the wire names."""

    NEEDS_ACTION = "needs-action"
    IN_PROCESS = "in-process"
    COMPLETED = "completed"
    CANCELED = "canceled"

    @property
    def ical(self) -> str:
        """The VTODO ``STATUS`` value (RFC 5545 §3.8.1.11 spells ``CANCELLED`` with two Ls)."""
        return "CANCELLED" if self is TaskStatus.CANCELED else self.value.upper()


#: VTODO ``PRIORITY`` (RFC 5545 §3.8.1.9: 0 undefined, 1 highest, 9 lowest) of each priority, as eXo exports it.
ICAL_PRIORITY: dict[Priority, int] = {Priority.NONE: 0, Priority.HIGH: 1, Priority.NORMAL: 5, Priority.LOW: 9}


@dataclass
class Task:
    """One to-do. Instants are aware and stored in UTC beside ``tzid``; ``delegate_ids`` are user ids, in order."""

    calendar_id: int
    author_id: int
    summary: str
    starts_at: datetime
    due_at: datetime
    id: int | None = None
    key: str = field(default_factory=lambda: new_task_key())
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    description: str | None = None
    tzid: str = "UTC"
    category_key: str | None = None
    priority: Priority = Priority.NONE
    status: TaskStatus = TaskStatus.NEEDS_ACTION
    completed_at: datetime | None = None
    delegate_ids: list[int] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    revision: int = 0
    #: The CalDAV resource name a client chose (None: ``<uid>.ics``).
    dav_name: str | None = None
    #: Raw iCalendar content lines of the VTODO Almanac does not model, re-emitted unchanged.
    extra_properties: str | None = None
    #: Whether the VTODO has DTSTART / DUE: eXo tasks have both; a VTODO may have neither (RFC 5545 §3.6.2),
    #: and then ``starts_at``/``due_at`` hold stand-ins (the other instant, or the creation) for the eXo face.
    has_start: bool = True
    has_due: bool = True
    #: DTSTART/DUE are dates (``VALUE=DATE``), at midnight of ``tzid``.
    all_day: bool = False

    def is_delegated_to(self, user_id: int) -> bool:
        return user_id in self.delegate_ids

    def set_status(self, status: TaskStatus, *, now: datetime) -> None:
        """Change the status; ``completed_at`` records when it became completed and is cleared when it stops."""
        if status is TaskStatus.COMPLETED and self.status is not TaskStatus.COMPLETED:
            self.completed_at = now
        elif status is not TaskStatus.COMPLETED:
            self.completed_at = None
        self.status = status


def new_task_key() -> str:
    """An opaque id in eXo's shape: tasks use the ``Event`` prefix too (spec §1.3)."""
    return new_event_key()


def can_read_task(principal: Principal, calendar: Calendar, task: Task) -> bool:
    """Public calendar, calendar viewer, or a delegate of the task."""
    return calendar.is_public or can_view_calendar(principal, calendar) or task.is_delegated_to(principal.user_id)


def check_task(task: Task, limits: EventLimits) -> None:
    """Raise InvalidInputError listing every limit the task breaks (the event limits: text, delegates, reminders).

    The protocol rules (start before due, a non-empty name...) are each face's
    to check in its own order; these hold whatever face wrote the task.
    """
    problems: list[Problem] = []
    if task.starts_at.tzinfo is None or task.due_at.tzinfo is None:
        raise ValueError("task instants must be timezone-aware")
    too_long = N_("At most %(limit)s characters are allowed.")
    if not task.summary.strip():
        problems.append(Problem("summary", "required", N_("The task name must not be empty.")))
    if len(task.summary) > limits.max_summary_length:
        problems.append(Problem("summary", "too_long", too_long, {"limit": limits.max_summary_length}))
    if task.description is not None and len(task.description) > limits.max_text_length:
        problems.append(Problem("description", "too_long", too_long, {"limit": limits.max_text_length}))
    if task.due_at < task.starts_at:
        problems.append(Problem("due_at", "end_before_start", N_("The end must not be before the start.")))
    if len(task.delegate_ids) > limits.max_participants:
        problems.append(
            Problem(
                "delegation",
                "too_many",
                N_("At most %(limit)s delegates are allowed."),
                {"limit": limits.max_participants},
            )
        )
    if len(task.reminders) > limits.max_reminders:
        problems.append(
            Problem(
                "reminders", "too_many", N_("At most %(limit)s reminders are allowed."), {"limit": limits.max_reminders}
            )
        )
    if problems:
        raise InvalidInputError(problems)
