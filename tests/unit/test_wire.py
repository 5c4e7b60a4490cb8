"""Parsing and printing of instants and durations shared by the JSON faces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic_core import PydanticCustomError

from almanac.api.wire import format_duration, format_instant, parse_duration, parse_instant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-01-01T00:00:00+00:00", datetime(2022, 1, 1, tzinfo=UTC)),
        ("2022-01-01T09:00:00+09:00", datetime(2022, 1, 1, tzinfo=UTC)),
        ("2022-01-01T00:00:00Z", datetime(2022, 1, 1, tzinfo=UTC)),
        ("2022-01-01T00:00:00 00:00", datetime(2022, 1, 1, tzinfo=UTC)),  # '+' decoded as a space
        ("2022-01-01T00:00:00.5-01:30", datetime(2022, 1, 1, 1, 30, 0, 500000, tzinfo=UTC)),
    ],
)
def test_instants_with_offsets_parse_to_utc(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize("text", ["2022-01-01", "2022-13-01T00:00:00Z", "", "x" * 100, "9999-12-31T23:00:00-05:00"])
def test_bad_instants_are_refused(text: str) -> None:
    with pytest.raises(PydanticCustomError):
        parse_instant(text)


def test_instants_print_in_utc_with_seconds() -> None:
    assert format_instant(datetime(2022, 1, 1, 9, tzinfo=UTC)) == "2022-01-01T09:00:00+00:00"


@pytest.mark.parametrize(("text", "seconds"), [("PT2H", 7200), ("P1D", 86400), ("P1W", 604800), ("PT0S", 0)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["P", "PT", "P1M", "P1Y", "-PT5M", "2H", "PT1.5H"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(PydanticCustomError):
        parse_duration(text)


def test_durations_print_canonically() -> None:
    assert format_duration(timedelta(minutes=90)) == "PT1H30M"
