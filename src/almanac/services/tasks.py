"""Task use cases: create in a calendar, read, change, delete, and one calendar's tasks in a window.

Permissions are the event rules (``domain.tasks.can_read_task`` over
``domain.permissions``): read = public calendar, calendar viewer or delegate;
write = calendar editor. Unknown or unreadable tasks are NotFoundError;
refused writes on readable ones PermissionDeniedError. A face may pass
``rejected`` — its own input errors — which is raised where the protocol puts
validation (spec §5.6.2: after the calendar lookup, before the permission
check; §5.6.4: after the permission check). Nothing is stored when any check
fails (eXo stores a half-applied update and answers 200, spec §8 item 17).
Every write replans the task's reminder deliveries in its own transaction
(``services.task_reminders``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

from almanac.domain.calendars import Calendar
from almanac.domain.changes import ChangeKind
from almanac.domain.errors import N_, InvalidInputError, NotFoundError, PermissionDeniedError, Problem
from almanac.domain.events import Priority, Reminder
from almanac.domain.permissions import can_edit_calendar, can_read_calendar, can_view_calendar
from almanac.domain.ports import UnitOfWork
from almanac.domain.preconditions import TASK_CHANGED, IfMatch, entity_tag
from almanac.domain.queries import Page, PageRequest
from almanac.domain.tasks import Task, TaskStatus, can_read_task, check_task
from almanac.domain.users import Principal, User
from almanac.services.attachment_files import AttachmentOwner, UploadReference, apply_upload_references
from almanac.services.changelog import record_task_change
from almanac.services.context import ServiceContext
from almanac.services.events import UNSET, Unset
from almanac.services.scheduling import announce
from almanac.services.task_reminders import task_changed, task_deleted

#: eXo's rule and its developerMessage for tasks (spec §6): the start must be strictly before the due date.
START_BEFORE_DUE: Final = N_('"from" date must be before "to" date')
START_BEFORE_DUE_CODE: Final = "from"
UNKNOWN_USER: Final = N_("No user is named %(username)s.")
TASK_KIND: Final = N_("task")


@dataclass(frozen=True)
class TaskChanges:
    """The fields a caller sets; every field left UNSET keeps its stored value (or its default on create)."""

    summary: str | Unset = UNSET
    description: str | Unset | None = UNSET
    starts_at: datetime | Unset = UNSET
    due_at: datetime | Unset = UNSET
    category_key: str | Unset | None = UNSET
    priority: Priority | Unset = UNSET
    status: TaskStatus | Unset = UNSET
    reminders: Sequence[Reminder] | Unset = UNSET
    delegate_usernames: Sequence[str] | Unset = UNSET
    uploads: Sequence[UploadReference] | Unset = UNSET


@dataclass(frozen=True)
class TaskView:
    """A task with what faces render beside it: its calendar, author and delegates."""

    task: Task
    calendar: Calendar
    author: User
    delegates: list[User] = field(default_factory=list)


def create_task_in_calendar(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    changes: TaskChanges,
    rejected: InvalidInputError | None = None,
    on_created: Callable[[UnitOfWork, TaskView], object] | None = None,
) -> TaskView:
    """Create a task (spec §5.6.2). Checks in order: unknown or unreadable calendar (NotFoundError), ``rejected``, edit
    permission (PermissionDeniedError), start strictly before due, delegates are users, the task limits, then
    ``uploads`` (InvalidInputError, AttachmentTooLargeError). ``summary``, ``starts_at``, ``due_at`` must be set.
    ``on_created`` runs on the stored task's view in the same unit of work, before the commit (e.g. keeping
    an Idempotency-Key); what it raises refuses the create."""
    with ctx.uow() as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or calendar.id is None or not can_read_calendar(principal, calendar):
            raise NotFoundError(kind="calendar", id=calendar_key)
        if rejected is not None:
            raise rejected
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        if (
            isinstance(changes.starts_at, Unset)
            or isinstance(changes.due_at, Unset)
            or isinstance(changes.summary, Unset)
        ):
            raise ValueError("create_task_in_calendar needs summary, starts_at and due_at")
        now = ctx.clock.now()
        task = Task(
            calendar_id=calendar.id,
            author_id=principal.user_id,
            summary=changes.summary,
            starts_at=changes.starts_at,
            due_at=changes.due_at,
            tzid=calendar.tzid,
            created_at=now,
            updated_at=now,
            revision=1,
        )
        _apply(uow, task, changes, now=now)
        _check(ctx, task, timing_changed=True)
        stored = uow.tasks.add(task)
        assert stored.id is not None
        record_task_change(ctx, uow, stored, kind=ChangeKind.CREATED)
        due = task_changed(ctx, uow, stored)
        if not isinstance(changes.uploads, Unset):
            apply_upload_references(ctx, uow, principal, AttachmentOwner(task_id=stored.id), changes.uploads)
        view = task_views(uow, [stored], {calendar.id: calendar})[0]
        if on_created is not None:
            on_created(uow, view)
        uow.commit()
    announce(ctx, due)
    return view


def get_task_by_key(ctx: ServiceContext, *, principal: Principal, task_key: str) -> TaskView:
    """The task if the principal may read it, else NotFoundError."""
    with ctx.uow(read_only=True) as uow:
        task, calendar = readable_task(uow, principal, task_key=task_key)
        return task_views(uow, [task], {calendar.id: calendar} if calendar.id is not None else None)[0]


def update_task_by_key(
    ctx: ServiceContext,
    *,
    principal: Principal,
    task_key: str,
    changes: TaskChanges,
    rejected: InvalidInputError | None = None,
    if_match: IfMatch | None = None,
) -> TaskView:
    """Change a task (spec §5.6.4, validated first). Checks in order: unknown or unreadable (NotFoundError),
    edit permission (PermissionDeniedError), ``if_match`` (PreconditionFailedError), ``rejected``, start
    strictly before due, delegates, limits, uploads. Fields left UNSET keep their values; a refused change
    stores nothing. The If-Match check and the write are one transaction on the locked row."""
    with ctx.uow() as uow:
        task, calendar = readable_task(uow, principal, task_key=task_key, for_update=True)
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        if if_match is not None:
            if_match.require(entity_tag(task), changed=TASK_CHANGED)
        if rejected is not None:
            raise rejected
        now = ctx.clock.now()
        updated = editable_task(task)
        _apply(uow, updated, changes, now=now)
        timing_changed = not (isinstance(changes.starts_at, Unset) and isinstance(changes.due_at, Unset))
        _check(ctx, updated, timing_changed=timing_changed)
        assert updated.id is not None
        if not isinstance(changes.uploads, Unset):
            apply_upload_references(ctx, uow, principal, AttachmentOwner(task_id=updated.id), changes.uploads)
        view = store_changed_task(ctx, uow, task, updated, calendar)
        due = task_changed(ctx, uow, view.task)
        uow.commit()
    announce(ctx, due)
    return view


def delete_task_by_key(
    ctx: ServiceContext, *, principal: Principal, task_key: str, if_match: IfMatch | None = None
) -> None:
    """Delete a task with its attachments: NotFoundError if unknown or unreadable, PermissionDeniedError if not
    an editor of its calendar, PreconditionFailedError if ``if_match`` no longer holds."""
    with ctx.uow() as uow:
        task, calendar = readable_task(uow, principal, task_key=task_key, for_update=True)
        if not can_edit_calendar(principal, calendar):
            raise PermissionDeniedError()
        if if_match is not None:
            if_match.require(entity_tag(task), changed=TASK_CHANGED)
        assert task.id is not None
        record_task_change(ctx, uow, task, kind=ChangeKind.DELETED)
        task_deleted(ctx, uow, task.id)
        uow.tasks.delete(task.id)
        uow.commit()


def list_calendar_tasks(
    ctx: ServiceContext,
    *,
    principal: Principal,
    calendar_key: str,
    starts_from: datetime,
    starts_until: datetime,
    category_key: str | None,
    page: PageRequest,
) -> Page[TaskView]:
    """Tasks of one calendar starting in ``[starts_from, starts_until]`` (spec §5.6.1).

    Unknown calendar → NotFoundError. Viewers of the calendar (and everyone when
    it is public) get all its tasks; anyone else only the tasks delegated to them,
    and NotFoundError when none is in the window (an unknown key's answer).
    """
    with ctx.uow(read_only=True) as uow:
        calendar = uow.calendars.get_by_key(calendar_key)
        if calendar is None or calendar.id is None:
            raise NotFoundError(kind="calendar", id=calendar_key)
        sees_all = calendar.is_public or can_view_calendar(principal, calendar)
        found = uow.tasks.list_in_calendar(
            calendar.id,
            starts_from=starts_from,
            starts_until=starts_until,
            category_key=category_key,
            delegate_id=None if sees_all else principal.user_id,
            page=page,
        )
        if not sees_all and found.total == 0:
            raise NotFoundError(kind="calendar", id=calendar_key)
        return Page(items=task_views(uow, found.items, {calendar.id: calendar}), total=found.total)


# --- steps shared with the attachment use cases --------------------------------------------------------


def readable_task(
    uow: UnitOfWork,
    principal: Principal,
    *,
    task_key: str | None = None,
    task_id: int | None = None,
    for_update: bool = False,
) -> tuple[Task, Calendar]:
    """The task (by key or by integer id) and its calendar if the principal may read it; NotFoundError
    otherwise, the same for a missing and an unreadable task."""
    if task_key is not None:
        task = uow.tasks.get_by_key(task_key, for_update=for_update)
    elif task_id is not None:
        task = uow.tasks.get(task_id, for_update=for_update)
    else:
        raise TypeError("readable_task needs task_key or task_id")
    calendar = uow.calendars.get(task.calendar_id) if task else None
    if task is None or calendar is None or not can_read_task(principal, calendar, task):
        raise NotFoundError(kind=TASK_KIND, id=task_key if task_key is not None else task_id)
    return task, calendar


def editable_task(task: Task) -> Task:
    """A copy to apply changes to, sharing no list with the stored task."""
    return replace(task, delegate_ids=list(task.delegate_ids), reminders=list(task.reminders))


def store_changed_task(ctx: ServiceContext, uow: UnitOfWork, before: Task, after: Task, calendar: Calendar) -> TaskView:
    """Store a checked change with a new revision and modification instant, logged for CalDAV sync (the caller
    commits)."""
    after.updated_at = ctx.clock.now()
    after.revision = before.revision + 1
    stored = uow.tasks.update(after)
    record_task_change(ctx, uow, stored, kind=ChangeKind.MODIFIED)
    return task_views(uow, [stored], {calendar.id: calendar} if calendar.id is not None else None)[0]


def task_views(uow: UnitOfWork, tasks: list[Task], calendars: dict[int, Calendar] | None = None) -> list[TaskView]:
    """Attach calendars and users to tasks with one query per kind, not one per task."""
    user_ids = {t.author_id for t in tasks} | {d for t in tasks for d in t.delegate_ids}
    users = {u.id: u for u in uow.users.list_by_ids(sorted(user_ids))}
    known = dict(calendars or {})
    missing = sorted({t.calendar_id for t in tasks} - known.keys())
    known.update({c.id: c for c in uow.calendars.list_by_ids(missing) if c.id is not None})
    return [
        TaskView(
            task=t,
            calendar=known[t.calendar_id],
            author=users[t.author_id],
            delegates=[users[d] for d in t.delegate_ids if d in users],
        )
        for t in tasks
    ]


def _apply(uow: UnitOfWork, task: Task, changes: TaskChanges, *, now: datetime) -> None:
    for name in ("summary", "description", "starts_at", "due_at", "category_key", "priority"):
        value = getattr(changes, name)
        if not isinstance(value, Unset):
            setattr(task, name, value)
    # An instant set here is a real DTSTART / DUE from then on (a VTODO may have come without), on the clock.
    if not isinstance(changes.starts_at, Unset):
        task.has_start, task.all_day = True, False
    if not isinstance(changes.due_at, Unset):
        task.has_due, task.all_day = True, False
    if not isinstance(changes.status, Unset):
        task.set_status(changes.status, now=now)
    if not isinstance(changes.reminders, Unset):
        task.reminders = list(changes.reminders)
    if not isinstance(changes.delegate_usernames, Unset):
        task.delegate_ids = _resolve_delegates(uow, changes.delegate_usernames)


def _resolve_delegates(uow: UnitOfWork, usernames: Sequence[str]) -> list[int]:
    ids: list[int] = []
    for name in dict.fromkeys(usernames):
        user = uow.users.get_by_username(name)
        if user is None or user.id is None:
            raise InvalidInputError([Problem("delegation", "unknown_user", UNKNOWN_USER, {"username": name})])
        ids.append(user.id)
    return ids


def _check(ctx: ServiceContext, task: Task, *, timing_changed: bool) -> None:
    # eXo's strict rule binds what this face writes; a CalDAV task may start when it is due (or have
    # stand-in instants), and renaming it here must not be refused for that.
    if timing_changed and not task.starts_at < task.due_at:
        raise InvalidInputError([Problem("from", START_BEFORE_DUE_CODE, START_BEFORE_DUE)])
    check_task(task, ctx.event_limits)
