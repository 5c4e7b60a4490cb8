"""The RRULE value: parsing, validation and canonical text (RFC 5545 §3.3.10).

Owns the RECUR value type of RFC 5545 §3.3.10 as it appears in an RRULE
property (§3.8.5.3): ``RecurrenceRule.parse`` reads client text strictly
(unknown parts, duplicates, garbage values and the combinations §3.3.10
forbids are rejected with a ``RecurrenceError`` that names the line), and
``RecurrenceRule.value`` writes the canonical form back (parts in the order of
the §3.3.10 grammar, lists sorted, defaults such as ``INTERVAL=1`` and
``WKST=MO`` omitted), so equal rules have equal text.

Running a rule through python-dateutil is ``recurrence_dateutil``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from almanac.domain.errors import N_, Problem
from almanac.domain.recurrence_errors import RecurrenceError
from almanac.domain.recurrence_zones import (
    UTC,
    format_date_text,
    format_utc_text,
    load_zone,
    parse_date_text,
    parse_datetime_text,
    wall_clock_to_utc,
)

FREQUENCIES: tuple[str, ...] = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
WEEKDAY_CODES: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SUB_DAILY: frozenset[str] = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})

# Numeric list parts: (smallest, largest, negative values allowed), RFC 5545 §3.3.10 grammar.
# BYSECOND stops at 59: Python datetimes cannot hold the leap second 60.
_NUMBER_LISTS: dict[str, tuple[int, int, bool]] = {
    "BYSECOND": (0, 59, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
_FIELD_OF_PART: dict[str, str] = {
    "BYSECOND": "by_second",
    "BYMINUTE": "by_minute",
    "BYHOUR": "by_hour",
    "BYMONTHDAY": "by_month_day",
    "BYYEARDAY": "by_year_day",
    "BYWEEKNO": "by_week_no",
    "BYMONTH": "by_month",
    "BYSETPOS": "by_set_pos",
}
_KNOWN_PARTS = frozenset({"FREQ", "UNTIL", "COUNT", "INTERVAL", "WKST", "BYDAY", *_NUMBER_LISTS})
_NUMBER_RE = re.compile(r"^[+-]?\d{1,4}$")
_BYDAY_RE = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_POSITIVE_RE = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class RecurrenceRule:
    """One parsed, validated RRULE value (RFC 5545 §3.3.10).

    ``until`` is an aware UTC datetime for a timed series, a date for an all-day
    one; ``by_day`` holds (ordinal, weekday) pairs with weekday 0 = Monday and
    ordinal 0 when none was given (``MO``), else ±1..53 (``1MO``, ``-1FR``);
    ``week_start`` is a weekday index (0 = Monday). Build it with ``parse``.
    """

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | date | None = None
    by_second: tuple[int, ...] = ()
    by_minute: tuple[int, ...] = ()
    by_hour: tuple[int, ...] = ()
    by_day: tuple[tuple[int, int], ...] = ()
    by_month_day: tuple[int, ...] = ()
    by_year_day: tuple[int, ...] = ()
    by_week_no: tuple[int, ...] = ()
    by_month: tuple[int, ...] = ()
    by_set_pos: tuple[int, ...] = ()
    week_start: int = 0

    @classmethod
    def parse(
        cls, value: str, *, tzid: str, all_day: bool, field: str = "rrule", line: str | None = None
    ) -> RecurrenceRule:
        """Parse an RRULE value such as ``FREQ=WEEKLY;BYDAY=MO;COUNT=10``.

        ``tzid`` is the series' IANA zone and ``all_day`` whether its DTSTART is a DATE:
        they decide how UNTIL is read. A UTC UNTIL is kept; a floating one
        (``UNTIL=20240101T090000``, which RFC 5545 forbids with a zoned DTSTART but
        clients send) is read in ``tzid``; a DATE UNTIL on a timed series covers
        that whole local day. On an all-day series UNTIL becomes a date.
        Raises RecurrenceError about ``field``, naming ``line`` (default
        ``RRULE:<value>``), listing every fault found.
        """
        zone = load_zone(tzid)
        return _RuleParser(value, zone, all_day, field, line or f"RRULE:{value}").parse()

    @property
    def is_infinite(self) -> bool:
        """True when neither COUNT nor UNTIL bounds the rule."""
        return self.count is None and self.until is None

    @property
    def value(self) -> str:
        """The canonical RRULE value: §3.3.10 grammar order, sorted lists, defaults omitted."""
        parts = [f"FREQ={self.freq}"]
        if isinstance(self.until, datetime):
            parts.append(f"UNTIL={format_utc_text(self.until)}")
        elif self.until is not None:
            parts.append(f"UNTIL={format_date_text(self.until)}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        days = ",".join(f"{ordinal or ''}{WEEKDAY_CODES[weekday]}" for ordinal, weekday in self.by_day)
        lists = (
            ("BYSECOND", ",".join(map(str, self.by_second))),
            ("BYMINUTE", ",".join(map(str, self.by_minute))),
            ("BYHOUR", ",".join(map(str, self.by_hour))),
            ("BYDAY", days),
            ("BYMONTHDAY", ",".join(map(str, self.by_month_day))),
            ("BYYEARDAY", ",".join(map(str, self.by_year_day))),
            ("BYWEEKNO", ",".join(map(str, self.by_week_no))),
            ("BYMONTH", ",".join(map(str, self.by_month))),
            ("BYSETPOS", ",".join(map(str, self.by_set_pos))),
        )
        parts.extend(f"{name}={text}" for name, text in lists if text)
        if self.week_start != 0:
            parts.append(f"WKST={WEEKDAY_CODES[self.week_start]}")
        return ";".join(parts)

    def __str__(self) -> str:
        return self.value


class _RuleParser:
    """Reads one RRULE value, collecting every problem before raising."""

    def __init__(self, value: str, zone: ZoneInfo, all_day: bool, field: str, line: str) -> None:
        self.value, self.zone, self.all_day, self.field, self.line = value, zone, all_day, field, line
        self.problems: list[Problem] = []
        self.fields: dict[str, Any] = {}

    def fail(self, template: str, **params: Any) -> None:
        self.problems.append(Problem(self.field, RecurrenceError.code, template, {"line": self.line, **params}))

    def parse(self) -> RecurrenceRule:
        seen: set[str] = set()
        for raw in self.value.strip().split(";"):
            name, sep, text = raw.partition("=")
            name, text = name.strip().upper(), text.strip().upper()
            if not sep or not name:
                self.fail(N_("The line %(line)s has %(part)s, which is not of the form NAME=VALUE."), part=raw)
            elif name not in _KNOWN_PARTS:
                self.fail(N_("The line %(line)s has an unknown rule part %(part)s."), part=name)
            elif name in seen:
                self.fail(N_("The line %(line)s gives %(part)s more than once."), part=name)
            else:
                seen.add(name)
                self._part(name, text)
        if not self.problems:
            self._check_combinations()
        if self.problems:
            raise RecurrenceError(self.problems)
        return RecurrenceRule(**self.fields)

    def _part(self, name: str, text: str) -> None:
        if name == "FREQ":
            if text in FREQUENCIES:
                self.fields["freq"] = text
            else:
                self.fail(
                    N_("The line %(line)s has FREQ=%(value)s; FREQ must be one of %(allowed)s."),
                    value=text,
                    allowed=", ".join(FREQUENCIES),
                )
        elif name in ("COUNT", "INTERVAL"):
            if _POSITIVE_RE.match(text) and int(text) >= 1:
                self.fields[name.lower()] = int(text)
            else:
                self.fail(
                    N_("The line %(line)s has %(part)s=%(value)s; it must be a whole number of at least 1."),
                    part=name,
                    value=text,
                )
        elif name == "UNTIL":
            self._until(text)
        elif name == "WKST":
            if text in WEEKDAY_CODES:
                self.fields["week_start"] = WEEKDAY_CODES.index(text)
            else:
                self.fail(
                    N_("The line %(line)s has WKST=%(value)s; it must be one of MO, TU, WE, TH, FR, SA, SU."),
                    value=text,
                )
        elif name == "BYDAY":
            self._by_day(text)
        else:
            self._numbers(name, text)

    def _numbers(self, name: str, text: str) -> None:
        low, high, signed = _NUMBER_LISTS[name]
        values: set[int] = set()
        for item in text.split(","):
            number = int(item) if _NUMBER_RE.match(item) else None
            if number is None or not (low <= abs(number) <= high) or (number < 0 and not signed):
                if signed:
                    self.fail(
                        N_(
                            "The line %(line)s has %(part)s=%(value)s; each value must be a whole number "
                            "from %(min)s to %(max)s or from -%(max)s to -%(min)s."
                        ),
                        part=name,
                        value=text,
                        min=low,
                        max=high,
                    )
                else:
                    self.fail(
                        N_(
                            "The line %(line)s has %(part)s=%(value)s; each value must be a whole number "
                            "from %(min)s to %(max)s."
                        ),
                        part=name,
                        value=text,
                        min=low,
                        max=high,
                    )
                return
            values.add(number)
        self.fields[_FIELD_OF_PART[name]] = tuple(sorted(values))

    def _by_day(self, text: str) -> None:
        days: set[tuple[int, int]] = set()
        for item in text.split(","):
            match = _BYDAY_RE.match(item)
            ordinal = int(match[2]) if match and match[2] else 0
            if match is None or (match[2] is not None and not 1 <= ordinal <= 53):
                self.fail(
                    N_(
                        "The line %(line)s has BYDAY=%(value)s; each day must be MO, TU, WE, TH, FR, SA or SU, "
                        "optionally preceded by a week number from 1 to 53 or -53 to -1, as in 1MO or -1FR."
                    ),
                    value=text,
                )
                return
            days.add((-ordinal if match[1] == "-" else ordinal, WEEKDAY_CODES.index(match[3])))
        self.fields["by_day"] = tuple(sorted(days, key=lambda day: (day[1], day[0])))

    def _until(self, text: str) -> None:
        day = parse_date_text(text)
        stamp = parse_datetime_text(text)
        if day is None and stamp is None:
            self.fail(
                N_(
                    "The line %(line)s has UNTIL=%(value)s, which is neither a date (YYYYMMDD) "
                    "nor a UTC date-time (YYYYMMDDTHHMMSSZ)."
                ),
                value=text,
            )
        elif self.all_day:
            # An all-day series recurs by date: keep the date as written (RFC 5545 §3.3.10).
            self.fields["until"] = day if day is not None else stamp[0].date() if stamp else None
        else:
            local, is_utc = stamp if stamp is not None else (datetime.combine(day or date.min, time(23, 59, 59)), False)
            try:
                self.fields["until"] = local.replace(tzinfo=UTC) if is_utc else wall_clock_to_utc(local, self.zone)
            except OverflowError:
                self.fail(
                    N_("The line %(line)s has UNTIL=%(value)s, which is outside the supported years."), value=text
                )

    def _check_combinations(self) -> None:
        """The combinations RFC 5545 §3.3.10 forbids, and those an all-day series cannot have."""
        freq = self.fields.get("freq")
        if freq is None:
            self.fail(N_("The line %(line)s has no FREQ part; every RRULE needs one, such as FREQ=WEEKLY."))
            return
        if "count" in self.fields and "until" in self.fields:
            self.fail(N_("The line %(line)s gives both COUNT and UNTIL; a rule may have only one of them."))
        forbidden = {
            "by_week_no": ("BYWEEKNO", freq != "YEARLY"),
            "by_year_day": ("BYYEARDAY", freq in ("DAILY", "WEEKLY", "MONTHLY")),
            "by_month_day": ("BYMONTHDAY", freq == "WEEKLY"),
        }
        for key, (part, bad) in forbidden.items():
            if bad and key in self.fields:
                self.fail(
                    N_("The line %(line)s uses %(part)s with FREQ=%(freq)s, which RFC 5545 forbids."),
                    part=part,
                    freq=freq,
                )
        ordinals = [(n, wd) for n, wd in self.fields.get("by_day", ()) if n]
        if ordinals:
            shown = ",".join(f"{n}{WEEKDAY_CODES[wd]}" for n, wd in ordinals)
            if freq not in ("MONTHLY", "YEARLY"):
                self.fail(
                    N_(
                        "The line %(line)s has BYDAY=%(value)s: a numbered weekday is only allowed "
                        "with FREQ=MONTHLY or FREQ=YEARLY."
                    ),
                    value=shown,
                )
            elif freq == "YEARLY" and "by_week_no" in self.fields:
                self.fail(
                    N_("The line %(line)s has BYDAY=%(value)s: a numbered weekday cannot be combined with BYWEEKNO."),
                    value=shown,
                )
            elif freq == "MONTHLY" and any(abs(n) > 5 for n, _ in ordinals):
                self.fail(
                    N_("The line %(line)s has BYDAY=%(value)s, but a month has at most 5 of each weekday."), value=shown
                )
        by_parts = (
            "by_second",
            "by_minute",
            "by_hour",
            "by_day",
            "by_month_day",
            "by_year_day",
            "by_week_no",
            "by_month",
        )
        if "by_set_pos" in self.fields and not any(key in self.fields for key in by_parts):
            self.fail(N_("The line %(line)s has BYSETPOS without any other BY part for it to select from."))
        if self.all_day:
            if freq in SUB_DAILY:
                self.fail(
                    N_(
                        "The line %(line)s has FREQ=%(freq)s, but an all-day event cannot repeat more often than daily."
                    ),
                    freq=freq,
                )
            for key, part in (("by_hour", "BYHOUR"), ("by_minute", "BYMINUTE"), ("by_second", "BYSECOND")):
                if key in self.fields:
                    self.fail(
                        N_(
                            "The line %(line)s has %(part)s, but the event is all-day: it recurs by date, "
                            "not by time of day."
                        ),
                        part=part,
                    )


__all__ = ["FREQUENCIES", "SUB_DAILY", "WEEKDAY_CODES", "RecurrenceRule"]
