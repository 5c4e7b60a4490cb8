"""A window far from DTSTART gives exactly what walking the rule from DTSTART gives.

The engine re-anchors infinite and UNTIL rules near the window; the oracle here
is plain dateutil run from DTSTART over the series' wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from almanac.domain.recurrence import FREQUENCIES, Recurrence, RecurrenceLimits, SeriesSchedule, expand

ZONE = "America/New_York"
NY = ZoneInfo(ZONE)
EVERYTHING = RecurrenceLimits(allowed_frequencies=frozenset(FREQUENCIES), max_occurrences=50_000)

RULES = [
    ("20230615T101500", "FREQ=YEARLY"),
    ("20230615T101500", "FREQ=YEARLY;INTERVAL=3;BYMONTH=2,6;BYDAY=-1SU,1MO"),
    ("20230102T080000", "FREQ=YEARLY;BYWEEKNO=1,27,-1;BYDAY=TH;WKST=SU"),
    ("20230105T080000", "FREQ=YEARLY;INTERVAL=2;BYYEARDAY=1,-1,100;BYHOUR=8,20"),
    ("20230131T093000", "FREQ=MONTHLY"),
    ("20230131T093000", "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=-1,15"),
    ("20230117T093000", "FREQ=MONTHLY;INTERVAL=7;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1"),
    ("20230118T070000", "FREQ=WEEKLY"),
    ("20230118T070000", "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,TU,SA;WKST=SU"),
    ("20230118T070000", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=TH;BYSETPOS=-1"),
    ("20230118T235900", "FREQ=DAILY;INTERVAL=11"),
    ("20230118T070000", "FREQ=DAILY;INTERVAL=4;BYHOUR=6,18;BYMINUTE=5,55"),
    ("20230118T071500", "FREQ=HOURLY;INTERVAL=7"),
    ("20230118T071500", "FREQ=HOURLY;INTERVAL=5;BYHOUR=2,7,12;BYMINUTE=0,45"),
    ("20230118T071520", "FREQ=MINUTELY;INTERVAL=97;BYHOUR=1,2,3,9"),
    ("20230118T071520", "FREQ=SECONDLY;INTERVAL=7919;BYDAY=SA"),
    ("20230118T090000", "FREQ=WEEKLY;BYDAY=MO;UNTIL=20241110T000000Z"),
]
WINDOWS = [
    (datetime(2024, 3, 9, 12, tzinfo=UTC), datetime(2024, 3, 12, tzinfo=UTC)),  # around spring-forward
    (datetime(2024, 10, 28, tzinfo=UTC), datetime(2024, 11, 11, tzinfo=UTC)),  # around fall-back
    (datetime(2026, 5, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
]


def oracle(dtstart: datetime, rule: str, start: datetime, end: datetime, duration: timedelta) -> list[datetime]:
    naive = dtstart.replace(tzinfo=None)
    parts = dict(part.split("=") for part in rule.split(";"))
    until = datetime.strptime(parts.pop("UNTIL"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if "UNTIL" in parts else None
    instants: set[datetime] = {dtstart.astimezone(UTC)}
    walk = "RRULE:" + ";".join(f"{name}={value}" for name, value in parts.items())
    for local in rrulestr(walk, dtstart=naive):
        if local > (end.astimezone(NY) + timedelta(days=2)).replace(tzinfo=None):
            break
        instant = local.replace(tzinfo=NY).astimezone(UTC)
        if until is None or instant <= until:
            instants.add(instant)
    return sorted(t for t in instants if t < end and t + duration > start)


@pytest.mark.parametrize(("dtstart", "rule"), RULES, ids=[rule for _, rule in RULES])
def test_far_windows_match_walking_from_dtstart(dtstart: str, rule: str) -> None:
    begin = datetime.strptime(dtstart, "%Y%m%dT%H%M%S").replace(tzinfo=NY)
    duration = timedelta(minutes=20)
    recurrence = Recurrence.from_lines([f"RRULE:{rule}"], tzid=ZONE, all_day=False)
    schedule = SeriesSchedule(begin, duration, ZONE, recurrence)
    for start, end in WINDOWS:
        ours = [o.starts_at for o in expand(schedule, start, end, limits=EVERYTHING)]
        assert ours == oracle(begin, rule, start, end, duration), (rule, start)
