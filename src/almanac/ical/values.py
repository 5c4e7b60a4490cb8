"""Property values of RFC 5545 §3.3 as Almanac reads them: TEXT, DATE / DATE-TIME with their zone, DURATION.

Every reader takes the ``ContentLine`` it reads, so a bad value is a
CalendarDataError naming that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import vDuration
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from almanac.domain.calendar_data import CalendarDataError
from almanac.domain.errors import N_
from almanac.domain.recurrence import RecurrenceError
from almanac.domain.recurrence_zones import UTC, load_zone, parse_date_text, parse_datetime_text, wall_clock_to_utc
from almanac.ical.lines import ContentLine

_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")


def text_value(line: ContentLine) -> str:
    """A TEXT value unescaped (RFC 5545 §3.3.11): ``\\n`` is a line break, ``\\,`` ``\\;`` ``\\\\`` literal."""
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], line.value)


def text_list(line: ContentLine) -> list[str]:
    """A comma-separated list of TEXT values (CATEGORIES, RESOURCES), each unescaped."""
    parts = re.split(r"(?<!\\),", line.value)
    return [_TEXT_ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], part) for part in parts]


def zone_name(tzid: str, line: ContentLine) -> str:
    """The IANA zone a TZID parameter names: an IANA name, a Windows name, or a path ending in one."""
    candidates = [tzid, WINDOWS_TO_OLSON.get(tzid, "")]
    segments = [s for s in tzid.split("/") if s]
    candidates += ["/".join(segments[-n:]) for n in (3, 2, 1)] if tzid.startswith("/") else []
    for candidate in candidates:
        if candidate:
            try:
                return load_zone(candidate).key
            except RecurrenceError:
                continue
    raise CalendarDataError.at(
        line.number, N_("%(name)s names the unknown time zone %(tzid)s."), name=line.name, tzid=tzid
    )


@dataclass(frozen=True)
class Moment:
    """A DATE or DATE-TIME value: ``value`` is a date, or an aware UTC datetime; ``tzid`` the zone it was read in."""

    value: date | datetime
    tzid: str

    @property
    def is_date(self) -> bool:
        return not isinstance(self.value, datetime)


def moment_value(line: ContentLine, *, default_tzid: str) -> Moment:
    """A DATE or DATE-TIME property (DTSTART, DTEND, RECURRENCE-ID...).

    UTC (``Z``) values are in "UTC"; values with ``TZID`` in that zone; floating
    values in ``default_tzid`` (RFC 5545 §3.3.5 leaves their zone to the reader).
    """
    kind = (line.param("VALUE") or "").upper()
    text = line.value.strip()
    if kind in ("", "DATE") and (day := parse_date_text(text)) is not None:
        return Moment(day, default_tzid)
    stamp = parse_datetime_text(text) if kind in ("", "DATE-TIME") else None
    if stamp is None:
        raise CalendarDataError.at(
            line.number,
            N_("%(name)s has the value %(value)s, which is not a date (YYYYMMDD) or a date-time (YYYYMMDDTHHMMSS)."),
            name=line.name,
            value=text[:40],
        )
    local, is_utc = stamp
    if is_utc:
        return Moment(local.replace(tzinfo=UTC), "UTC")
    tzid = line.param("TZID")
    name = zone_name(tzid, line) if tzid else default_tzid
    try:
        return Moment(wall_clock_to_utc(local, load_zone(name)), name)
    except OverflowError:
        raise CalendarDataError.at(
            line.number, N_("%(name)s lies outside the years this server handles."), name=line.name
        ) from None


def duration_value(line: ContentLine) -> timedelta:
    """A DURATION value (RFC 5545 §3.3.6), such as ``PT1H30M`` or ``-P1D``."""
    try:
        value = vDuration.from_ical(line.value.strip())  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        raise CalendarDataError.at(
            line.number,
            N_("%(name)s has the value %(value)s, which is not a duration such as PT1H30M."),
            name=line.name,
            value=line.value[:40],
        ) from None
    if not isinstance(value, timedelta):
        raise CalendarDataError.at(
            line.number,
            N_("%(name)s has the value %(value)s, which is not a duration such as PT1H30M."),
            name=line.name,
            value=line.value[:40],
        )
    return value


def integer_value(line: ContentLine, low: int, high: int) -> int:
    """An INTEGER value within ``[low, high]``."""
    text = line.value.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text) or not low <= int(text) <= high:
        raise CalendarDataError.at(
            line.number,
            N_("%(name)s must be a whole number from %(low)s to %(high)s, not %(value)s."),
            name=line.name,
            low=low,
            high=high,
            value=text[:20],
        )
    return int(text)


def mail_address(line: ContentLine) -> str | None:
    """The address of a ``mailto:`` CAL-ADDRESS (ATTENDEE, ORGANIZER), or None for any other URI."""
    value = line.value.strip()
    if value[:7].lower() != "mailto:" or "@" not in value:
        return None
    return value[7:].strip()


__all__ = [
    "Moment",
    "duration_value",
    "integer_value",
    "mail_address",
    "moment_value",
    "text_list",
    "text_value",
    "zone_name",
]
