"""A series' recurrence set definition: its RRULE, RDATEs and EXDATEs (RFC 5545 §3.8.5).

Owns the ``Recurrence`` value and its round trip with iCalendar content lines:
``Recurrence.from_lines`` reads the lines a client sends (``RRULE:...``,
``EXDATE;TZID=Europe/Paris:20240311T090000``, ``EXDATE:20240318T080000Z``,
``RDATE;VALUE=DATE:20240401``...) and ``Recurrence.to_lines`` writes canonical,
deterministic lines back. Dates and times are normalised on the way in: a
timed series keeps RDATE/EXDATE as aware UTC instants (so an EXDATE given in
UTC or in another zone matches by instant), an all-day series keeps dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from almanac.domain.errors import N_, Problem
from almanac.domain.recurrence_errors import RecurrenceError
from almanac.domain.recurrence_rule import RecurrenceRule
from almanac.domain.recurrence_zones import (
    UTC,
    format_date_text,
    format_local_text,
    format_utc_text,
    load_zone,
    parse_date_text,
    parse_datetime_text,
    to_utc,
    utc_to_wall_clock,
    wall_clock_to_utc,
)

_NAME_RE = re.compile(r"[A-Za-z0-9-]+")
_PARAM_VALUE = r'(?:"[^"]*"|[^";:,]*)'
_PARAM_RE = re.compile(rf";([A-Za-z0-9-]+)=({_PARAM_VALUE}(?:,{_PARAM_VALUE})*)")
_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})

RecurrenceDate = datetime | date
"""An RDATE/EXDATE value: an aware UTC datetime (timed series) or a date (all-day series)."""


@dataclass(frozen=True)
class Recurrence:
    """How a series repeats: an optional RRULE plus extra (RDATE) and removed (EXDATE) starts.

    ``rdates`` and ``exdates`` hold aware datetimes (any zone, stored as UTC,
    whole seconds) for a timed series, or dates for an all-day one; they are
    sorted and de-duplicated on construction. ValueError when naive datetimes
    are given or datetimes and dates are mixed.
    """

    rule: RecurrenceRule | None = None
    rdates: tuple[RecurrenceDate, ...] = ()
    exdates: tuple[RecurrenceDate, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rdates", _normalised(self.rdates))
        object.__setattr__(self, "exdates", _normalised(self.exdates))
        kinds = {isinstance(value, datetime) for value in self.rdates + self.exdates}
        if len(kinds) > 1:
            raise ValueError("RDATE and EXDATE values must be all datetimes or all dates")

    @classmethod
    def from_lines(cls, lines: Iterable[str], *, tzid: str, all_day: bool, field: str = "recurrence") -> Recurrence:
        """Parse RRULE / RDATE / EXDATE content lines for a series in ``tzid``.

        ``all_day`` says whether the series' DTSTART is a DATE. DATE-TIME values
        may be UTC (``Z``), carry a ``TZID`` parameter, or be floating (read in
        ``tzid``); on an all-day series their date is kept as written. Blank
        lines are skipped. Raises RecurrenceError with one problem per faulty
        line, about ``<field>.<index>`` and naming the line.
        """
        zone = load_zone(tzid)
        parser = _LinesParser(zone, all_day, field)
        for index, line in enumerate(lines):
            if line.strip():
                parser.line(index, line.strip())
        if parser.problems:
            raise RecurrenceError(parser.problems)
        return cls(parser.rule, tuple(parser.rdates), tuple(parser.exdates))

    def to_lines(self, *, tzid: str | None = None) -> list[str]:
        """Canonical content lines: the RRULE, then one line per RDATE, then one per EXDATE, each sorted.

        Instants are written as local time with ``TZID=<tzid>`` when ``tzid`` is
        given (and is not UTC), else in UTC; an instant whose local time is the
        second pass of a repeated hour is always written in UTC, since its local
        form would read back as the first pass (RFC 5545 §3.3.5).
        """
        zone = load_zone(tzid) if tzid and tzid not in _UTC_NAMES else None
        lines = [f"RRULE:{self.rule.value}"] if self.rule else []
        for name, values in (("RDATE", self.rdates), ("EXDATE", self.exdates)):
            lines.extend(_value_line(name, value, tzid, zone) for value in values)
        return lines

    @property
    def rrule(self) -> str | None:
        """The canonical RRULE value, or None."""
        return self.rule.value if self.rule else None

    @property
    def is_recurring(self) -> bool:
        """True when the series has more than its DTSTART: a rule or extra dates."""
        return self.rule is not None or bool(self.rdates)


def _normalised(values: Iterable[RecurrenceDate]) -> tuple[RecurrenceDate, ...]:
    instants = {to_utc(value) for value in values if isinstance(value, datetime)}
    days = {value for value in values if not isinstance(value, datetime)}
    return (*sorted(instants), *sorted(days))


def _value_line(name: str, value: RecurrenceDate, tzid: str | None, zone: ZoneInfo | None) -> str:
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{format_date_text(value)}"
    if zone is not None:
        local = utc_to_wall_clock(value, zone)
        if wall_clock_to_utc(local, zone) == value:
            return f"{name};TZID={tzid}:{format_local_text(local)}"
    return f"{name}:{format_utc_text(value)}"


def _split(line: str) -> tuple[str, dict[str, str], str] | None:
    """A content line as (upper-case name, {upper-case param: unquoted value}, value), or None if malformed."""
    match = _NAME_RE.match(line)
    if match is None:
        return None
    position, params = match.end(), {}
    while position < len(line) and line[position] == ";":
        param = _PARAM_RE.match(line, position)
        if param is None:
            return None
        params[param[1].upper()] = param[2].replace('"', "")
        position = param.end()
    if position >= len(line) or line[position] != ":":
        return None
    return match[0].upper(), params, line[position + 1 :].strip()


class _LinesParser:
    """Collects the rule, dates and problems of a list of content lines."""

    def __init__(self, zone: ZoneInfo, all_day: bool, field: str) -> None:
        self.zone, self.all_day, self.field = zone, all_day, field
        self.rule: RecurrenceRule | None = None
        self.rdates: list[RecurrenceDate] = []
        self.exdates: list[RecurrenceDate] = []
        self.problems: list[Problem] = []

    def fail(self, index: int, line: str, template: str, **params: Any) -> None:
        self.problems.append(Problem(f"{self.field}.{index}", RecurrenceError.code, template, {"line": line, **params}))

    def line(self, index: int, line: str) -> None:
        parts = _split(line)
        if parts is None:
            self.fail(index, line, N_("The line %(line)s is not an iCalendar content line (NAME;PARAM=...:VALUE)."))
            return
        name, params, value = parts
        if name == "RRULE":
            if self.rule is not None:
                self.fail(index, line, N_("The line %(line)s is a second RRULE; a series may have only one."))
                return
            try:
                self.rule = RecurrenceRule.parse(
                    value, tzid=self.zone.key, all_day=self.all_day, field=f"{self.field}.{index}", line=line
                )
            except RecurrenceError as error:
                self.problems.extend(error.problems)
        elif name in ("RDATE", "EXDATE"):
            self.dates(index, line, name, params, value)
        elif name == "EXRULE":
            self.fail(index, line, N_("The line %(line)s is an EXRULE, which RFC 5545 removed; use EXDATE lines."))
        else:
            self.fail(
                index, line, N_("The line %(line)s is not a recurrence property: expected RRULE, RDATE or EXDATE.")
            )

    def dates(self, index: int, line: str, name: str, params: dict[str, str], text: str) -> None:
        kind = params.get("VALUE", "").upper()
        if kind == "PERIOD" and name == "RDATE":
            self.fail(
                index,
                line,
                N_(
                    "The line %(line)s is an RDATE period, which is not supported: give the "
                    "start as a date-time and change its end in an overridden occurrence."
                ),
            )
            return
        if kind not in ("", "DATE", "DATE-TIME"):
            self.fail(
                index, line, N_("The line %(line)s has VALUE=%(value)s; it must be DATE or DATE-TIME."), value=kind
            )
            return
        zone = self.zone
        if "TZID" in params:
            try:
                zone = load_zone(params["TZID"])
            except RecurrenceError:
                self.fail(
                    index, line, N_("The line %(line)s names the unknown time zone %(tzid)s."), tzid=params["TZID"]
                )
                return
        target = self.rdates if name == "RDATE" else self.exdates
        for item in text.split(","):
            value = self.date_value(item.strip(), kind, zone)
            if value is None:
                self.fail(
                    index,
                    line,
                    N_(
                        "The line %(line)s has the value %(value)s, which is not a date (YYYYMMDD) or a date-time "
                        "(YYYYMMDDTHHMMSS, with Z for UTC) as its VALUE parameter requires."
                    ),
                    value=item,
                )
                return
            if not self.all_day and not isinstance(value, datetime):
                self.fail(
                    index,
                    line,
                    N_("The line %(line)s gives the date %(value)s, but the event has a start time: give a date-time."),
                    value=item,
                )
                return
            target.append(value)

    def date_value(self, text: str, kind: str, zone: ZoneInfo) -> RecurrenceDate | None:
        day = parse_date_text(text) if kind != "DATE-TIME" else None
        if day is not None:
            return day
        stamp = parse_datetime_text(text) if kind != "DATE" else None
        if stamp is None:
            return None
        local, is_utc = stamp
        if self.all_day:
            return local.date()  # an all-day series recurs by date: keep the date as written
        try:
            return local.replace(tzinfo=UTC) if is_utc else wall_clock_to_utc(local, zone)
        except OverflowError:
            return None


__all__ = ["Recurrence", "RecurrenceDate"]
