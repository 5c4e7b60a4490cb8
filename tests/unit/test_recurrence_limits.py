"""Guard-rails: occurrence count, allowed frequencies, window length, dead and dense rules; never hang."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from almanac.domain.recurrence import (
    FREQUENCIES,
    Recurrence,
    RecurrenceError,
    RecurrenceLimitError,
    RecurrenceLimits,
    SeriesSchedule,
    expand,
    series_bounds,
)

START = datetime(2024, 1, 1, 9, tzinfo=ZoneInfo("Europe/Paris"))


def series(rule: str, start: datetime = START) -> SeriesSchedule:
    recurrence = Recurrence.from_lines([f"RRULE:{rule}"], tzid="Europe/Paris", all_day=False)
    return SeriesSchedule(start, timedelta(minutes=30), "Europe/Paris", recurrence)


def test_infinite_daily_over_ten_years_finishes_fast() -> None:
    began = time.perf_counter()
    occurrences = expand(series("FREQ=DAILY"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2033, 12, 31, tzinfo=UTC))
    assert len(occurrences) == 3652
    assert time.perf_counter() - began < 10  # in practice well under a second


def test_infinite_hourly_over_ten_years_fails_fast_on_the_occurrence_limit() -> None:
    with pytest.raises(RecurrenceLimitError) as caught:
        expand(series("FREQ=HOURLY"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2033, 12, 31, tzinfo=UTC))
    problem = caught.value.problems[0]
    assert problem.code == "recurrence_too_large"
    assert problem.params["limit"] == 10_000
    assert "would produce more than 10000 occurrences between" in str(caught.value)


def test_window_occurrence_limit_is_a_parameter_and_exact() -> None:
    limits = RecurrenceLimits(max_occurrences=31)
    january = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))
    assert len(expand(series("FREQ=DAILY"), *january, limits=limits)) == 31
    with pytest.raises(RecurrenceLimitError, match="more than 30 occurrences"):
        expand(series("FREQ=DAILY"), *january, limits=RecurrenceLimits(max_occurrences=30))
    cancelled = {datetime(2024, 1, 31, 8, tzinfo=UTC)}
    assert len(expand(series("FREQ=DAILY"), *january, cancelled=cancelled, limits=RecurrenceLimits(30))) == 30


def test_count_above_the_limit_is_refused_on_expand_and_bounds() -> None:
    rule = series("FREQ=DAILY;COUNT=20001")
    with pytest.raises(RecurrenceLimitError, match=r"The rule FREQ=DAILY;COUNT=20001 would produce more than 10000"):
        series_bounds(rule)
    with pytest.raises(RecurrenceLimitError):
        expand(rule, datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))
    assert series_bounds(series("FREQ=DAILY;COUNT=10000")).last_end is not None


@pytest.mark.parametrize("freq", ["MINUTELY", "SECONDLY"])
def test_sub_hourly_frequencies_are_not_allowed_by_default(freq: str) -> None:
    with pytest.raises(RecurrenceError) as caught:
        expand(series(f"FREQ={freq};COUNT=3"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))
    assert not isinstance(caught.value, RecurrenceLimitError)
    assert caught.value.problems[0].code == "invalid_recurrence"
    assert f"FREQ={freq} is not allowed on this server." in str(caught.value)
    allowed = RecurrenceLimits(allowed_frequencies=frozenset(FREQUENCIES))
    occurrences = expand(
        series(f"FREQ={freq};COUNT=3"),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 2, tzinfo=UTC),
        limits=allowed,
    )
    assert len(occurrences) == 3


def test_allowed_frequencies_can_be_narrowed() -> None:
    limits = RecurrenceLimits(allowed_frequencies=frozenset({"WEEKLY", "MONTHLY", "YEARLY"}))
    with pytest.raises(RecurrenceError, match="FREQ=DAILY is not allowed"):
        series_bounds(series("FREQ=DAILY"), limits=limits)


def test_window_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(RecurrenceLimitError, match="is longer than the 3653 days") as caught:
        expand(series("FREQ=YEARLY"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2034, 1, 3, tzinfo=UTC))
    assert caught.value.problems[0].field == "window"
    short = RecurrenceLimits(max_window=timedelta(days=31))
    with pytest.raises(RecurrenceLimitError, match="longer than the 31 days"):
        expand(series("FREQ=YEARLY"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC), limits=short)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=YEARLY;BYWEEKNO=1;BYMONTH=6",
        "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=31;COUNT=3",
        "FREQ=YEARLY;BYYEARDAY=60;BYMONTH=3;BYMONTHDAY=2",
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU",  # every 7 days from a Monday is always Monday
        "FREQ=MONTHLY;INTERVAL=12;BYMONTH=6",  # every 12 months from January is always January
        "FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=1,2,3;BYSETPOS=2;BYMONTH=2;INTERVAL=12",
        "FREQ=HOURLY;INTERVAL=2;BYHOUR=10",  # from 09:00, every 2 hours is always odd
    ],
)
def test_rules_that_never_recur_are_refused_quickly(rule: str) -> None:
    """Without this check dateutil would search for the next occurrence until year 9999."""
    began = time.perf_counter()
    with pytest.raises(RecurrenceError, match="never produces an occurrence"):
        expand(series(rule), datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC))
    assert time.perf_counter() - began < 30  # some hundred years of dateutil search at worst


def test_sparse_but_real_rules_are_accepted() -> None:
    leap_monday = series("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO")  # 29 February on a Monday
    occurrences = expand(leap_monday, datetime(2040, 1, 1, tzinfo=UTC), datetime(2049, 12, 31, tzinfo=UTC))
    assert [o.starts_at.date() for o in occurrences] == [date(2044, 2, 29)]


def test_dense_rules_fail_fast_even_when_the_window_is_empty() -> None:
    """Every minute of January, yearly: a June window holds nothing, but January's 44,640 starts are in the way."""
    rule = (
        "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY="
        + ",".join(map(str, range(1, 32)))
        + ";BYHOUR="
        + ",".join(map(str, range(24)))
        + ";BYMINUTE="
        + ",".join(map(str, range(60)))
    )
    limits = RecurrenceLimits(max_occurrences=1000)
    with pytest.raises(RecurrenceLimitError, match="is too dense: expanding it means examining more than 10000"):
        expand(series(rule), datetime(2030, 6, 1, tzinfo=UTC), datetime(2030, 6, 2, tzinfo=UTC), limits=limits)


def test_problem_params_are_plain_values_a_face_can_serialise() -> None:
    errors: list[RecurrenceError | RecurrenceLimitError] = []
    attempts = [
        lambda: expand(series("FREQ=HOURLY"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2033, 1, 1, tzinfo=UTC)),
        lambda: expand(series("FREQ=DAILY"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)),
        lambda: expand(series("FREQ=DAILY"), datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)),
        lambda: series_bounds(series("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")),
        lambda: series_bounds(series("FREQ=MINUTELY")),
    ]
    for attempt in attempts:
        with pytest.raises((RecurrenceError, RecurrenceLimitError)) as caught:
            attempt()
        errors.append(caught.value)
    for error in errors:
        for problem in error.problems:
            assert json.loads(json.dumps(problem.params)) == problem.params
            assert "%(" not in problem.template % problem.params
