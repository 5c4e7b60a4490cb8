"""Journal entries (VJOURNAL, RFC 5545 §3.6.3) as CalDAV stores them: the client's iCalendar, kept whole.

Almanac models nothing of a journal and no REST face shows one: a journal is
the text a CalDAV client stored, served back byte for byte, beside what its
reads need — its resource name, its UID (one per calendar, RFC 4791 §4.1),
DTSTART as a UTC instant (RFC 4791 §9.9 tests a VJOURNAL's DTSTART only) and
whether it recurs (then any of its instances may fall in a time range).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Journal:
    """One journal entry of a calendar: ``data`` is the whole VCALENDAR its client stored.

    ``starts_at`` is its DTSTART in UTC (a date, or a floating time, read in the
    calendar's zone; None without DTSTART); ``recurs`` is True when RRULE or RDATE
    give it more instances. ``revision`` grows with each change, like an event's.
    """

    calendar_id: int
    author_id: int
    uid: str
    name: str
    data: str
    starts_at: datetime | None = None
    recurs: bool = False
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    revision: int = 0
