"""The bridge from a ``RecurrenceRule`` to python-dateutil, which does all RRULE expansion.

Owns three things about running a rule through ``dateutil.rrule``:

* ``dateutil_rule``: the dateutil rule over *naive wall-clock* datetimes of the
  series' zone (RFC 5545 §3.3.10 rules count on the wall clock);
* ``anchor_before`` and re-anchoring: dateutil always walks from DTSTART, so a
  window decades after DTSTART would walk every start in between. For a rule
  without COUNT the walk may instead begin at the start of a later period of
  the rule (a year, month, WKST-week, day... aligned with DTSTART's INTERVAL
  grid) once every part §3.3.10 derives from DTSTART is made explicit: it
  yields exactly the same starts from there on;
* ``rule_recurs``: whether a rule produces anything at all. dateutil searches
  for the next start until year 9999, which takes seconds for a rule such as
  ``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``; the Gregorian calendar repeats every
  400 years, so moving DTSTART by whole pattern periods close to year 9999
  bounds that search to one or two periods.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from almanac.domain.recurrence_rule import SUB_DAILY, RecurrenceRule
from almanac.domain.recurrence_zones import utc_to_wall_clock

_Freq = Literal[0, 1, 2, 3, 4, 5, 6]
_DATEUTIL_FREQ: dict[str, _Freq] = {
    "YEARLY": du.YEARLY,
    "MONTHLY": du.MONTHLY,
    "WEEKLY": du.WEEKLY,
    "DAILY": du.DAILY,
    "HOURLY": du.HOURLY,
    "MINUTELY": du.MINUTELY,
    "SECONDLY": du.SECONDLY,
}
_SUB_DAILY_UNIT = {"HOURLY": timedelta(hours=1), "MINUTELY": timedelta(minutes=1), "SECONDLY": timedelta(seconds=1)}

# The Gregorian calendar repeats exactly every 400 years: 146097 days, 20871 weeks.
_CYCLE_YEARS = 400
_CYCLE_DAYS = 146_097
_CYCLE_WEEKS = 20_871
_LAST_PROBE_YEAR = 9998  # dateutil stops at datetime.MAXYEAR (9999)


def dateutil_rule(
    rule: RecurrenceRule,
    local_start: datetime,
    zone: ZoneInfo,
    *,
    anchor: datetime | None = None,
    unbounded: bool = False,
) -> du.rrule:
    """A dateutil rule yielding the naive wall-clock starts of ``rule`` for a series starting at ``local_start``.

    ``local_start`` is the series' DTSTART as naive wall-clock time in ``zone``
    (midnight for an all-day series); UNTIL is converted to that wall clock.
    With ``anchor`` (a value of ``anchor_before``) the walk begins there, with
    the parts derived from DTSTART made explicit; never use it with COUNT.
    ``unbounded`` drops COUNT and UNTIL. dateutil may raise ValueError for a
    rule whose BYHOUR/BYMINUTE/BYSECOND its INTERVAL can never reach.
    """
    kwargs: dict[str, Any] = {
        "interval": rule.interval,
        "wkst": rule.week_start,
        "bysetpos": rule.by_set_pos or None,
        "bymonth": rule.by_month or None,
        "bymonthday": rule.by_month_day or None,
        "byyearday": rule.by_year_day or None,
        "byweekno": rule.by_week_no or None,
        "byweekday": [du.weekdays[wd](ordinal) if ordinal else wd for ordinal, wd in rule.by_day] or None,
        "byhour": rule.by_hour or None,
        "byminute": rule.by_minute or None,
        "bysecond": rule.by_second or None,
    }
    if not unbounded:
        kwargs["count"] = rule.count
        kwargs["until"] = _local_until(rule.until, zone)
    if anchor is not None:
        kwargs.update(_derived_parts(rule, local_start))
    return du.rrule(_DATEUTIL_FREQ[rule.freq], dtstart=anchor or local_start, **kwargs)


def anchor_before(rule: RecurrenceRule, local_start: datetime, target: datetime) -> datetime | None:
    """The latest period start of ``rule`` at or before ``target`` and after DTSTART's period, or None.

    Periods are FREQ units counted from DTSTART in steps of INTERVAL (a year, a
    month, a week beginning on WKST, a day, an hour...), in naive wall-clock
    time. None when ``target`` is still within DTSTART's period, or when the rule
    has a COUNT, which must be counted from DTSTART.
    """
    if rule.count is not None or target <= local_start:
        return None
    step, start = rule.interval, local_start
    if rule.freq == "YEARLY":
        n = (target.year - start.year) // step
        return datetime(start.year + n * step, 1, 1) if n > 0 else None
    if rule.freq == "MONTHLY":
        first = start.year * 12 + start.month - 1
        n = (target.year * 12 + target.month - 1 - first) // step
        month = first + n * step
        return datetime(month // 12, month % 12 + 1, 1) if n > 0 else None
    if rule.freq == "WEEKLY":
        week = start.date() - timedelta(days=(start.weekday() - rule.week_start) % 7)
        n = (target.date() - week).days // 7 // step
        return datetime.combine(week + timedelta(weeks=n * step), time()) if n > 0 else None
    if rule.freq == "DAILY":
        n = (target.date() - start.date()).days // step
        return datetime.combine(start.date() + timedelta(days=n * step), time()) if n > 0 else None
    unit = _SUB_DAILY_UNIT[rule.freq]
    base = start.replace(minute=0, second=0) if rule.freq == "HOURLY" else start
    base = base.replace(second=0) if rule.freq == "MINUTELY" else base
    n = (target - base) // unit // step
    return base + n * step * unit if n > 0 else None


def rule_recurs(rule: RecurrenceRule, local_start: datetime) -> bool:
    """Whether ``rule`` produces any start at all from ``local_start`` (DTSTART itself always counts apart).

    Exact whenever the rule's full pattern period fits before year 9999, which
    covers every ordinary rule; otherwise a necessary check of its day parts
    alone (INTERVAL=1). Cached; costs at most a few hundred years of dateutil
    search, about a second for an HOURLY rule.
    """
    return _recurs(rule, local_start)


def _local_until(until: datetime | date | None, zone: ZoneInfo) -> datetime | None:
    if isinstance(until, datetime):
        return utc_to_wall_clock(until, zone).replace(fold=0)
    if until is not None:
        return datetime.combine(until, time(23, 59, 59))  # a DATE UNTIL covers that whole day
    return None


def _derived_parts(rule: RecurrenceRule, start: datetime) -> dict[str, Any]:
    """The BYxxx parts RFC 5545 §3.3.10 takes from DTSTART when the rule leaves them out."""
    parts: dict[str, Any] = {}
    if not (rule.by_week_no or rule.by_year_day or rule.by_month_day or rule.by_day):
        if rule.freq == "YEARLY":
            parts["bymonth"] = rule.by_month or (start.month,)
            parts["bymonthday"] = (start.day,)
        elif rule.freq == "MONTHLY":
            parts["bymonthday"] = (start.day,)
        elif rule.freq == "WEEKLY":
            parts["byweekday"] = (start.weekday(),)
    if not rule.by_hour and rule.freq not in SUB_DAILY:
        parts["byhour"] = (start.hour,)
    if not rule.by_minute and rule.freq not in ("MINUTELY", "SECONDLY"):
        parts["byminute"] = (start.minute,)
    if not rule.by_second and rule.freq != "SECONDLY":
        parts["bysecond"] = (start.second,)
    return parts


def _pattern_years(freq: str, interval: int) -> int:
    """How many years until the rule's pattern repeats exactly (a multiple of 400)."""
    per_cycle = {
        "YEARLY": _CYCLE_YEARS,
        "MONTHLY": _CYCLE_YEARS * 12,
        "WEEKLY": _CYCLE_WEEKS,
        "DAILY": _CYCLE_DAYS,
        "HOURLY": _CYCLE_DAYS * 24,
        "MINUTELY": _CYCLE_DAYS * 1440,
        "SECONDLY": _CYCLE_DAYS * 86400,
    }[freq]
    return _CYCLE_YEARS * (interval // math.gcd(interval, per_cycle))


@lru_cache(maxsize=2048)
def _recurs(rule: RecurrenceRule, local_start: datetime) -> bool:
    years = _pattern_years(rule.freq, rule.interval)
    probe = replace(rule, count=None, until=None)
    if local_start.year + years > _LAST_PROBE_YEAR - years:
        # The exact pattern is too long to check: check the day parts alone (INTERVAL=1),
        # a necessary condition, since the rule's periods are a subset of those.
        probe, years = replace(probe, interval=1), _CYCLE_YEARS
        if local_start.year + years > _LAST_PROBE_YEAR - years:
            return True
    # Moving DTSTART by whole pattern periods leaves the pattern unchanged; move it close to
    # year 9999 so that dateutil, which searches until then, gives up after one or two periods.
    shift = (_LAST_PROBE_YEAR - years - local_start.year) // years * years
    shifted = local_start.replace(year=local_start.year + shift)
    try:
        walk = dateutil_rule(probe, shifted, ZoneInfo("UTC"), unbounded=True)
    except ValueError:  # dateutil refuses e.g. FREQ=HOURLY;INTERVAL=2;BYHOUR=10 from an odd hour
        return False
    return walk.after(shifted, inc=True) is not None


__all__ = ["anchor_before", "dateutil_rule", "rule_recurs"]
