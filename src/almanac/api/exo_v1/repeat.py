"""eXo's ``repeat`` object (spec §3.3, §4.3) to the domain's recurrence and back.

In: ``read_repeat`` checks a body's ``repeat`` with eXo's rules (§5.3.5 step
8), fixing what eXo lets through (an unknown ``type``, a bad ``every``, an
unreadable ``end``, malformed ``exclude`` keys are 400s, not silently
stored); ``Repeat.recurrence_of`` then builds the RRULE of §4.3's table once
the event's start and zone are known:

* ``weekly`` without ``repeatOn`` repeats on the start's weekday (an RRULE
  without BYDAY, RFC 5545 §3.3.10) — eXo's series would have no occurrence;
* ``monthly``: BYMONTHDAY from ``repeateBy``, else BYDAY from ``repeatOn``
  (ordinals such as ``1SU``, ``-1FR`` accepted here), else the start's day;
* ``end``: ``endAfter`` → COUNT; ``endByDate`` → UNTIL at the end of that date
  (the date as written) in the event's zone;
* ``exclude``: each key is an EXDATE — a key that names no occurrence
  exactly cancels the occurrences on its date, as eXo matches keys by date
  (its keys carry local times); the service keeps overridden occurrences as
  overrides. Absent, the stored EXDATEs stay.

Out: ``repeat_json`` renders a stored recurrence as the nearest eXo shape. A
rule eXo cannot express (written through CalDAV or the Back Office: BYSETPOS,
BYMONTH, HOURLY, a WKST...) keeps its closest ``type``/``every``/days, and
the exact rule is always in the extra property ``rrule``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Final

from almanac.api.exo_v1.dates import parse_datetime
from almanac.api.exo_v1.query import rejected
from almanac.api.exo_v1.schemas import RepeatWrite
from almanac.api.wire import shown
from almanac.domain.errors import N_
from almanac.domain.events import Event, schedule_of
from almanac.domain.recurrence import (
    Recurrence,
    RecurrenceId,
    RecurrenceLimits,
    RecurrenceRule,
    expand,
    format_occurrence_key,
    parse_occurrence_key,
)
from almanac.domain.recurrence_rule import WEEKDAY_CODES
from almanac.domain.recurrence_zones import load_zone, local_midnight_utc, utc_to_wall_clock, wall_clock_to_utc
from almanac.domain.series_edits import occurrence_slot

FREQUENCY_OF: Final = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY"}
NO_REPEAT_TYPES: Final = ("", "norepeat")
MAX_EVERY: Final = 1000

# eXo prints its enumerations in alphabetical order (spec §6).
REPEAT_ON: Final = N_("repeatOn can only contains FR,MO,SA,SU,TH,TU,WE")
REPEAT_BY: Final = N_("repeatBy must be >= 1 and <= 31")
REPEAT_TYPE: Final = N_("repeat.type must be one of daily,monthly,norepeat,weekly,yearly")
EVERY: Final = N_("repeat.every must be a whole number from 1 to 1000")
END_TYPE: Final = N_("repeat.end.type must be one of endAfter,endByDate,neverEnd")
END_AFTER: Final = N_("repeat.end.value must be a whole number of occurrences, at least 1, for endAfter, not %(value)s")
END_BY_DATE: Final = N_("repeat.end.value must be an ISO 8601 date such as 2026-06-30 for endByDate, not %(value)s")
END_BEFORE_START: Final = N_("repeat.end.value %(value)s is before the event starts, on %(start)s")
EXCLUDE: Final = N_("repeat.exclude must hold occurrence keys such as 20260302T080000Z, not %(value)s")

_PLAIN_DAY: Final = re.compile(r"(MO|TU|WE|TH|FR|SA|SU)")
_MONTHLY_DAY: Final = re.compile(r"(?:[+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)")
_WRITTEN_DATE: Final = re.compile(r"\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_KEY: Final = re.compile(r"\d{8}(T\d{6}Z?)?")
_COUNT: Final = re.compile(r"\s*\+?\d{1,9}\s*")


@dataclass(frozen=True)
class Repeat:
    """A checked ``repeat``: ``frequency`` None means "does not repeat"; ``exclude`` None means "keep"."""

    frequency: str | None
    interval: int = 1
    days: tuple[str, ...] = ()
    month_days: tuple[int, ...] = ()
    count: int | None = None
    until_on: date | None = None
    exclude: tuple[str, ...] | None = None

    def recurrence_of(self, event: Event) -> Recurrence | None:
        """The recurrence of ``event`` (final start and zone) this repeat asks for (``services.series.RecurrenceOf``).

        RecurrenceError when the rule is refused (e.g. an UNTIL before the start).
        """
        if self.frequency is None:
            return None
        parts = [f"FREQ={self.frequency}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.frequency == "WEEKLY" and self.days:
            parts.append("BYDAY=" + ",".join(self.days))
        if self.frequency == "MONTHLY" and self.month_days:
            parts.append("BYMONTHDAY=" + ",".join(map(str, self.month_days)))
        elif self.frequency == "MONTHLY" and self.days:
            parts.append("BYDAY=" + ",".join(self.days))
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        elif self.until_on is not None:
            first_day = _local_date(event.starts_at, event.tzid)
            if self.until_on < first_day:  # RFC 5545 would keep the start alone; eXo shows nothing: both surprise
                raise rejected(
                    "repeat.end", END_BEFORE_START, value=self.until_on.isoformat(), start=first_day.isoformat()
                )
            parts.append(f"UNTIL={self.until_on:%Y%m%d}")  # a DATE UNTIL covers that whole day of the event's zone
        rule = RecurrenceRule.parse(";".join(parts), tzid=event.tzid, all_day=event.all_day, field="recurrence")
        current = event.recurrence or Recurrence()
        if self.exclude is None:
            return Recurrence(rule, current.rdates, current.exdates)
        return Recurrence(rule, current.rdates, _exdates(self.exclude, replace(event, recurrence=Recurrence(rule))))


def read_repeat(body: RepeatWrite) -> Repeat:
    """The checked repeat, or an eXo-style InvalidInputError about its first broken rule."""
    kind = (body.type or "").strip().lower()
    if kind not in NO_REPEAT_TYPES and kind not in FREQUENCY_OF:
        raise rejected("repeat", REPEAT_TYPE)
    frequency = FREQUENCY_OF.get(kind)
    pattern = _MONTHLY_DAY if frequency == "MONTHLY" else _PLAIN_DAY
    days = tuple(body.repeatOn.split(",")) if body.repeatOn else ()
    if any(not pattern.fullmatch(day) for day in days):
        raise rejected("repeatOn", REPEAT_ON)
    month_days = _month_days(body.repeateBy)
    every = body.every or 1
    if not 1 <= every <= MAX_EVERY:
        raise rejected("repeat.every", EVERY)
    count, until_on = _end(body)
    exclude = None
    if body.exclude is not None:
        for key in body.exclude:
            if not _KEY.fullmatch(key.strip().upper()):
                raise rejected("repeat.exclude", EXCLUDE, value=shown(key))
        exclude = tuple(key.strip().upper() for key in body.exclude)
    return Repeat(
        frequency,
        every,
        tuple(dict.fromkeys(days)),
        tuple(sorted(set(month_days))),
        count,
        until_on,
        exclude,
    )


def _month_days(text: str | None) -> list[int]:
    days: list[int] = []
    for item in (text or "").split(",") if text else ():
        day = item.strip()
        if not (day.isascii() and day.isdigit() and 1 <= int(day) <= 31):
            raise rejected("repeatBy", REPEAT_BY)
        days.append(int(day))
    return days


def _end(body: RepeatWrite) -> tuple[int | None, date | None]:
    end = body.end
    kind = (end.type or "neverEnd").strip() if end is not None else "neverEnd"
    value = (end.value or "") if end is not None else ""
    if kind == "neverEnd":
        return None, None
    if kind == "endAfter":
        if not _COUNT.fullmatch(value) or int(value) < 1:
            raise rejected("repeat.end", END_AFTER, value=shown(value))
        return int(value), None
    if kind == "endByDate":
        written = _WRITTEN_DATE.match(value)
        if written is None or parse_datetime(value, "UTC") is None:
            raise rejected("repeat.end", END_BY_DATE, value=shown(value))
        # The date as written, whatever the offset: eXo renders this value as local midnight (spec §1.4).
        return None, date(int(written[1]), int(written[2] or 1), int(written[3] or 1))
    raise rejected("repeat.end", END_TYPE)


def _exdates(keys: tuple[str, ...], series: Event) -> tuple[RecurrenceId, ...]:
    """EXDATEs for eXo's ``exclude`` keys of ``series`` (its rule in place, no EXDATE yet)."""
    limits = RecurrenceLimits()
    zone = load_zone(series.tzid)
    found: list[RecurrenceId] = []
    for key in keys:
        rid = parse_occurrence_key(key, tzid=series.tzid, all_day=series.all_day, field="repeat.exclude")
        if occurrence_slot(series, rid, limits) is not None:
            found.append(rid)
            continue
        day = date(int(key[:4]), int(key[4:6]), int(key[6:8]))
        start, end = local_midnight_utc(day, zone), local_midnight_utc(date.fromordinal(day.toordinal() + 1), zone)
        same_day = [
            o.recurrence_id
            for o in expand(schedule_of(series), start, end, limits=limits)
            if _local_date(o.recurrence_id, series.tzid) == day
        ]
        found.extend(same_day or [rid])
    return tuple(found)


