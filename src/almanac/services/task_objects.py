"""Tasks as calendar objects: one VTODO per resource, read and written as iCalendar for CalDAV and imports.

A task's resource name is its ``dav_name`` or ``<uid>.ics``; its entity tag is
a hash of its iCalendar bytes, like an event's (``services.calendar_objects``,
which checks the caller's rights and the preconditions, then calls these steps
inside its unit of work). Writing matches by UID: a re-put or re-import updates
the task, and a task whose content did not change is not rewritten (its
revision and entity tag stay). Attendees who are users become the task's
delegates; any other attendee, and everything Almanac does not model
(PERCENT-COMPLETE below completion, CLASS, RRULE, X- properties...), is kept
verbatim in ``extra_properties``. A VTODO without DTSTART or DUE gets stand-in
instants for the eXo face (the other instant, else the task's creation) and
keeps ``has_start``/``has_due`` False, so it is written back without them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from almanac.domain.calendar_data import CalendarCodec, CalendarDataError, ParsedObject, entity_tag_of, line_field
from almanac.domain.calendars import Calendar
from almanac.domain.changes import ChangeKind
from almanac.domain.errors import InvalidInputError, Problem
from almanac.domain.ports import UnitOfWork
from almanac.domain.tasks import Task, TaskStatus, check_task
from almanac.domain.users import Principal, User, normalize_email
from almanac.services.changelog import record_task_change, task_object_name
from almanac.services.context import ServiceContext
from almanac.services.task_reminders import task_changed, task_deleted


@dataclass(frozen=True)
class TaskObject:
    """One task as a CalDAV client reads it: ``data`` is a whole VCALENDAR, ``etag`` quoted and strong."""

    uid: str
    name: str
    etag: str
    data: bytes
    task: Task
    updated_at: datetime
    component: str = "VTODO"


def task_users(uow: UnitOfWork, tasks: Sequence[Task]) -> dict[int, User]:
    """The authors and delegates of ``tasks``, by id (one query)."""
    ids = sorted({t.author_id for t in tasks} | {d for t in tasks for d in t.delegate_ids})
    return {user.id: user for user in uow.users.list_by_ids(ids) if user.id is not None}


def task_object(codec: CalendarCodec, task: Task, users: Mapping[int, User], *, now: datetime) -> TaskObject:
    data = codec.calendar_task(task, users=users)
    return TaskObject(
        uid=task.uid,
        name=task_object_name(task),
        etag=entity_tag_of(data),
        data=data,
        task=task,
        updated_at=task.updated_at or task.created_at or now,
    )


@dataclass(frozen=True)
class StoredTask:
    """A task after a write: ``changed`` is False when nothing was rewritten; ``due_at`` is the earliest
    reminder made pending, to announce to the worker after the commit."""

    task: Task
    changed: bool
    due_at: datetime | None


def store_task(
    ctx: ServiceContext,
    uow: UnitOfWork,
    calendar: Calendar,
    principal: Principal,
    parsed: ParsedObject,
    existing: Task | None,
    *,
    dav_name: str | None,
) -> StoredTask:
    """Make the stored task of ``parsed.uid`` (``existing``) match the VTODO, and its reminder deliveries match
    it (``services.task_reminders``). Does not commit.

    A new task is the principal's; an existing one keeps its author, key and
    attachments. The task rules broken are CalendarDataError at the VTODO's line.
    """
    source = parsed.task
    assert source is not None and calendar.id is not None
    now = ctx.clock.now()
    created = existing.created_at if existing is not None and existing.created_at is not None else now
    starts_at = source.starts_at or source.due_at or created
    due_at = source.due_at or starts_at
    if existing is None:
        task = Task(
            calendar_id=calendar.id,
            author_id=principal.user_id,
            summary=source.summary,
            starts_at=starts_at,
            due_at=due_at,
            uid=parsed.uid,
            created_at=now,
            updated_at=now,
            revision=1,
        )
    else:
        task = replace(existing, delegate_ids=list(existing.delegate_ids), reminders=list(existing.reminders))
    task.dav_name = dav_name if existing is None else (dav_name or existing.dav_name)
    task.summary, task.description, task.tzid = source.summary, source.description, source.tzid
    task.starts_at, task.due_at, task.all_day = starts_at, due_at, source.all_day
    task.has_start, task.has_due = source.starts_at is not None, source.due_at is not None
    task.category_key, task.priority = source.category_key, source.priority
    task.reminders = list(source.reminders)
    task.status = source.status
    if source.status is TaskStatus.COMPLETED:
        kept = existing.completed_at if existing is not None and existing.status is TaskStatus.COMPLETED else None
        task.completed_at = source.completed_at or kept or now
    else:
        task.completed_at = None
    emails = sorted({normalize_email(a.email) for a in source.attendees})
    users = {normalize_email(u.email): u for u in uow.users.list_by_emails(emails)}
    extra = [source.extra_properties] if source.extra_properties else []
    delegates: list[int] = []
    for attendee in source.attendees:
        user = users.get(normalize_email(attendee.email))
        if user is None or user.id is None:
            extra.append(attendee.line)
        elif user.id not in delegates:
            delegates.append(user.id)
    task.delegate_ids = delegates
    organizer = source.organizer
    if organizer is not None and normalize_email(organizer.email) != _author_email(uow, task.author_id, principal):
        extra.append(organizer.line)  # someone else's organizing is kept as written; the author's is rewritten
    task.extra_properties = "\n".join(extra) or None
    _check(ctx, task, source.line)
    if existing is None:
        stored = uow.tasks.add(task)
        record_task_change(ctx, uow, stored, kind=ChangeKind.CREATED)
        return StoredTask(stored, True, task_changed(ctx, uow, stored))
    if replace(task, revision=existing.revision, updated_at=existing.updated_at) == existing:
        return StoredTask(existing, False, None)
    task.revision, task.updated_at = existing.revision + 1, now
    stored = uow.tasks.update(task)
    record_task_change(ctx, uow, stored, kind=ChangeKind.MODIFIED)
    return StoredTask(stored, True, task_changed(ctx, uow, stored))


def delete_task(ctx: ServiceContext, uow: UnitOfWork, task: Task) -> None:
    """Delete the task (with its attachments), cancel its pending reminders and log the deletion of its
    resource. Does not commit."""
    assert task.id is not None
    record_task_change(ctx, uow, task, kind=ChangeKind.DELETED)
    task_deleted(ctx, uow, task.id)
    uow.tasks.delete(task.id)


def _author_email(uow: UnitOfWork, author_id: int, principal: Principal) -> str:
    if author_id == principal.user_id:
        return normalize_email(principal.email)
    user = uow.users.get(author_id)
    return normalize_email(user.email) if user is not None else ""


def _check(ctx: ServiceContext, task: Task, line: int) -> None:
    try:
        check_task(task, ctx.event_limits)
    except InvalidInputError as error:
        problems = error.problems or [Problem("", error.code, error.template, error.params)]
        raise CalendarDataError([Problem(line_field(line), p.code, p.template, p.params) for p in problems]) from error
