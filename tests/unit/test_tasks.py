"""The task rules of the domain: VTODO vocabulary, completion instants, delegates' read access, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from almanac.domain.calendars import Calendar
from almanac.domain.errors import InvalidInputError
from almanac.domain.events import EventLimits
from almanac.domain.tasks import Task, TaskStatus, can_read_task, check_task
from almanac.domain.users import Principal

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def task(**fields: object) -> Task:
    values: dict[str, object] = {
        "calendar_id": 1,
        "author_id": 1,
        "summary": "Budget",
        "starts_at": NOW,
        "due_at": NOW + timedelta(days=1),
    }
    values.update(fields)
    return Task(**values)  # type: ignore[arg-type]


def test_statuses_name_their_rfc_5545_values() -> None:
    assert [s.ical for s in TaskStatus] == ["NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "CANCELLED"]


def test_completion_is_recorded_when_a_task_becomes_completed_and_cleared_when_it_stops() -> None:
    todo = task()
    todo.set_status(TaskStatus.COMPLETED, now=NOW)
    todo.set_status(TaskStatus.COMPLETED, now=NOW + timedelta(hours=1))
    assert todo.completed_at == NOW
    todo.set_status(TaskStatus.IN_PROCESS, now=NOW)
    assert todo.completed_at is None


def test_every_task_has_a_uid_and_an_exo_shaped_key() -> None:
    first, second = task(), task()
    assert first.uid != second.uid and first.key.startswith("Event") and len(first.key) == 37


def test_delegates_read_private_tasks_and_strangers_do_not() -> None:
    calendar = Calendar(key="c", name="c", owner_id=1, id=1)
    todo = task(delegate_ids=[2])
    assert can_read_task(Principal(user_id=2, username="del", email="d@x"), calendar, todo)
    assert not can_read_task(Principal(user_id=3, username="stan", email="s@x"), calendar, todo)


def test_limits_are_reported_together() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_task(task(summary=" ", delegate_ids=[1, 2, 3]), EventLimits(max_participants=2))
    assert [(p.field, p.code) for p in caught.value.problems] == [("summary", "required"), ("delegation", "too_many")]