def _local_date(rid: RecurrenceId, tzid: str) -> date:
    if isinstance(rid, datetime):
        return utc_to_wall_clock(rid, load_zone(tzid)).date()
    return rid


# --- out -----------------------------------------------------------------------------------------------

NO_REPEAT: Final[dict[str, Any]] = {
    "enabled": False,
    "type": "norepeat",
    "every": 0,
    "repeatOn": None,
    "repeateBy": "",
    "exclude": None,
    "end": {"type": "neverEnd", "value": None},
}


def repeat_json(event: Event, *, overridden: Collection[RecurrenceId] = (), occurrence: bool = False) -> dict[str, Any]:
    """The ``repeat`` of spec §3.3 for a stored event (an occurrence of a series when ``occurrence``).

    A master lists its EXDATEs and ``overridden`` occurrences in ``exclude``
    (eXo's detached and cancelled keys, UTC); an occurrence shows ``exclude``
    null (§4.3). An override, a single event and an RDATE-only series (eXo has
    no shape for it) render the non-recurring object; the exact RRULE of a
    series is in ``rrule``.
    """
    rule = event.recurrence.rule if event.recurrence is not None else None
    if rule is None or event.is_override:
        return dict(NO_REPEAT, end=dict(NO_REPEAT["end"]))
    zone = load_zone(event.tzid)
    local_start = utc_to_wall_clock(event.starts_at, zone)
    kind, every, repeat_on, repeat_by = _shape(rule, local_start)
    keys: list[str] | None = None
    if not occurrence:
        assert event.recurrence is not None
        excluded = {*event.recurrence.exdates, *overridden}
        keys = sorted(format_occurrence_key(rid) for rid in excluded) or None
    return {
        "enabled": True,
        "type": kind,
        "every": every,
        "repeatOn": repeat_on,
        "repeateBy": repeat_by,
        "exclude": keys,
        "end": _end_json(rule, event.tzid),
        "rrule": rule.value,
    }


