"""Wall-clock time in an IANA zone versus UTC instants, and iCalendar DATE / DATE-TIME text.

Owns the two conversions every part of the recurrence engine relies on:

* a local (naive) wall-clock time in a zone becomes a UTC instant following
  RFC 5545 §3.3.5: an ambiguous time (the repeated hour when clocks go back)
  means its *first* occurrence (``fold=0``), and a nonexistent time (the hour
  skipped when clocks go forward) is read with the UTC offset in force before
  the gap, so 02:30 in a one-hour spring-forward gap becomes 03:30 after it;
* the text forms of RFC 5545 §3.3.4 DATE (``YYYYMMDD``) and §3.3.5 DATE-TIME
  (``YYYYMMDDTHHMMSS`` with an optional ``Z`` for UTC), parsed strictly.

All instants returned are aware datetimes in ``datetime.UTC``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from almanac.domain.errors import N_
from almanac.domain.recurrence_errors import RecurrenceError

UTC = UTC

_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")


def load_zone(tzid: str, *, field: str = "tzid") -> ZoneInfo:
    """The IANA zone named ``tzid``; RecurrenceError about ``field`` when no such zone exists."""
    try:
        if not tzid or tzid != tzid.strip() or tzid.startswith(("/", ".")) or ".." in tzid:
            raise ValueError(tzid)
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RecurrenceError.about(
            field, N_("%(tzid)s is not a known IANA time zone (such as Europe/Paris)."), tzid=tzid
        ) from None


def wall_clock_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of the naive wall-clock time ``local`` in ``zone`` (RFC 5545 §3.3.5).

    Ambiguous times resolve to their first occurrence; nonexistent times are
    shifted forward by the length of the gap (``fold=0`` semantics of PEP 495).
    """
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def utc_to_wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock time of the aware ``instant`` in ``zone`` (``fold`` kept for the repeated hour)."""
    return instant.astimezone(zone).replace(tzinfo=None)


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (shifted forward if midnight is skipped)."""
    return wall_clock_to_utc(datetime.combine(day, time()), zone)


def to_utc(instant: datetime) -> datetime:
    """``instant`` (aware) expressed in UTC with whole seconds; ValueError when it is naive."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant!r}")
    return instant.astimezone(UTC).replace(microsecond=0)


def parse_date_text(text: str) -> date | None:
    """A DATE value ``YYYYMMDD`` (RFC 5545 §3.3.4), or None when ``text`` is not one."""
    match = _DATE_RE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_datetime_text(text: str) -> tuple[datetime, bool] | None:
    """A DATE-TIME value (RFC 5545 §3.3.5) as (naive datetime, is_utc), or None when ``text`` is not one."""
    match = _DATETIME_RE.match(text)
    if match is None:
        return None
    try:
        value = datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4]), int(match[5]), int(match[6]))
    except ValueError:
        return None
    return value, match[7] == "Z"


def format_date_text(day: date) -> str:
    """``day`` as an RFC 5545 DATE value, ``YYYYMMDD``."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def format_local_text(local: datetime) -> str:
    """The naive ``local`` as an RFC 5545 local DATE-TIME value, ``YYYYMMDDTHHMMSS``."""
    return f"{format_date_text(local.date())}T{local.hour:02d}{local.minute:02d}{local.second:02d}"


def format_utc_text(instant: datetime) -> str:
    """The aware ``instant`` as an RFC 5545 UTC DATE-TIME value, ``YYYYMMDDTHHMMSSZ``."""
    return format_local_text(to_utc(instant).replace(tzinfo=None)) + "Z"


__all__ = [
    "UTC",
    "format_date_text",
    "format_local_text",
    "format_utc_text",
    "load_zone",
    "local_midnight_utc",
    "parse_date_text",
    "parse_datetime_text",
    "to_utc",
    "utc_to_wall_clock",
    "wall_clock_to_utc",
]
