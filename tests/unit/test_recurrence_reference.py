"""The engine against a reference: recurring-ical-events (on icalendar) over the .ics fixtures.

Each fixture in tests/data/ics/ holds one series (and possibly overridden
instances). Both expanders get the same windows; their occurrence starts, as
UTC instants (dates for all-day events), must be equal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events

from almanac.domain.recurrence import (
    OccurrenceTiming,
    Recurrence,
    SeriesSchedule,
    expand,
)

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "ics"

# (fixture, windows as (start, end) UTC dates)
CASES: list[tuple[str, list[tuple[date, date]]]] = [
    ("weekly_paris_across_dst.ics", [(date(2024, 3, 1), date(2024, 5, 1)), (date(2024, 10, 1), date(2024, 12, 31))]),
    ("monthly_last_friday_new_york.ics", [(date(2024, 1, 1), date(2025, 1, 1)), (date(2031, 2, 1), date(2031, 8, 1))]),
    ("yearly_feb29_all_day.ics", [(date(2024, 1, 1), date(2034, 1, 1)), (date(2095, 1, 1), date(2105, 1, 1))]),
    ("daily_exdate_rdate_berlin.ics", [(date(2024, 3, 20), date(2024, 4, 30)), (date(2024, 3, 30), date(2024, 4, 3))]),
    (
        "weekly_overridden_instance_london.ics",
        [
            (date(2024, 3, 1), date(2024, 3, 10)),
            (date(2024, 3, 20), date(2024, 4, 1)),
            (date(2024, 3, 1), date(2024, 6, 1)),
        ],
    ),
    ("daily_until_utc_los_angeles.ics", [(date(2024, 3, 1), date(2024, 4, 1))]),
    ("monthly_bysetpos_last_weekday_tokyo.ics", [(date(2024, 1, 1), date(2026, 3, 1))]),
    ("daily_sydney_across_dst.ics", [(date(2024, 4, 3), date(2024, 4, 10)), (date(2024, 10, 2), date(2024, 10, 9))]),
    ("weekly_all_day_exdate_rdate.ics", [(date(2024, 2, 1), date(2024, 8, 1))]),
    ("yearly_bymonth_byweekno_new_york.ics", [(date(1997, 1, 1), date(2005, 1, 1))]),
]


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _key(value: Any) -> datetime | date:
    """A start as compared: a UTC instant, or a date for all-day."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    assert isinstance(value, date)
    return value


def _engine_starts(calendar: icalendar.Calendar, start: date, end: date) -> list[datetime | date]:
    events: list[Any] = list(calendar.walk("VEVENT"))
    master = next(event for event in events if "RECURRENCE-ID" not in event)
    dtstart: Any = master["DTSTART"]
    tzid = dtstart.params.get("TZID", "UTC")
    all_day = not isinstance(dtstart.dt, datetime)
    duration = master["DTEND"].dt - dtstart.dt if "DTEND" in master else master["DURATION"].dt
    lines = [
        line.decode() if isinstance(line, bytes) else str(line)
        for line in master.content_lines()
        if str(line).startswith(("RRULE", "RDATE", "EXDATE"))
    ]
    schedule = SeriesSchedule(dtstart.dt, duration, tzid, Recurrence.from_lines(lines, tzid=tzid, all_day=all_day))
    overrides: dict[datetime | date, OccurrenceTiming] = {
        event["RECURRENCE-ID"].dt: OccurrenceTiming(event["DTSTART"].dt, event["DTEND"].dt)
        for event in events
        if "RECURRENCE-ID" in event
    }
    occurrences = expand(schedule, _utc(start), _utc(end), overrides=overrides)
    return [o.start_date if o.start_date is not None else o.starts_at for o in occurrences]


def _reference_starts(calendar: icalendar.Calendar, start: date, end: date) -> list[datetime | date]:
    found = recurring_ical_events.of(calendar).between(_utc(start), _utc(end))
    return sorted((_key(event["DTSTART"].dt) for event in found), key=lambda v: (str(type(v)), v))


@pytest.mark.parametrize(("fixture", "windows"), CASES, ids=[case[0] for case in CASES])
def test_engine_matches_recurring_ical_events(fixture: str, windows: list[tuple[date, date]]) -> None:
    calendar = icalendar.Calendar.from_ical((FIXTURES / fixture).read_bytes())
    for start, end in windows:
        ours = _engine_starts(calendar, start, end)
        reference = _reference_starts(calendar, start, end)
        assert ours, f"{fixture}: the window {start}..{end} should not be empty"
        assert sorted(ours, key=lambda v: (str(type(v)), v)) == reference, f"{fixture} {start}..{end}"


def test_fixture_corpus_is_complete() -> None:
    """Every fixture on disk is exercised, and there are at least eight scenarios."""
    on_disk = {path.name for path in FIXTURES.glob("*.ics")}
    assert on_disk == {case[0] for case in CASES}
    assert len(on_disk) >= 8


def test_overridden_fixture_moves_instances_across_windows() -> None:
    """The London fixture really exercises overrides: an instance pulled from May into early March."""
    calendar = icalendar.Calendar.from_ical((FIXTURES / "weekly_overridden_instance_london.ics").read_bytes())
    early_march = _engine_starts(calendar, date(2024, 3, 1), date(2024, 3, 10))
    assert datetime(2024, 3, 4, 9, tzinfo=UTC) in early_march  # moved in from 7 May
    late_march = _engine_starts(calendar, date(2024, 3, 20), date(2024, 4, 1))
    assert datetime(2024, 3, 26, 14, tzinfo=UTC) not in late_march  # moved away...
    assert datetime(2024, 3, 28, 11, tzinfo=UTC) in late_march  # ...to Thursday
    assert timedelta(0) < datetime(2024, 3, 28, 11, tzinfo=UTC) - datetime(2024, 3, 26, 14, tzinfo=UTC)
