"""Every RRULE example of RFC 5545 §3.8.5.3, expanded and compared with the dates the RFC lists.

All examples use America/New_York (EDT/EST). Where the RFC lists an open-ended
series ("..."), the window stops after the dates it shows. MINUTELY rules are
run with every frequency allowed, as the server's settings may choose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from almanac.domain.recurrence import (
    FREQUENCIES,
    Recurrence,
    RecurrenceLimits,
    SeriesSchedule,
    expand,
)

NY = ZoneInfo("America/New_York")
EVERY_FREQUENCY = RecurrenceLimits(allowed_frequencies=frozenset(FREQUENCIES))


def _local(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%S")


def local_starts(dtstart: str, rrule: str, window_end: str, *extra_lines: str) -> list[datetime]:
    """Wall-clock starts in New York of the series, from DTSTART up to (excluding) ``window_end`` (local)."""
    start = _local(dtstart).replace(tzinfo=NY)
    recurrence = Recurrence.from_lines([f"RRULE:{rrule}", *extra_lines], tzid="America/New_York", all_day=False)
    schedule = SeriesSchedule(start, timedelta(minutes=10), "America/New_York", recurrence)
    end = _local(window_end).replace(tzinfo=NY) if window_end else start + timedelta(days=3650)
    occurrences = expand(schedule, start, end, limits=EVERY_FREQUENCY)
    return [o.starts_at.astimezone(NY).replace(tzinfo=None) for o in occurrences]


def at9(year: int, month: int, *days: int) -> list[datetime]:
    return [datetime(year, month, day, 9) for day in days]


def span(year: int, month: int, first: int, last: int, step: int = 1) -> list[datetime]:
    return at9(year, month, *range(first, last + 1, step))


FAR = ""  # no end given: the window spans 3650 days from DTSTART

EXAMPLES: list[tuple[str, str, str, str, list[datetime]]] = [
    ("Daily for 10 occurrences", "19970902T090000", "FREQ=DAILY;COUNT=10", FAR, span(1997, 9, 2, 11)),
    (
        "Daily until December 24, 1997",
        "19970902T090000",
        "FREQ=DAILY;UNTIL=19971224T000000Z",
        FAR,
        span(1997, 9, 2, 30) + span(1997, 10, 1, 31) + span(1997, 11, 1, 30) + span(1997, 12, 1, 23),
    ),
    (
        "Every other day - forever",
        "19970902T090000",
        "FREQ=DAILY;INTERVAL=2",
        "19971204T000000",
        span(1997, 9, 2, 30, 2) + span(1997, 10, 2, 30, 2) + span(1997, 11, 1, 29, 2) + at9(1997, 12, 1, 3),
    ),
    (
        "Every 10 days, 5 occurrences",
        "19970902T090000",
        "FREQ=DAILY;INTERVAL=10;COUNT=5",
        FAR,
        at9(1997, 9, 2, 12, 22) + at9(1997, 10, 2, 12),
    ),
    (
        "Every day in January, for 3 years (yearly form)",
        "19980101T090000",
        "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
        FAR,
        span(1998, 1, 1, 31) + span(1999, 1, 1, 31) + span(2000, 1, 1, 31),
    ),
    (
        "Every day in January, for 3 years (daily form)",
        "19980101T090000",
        "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
        FAR,
        span(1998, 1, 1, 31) + span(1999, 1, 1, 31) + span(2000, 1, 1, 31),
    ),
    (
        "Weekly for 10 occurrences",
        "19970902T090000",
        "FREQ=WEEKLY;COUNT=10",
        FAR,
        at9(1997, 9, 2, 9, 16, 23, 30) + at9(1997, 10, 7, 14, 21, 28) + at9(1997, 11, 4),
    ),
    (
        "Weekly until December 24, 1997",
        "19970902T090000",
        "FREQ=WEEKLY;UNTIL=19971224T000000Z",
        FAR,
        at9(1997, 9, 2, 9, 16, 23, 30)
        + at9(1997, 10, 7, 14, 21, 28)
        + at9(1997, 11, 4, 11, 18, 25)
        + at9(1997, 12, 2, 9, 16, 23),
    ),
    (
        "Every other week - forever",
        "19970902T090000",
        "FREQ=WEEKLY;INTERVAL=2;WKST=SU",
        "19980218T000000",
        at9(1997, 9, 2, 16, 30)
        + at9(1997, 10, 14, 28)
        + at9(1997, 11, 11, 25)
        + at9(1997, 12, 9, 23)
        + at9(1998, 1, 6, 20)
        + at9(1998, 2, 3, 17),
    ),
    (
        "Weekly on Tuesday and Thursday for five weeks (UNTIL)",
        "19970902T090000",
        "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
        FAR,
        at9(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + at9(1997, 10, 2),
    ),
    (
        "Weekly on Tuesday and Thursday for five weeks (COUNT)",
        "19970902T090000",
        "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
        FAR,
        at9(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + at9(1997, 10, 2),
    ),
    (
        "Every other week on Monday, Wednesday, and Friday until December 24, 1997",
        "19970901T090000",
        "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
        FAR,
        at9(1997, 9, 1, 3, 5, 15, 17, 19, 29)
        + at9(1997, 10, 1, 3, 13, 15, 17, 27, 29, 31)
        + at9(1997, 11, 10, 12, 14, 24, 26, 28)
        + at9(1997, 12, 8, 10, 12, 22),
    ),
    (
        "Every other week on Tuesday and Thursday, for 8 occurrences",
        "19970902T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
        FAR,
        at9(1997, 9, 2, 4, 16, 18, 30) + at9(1997, 10, 2, 14, 16),
    ),
    (
        "Monthly on the first Friday for 10 occurrences",
        "19970905T090000",
        "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
        FAR,
        at9(1997, 9, 5)
        + at9(1997, 10, 3)
        + at9(1997, 11, 7)
        + at9(1997, 12, 5)
        + at9(1998, 1, 2)
        + at9(1998, 2, 6)
        + at9(1998, 3, 6)
        + at9(1998, 4, 3)
        + at9(1998, 5, 1)
        + at9(1998, 6, 5),
    ),
    (
        "Monthly on the first Friday until December 24, 1997",
        "19970905T090000",
        "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
        FAR,
        at9(1997, 9, 5) + at9(1997, 10, 3) + at9(1997, 11, 7) + at9(1997, 12, 5),
    ),
    (
        "Every other month on the first and last Sunday of the month for 10 occurrences",
        "19970907T090000",
        "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
        FAR,
        at9(1997, 9, 7, 28) + at9(1997, 11, 2, 30) + at9(1998, 1, 4, 25) + at9(1998, 3, 1, 29) + at9(1998, 5, 3, 31),
    ),
    (
        "Monthly on the second-to-last Monday of the month for 6 months",
        "19970922T090000",
        "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
        FAR,
        at9(1997, 9, 22)
        + at9(1997, 10, 20)
        + at9(1997, 11, 17)
        + at9(1997, 12, 22)
        + at9(1998, 1, 19)
        + at9(1998, 2, 16),
    ),
    (
        "Monthly on the third-to-the-last day of the month, forever",
        "19970928T090000",
        "FREQ=MONTHLY;BYMONTHDAY=-3",
        "19980301T000000",
        at9(1997, 9, 28)
        + at9(1997, 10, 29)
        + at9(1997, 11, 28)
        + at9(1997, 12, 29)
        + at9(1998, 1, 29)
        + at9(1998, 2, 26),
    ),
    (
        "Monthly on the 2nd and 15th of the month for 10 occurrences",
        "19970902T090000",
        "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
        FAR,
        at9(1997, 9, 2, 15) + at9(1997, 10, 2, 15) + at9(1997, 11, 2, 15) + at9(1997, 12, 2, 15) + at9(1998, 1, 2, 15),
    ),
    (
        "Monthly on the first and last day of the month for 10 occurrences",
        "19970930T090000",
        "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
        FAR,
        at9(1997, 9, 30)
        + at9(1997, 10, 1, 31)
        + at9(1997, 11, 1, 30)
        + at9(1997, 12, 1, 31)
        + at9(1998, 1, 1, 31)
        + at9(1998, 2, 1),
    ),
    (
        "Every 18 months on the 10th thru 15th of the month for 10 occurrences",
        "19970910T090000",
        "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
        FAR,
        span(1997, 9, 10, 15) + span(1999, 3, 10, 13),
    ),
    (
        "Every Tuesday, every other month",
        "19970902T090000",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
        "19980401T000000",
        at9(1997, 9, 2, 9, 16, 23, 30)
        + at9(1997, 11, 4, 11, 18, 25)
        + at9(1998, 1, 6, 13, 20, 27)
        + at9(1998, 3, 3, 10, 17, 24, 31),
    ),
    (
        "Yearly in June and July for 10 occurrences",
        "19970610T090000",
        "FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
        FAR,
        [datetime(year, month, 10, 9) for year in range(1997, 2002) for month in (6, 7)],
    ),
    (
        "Every other year on January, February, and March for 10 occurrences",
        "19970310T090000",
        "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
        FAR,
        at9(1997, 3, 10) + [datetime(year, month, 10, 9) for year in (1999, 2001, 2003) for month in (1, 2, 3)],
    ),
    (
        "Every third year on the 1st, 100th, and 200th day for 10 occurrences",
        "19970101T090000",
        "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
        FAR,
        at9(1997, 1, 1)
        + at9(1997, 4, 10)
        + at9(1997, 7, 19)
        + at9(2000, 1, 1)
        + at9(2000, 4, 9)
        + at9(2000, 7, 18)
        + at9(2003, 1, 1)
        + at9(2003, 4, 10)
        + at9(2003, 7, 19)
        + at9(2006, 1, 1),
    ),
    (
        "Every 20th Monday of the year, forever",
        "19970519T090000",
        "FREQ=YEARLY;BYDAY=20MO",
        "19991231T000000",
        at9(1997, 5, 19) + at9(1998, 5, 18) + at9(1999, 5, 17),
    ),
    (
        "Monday of week number 20, forever",
        "19970512T090000",
        "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
        "19991231T000000",
        at9(1997, 5, 12) + at9(1998, 5, 11) + at9(1999, 5, 17),
    ),
    (
        "Every Thursday in March, forever",
        "19970313T090000",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
        "19991231T000000",
        at9(1997, 3, 13, 20, 27) + at9(1998, 3, 5, 12, 19, 26) + at9(1999, 3, 4, 11, 18, 25),
    ),
    (
        "Every Thursday, but only during June, July, and August, forever",
        "19970605T090000",
        "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
        "19991231T000000",
        at9(1997, 6, 5, 12, 19, 26)
        + at9(1997, 7, 3, 10, 17, 24, 31)
        + at9(1997, 8, 7, 14, 21, 28)
        + at9(1998, 6, 4, 11, 18, 25)
        + at9(1998, 7, 2, 9, 16, 23, 30)
        + at9(1998, 8, 6, 13, 20, 27)
        + at9(1999, 6, 3, 10, 17, 24)
        + at9(1999, 7, 1, 8, 15, 22, 29)
        + at9(1999, 8, 5, 12, 19, 26),
    ),
    (
        "The first Saturday that follows the first Sunday of the month, forever",
        "19970913T090000",
        "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
        "19980630T000000",
        at9(1997, 9, 13)
        + at9(1997, 10, 11)
        + at9(1997, 11, 8)
        + at9(1997, 12, 13)
        + at9(1998, 1, 10)
        + at9(1998, 2, 7)
        + at9(1998, 3, 7)
        + at9(1998, 4, 11)
        + at9(1998, 5, 9)
        + at9(1998, 6, 13),
    ),
    (
        "Every 4 years, the first Tuesday after a Monday in November, forever (U.S. Presidential Election day)",
        "19961105T090000",
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
        "20041231T000000",
        at9(1996, 11, 5) + at9(2000, 11, 7) + at9(2004, 11, 2),
    ),
    (
        "The third instance into the month of one of Tuesday, Wednesday, or Thursday, for the next 3 months",
        "19970904T090000",
        "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
        FAR,
        at9(1997, 9, 4) + at9(1997, 10, 7) + at9(1997, 11, 6),
    ),
    (
        "The second-to-last weekday of the month",
        "19970929T090000",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
        "19980331T120000",
        at9(1997, 9, 29)
        + at9(1997, 10, 30)
        + at9(1997, 11, 27)
        + at9(1997, 12, 30)
        + at9(1998, 1, 29)
        + at9(1998, 2, 26)
        + at9(1998, 3, 30),
    ),
    (
        "Every 15 minutes for 6 occurrences",
        "19970902T090000",
        "FREQ=MINUTELY;INTERVAL=15;COUNT=6",
        FAR,
        [datetime(1997, 9, 2, h, m) for h, m in ((9, 0), (9, 15), (9, 30), (9, 45), (10, 0), (10, 15))],
    ),
    (
        "Every hour and a half for 4 occurrences",
        "19970902T090000",
        "FREQ=MINUTELY;INTERVAL=90;COUNT=4",
        FAR,
        [datetime(1997, 9, 2, h, m) for h, m in ((9, 0), (10, 30), (12, 0), (13, 30))],
    ),
    (
        "Every 20 minutes from 9:00 AM to 4:40 PM every day (daily form)",
        "19970902T090000",
        "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40",
        "19970904T000000",
        [datetime(1997, 9, d, h, m) for d in (2, 3) for h in range(9, 17) for m in (0, 20, 40)],
    ),
    (
        "Every 20 minutes from 9:00 AM to 4:40 PM every day (minutely form)",
        "19970902T090000",
        "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16",
        "19970904T000000",
        [datetime(1997, 9, d, h, m) for d in (2, 3) for h in range(9, 17) for m in (0, 20, 40)],
    ),
    (
        "An example where the days generated makes a difference because of WKST (MO)",
        "19970805T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
        FAR,
        at9(1997, 8, 5, 10, 19, 24),
    ),
    (
        "Changing only WKST from MO to SU yields different results",
        "19970805T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
        FAR,
        at9(1997, 8, 5, 17, 19, 31),
    ),
    (
        "An example where an invalid date (i.e., February 30) is ignored",
        "20070115T090000",
        "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
        FAR,
        at9(2007, 1, 15, 30) + at9(2007, 2, 15) + at9(2007, 3, 15, 30),
    ),
]


@pytest.mark.parametrize(
    ("dtstart", "rrule", "window_end", "expected"),
    [case[1:] for case in EXAMPLES],
    ids=[case[0] for case in EXAMPLES],
)
def test_rfc5545_example(dtstart: str, rrule: str, window_end: str, expected: list[datetime]) -> None:
    assert local_starts(dtstart, rrule, window_end) == expected


def test_every_friday_the_13th_excludes_the_unsynchronised_dtstart() -> None:
    """RFC 5545 §3.8.5.3 'Every Friday the 13th, forever': the EXDATE removes DTSTART (a Tuesday)."""
    starts = local_starts(
        "19970902T090000",
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
        "20001231T000000",
        "EXDATE;TZID=America/New_York:19970902T090000",
    )
    assert starts == at9(1998, 2, 13) + at9(1998, 3, 13) + at9(1998, 11, 13) + at9(1999, 8, 13) + at9(2000, 10, 13)


def test_every_3_hours_from_9_to_5_on_a_specific_day() -> None:
    """RFC 5545 §3.8.5.3 lists 09:00, 12:00, 15:00 for UNTIL=19970902T170000Z.

    But 17:00Z is 13:00 EDT, so read literally the rule stops after 12:00; the
    listed 15:00 needs UNTIL at 17:00 *local* (21:00Z). Both readings are checked.
    """
    until_utc_17 = local_starts("19970902T090000", "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z", FAR)
    assert until_utc_17 == [datetime(1997, 9, 2, 9), datetime(1997, 9, 2, 12)]
    until_local_17 = local_starts("19970902T090000", "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z", FAR)
    assert until_local_17 == [datetime(1997, 9, 2, 9), datetime(1997, 9, 2, 12), datetime(1997, 9, 2, 15)]


def test_daily_until_december_24_follows_edt_then_est() -> None:
    """9:00 AM stays 9:00 local: 13:00Z under EDT, 14:00Z under EST after 26 October 1997."""
    start = datetime(1997, 9, 2, 9, tzinfo=NY)
    recurrence = Recurrence.from_lines(
        ["RRULE:FREQ=DAILY;UNTIL=19971224T000000Z"], tzid="America/New_York", all_day=False
    )
    schedule = SeriesSchedule(start, timedelta(hours=1), "America/New_York", recurrence)
    occurrences = expand(schedule, datetime(1997, 10, 25, tzinfo=UTC), datetime(1997, 10, 28, tzinfo=UTC))
    assert [o.starts_at for o in occurrences] == [
        datetime(1997, 10, 25, 13, tzinfo=UTC),
        datetime(1997, 10, 26, 14, tzinfo=UTC),
        datetime(1997, 10, 27, 14, tzinfo=UTC),
    ]
    assert len(EXAMPLES) >= 38
