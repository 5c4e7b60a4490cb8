"""The task repository: rows <-> domain tasks, and one calendar's tasks in a start window.

Queries use bound parameters only (eXo concatenates ids and category names
into its store queries, spec §8 item 39). Order: start, then summary, then id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from almanac.domain.events import Priority, Reminder, ReminderChannel
from almanac.domain.queries import Page, PageRequest
from almanac.domain.tasks import Task, TaskStatus
from almanac.storage.object_names import name_or_uid_held
from almanac.storage.tables import TaskDelegateRow, TaskReminderRow, TaskRow

_ORDER = (TaskRow.starts_at, TaskRow.summary_folded, TaskRow.id)


def _task(row: TaskRow) -> Task:
    return Task(
        id=row.id,
        key=row.key,
        uid=row.uid,
        calendar_id=row.calendar_id,
        author_id=row.author_id,
        summary=row.summary,
        description=row.description,
        starts_at=row.starts_at,
        due_at=row.due_at,
        tzid=row.tzid,
        category_key=row.category_key,
        priority=Priority(row.priority),
        status=TaskStatus(row.status),
        completed_at=row.completed_at,
        delegate_ids=[d.user_id for d in row.delegates],
        reminders=[
            Reminder(
                before=timedelta(seconds=r.before_seconds) if r.before_seconds is not None else None,
                at=r.at,
                channel=ReminderChannel(r.channel),
            )
            for r in row.reminders
        ],
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        dav_name=row.dav_name,
        extra_properties=row.extra_properties,
        has_start=row.has_start,
        has_due=row.has_due,
        all_day=row.all_day,
    )


def _fill(row: TaskRow, task: Task) -> None:
    row.key = task.key
    row.uid = task.uid
    row.calendar_id = task.calendar_id
    row.author_id = task.author_id
    row.summary = task.summary
    row.summary_folded = task.summary.casefold()
    row.description = task.description
    row.starts_at = task.starts_at
    row.due_at = task.due_at
    row.tzid = task.tzid
    row.category_key = task.category_key
    row.priority = task.priority.value
    row.status = task.status.value
    row.completed_at = task.completed_at
    if task.created_at is not None:
        row.created_at = task.created_at
    if task.updated_at is not None:
        row.updated_at = task.updated_at
    row.revision = task.revision
    row.dav_name = task.dav_name
    row.extra_properties = task.extra_properties
    row.has_start = task.has_start
    row.has_due = task.has_due
    row.all_day = task.all_day
    row.delegates = [TaskDelegateRow(user_id=user_id, position=i) for i, user_id in enumerate(task.delegate_ids)]
    row.reminders = [
        TaskReminderRow(
            position=i,
            before_seconds=int(r.before.total_seconds()) if r.before is not None else None,
            at=r.at,
            channel=r.channel.value,
        )
        for i, r in enumerate(task.reminders)
    ]


class SqlTaskRepository:
    """Implements ``almanac.domain.ports.TaskRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, task: Task) -> Task:
        row = TaskRow()
        _fill(row, task)
        self._session.add(row)
        self._session.flush()
        return _task(row)

    def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        return self._one(TaskRow.id == task_id, for_update=for_update)

    def get_by_key(self, key: str, *, for_update: bool = False) -> Task | None:
        return self._one(TaskRow.key == key, for_update=for_update)

    def _one(self, condition: ColumnElement[bool], *, for_update: bool) -> Task | None:
        query = select(TaskRow).where(condition)
        if for_update:
            # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
            query = query.with_for_update()
        row = self._session.scalar(query)
        return _task(row) if row else None

    def get_by_dav_name(self, calendar_id: int, name: str, *, for_update: bool = False) -> Task | None:
        in_calendar = TaskRow.calendar_id == calendar_id
        found = self._one(and_(in_calendar, TaskRow.dav_name == name), for_update=for_update)
        if found is None and name.endswith(".ics"):
            default = and_(in_calendar, TaskRow.dav_name.is_(None), TaskRow.uid == name.removesuffix(".ics"))
            found = self._one(default, for_update=for_update)
        return found

    def get_by_uid(self, calendar_id: int, uid: str, *, for_update: bool = False) -> Task | None:
        return self._one(and_(TaskRow.calendar_id == calendar_id, TaskRow.uid == uid), for_update=for_update)

    def holds_name_or_uid(self, calendar_id: int, name: str, uid: str) -> bool:
        columns = (TaskRow.calendar_id, TaskRow.dav_name, TaskRow.uid)
        return name_or_uid_held(self._session, columns, calendar_id, name, uid)

    def uids_in_use(self, calendar_id: int, uids: Sequence[str]) -> set[str]:
        wanted = sorted(set(uids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(
                self._session.scalars(
                    select(TaskRow.uid).where(TaskRow.calendar_id == calendar_id, TaskRow.uid.in_(chunk))
                )
            )
        return found

    def list_of_calendar(self, calendar_id: int) -> list[Task]:
        query = select(TaskRow).where(TaskRow.calendar_id == calendar_id).order_by(TaskRow.uid, TaskRow.id)
        return [_task(row) for row in self._session.scalars(query)]

    def update(self, task: Task) -> Task:
        row = self._session.get(TaskRow, task.id)
        if row is None:
            raise LookupError(f"task {task.id} vanished during its unit of work")
        _fill(row, task)
        self._session.flush()
        return _task(row)

    def delete(self, task_id: int) -> None:
        row = self._session.get(TaskRow, task_id)
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def list_in_calendar(
        self,
        calendar_id: int,
        *,
        starts_from: datetime,
        starts_until: datetime,
        category_key: str | None,
        delegate_id: int | None,
        page: PageRequest,
    ) -> Page[Task]:
        conditions: list[ColumnElement[bool]] = [
            TaskRow.calendar_id == calendar_id,
            TaskRow.starts_at >= starts_from,
            TaskRow.starts_at <= starts_until,
        ]
        if category_key is not None:
            conditions.append(TaskRow.category_key == category_key)
        if delegate_id is not None:
            conditions.append(
                exists().where(TaskDelegateRow.task_id == TaskRow.id, TaskDelegateRow.user_id == delegate_id)
            )
        where = and_(*conditions)
        rows = self._session.scalars(
            select(TaskRow).where(where).order_by(*_ORDER).offset(page.offset).limit(page.limit)
        ).all()
        total = page.total_shown(len(rows))
        if total is None:
            total = self._session.scalar(select(func.count()).select_from(TaskRow).where(where)) or 0
        return Page(items=[_task(r) for r in rows], total=total)
