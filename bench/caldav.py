"""CalDAV request bodies (RFC 4791), the same bytes for every server under test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree
from xml.sax.saxutils import escape

_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
_NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'


def object_name(uid: str) -> str:
    """The resource name every system stores a hot-calendar event under (its UID, as clients name objects)."""
    return f"{uid}.ics"


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


def sync_collection(token: str) -> bytes:
    """A sync-collection REPORT (RFC 6578 §3.2): an initial one with an empty token, else the changes since it."""
    body = (
        f'{_HEAD}<D:sync-collection xmlns:D="DAV:"><D:sync-token>{escape(token)}</D:sync-token>'
        "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
    )
    return body.encode()


def sync_token_of(multistatus: bytes) -> str:
    """The DAV:sync-token a sync-collection answer ends with."""
    found = ElementTree.fromstring(multistatus).find("{DAV:}sync-token")
    if found is None or not found.text:
        raise ValueError("the sync-collection answer carries no sync-token")
    return found.text.strip()


#: A PROPFIND of the collection's current DAV:sync-token (RFC 6578 §4), asked with Depth 0.
PROPFIND_SYNC_TOKEN = (f'{_HEAD}<D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/></D:prop></D:propfind>').encode()


def sync_token_property_of(multistatus: bytes) -> str | None:
    """The DAV:sync-token property a PROPFIND answered, or None when the server did not give one."""
    found = ElementTree.fromstring(multistatus).find(".//{DAV:}prop/{DAV:}sync-token")
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


#: What the HTTP floor's copy of a sync call sends (the floor never answers a real sync).
FLOOR_SYNC_TOKEN = "http://floor.invalid/sync/0"

#: sync-collection is asked of the collection itself (RFC 6578 §3.2: Depth 0).
SYNC_HEADERS = {"Content-Type": "application/xml; charset=utf-8", "Depth": "0"}
REPORT_HEADERS = {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"}
MULTISTATUS = (207,)
