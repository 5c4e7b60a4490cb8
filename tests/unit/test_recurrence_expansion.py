"""Expansion: EXDATE/RDATE, overrides, cancellations, window edges, far windows, all-day series, bounds, keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from almanac.domain.recurrence import (
    OccurrenceTiming,
    Recurrence,
    RecurrenceError,
    RecurrenceLimits,
    SeriesSchedule,
    expand,
    format_occurrence_key,
    parse_occurrence_key,
    series_bounds,
)

PARIS = ZoneInfo("Europe/Paris")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def paris_series(*lines: str, start: datetime | None = None, minutes: int = 60) -> SeriesSchedule:
    recurrence = Recurrence.from_lines(lines, tzid="Europe/Paris", all_day=False)
    begin = start or datetime(2024, 1, 1, 9, tzinfo=PARIS)  # a Monday, CET
    return SeriesSchedule(begin, timedelta(minutes=minutes), "Europe/Paris", recurrence)


def all_day_series(start: date, *lines: str, days: int = 1, tzid: str = "Europe/Paris") -> SeriesSchedule:
    recurrence = Recurrence.from_lines(lines, tzid=tzid, all_day=True)
    return SeriesSchedule(start, timedelta(days=days), tzid, recurrence)


def starts(occurrences: list) -> list[datetime]:  # type: ignore[type-arg]
    return [o.starts_at for o in occurrences]


# --- EXDATE and RDATE -------------------------------------------------------------------------


def test_exdate_in_the_series_zone_utc_or_another_zone_removes_the_occurrence() -> None:
    series = paris_series(
        "RRULE:FREQ=WEEKLY;COUNT=5",
        "EXDATE;TZID=Europe/Paris:20240108T090000",
        "EXDATE:20240115T080000Z",
        "EXDATE;TZID=America/New_York:20240122T030000",
    )
    assert starts(expand(series, utc(2024, 1, 1), utc(2024, 3, 1))) == [utc(2024, 1, 1, 8), utc(2024, 1, 29, 8)]


def test_exdate_that_matches_no_occurrence_changes_nothing() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE:20240108T090000Z")  # 10:00 Paris, not 09:00
    assert len(expand(series, utc(2024, 1, 1), utc(2024, 2, 1))) == 3


def test_rdate_adds_occurrences_and_duplicates_of_rule_starts_count_once() -> None:
    series = paris_series(
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "RDATE;TZID=Europe/Paris:20240103T150000",
        "RDATE:20240108T080000Z",  # the rule's second start again
    )
    occurrences = expand(series, utc(2024, 1, 1), utc(2024, 2, 1))
    assert starts(occurrences) == [utc(2024, 1, 1, 8), utc(2024, 1, 3, 14), utc(2024, 1, 8, 8)]
    assert occurrences[1].recurrence_id == utc(2024, 1, 3, 14)
    assert occurrences[1].ends_at == utc(2024, 1, 3, 15)


def test_exdate_beats_rdate_and_can_remove_dtstart() -> None:
    series = paris_series(
        "RRULE:FREQ=DAILY;COUNT=3",
        "RDATE:20240110T080000Z",
        "EXDATE:20240110T080000Z",
        "EXDATE:20240101T080000Z",
    )
    assert starts(expand(series, utc(2024, 1, 1), utc(2024, 2, 1))) == [utc(2024, 1, 2, 8), utc(2024, 1, 3, 8)]


def test_a_series_without_rule_is_its_master_plus_rdates() -> None:
    series = paris_series("RDATE:20240301T080000Z")
    assert starts(expand(series, utc(2024, 1, 1), utc(2024, 4, 1))) == [utc(2024, 1, 1, 8), utc(2024, 3, 1, 8)]
    assert starts(expand(paris_series(), utc(2024, 1, 1), utc(2024, 4, 1))) == [utc(2024, 1, 1, 8)]


# --- overrides and cancellations -----------------------------------------------------------


def test_override_moved_into_the_window_is_included_and_flagged() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;COUNT=10")
    moved = {utc(2024, 2, 26, 8): OccurrenceTiming(utc(2024, 1, 3, 12), utc(2024, 1, 3, 13))}
    occurrences = expand(series, utc(2024, 1, 2), utc(2024, 1, 7), overrides=moved)
    assert len(occurrences) == 1
    assert occurrences[0].recurrence_id == utc(2024, 2, 26, 8)
    assert occurrences[0].starts_at == utc(2024, 1, 3, 12)
    assert occurrences[0].overridden


def test_override_moved_out_of_the_window_disappears_from_its_slot() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;COUNT=10")
    moved = {utc(2024, 1, 8, 8): OccurrenceTiming(utc(2024, 5, 1, 8), utc(2024, 5, 1, 9))}
    assert starts(expand(series, utc(2024, 1, 7), utc(2024, 1, 14), overrides=moved)) == []
    later = expand(series, utc(2024, 4, 30), utc(2024, 5, 2), overrides=moved)
    assert [(o.recurrence_id, o.starts_at, o.overridden) for o in later] == [
        (utc(2024, 1, 8, 8), utc(2024, 5, 1, 8), True)
    ]


def test_override_keys_in_another_zone_and_changed_duration() -> None:
    series = paris_series("RRULE:FREQ=DAILY;COUNT=3")
    key = datetime(2024, 1, 2, 9, tzinfo=PARIS)  # the same instant as 08:00Z
    moved = {key: OccurrenceTiming(datetime(2024, 1, 2, 14, tzinfo=PARIS), datetime(2024, 1, 2, 17, tzinfo=PARIS))}
    occurrences = expand(series, utc(2024, 1, 1), utc(2024, 1, 5), overrides=moved)
    assert [(o.starts_at, o.ends_at, o.overridden) for o in occurrences] == [
        (utc(2024, 1, 1, 8), utc(2024, 1, 1, 9), False),
        (utc(2024, 1, 2, 13), utc(2024, 1, 2, 16), True),
        (utc(2024, 1, 3, 8), utc(2024, 1, 3, 9), False),
    ]


def test_overrides_of_ids_that_are_not_occurrences_are_ignored() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE:20240108T080000Z")
    moved = {
        utc(2024, 1, 8, 8): OccurrenceTiming(utc(2024, 1, 9, 8), utc(2024, 1, 9, 9)),  # excluded by EXDATE
        utc(2024, 1, 10, 8): OccurrenceTiming(utc(2024, 1, 10, 8), utc(2024, 1, 10, 9)),  # a Wednesday
        utc(2024, 3, 4, 8): OccurrenceTiming(utc(2024, 1, 11, 8), utc(2024, 1, 11, 9)),  # past COUNT
    }
    assert starts(expand(series, utc(2024, 1, 1), utc(2024, 2, 1), overrides=moved)) == [
        utc(2024, 1, 1, 8),
        utc(2024, 1, 15, 8),
    ]


def test_cancelled_occurrences_are_removed_even_when_overridden() -> None:
    series = paris_series("RRULE:FREQ=DAILY;COUNT=4")
    moved = {utc(2024, 1, 3, 8): OccurrenceTiming(utc(2024, 1, 3, 10), utc(2024, 1, 3, 11))}
    occurrences = expand(
        series, utc(2024, 1, 1), utc(2024, 1, 10), overrides=moved, cancelled={utc(2024, 1, 2, 8), utc(2024, 1, 3, 8)}
    )
    assert starts(occurrences) == [utc(2024, 1, 1, 8), utc(2024, 1, 4, 8)]


# --- window edges ----------------------------------------------------------------------------


def test_window_is_half_open_and_counts_overlap() -> None:
    series = paris_series("RRULE:FREQ=DAILY")  # 08:00-09:00Z every day
    assert starts(expand(series, utc(2024, 1, 2, 9), utc(2024, 1, 3, 8))) == []  # ends at start / starts at end
    assert starts(expand(series, utc(2024, 1, 2, 8, 59), utc(2024, 1, 3, 8, 1))) == [
        utc(2024, 1, 2, 8),  # still running at window start
        utc(2024, 1, 3, 8),  # starts before window end
    ]
    assert expand(series, utc(2024, 1, 2, 12), utc(2024, 1, 2, 12)) == []


def test_zero_length_occurrences_count_at_window_start_not_at_window_end() -> None:
    series = paris_series("RRULE:FREQ=DAILY", minutes=0)
    assert starts(expand(series, utc(2024, 1, 2, 8), utc(2024, 1, 3, 8))) == [utc(2024, 1, 2, 8)]


def test_long_occurrences_that_started_before_the_window_are_included() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;BYDAY=MO", minutes=60 * 24 * 5)  # Monday 09:00 to Saturday 09:00
    occurrences = expand(series, utc(2024, 1, 12), utc(2024, 1, 13))  # a Friday
    assert [o.recurrence_id for o in occurrences] == [utc(2024, 1, 8, 8)]


def test_window_ending_before_it_starts_is_an_error() -> None:
    with pytest.raises(RecurrenceError, match="before it starts"):
        expand(paris_series("RRULE:FREQ=DAILY"), utc(2024, 2, 1), utc(2024, 1, 1))


def test_naive_window_bounds_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="naive"):
        expand(paris_series("RRULE:FREQ=DAILY"), datetime(2024, 1, 1), utc(2024, 1, 2))


# --- far windows -----------------------------------------------------------------------------


def test_infinite_rule_far_in_the_future_keeps_wall_clock_and_interval() -> None:
    series = paris_series("RRULE:FREQ=DAILY;INTERVAL=3")
    occurrences = expand(series, utc(2087, 7, 1), utc(2087, 7, 10))
    first = datetime(2024, 1, 1).date()
    assert all((o.starts_at.astimezone(PARIS).date() - first).days % 3 == 0 for o in occurrences)
    assert [o.starts_at.astimezone(PARIS).strftime("%d %H:%M") for o in occurrences] == [
        "02 09:00",
        "05 09:00",
        "08 09:00",  # 1 July 2087 is 23,193 days (3k + 2) after 1 January 2024
    ]


def test_far_window_of_a_dense_rule_does_not_walk_from_the_start() -> None:
    """An HOURLY rule from 1990 viewed in 2090: walking from the start would examine ~175,000 starts,
    far beyond the engine's examination budget (10 x max_occurrences = 10,000), so this only passes
    if the engine re-anchors near the window."""
    start = datetime(1990, 1, 1, 0, 15, tzinfo=PARIS)
    series = paris_series("RRULE:FREQ=HOURLY;INTERVAL=5", start=start, minutes=10)
    occurrences = expand(series, utc(2090, 6, 1), utc(2090, 6, 2), limits=RecurrenceLimits(max_occurrences=1000))
    naive_start = start.replace(tzinfo=None)
    local_hours = [
        (o.starts_at.astimezone(PARIS).replace(tzinfo=None) - naive_start) / timedelta(hours=1) for o in occurrences
    ]
    # 00:00Z is 02:00 CEST; 00:15 local + 5k hours first reaches it at 06:15 CEST (04:15Z), then 11:15, 16:15, 21:15.
    assert [o.starts_at for o in occurrences] == [utc(2090, 6, 1, h, 15) for h in (4, 9, 14, 19)]
    assert all(hours.is_integer() and hours % 5 == 0 for hours in local_hours)  # steps counted on the wall clock


def test_far_window_with_until_and_weekly_interval() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU;UNTIL=20600101T000000Z")
    occurrences = expand(series, utc(2059, 12, 1), utc(2060, 2, 1))
    local = [o.starts_at.astimezone(PARIS) for o in occurrences]
    assert local and all(t.strftime("%a %H:%M") in ("Tue 09:00", "Thu 09:00") for t in local)
    assert max(local) < datetime(2060, 1, 1, tzinfo=UTC)
    weeks = {((t.date() - date(2023, 12, 31)).days // 7) % 2 for t in local}  # weeks start on Sunday
    assert weeks == {0}


def test_count_rule_in_a_far_window_stops_at_count() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;COUNT=100")
    last = datetime(2024, 1, 1, 9, tzinfo=PARIS) + timedelta(weeks=99)
    occurrences = expand(series, last - timedelta(weeks=2, hours=1), last + timedelta(weeks=5))
    assert [o.starts_at.astimezone(PARIS).date() for o in occurrences] == [
        (last - timedelta(weeks=2)).date(),
        (last - timedelta(weeks=1)).date(),
        last.date(),
    ]


# --- all-day series --------------------------------------------------------------------------


def test_yearly_all_day_on_29_february_occurs_only_in_leap_years() -> None:
    series = all_day_series(date(2024, 2, 29), "RRULE:FREQ=YEARLY")
    occurrences = expand(series, utc(2024, 1, 1), utc(2033, 12, 31))
    assert [o.start_date for o in occurrences] == [date(2024, 2, 29), date(2028, 2, 29), date(2032, 2, 29)]
    assert [o.recurrence_id for o in occurrences] == [date(2024, 2, 29), date(2028, 2, 29), date(2032, 2, 29)]
    assert all(o.end_date == date(o.start_date.year, 3, 1) for o in occurrences if o.start_date)
    assert occurrences[0].starts_at == utc(2024, 2, 28, 23)  # Paris midnight
    centuries = expand(series, utc(2096, 1, 1), utc(2105, 1, 1))
    assert [o.start_date for o in centuries] == [date(2096, 2, 29), date(2104, 2, 29)]  # 2100 is not a leap year


def test_all_day_exdate_rdate_and_multi_day_duration() -> None:
    series = all_day_series(
        date(2024, 3, 1),
        "RRULE:FREQ=WEEKLY;BYDAY=FR;UNTIL=20240329",
        "EXDATE;VALUE=DATE:20240315",
        "RDATE;VALUE=DATE:20240320",
        days=2,
    )
    occurrences = expand(series, utc(2024, 2, 1), utc(2024, 5, 1))
    assert [(o.start_date, o.end_date) for o in occurrences] == [
        (date(2024, 3, 1), date(2024, 3, 3)),
        (date(2024, 3, 8), date(2024, 3, 10)),
        (date(2024, 3, 20), date(2024, 3, 22)),
        (date(2024, 3, 22), date(2024, 3, 24)),
        (date(2024, 3, 29), date(2024, 3, 31)),
    ]
    assert all(o.all_day and o.key == o.start_date.strftime("%Y%m%d") for o in occurrences if o.start_date)


def test_all_day_window_uses_local_midnights_of_the_zone() -> None:
    series = all_day_series(date(2024, 6, 1), "RRULE:FREQ=DAILY", tzid="Pacific/Auckland")  # UTC+12 in June
    occurrences = expand(series, utc(2024, 6, 9, 12), utc(2024, 6, 9, 13))
    assert [o.start_date for o in occurrences] == [date(2024, 6, 10)]  # 00:00 NZST on the 10th is 12:00Z on the 9th


def test_all_day_override_cancel_and_key() -> None:
    series = all_day_series(date(2024, 1, 1), "RRULE:FREQ=DAILY;COUNT=5")
    moved = {date(2024, 1, 2): OccurrenceTiming(date(2024, 1, 10), date(2024, 1, 12))}
    occurrences = expand(series, utc(2024, 1, 1), utc(2024, 2, 1), overrides=moved, cancelled={date(2024, 1, 3)})
    assert [(o.recurrence_id, o.start_date, o.overridden) for o in occurrences] == [
        (date(2024, 1, 1), date(2024, 1, 1), False),
        (date(2024, 1, 4), date(2024, 1, 4), False),
        (date(2024, 1, 5), date(2024, 1, 5), False),
        (date(2024, 1, 2), date(2024, 1, 10), True),
    ]


# --- bounds ----------------------------------------------------------------------------------


def test_bounds_of_count_until_and_infinite_rules() -> None:
    counted = series_bounds(paris_series("RRULE:FREQ=WEEKLY;COUNT=30"))
    assert counted.first_start == utc(2024, 1, 1, 8)
    assert counted.last_end == datetime(2024, 7, 22, 10, tzinfo=PARIS)  # 30th Monday, CEST, + 1 hour
    until = series_bounds(paris_series("RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20241231T000000Z"))
    assert until.last_end == datetime(2024, 12, 27, 10, tzinfo=PARIS)
    infinite = series_bounds(paris_series("RRULE:FREQ=DAILY"))
    assert (infinite.first_start, infinite.last_end) == (utc(2024, 1, 1, 8), None)
    single = series_bounds(paris_series())
    assert (single.first_start, single.last_end) == (utc(2024, 1, 1, 8), utc(2024, 1, 1, 9))


def test_bounds_include_rdates_overrides_and_skip_removed_occurrences() -> None:
    series = paris_series(
        "RRULE:FREQ=DAILY;COUNT=5", "EXDATE:20240101T080000Z", "RDATE:20231225T080000Z", "RDATE:20240301T080000Z"
    )
    assert series_bounds(series) == series_bounds(series)  # deterministic
    bounds = series_bounds(series, cancelled={utc(2023, 12, 25, 8)})
    assert (bounds.first_start, bounds.last_end) == (utc(2024, 1, 2, 8), utc(2024, 3, 1, 9))
    moved = {utc(2024, 1, 5, 8): OccurrenceTiming(utc(2024, 6, 1, 8), utc(2024, 6, 1, 12))}
    assert series_bounds(series, overrides=moved).last_end == utc(2024, 6, 1, 12)
    early = {utc(2024, 1, 3, 8): OccurrenceTiming(utc(2023, 1, 1, 8), utc(2023, 1, 1, 9))}
    assert series_bounds(series, overrides=early).first_start == utc(2023, 1, 1, 8)
    rdate_moved = {utc(2024, 3, 1, 8): OccurrenceTiming(utc(2024, 1, 10, 8), utc(2024, 1, 10, 9))}
    assert series_bounds(series, overrides=rdate_moved).last_end == utc(2024, 1, 10, 9)


def test_bounds_of_an_infinite_rule_with_its_first_occurrences_removed() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY", "EXDATE:20240101T080000Z")
    bounds = series_bounds(series, cancelled={utc(2024, 1, 8, 8)})
    assert (bounds.first_start, bounds.last_end) == (utc(2024, 1, 15, 8), None)


def test_bounds_of_a_long_until_rule_are_a_safe_upper_bound() -> None:
    series = paris_series("RRULE:FREQ=DAILY;UNTIL=20991231T230000Z")
    bounds = series_bounds(series, limits=RecurrenceLimits(max_occurrences=500))
    assert bounds.first_start == utc(2024, 1, 1, 8)
    assert bounds.last_end is not None
    assert bounds.last_end >= datetime(2099, 12, 31, 10, tzinfo=PARIS)  # the true last end
    assert bounds.last_end <= utc(2100, 1, 1)
    exact = series_bounds(series, limits=RecurrenceLimits(max_occurrences=30_000))
    assert exact.last_end == datetime(2099, 12, 31, 10, tzinfo=PARIS)


def test_bounds_of_all_day_series() -> None:
    bounds = series_bounds(all_day_series(date(2024, 2, 29), "RRULE:FREQ=YEARLY;COUNT=3"))
    assert (bounds.first_start, bounds.last_end) == (utc(2024, 2, 28, 23), utc(2032, 2, 29, 23))


def test_bounds_when_every_occurrence_is_removed_are_the_masters_span() -> None:
    series = paris_series("RRULE:FREQ=DAILY;COUNT=2", "EXDATE:20240101T080000Z,20240102T080000Z")
    bounds = series_bounds(series)
    assert (bounds.first_start, bounds.last_end) == (utc(2024, 1, 1, 8), utc(2024, 1, 1, 9))
    assert expand(series, utc(2024, 1, 1), utc(2024, 2, 1)) == []


# --- occurrence keys -------------------------------------------------------------------------


def test_occurrence_keys_format_in_utc_and_parse_utc_local_and_date_forms() -> None:
    instant = datetime(2024, 7, 1, 9, tzinfo=PARIS)
    assert format_occurrence_key(instant) == "20240701T070000Z"
    assert format_occurrence_key(date(2024, 2, 29)) == "20240229"
    assert parse_occurrence_key("20240701T070000Z", tzid="Europe/Paris", all_day=False) == instant
    assert parse_occurrence_key("20240701T090000", tzid="Europe/Paris", all_day=False) == instant
    assert parse_occurrence_key("20240229", tzid="Europe/Paris", all_day=True) == date(2024, 2, 29)
    gap = parse_occurrence_key("20240331T023000", tzid="Europe/Paris", all_day=False)
    assert gap == utc(2024, 3, 31, 1, 30)  # 02:30 does not exist: 03:30 CEST


def test_occurrence_keys_round_trip_through_expansion() -> None:
    series = paris_series("RRULE:FREQ=WEEKLY;COUNT=3")
    for occurrence in expand(series, utc(2024, 1, 1), utc(2024, 2, 1)):
        assert parse_occurrence_key(occurrence.key, tzid="Europe/Paris", all_day=False) == occurrence.recurrence_id


@pytest.mark.parametrize(
    ("key", "all_day", "message"),
    [
        ("2024-07-01", False, "is not an occurrence key"),
        ("20240701T0700Z", False, "is not an occurrence key"),
        ("20241301T070000Z", False, "is not an occurrence key"),
        ("20240701", False, "is a date, but the series has start times"),
    ],
)
def test_bad_occurrence_keys_are_rejected(key: str, all_day: bool, message: str) -> None:
    with pytest.raises(RecurrenceError, match=message) as caught:
        parse_occurrence_key(key, tzid="Europe/Paris", all_day=all_day)
    assert caught.value.problems[0].field == "recurrence_id"
    assert caught.value.problems[0].code == "invalid_recurrence"
