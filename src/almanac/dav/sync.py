"""What a sync-collection REPORT (RFC 6578) asks beyond its properties, and what its answer carries besides the
members: the sync token (where the client stands), the limit it sets, and the mark of a truncated answer.

A token is a URI only this server reads (§3.2): the calendar's key and a revision of its change log, and, for
a later page of a truncated initial sync, the resource name the listing goes on after. Anything else (another
calendar's token, a mangled one) is not a position at all, and is refused as ``valid-sync-token`` upstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote

from almanac.dav.errors import DavError, caldav_condition
from almanac.dav.xml import DAV, Element, child, element, href, tag
from almanac.domain.changes import InvalidSyncLimitError, UnknownSyncRevisionError

SYNC_TOKEN_PREFIX: Final = "http://almanac.invalid/sync/"
#: ASCII digits only (str.isdigit also takes "²"), and few enough that int() and the database never choke.
_REVISION: Final = re.compile(r"[0-9]{1,18}")
_AFTER: Final = "?after="
#: nresults past this many digits is clamped like any other limit above the setting.
_NRESULTS: Final = re.compile(r"[0-9]+")
_HUGE: Final = 10**9


@dataclass(frozen=True)
class SyncPosition:
    """Where a client stands: it has every change up to ``revision``; during an initial sync (``after`` set) it
    has the objects named up to ``after`` and the changes after ``revision`` are still to come."""

    revision: int
    after: str | None = None


def sync_token(calendar_key: str, position: SyncPosition) -> str:
    token = f"{SYNC_TOKEN_PREFIX}{calendar_key}/{position.revision}"
    if position.after is not None:
        token += _AFTER + quote(position.after, safe="")
    return token


def parse_sync_token(token: str, calendar_key: str) -> SyncPosition | None:
    """The position a token of this calendar names; None when it is not one (foreign or mangled)."""
    head = f"{SYNC_TOKEN_PREFIX}{calendar_key}/"
    if not token.startswith(head):
        return None
    revision, resumed, after = token[len(head) :].partition(_AFTER)
    if not _REVISION.fullmatch(revision):
        return None
    if not resumed:
        return SyncPosition(int(revision))
    try:
        name = unquote(after, errors="strict")
    except UnicodeDecodeError:
        return None
    return SyncPosition(int(revision), name) if name else None


@dataclass(frozen=True)
class SyncRequest:
    """A sync-collection body: where the client stands (None: an initial sync) and the most results it wants."""

    position: SyncPosition | None
    limit: int | None

    @classmethod
    def of(cls, body: Element, calendar_key: str) -> SyncRequest:
        level_element = child(body, tag(DAV, "sync-level"))
        level = "1" if level_element is None else "".join(level_element.itertext()).strip() or "1"
        if level not in ("1", "infinite"):
            raise DavError(403, caldav_condition("supported-filter"), "Only sync-level 1 is supported.")
        token_element = child(body, tag(DAV, "sync-token"))
        text = "" if token_element is None else "".join(token_element.itertext()).strip()
        position = None
        if text:
            position = parse_sync_token(text, calendar_key)
            if position is None:
                raise UnknownSyncRevisionError()
        return cls(position=position, limit=_limit(child(body, tag(DAV, "limit"))))


def _limit(limit: Element | None) -> int | None:
    """DAV:limit/DAV:nresults (RFC 5323 §5.17, RFC 6578 §3.7): a whole number of at least 1; one too large to
    matter is clamped by the service like any above the setting."""
    if limit is None:
        return None
    nresults = child(limit, tag(DAV, "nresults"))
    text = "" if nresults is None else "".join(nresults.itertext()).strip()
    if not _NRESULTS.fullmatch(text):
        raise InvalidSyncLimitError()
    return _HUGE if len(text) > 9 else int(text)


def truncation_mark(collection_href: str) -> Element:
    """The response for the request-URI that tells the client more results follow (RFC 6578 §3.6)."""
    return element(
        tag(DAV, "response"),
        href(collection_href),
        element(tag(DAV, "status"), text="HTTP/1.1 507 Insufficient Storage"),
        element(tag(DAV, "error"), element(tag(DAV, "number-of-matches-within-limits"))),
    )
