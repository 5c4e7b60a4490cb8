"""Reminder planning: stable ids, the rolling horizon over a recurring series, and never planning the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from almanac.domain.deliveries import DeliveryPolicy, plan_reminders
from almanac.domain.events import Reminder, ReminderChannel
from almanac.domain.recurrence import Recurrence, SeriesSchedule

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def weekly(start: datetime) -> SeriesSchedule:
    recurrence = Recurrence.from_lines(["RRULE:FREQ=WEEKLY"], tzid="Europe/Paris", all_day=False)
    return SeriesSchedule(start=start, duration=timedelta(hours=1), tzid="Europe/Paris", recurrence=recurrence)


def plan(schedule: SeriesSchedule, now: datetime, reminders: list[Reminder], recipients: list[int], days: int = 21):
    return plan_reminders(
        event_id=1,
        event_uid="uid-1",
        schedule=schedule,
        reminders=reminders,
        recipient_ids=recipients,
        now=now,
        horizon=timedelta(days=days),
    )


def test_a_weekly_series_is_planned_only_within_the_horizon_then_rolls_forward() -> None:
    schedule = weekly(NOW + timedelta(hours=3))
    first = plan(schedule, NOW, [Reminder(before=timedelta(hours=2))], [7])
    assert [p.delivery.occurrence_start for p in first.planned] == [NOW + timedelta(hours=3, weeks=w) for w in range(3)]
    later = plan(schedule, NOW + timedelta(weeks=2), [Reminder(before=timedelta(hours=2))], [7])
    starts = [p.delivery.occurrence_start for p in later.planned if p.creatable]
    assert starts == [NOW + timedelta(hours=3, weeks=w) for w in (2, 3, 4)]
    # The occurrence planned in both windows keeps its id: a recomputation never duplicates it.
    assert first.ids & later.ids == {first.planned[2].delivery.id}


def test_one_delivery_per_occurrence_reminder_recipient_and_channel() -> None:
    schedule = weekly(NOW + timedelta(days=1))
    reminders = [
        Reminder(before=timedelta(hours=2)),
        Reminder(before=timedelta(minutes=10), channel=ReminderChannel.POPUP),
    ]
    result = plan(schedule, NOW, reminders, [1, 2], days=7)
    assert len(result.planned) == 4
    assert len(result.ids) == 4
    assert {p.delivery.due_at for p in result.planned} == {
        NOW + timedelta(days=1) - timedelta(hours=2),
        NOW + timedelta(days=1) - timedelta(minutes=10),
    }


def test_occurrences_that_have_started_are_never_creatable() -> None:
    schedule = SeriesSchedule(start=NOW - timedelta(minutes=5), duration=timedelta(hours=1), tzid="UTC")
    result = plan(schedule, NOW, [Reminder(before=timedelta(hours=2))], [1])
    assert [p.creatable for p in result.planned] == [False]


def test_a_reminder_whose_time_passed_before_a_future_start_is_due_at_once() -> None:
    schedule = SeriesSchedule(start=NOW + timedelta(minutes=30), duration=timedelta(hours=1), tzid="UTC")
    result = plan(schedule, NOW, [Reminder(before=timedelta(hours=2))], [1])
    assert result.planned[0].creatable
    assert result.planned[0].delivery.due_at < NOW


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    policy = DeliveryPolicy(backoff_base=timedelta(seconds=10), backoff_max=timedelta(seconds=60))
    assert [policy.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
