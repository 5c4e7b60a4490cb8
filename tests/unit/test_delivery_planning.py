"""Reminder planning: stable ids, the rolling horizon over a recurring series, overrides, and never the past."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from almanac.domain.deliveries import (
    DELIVERY_NAMESPACE,
    DeliveryPolicy,
    ReminderPlan,
    plan_reminders,
    planning_window,
    uuid5_text,
)
from almanac.domain.events import Event, Participant, Reminder, ReminderChannel
from almanac.domain.recurrence import Recurrence
from almanac.domain.series import occurrences_in_window, overridden_ids

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def event(start: datetime, reminders: list[Reminder], *, rule: str | None = None, **fields: object) -> Event:
    recurrence = Recurrence.from_lines([rule], tzid="Europe/Paris", all_day=False) if rule else None
    return Event(
        calendar_id=1,
        author_id=7,
        summary="Stand-up",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        tzid="Europe/Paris",
        recurrence=recurrence,
        reminders=reminders,
        uid="uid-1",
        **fields,  # type: ignore[arg-type]
    )


def plan(master: Event, now: datetime, *, days: int = 21, overrides: tuple[Event, ...] = ()) -> ReminderPlan:
    reminders = [r for e in (master, *overrides) for r in e.reminders]
    window = planning_window(master, reminders, now=now, horizon=timedelta(days=days))
    occurrences = occurrences_in_window(
        [master, *overrides], window.start, window.end, overridden=overridden_ids(overrides)
    )
    return plan_reminders(
        event_uid=master.uid,
        occurrences=occurrences,
        window=window,
        now=now,
        series_id=master.id if master.is_series else None,
    )


def test_a_weekly_series_is_planned_only_within_the_horizon_then_rolls_forward() -> None:
    series = event(NOW + timedelta(hours=3), [Reminder(before=timedelta(hours=2))], rule="RRULE:FREQ=WEEKLY", id=1)
    first = plan(series, NOW)
    assert [p.delivery.occurrence_start for p in first.planned] == [NOW + timedelta(hours=3, weeks=w) for w in range(3)]
    assert [p.delivery.recurrence_key for p in first.planned] == [
        "20260105T120000Z",
        "20260112T120000Z",
        "20260119T120000Z",
    ]
    assert {p.delivery.series_id for p in first.planned} == {1}
    later = plan(series, NOW + timedelta(weeks=2))
    starts = [p.delivery.occurrence_start for p in later.planned if p.creatable]
    assert starts == [NOW + timedelta(hours=3, weeks=w) for w in (2, 3, 4)]
    # The occurrence planned in both windows keeps its id: a recomputation never duplicates it.
    assert first.ids & later.ids == {first.planned[2].delivery.id}


def test_one_delivery_per_occurrence_reminder_recipient_and_channel() -> None:
    reminders = [
        Reminder(before=timedelta(hours=2)),
        Reminder(before=timedelta(minutes=10), channel=ReminderChannel.POPUP),
    ]
    series = event(
        NOW + timedelta(days=1),
        reminders,
        rule="RRULE:FREQ=WEEKLY",
        id=1,
        participants=[Participant(1), Participant(2)],
    )
    result = plan(series, NOW, days=7)
    assert len(result.planned) == 4
    assert len(result.ids) == 4
    assert {p.delivery.due_at for p in result.planned} == {
        NOW + timedelta(days=1) - timedelta(hours=2),
        NOW + timedelta(days=1) - timedelta(minutes=10),
    }


def test_a_before_reminder_follows_the_wall_clock_across_a_dst_change() -> None:
    # Daily 09:00 Europe/Paris: 08:00Z in winter, 07:00Z from 29 March 2026 (CEST).
    start = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    series = event(start, [Reminder(before=timedelta(minutes=15))], rule="RRULE:FREQ=DAILY;COUNT=4", id=1)
    result = plan(series, start - timedelta(hours=1))
    assert [p.delivery.due_at for p in result.planned] == [
        datetime(2026, 3, 27, 7, 45, tzinfo=UTC),
        datetime(2026, 3, 28, 7, 45, tzinfo=UTC),
        datetime(2026, 3, 29, 6, 45, tzinfo=UTC),
        datetime(2026, 3, 30, 6, 45, tzinfo=UTC),
    ]


def test_an_override_reminds_at_its_moved_time_with_its_own_reminders() -> None:
    series = event(NOW + timedelta(days=1), [Reminder(before=timedelta(minutes=15))], rule="RRULE:FREQ=DAILY", id=1)
    slot = NOW + timedelta(days=2)
    moved = event(
        slot + timedelta(hours=3),
        [Reminder(before=timedelta(minutes=30))],
        id=2,
        series_id=1,
        recurrence_id=slot,
    )
    result = plan(series, NOW, days=3, overrides=(moved,))
    by_key = {p.delivery.recurrence_key: p.delivery for p in result.planned}
    assert by_key["20260107T090000Z"].due_at == slot + timedelta(hours=3) - timedelta(minutes=30)
    assert by_key["20260107T090000Z"].event_id == 2
    assert by_key["20260106T090000Z"].event_id == 1
    # Moved away from its slot, the occurrence gets an id of its own; the unmoved ones keep theirs.
    unmoved = plan(series, NOW, days=3)
    assert result.ids ^ unmoved.ids == {by_key["20260107T090000Z"].id} | {
        p.delivery.id for p in unmoved.planned if p.delivery.recurrence_key == "20260107T090000Z"
    }


def test_an_override_in_its_own_slot_keeps_the_ids_of_the_occurrence() -> None:
    series = event(NOW + timedelta(days=1), [Reminder(before=timedelta(minutes=15))], rule="RRULE:FREQ=DAILY", id=1)
    slot = NOW + timedelta(days=2)
    renamed = event(slot, [Reminder(before=timedelta(minutes=15))], id=2, series_id=1, recurrence_id=slot)
    assert plan(series, NOW, days=3, overrides=(renamed,)).ids == plan(series, NOW, days=3).ids


def test_an_excluded_occurrence_gets_no_reminder() -> None:
    series = event(NOW + timedelta(days=1), [Reminder(before=timedelta(minutes=15))], rule="RRULE:FREQ=DAILY", id=1)
    series.recurrence = Recurrence.from_lines(
        ["RRULE:FREQ=DAILY", "EXDATE:20260107T090000Z"], tzid="Europe/Paris", all_day=False
    )
    keys = [p.delivery.recurrence_key for p in plan(series, NOW, days=3).planned]
    assert keys == ["20260106T090000Z", "20260108T090000Z"]


def test_an_absolute_reminder_of_a_series_reminds_once_of_the_next_occurrence() -> None:
    at = NOW + timedelta(days=1, hours=6)
    series = event(NOW + timedelta(days=1), [Reminder(at=at)], rule="RRULE:FREQ=DAILY", id=1)
    (only,) = plan(series, NOW, days=5).planned
    assert only.delivery.due_at == at and only.delivery.recurrence_key == "20260107T090000Z"


def test_a_single_event_is_planned_whole_beyond_the_horizon() -> None:
    single = event(NOW + timedelta(days=400), [Reminder(before=timedelta(hours=2))], id=1)
    (only,) = plan(single, NOW).planned
    assert only.delivery.recurrence_key is None and only.delivery.series_id is None


def test_occurrences_that_have_started_are_never_creatable() -> None:
    single = event(NOW - timedelta(minutes=5), [Reminder(before=timedelta(hours=2))], id=1)
    assert [p.creatable for p in plan(single, NOW).planned] == [False]


def test_a_reminder_whose_time_passed_before_a_future_start_is_due_at_once() -> None:
    single = event(NOW + timedelta(minutes=30), [Reminder(before=timedelta(hours=2))], id=1)
    result = plan(single, NOW)
    assert result.planned[0].creatable
    assert result.planned[0].delivery.due_at < NOW


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    policy = DeliveryPolicy(backoff_base=timedelta(seconds=10), backoff_max=timedelta(seconds=60))
    assert [policy.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


@pytest.mark.parametrize("name", ["", "a|20260105T090000Z|r0|7|email", "réunion ☕|moved-from:x", "x" * 500])
def test_delivery_ids_are_the_standard_uuid5_of_their_name(name: str) -> None:
    assert uuid5_text(name) == str(uuid.uuid5(DELIVERY_NAMESPACE, name))
