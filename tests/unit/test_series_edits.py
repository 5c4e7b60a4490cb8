"""Splitting and moving stored series (domain.series_edits): the two halves of a split produce exactly the
original occurrences, and a moved series keeps its wall-clock time, weekdays and exceptions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from almanac.domain.events import Event, schedule_of
from almanac.domain.recurrence import Recurrence, RecurrenceLimits, expand
from almanac.domain.series_edits import WallClockShift, occurrence_slot, shift_recurrence, split_recurrence

LIMITS = RecurrenceLimits()
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def series(*lines: str, start: datetime = START, all_day: bool = False) -> Event:
    end = start + (timedelta(days=1) if all_day else timedelta(minutes=30))
    return Event(
        calendar_id=1,
        author_id=1,
        summary="S",
        starts_at=start,
        ends_at=end,
        tzid="Europe/Paris",
        all_day=all_day,
        recurrence=Recurrence.from_lines(lines, tzid="Europe/Paris", all_day=all_day),
        id=1,
    )


def starts(event: Event) -> list[datetime | date]:
    return [o.recurrence_id for o in expand(schedule_of(event), *WINDOW)]


def halves(event: Event, at: datetime | date) -> tuple[Event, Event]:
    split = split_recurrence(event, at, LIMITS)
    before = replace(event, recurrence=split.before)
    at_start = at if isinstance(at, datetime) else datetime.combine(at, datetime.min.time(), UTC) - timedelta(hours=1)
    after = replace(
        event, starts_at=at_start, ends_at=at_start + (event.ends_at - event.starts_at), recurrence=split.after
    )
    return before, after


@pytest.mark.parametrize(
    "lines",
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6",),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260430T215959Z",),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20260309T080000Z", "EXDATE:20260406T070000Z"),
        ("RRULE:FREQ=DAILY;INTERVAL=3;COUNT=20", "RDATE:20260320T120000Z"),
    ],
)
def test_the_halves_of_a_split_make_the_original_series(lines: tuple[str, ...]) -> None:
    event = series(*lines)
    every = starts(event)
    at = every[3]
    assert isinstance(at, datetime)
    before, after = halves(event, at)
    assert starts(before) + starts(after) == every
    assert starts(before)[-1] < at == starts(after)[0]


def test_a_count_is_shared_out_and_an_until_ends_the_day_before() -> None:
    counted = split_recurrence(
        series("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6"), datetime(2026, 3, 23, 8, tzinfo=UTC), LIMITS
    )
    assert counted.before is not None and counted.after is not None
    assert (counted.before.rrule, counted.after.rrule) == (
        "FREQ=WEEKLY;COUNT=3;BYDAY=MO",
        "FREQ=WEEKLY;COUNT=3;BYDAY=MO",
    )
    until = split_recurrence(series("RRULE:FREQ=WEEKLY;BYDAY=MO"), datetime(2026, 3, 30, 7, tzinfo=UTC), LIMITS)
    assert until.before is not None and until.before.rrule == "FREQ=WEEKLY;UNTIL=20260329T215959Z;BYDAY=MO"
    # Twice a day: the first one of the split's day stays with the old series.
    twice = series("RRULE:FREQ=DAILY;BYHOUR=9,15")
    split = split_recurrence(twice, datetime(2026, 3, 3, 14, tzinfo=UTC), LIMITS)
    assert split.before is not None and split.before.rrule == "FREQ=DAILY;UNTIL=20260303T135959Z;BYHOUR=9,15"


def test_an_all_day_series_splits_by_date() -> None:
    event = series("RRULE:FREQ=DAILY;COUNT=5", start=datetime(2026, 3, 1, 23, tzinfo=UTC), all_day=True)
    split = split_recurrence(event, date(2026, 3, 4), LIMITS)
    assert split.before is not None and split.after is not None
    assert (split.before.rrule, split.after.rrule) == ("FREQ=DAILY;COUNT=2", "FREQ=DAILY;COUNT=3")


def test_nothing_is_left_to_repeat_from_an_extra_date_after_the_last_counted_start() -> None:
    event = series("RRULE:FREQ=WEEKLY;COUNT=2", "RDATE:20260320T120000Z")
    split = split_recurrence(event, datetime(2026, 3, 20, 12, tzinfo=UTC), LIMITS)
    assert split.after is None
    assert split.before is not None and split.before.to_lines() == ["RRULE:FREQ=WEEKLY;COUNT=2"]


def test_a_slot_is_an_occurrence_of_the_rule_not_an_exdate_nor_a_stray_instant() -> None:
    event = series("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20260309T080000Z")
    slot = occurrence_slot(event, datetime(2026, 3, 30, 7, tzinfo=UTC), LIMITS)
    assert slot is not None and slot.ends_at == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)
    assert occurrence_slot(event, datetime(2026, 3, 9, 8, tzinfo=UTC), LIMITS) is None
    assert occurrence_slot(event, datetime(2026, 3, 30, 8, tzinfo=UTC), LIMITS) is None
    assert occurrence_slot(event, date(2026, 3, 30), LIMITS) is None


def test_a_moved_series_keeps_its_wall_clock_time_weekdays_and_exceptions() -> None:
    event = series("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260401T215959Z", "EXDATE:20260330T070000Z")
    # From Monday 09:00 to Tuesday 10:00 (Paris), measured on an occurrence after the DST change.
    shift = WallClockShift.between(
        "Europe/Paris", datetime(2026, 3, 30, 7, tzinfo=UTC), datetime(2026, 3, 31, 8, tzinfo=UTC)
    )
    assert (shift.delta, shift.days) == (timedelta(days=1, hours=1), 1)
    moved = shift_recurrence(event.recurrence or Recurrence(), shift)
    assert moved.to_lines() == [
        "RRULE:FREQ=WEEKLY;UNTIL=20260402T225959Z;BYDAY=TU,TH",
        "EXDATE:20260331T080000Z",
    ]
    assert shift.instant(START) == datetime(2026, 3, 3, 9, tzinfo=UTC)  # 10:00 in winter too
