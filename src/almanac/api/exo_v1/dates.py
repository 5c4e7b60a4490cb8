"""Date-times on the eXo face (spec §1.4): every ISO 8601 form eXo accepts in, UTC with milliseconds out.

Input forms, tried as one grammar: ``yyyy-MM-ddTHH:mm[:ss[.fraction]][zone]``
with zone ``Z``, ``±hh:mm`` or ``±hhmm``, and the dates ``yyyy-MM-dd``,
``yyyy-MM``, ``yyyy`` (midnight). A value without a zone is read in the
caller's time zone (eXo: the server's). An unparseable value is None; each
caller turns that into a 400 (eXo: ignored, 500 or 503 depending on the endpoint).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DATE_TIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})T(?P<h>\d{2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)
_DATE = re.compile(r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2}))?)?")
# An unencoded '+' in a query string arrives as a space ("...T09:00:00 01:00").
_SPACE_FOR_PLUS = re.compile(r"(T[\d:.,]+) (\d{2}:?\d{2})$")
MAX_LENGTH = 64

#: How far the default query window reaches (the seed: "current server time + 1 week").
DEFAULT_WINDOW = timedelta(weeks=1)


def zone(tzid: str) -> tzinfo:
    """The zone for an IANA name; UTC when the name is unknown (stored names were checked on write)."""
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_datetime(text: str, tzid: str) -> datetime | None:
    """An aware UTC instant, or None when ``text`` is none of the accepted forms (or out of range)."""
    value = text.strip()
    if not value or len(value) > MAX_LENGTH:
        return None
    value = _SPACE_FOR_PLUS.sub(r"\1+\2", value)
    try:
        return _parse(value, tzid)
    except (ValueError, OverflowError):
        return None


def _parse(value: str, tzid: str) -> datetime | None:
    match = _DATE_TIME.fullmatch(value)
    if match:
        fraction = (match["f"] or "0")[:6].ljust(6, "0")
        naive = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"]),
            int(match["mi"]),
            int(match["s"] or 0),
            int(fraction),
        )
        return _aware(naive, match["zone"], tzid).astimezone(UTC)
    match = _DATE.fullmatch(value)
    if match:
        naive = datetime(int(match["y"]), int(match["mo"] or 1), int(match["d"] or 1))
        return naive.replace(tzinfo=zone(tzid)).astimezone(UTC)
    return None


def _aware(naive: datetime, zone_text: str | None, tzid: str) -> datetime:
    if zone_text is None:
        return naive.replace(tzinfo=zone(tzid))
    if zone_text == "Z":
        return naive.replace(tzinfo=UTC)
    digits = zone_text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if offset >= timedelta(hours=24) or int(digits[2:]) >= 60:
        raise ValueError("offset out of range")
    return (naive - offset if zone_text[0] == "+" else naive + offset).replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """``2024-03-04T09:00:00.000Z``: UTC, milliseconds, ``Z`` (spec §1.4)."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def epoch_millis(value: datetime) -> int:
    return int(value.timestamp() * 1000)
