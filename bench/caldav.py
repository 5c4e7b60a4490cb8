"""CalDAV request bodies (RFC 4791), the same bytes for every server under test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape

_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
_NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_query(start: datetime, end: datetime, *, expand: bool) -> bytes:
    """A calendar-query REPORT (RFC 4791 §7.8) for VEVENTs overlapping [start, end), with calendar data.

    With ``expand`` the server must return each recurrence instance as its own
    VEVENT inside the window (§9.6.5) — the costly case the issue measures.
    """
    expand_element = f'<C:expand start="{_utc(start)}" end="{_utc(end)}"/>' if expand else ""
    body = (
        f"{_HEAD}<C:calendar-query {_NS}>"
        f"<D:prop><D:getetag/><C:calendar-data>{expand_element}</C:calendar-data></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{_utc(start)}" end="{_utc(end)}"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    )
    return body.encode()


def calendar_multiget(hrefs: Sequence[str]) -> bytes:
    """A calendar-multiget REPORT (RFC 4791 §7.9) for the given resource paths."""
    refs = "".join(f"<D:href>{escape(h)}</D:href>" for h in hrefs)
    body = (
        f"{_HEAD}<C:calendar-multiget {_NS}><D:prop><D:getetag/><C:calendar-data/></D:prop>{refs}</C:calendar-multiget>"
    )
    return body.encode()


REPORT_HEADERS = {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"}
MULTISTATUS = (207,)
