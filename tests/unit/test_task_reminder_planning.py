"""Task reminder planning: what a reminder counts back from, who is reminded, finished tasks, recurring tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from almanac.domain.deliveries import ReminderPlan
from almanac.domain.events import Reminder, ReminderChannel
from almanac.domain.recurrence import RecurrenceLimits
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc
from almanac.domain.task_reminders import (
    instance_at,
    plan_task_reminders,
    reminder_anchor,
    task_instances,
    task_planning_window,
)
from almanac.domain.tasks import Task, TaskStatus

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
START = NOW + timedelta(days=2)
DUE = START + timedelta(days=3)
FIFTEEN = Reminder(before=timedelta(minutes=15))


def task(reminders: list[Reminder], **fields: object) -> Task:
    values: dict[str, object] = {
        "calendar_id": 1,
        "author_id": 7,
        "summary": "File the report",
        "starts_at": START,
        "due_at": DUE,
        "id": 11,
        "uid": "report@example.com",
        "reminders": reminders,
    }
    values.update(fields)
    return Task(**values)  # type: ignore[arg-type]


def plan(subject: Task, now: datetime = NOW, *, days: int = 35) -> ReminderPlan:
    window = task_planning_window(subject, now=now, horizon=timedelta(days=days))
    instances = task_instances(subject, window.start, window.end, limits=RecurrenceLimits())
    return plan_task_reminders(subject, instances=instances, window=window, now=now)


def test_a_reminder_counts_back_from_the_start_when_the_task_has_one() -> None:
    (planned,) = plan(task([FIFTEEN])).planned
    assert planned.delivery.due_at == START - timedelta(minutes=15)
    assert planned.delivery.occurrence_start == START
    assert (planned.delivery.task_id, planned.delivery.event_id) == (11, None)


def test_a_task_without_a_start_is_reminded_before_it_is_due() -> None:
    undated_start = task([FIFTEEN], has_start=False, starts_at=DUE)
    assert reminder_anchor(undated_start) == DUE
    (planned,) = plan(undated_start).planned
    assert planned.delivery.due_at == DUE - timedelta(minutes=15)


def test_a_task_with_neither_start_nor_due_is_reminded_only_at_absolute_instants() -> None:
    at = NOW + timedelta(hours=5)
    dateless = task([FIFTEEN, Reminder(at=at)], has_start=False, has_due=False, starts_at=NOW, due_at=NOW)
    assert reminder_anchor(dateless) is None
    (planned,) = plan(dateless).planned
    assert planned.delivery.due_at == at and planned.creatable


def test_completed_and_canceled_tasks_remind_no_one() -> None:
    for status in (TaskStatus.COMPLETED, TaskStatus.CANCELED):
        assert plan(task([FIFTEEN], status=status)).planned == []
    assert len(plan(task([FIFTEEN], status=TaskStatus.IN_PROCESS)).planned) == 1


def test_delegates_are_reminded_and_the_author_only_when_there_are_none() -> None:
    delegated = plan(task([FIFTEEN], delegate_ids=[3, 4]))
    assert sorted(p.delivery.recipient_id or 0 for p in delegated.planned) == [3, 4]
    assert [p.delivery.recipient_id for p in plan(task([FIFTEEN])).planned] == [7]


def test_ids_are_stable_across_recomputations_and_change_when_the_task_moves() -> None:
    first, again = plan(task([FIFTEEN])), plan(task([FIFTEEN]), NOW + timedelta(hours=1))
    assert first.ids == again.ids
    moved = plan(task([FIFTEEN], starts_at=START + timedelta(hours=1)))
    assert not first.ids & moved.ids
    # Another task with the same UID (deleted, then made again) is another task.
    assert not first.ids & plan(task([FIFTEEN], id=12)).ids


def test_nothing_is_created_once_the_start_has_passed_and_a_late_reminder_is_due_at_once() -> None:
    (past,) = plan(task([FIFTEEN]), START + timedelta(minutes=1)).planned
    assert not past.creatable
    early = Reminder(before=timedelta(days=3))
    (late,) = plan(task([early])).planned
    assert late.creatable and late.delivery.due_at < NOW


def test_a_recurring_task_reminds_each_instance_within_the_horizon_only() -> None:
    daily = task([FIFTEEN], due_at=START + timedelta(hours=2), extra_properties="RRULE:FREQ=DAILY\nX-KEPT:1")
    result = plan(daily, days=7)
    anchors = [p.delivery.occurrence_start for p in result.planned]
    assert anchors == [START + timedelta(days=d) for d in range(6)]  # NOW+2 days .. NOW+7 days
    assert result.planned[0].delivery.recurrence_key == "20260107T090000Z"
    assert all(p.delivery.due_at == p.delivery.occurrence_start - timedelta(minutes=15) for p in result.planned)  # type: ignore[operator]
    rolled = plan(daily, NOW + timedelta(days=3), days=7)
    assert result.ids & rolled.ids, "an instance planned in both windows keeps its id"


def test_an_instance_moves_its_due_time_with_its_start() -> None:
    daily = task([FIFTEEN], due_at=START + timedelta(hours=2), extra_properties="RRULE:FREQ=DAILY;COUNT=3")
    instance = instance_at(daily, START + timedelta(days=2), "20260109T090000Z")
    assert (instance.starts_at, instance.due_at) == (START + timedelta(days=2), START + timedelta(days=2, hours=2))


def test_an_all_day_recurring_task_stays_on_whole_days_across_a_dst_change() -> None:
    paris = load_zone("Europe/Paris")
    first = local_midnight_utc(date(2026, 3, 27), paris)
    weekly = task(
        [Reminder(before=timedelta(hours=1), channel=ReminderChannel.POPUP)],
        starts_at=first,
        due_at=local_midnight_utc(date(2026, 3, 28), paris),
        tzid="Europe/Paris",
        all_day=True,
        extra_properties="RRULE:FREQ=DAILY;COUNT=3",
    )
    result = plan(weekly, datetime(2026, 3, 26, tzinfo=UTC), days=10)
    anchors = [p.delivery.occurrence_start for p in result.planned]
    assert anchors == [local_midnight_utc(date(2026, 3, d), paris) for d in (27, 28, 29)]
    last = instance_at(weekly, anchors[2], "20260329")
    assert last.due_at == local_midnight_utc(date(2026, 3, 30), paris)


def test_an_absolute_reminder_of_a_recurring_task_reminds_once() -> None:
    at = START + timedelta(days=1, hours=-1)
    daily = task([Reminder(at=at)], extra_properties="RRULE:FREQ=DAILY")
    (planned,) = plan(daily, days=7).planned
    assert planned.delivery.due_at == at
    assert planned.delivery.occurrence_start == START + timedelta(days=1)


def test_a_rule_the_engine_refuses_leaves_the_task_one_instance() -> None:
    refused = task([FIFTEEN], extra_properties="RRULE:FREQ=SECONDLY")
    (planned,) = plan(refused).planned
    assert planned.delivery.occurrence_start == START and planned.delivery.recurrence_key is None


def test_recurrence_lines_of_a_kept_alarm_do_not_make_the_task_recur() -> None:
    kept = "BEGIN:X-THING\nRRULE:FREQ=DAILY\nEND:X-THING"
    assert len(plan(task([FIFTEEN], extra_properties=kept)).planned) == 1