def _shape(rule: RecurrenceRule, local_start: datetime) -> tuple[str, int, str | None, str]:
    """The nearest eXo ``type``, ``every``, ``repeatOn`` and ``repeateBy`` of a rule."""
    plain_days = [WEEKDAY_CODES[wd] for n, wd in rule.by_day if n == 0]
    if rule.freq == "DAILY" and plain_days and rule.interval == 1 and len(plain_days) == len(rule.by_day):
        return "weekly", 1, ",".join(plain_days), ""  # FREQ=DAILY;BYDAY=MO,...: eXo's weekly on those days
    if rule.freq == "WEEKLY":
        days = [WEEKDAY_CODES[wd] for _, wd in rule.by_day] or [WEEKDAY_CODES[local_start.weekday()]]
        return "weekly", rule.interval, ",".join(dict.fromkeys(days)), ""
    if rule.freq == "MONTHLY":
        month_days = [str(day) for day in rule.by_month_day if day > 0]
        if month_days:
            return "monthly", rule.interval, None, ",".join(month_days)
        days = [f"{n or ''}{WEEKDAY_CODES[wd]}" for n, wd in rule.by_day]
        return "monthly", rule.interval, ",".join(days) or None, ""
    if rule.freq == "YEARLY":
        return "yearly", rule.interval, None, ""
    if rule.freq == "DAILY":
        return "daily", rule.interval, None, ""
    return "daily", 1, None, ""  # HOURLY and finer: eXo repeats at most daily


def _end_json(rule: RecurrenceRule, tzid: str) -> dict[str, Any]:
    if rule.until is not None:
        zone = load_zone(tzid)
        day = rule.until if not isinstance(rule.until, datetime) else utc_to_wall_clock(rule.until, zone).date()
        midnight = wall_clock_to_utc(datetime.combine(day, time()), zone).astimezone(zone)
        return {"type": "endByDate", "value": midnight.isoformat(timespec="milliseconds")}
    if rule.count is not None:
        return {"type": "endAfter", "value": str(rule.count)}
    return {"type": "neverEnd", "value": None}


__all__ = ["NO_REPEAT", "Repeat", "read_repeat", "repeat_json"]
