"""The CALDAV:calendar-timezone property (RFC 4791 §5.2.2): a VCALENDAR holding one VTIMEZONE.

Calendars store an IANA zone name; this module writes the VTIMEZONE clients
expect and reads the TZID back out of the one they send.
"""

from __future__ import annotations

from icalendar import Calendar as ICalendar
from icalendar import Timezone

from almanac.domain.errors import N_, InvalidInputError, Problem
from almanac.domain.sharing import is_known_tzid

PRODID = "-//Almanac//CalDAV//EN"


def timezone_calendar(tzid: str) -> str:
    """A VCALENDAR with the VTIMEZONE of ``tzid`` (UTC gets a one-line standard observance)."""
    calendar = ICalendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(Timezone.from_tzid(tzid))
    return str(calendar.to_ical().decode("utf-8"))


def tzid_of_timezone_calendar(text: str) -> str:
    """The IANA zone a client's calendar-timezone names (its VTIMEZONE's TZID); InvalidInputError otherwise."""
    try:
        calendar = ICalendar.from_ical(text)
        tzids = [str(component.get("tzid", "")) for component in calendar.walk("VTIMEZONE")]
    except ValueError as exc:
        raise _unknown_zone() from exc
    if len(tzids) != 1 or not is_known_tzid(tzids[0]):
        raise _unknown_zone()
    return tzids[0]


def _unknown_zone() -> InvalidInputError:
    return InvalidInputError(
        [Problem("calendar-timezone", "timezone", N_("The time zone must be one VTIMEZONE with an IANA TZID."))]
    )
