"""Rules follow the series' wall clock across DST changes (RFC 5545 §3.3.5, §3.3.10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from almanac.domain.recurrence import Recurrence, SeriesSchedule, expand

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def schedule(start: datetime, tzid: str, *lines: str, minutes: int = 30) -> SeriesSchedule:
    recurrence = Recurrence.from_lines(lines, tzid=tzid, all_day=False)
    return SeriesSchedule(start, timedelta(minutes=minutes), tzid, recurrence)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_weekly_monday_0900_paris_stays_0900_across_march_and_october() -> None:
    series = schedule(datetime(2024, 3, 18, 9, tzinfo=PARIS), "Europe/Paris", "RRULE:FREQ=WEEKLY;BYDAY=MO")
    occurrences = expand(series, utc(2024, 3, 1), utc(2024, 11, 15))
    local = [o.starts_at.astimezone(PARIS) for o in occurrences]
    assert all((t.hour, t.minute, t.weekday()) == (9, 0, 0) for t in local)
    assert len(occurrences) == 35  # 18 March .. 11 November
    by_day = {o.starts_at.date(): o.starts_at.hour for o in occurrences}
    assert by_day[datetime(2024, 3, 25).date()] == 8  # CET, UTC+1 (change on 31 March)
    assert by_day[datetime(2024, 4, 1).date()] == 7  # CEST, UTC+2
    assert by_day[datetime(2024, 10, 21).date()] == 7  # still CEST (change on 27 October)
    assert by_day[datetime(2024, 10, 28).date()] == 8  # CET again
    assert occurrences[0].recurrence_id == utc(2024, 3, 18, 8)
    assert occurrences[2].recurrence_id == utc(2024, 4, 1, 7)


def test_new_york_daily_0230_in_the_spring_forward_gap_moves_to_0330() -> None:
    series = schedule(datetime(2024, 3, 8, 2, 30, tzinfo=NEW_YORK), "America/New_York", "RRULE:FREQ=DAILY;COUNT=5")
    occurrences = expand(series, utc(2024, 3, 1), utc(2024, 4, 1))
    assert [o.starts_at for o in occurrences] == [
        utc(2024, 3, 8, 7, 30),  # 02:30 EST
        utc(2024, 3, 9, 7, 30),
        utc(2024, 3, 10, 7, 30),  # 02:30 does not exist on 10 March: 03:30 EDT
        utc(2024, 3, 11, 6, 30),  # 02:30 EDT
        utc(2024, 3, 12, 6, 30),
    ]
    assert occurrences[2].starts_at.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"
    assert occurrences[2].recurrence_id == utc(2024, 3, 10, 7, 30)


def test_new_york_daily_0130_on_fall_back_day_is_one_occurrence_at_the_first_pass() -> None:
    series = schedule(datetime(2024, 11, 1, 1, 30, tzinfo=NEW_YORK), "America/New_York", "RRULE:FREQ=DAILY;COUNT=4")
    occurrences = expand(series, utc(2024, 11, 1), utc(2024, 11, 6))
    assert [o.starts_at for o in occurrences] == [
        utc(2024, 11, 1, 5, 30),
        utc(2024, 11, 2, 5, 30),
        utc(2024, 11, 3, 5, 30),  # 01:30 EDT (fold=0); not also 01:30 EST at 06:30Z
        utc(2024, 11, 4, 6, 30),  # 01:30 EST
    ]
    assert occurrences[2].starts_at.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_a_master_in_the_second_pass_of_the_repeated_hour_keeps_its_exact_instant() -> None:
    second_pass = datetime(2024, 11, 3, 1, 30, tzinfo=NEW_YORK, fold=1)  # 01:30 EST = 06:30Z
    series = schedule(second_pass, "America/New_York", "RRULE:FREQ=DAILY;COUNT=2")
    occurrences = expand(series, utc(2024, 11, 3), utc(2024, 11, 5))
    assert [o.starts_at for o in occurrences] == [utc(2024, 11, 3, 6, 30), utc(2024, 11, 4, 6, 30)]


def test_sydney_daily_0230_in_the_october_gap_moves_to_0330() -> None:
    """Southern hemisphere: DST starts on 6 October 2024, 02:00 AEST -> 03:00 AEDT."""
    series = schedule(datetime(2024, 10, 4, 2, 30, tzinfo=SYDNEY), "Australia/Sydney", "RRULE:FREQ=DAILY")
    occurrences = expand(series, utc(2024, 10, 3), utc(2024, 10, 7, 12))
    assert [o.starts_at for o in occurrences] == [
        utc(2024, 10, 3, 16, 30),  # 02:30 AEST (UTC+10) on the 4th
        utc(2024, 10, 4, 16, 30),
        utc(2024, 10, 5, 16, 30),  # 02:30 does not exist on the 6th: 03:30 AEDT
        utc(2024, 10, 6, 15, 30),  # 02:30 AEDT (UTC+11)
    ]
    assert occurrences[2].starts_at.astimezone(SYDNEY).strftime("%H:%M") == "03:30"


def test_sydney_daily_0230_on_the_april_fall_back_is_one_occurrence_at_the_first_pass() -> None:
    """DST ends on 7 April 2024, 03:00 AEDT -> 02:00 AEST: 02:30 happens twice."""
    series = schedule(datetime(2024, 4, 5, 2, 30, tzinfo=SYDNEY), "Australia/Sydney", "RRULE:FREQ=DAILY")
    occurrences = expand(series, utc(2024, 4, 4), utc(2024, 4, 8, 12))
    assert [o.starts_at for o in occurrences] == [
        utc(2024, 4, 4, 15, 30),  # AEDT, UTC+11
        utc(2024, 4, 5, 15, 30),
        utc(2024, 4, 6, 15, 30),  # the first 02:30 of the 7th, still AEDT
        utc(2024, 4, 7, 16, 30),  # AEST, UTC+10
    ]


def test_sydney_weekly_0900_stays_local_across_both_changes() -> None:
    series = schedule(datetime(2024, 3, 4, 9, tzinfo=SYDNEY), "Australia/Sydney", "RRULE:FREQ=WEEKLY;BYDAY=MO")
    occurrences = expand(series, utc(2024, 3, 1), utc(2024, 12, 1))
    assert {o.starts_at.astimezone(SYDNEY).strftime("%a %H:%M") for o in occurrences} == {"Mon 09:00"}
    hours = {o.starts_at.date(): o.starts_at.hour for o in occurrences}
    assert hours[datetime(2024, 3, 31).date()] == 22  # Monday 1 April 09:00 AEDT = Sunday 22:00Z
    assert hours[datetime(2024, 4, 7).date()] == 23  # Monday 8 April 09:00 AEST = Sunday 23:00Z
    assert hours[datetime(2024, 10, 6).date()] == 22  # Monday 7 October 09:00 AEDT


def test_exdate_of_a_gap_occurrence_matches_by_instant_in_any_form() -> None:
    start = datetime(2024, 3, 8, 2, 30, tzinfo=NEW_YORK)
    rule = "RRULE:FREQ=DAILY;COUNT=5"
    for exdate in (
        "EXDATE:20240310T073000Z",
        "EXDATE;TZID=America/New_York:20240310T023000",
        "EXDATE;TZID=Europe/London:20240310T073000",
    ):
        series = schedule(start, "America/New_York", rule, exdate)
        starts = [o.starts_at for o in expand(series, utc(2024, 3, 1), utc(2024, 4, 1))]
        assert utc(2024, 3, 10, 7, 30) not in starts, exdate
        assert len(starts) == 4, exdate


def test_all_day_series_recur_by_date_and_their_midnights_follow_the_zone() -> None:
    recurrence = Recurrence.from_lines(["RRULE:FREQ=WEEKLY;COUNT=3"], tzid="Europe/Paris", all_day=True)
    series = SeriesSchedule(datetime(2024, 3, 24).date(), timedelta(days=1), "Europe/Paris", recurrence)
    occurrences = expand(series, utc(2024, 3, 1), utc(2024, 5, 1))
    assert [o.start_date.isoformat() for o in occurrences if o.start_date] == ["2024-03-24", "2024-03-31", "2024-04-07"]
    assert [o.starts_at for o in occurrences] == [utc(2024, 3, 23, 23), utc(2024, 3, 30, 23), utc(2024, 4, 6, 22)]
    assert occurrences[1].ends_at == utc(2024, 3, 31, 22)  # 31 March is 23 hours long in Paris
