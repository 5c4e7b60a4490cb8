"""What users may learn about each other: who appears in participant suggestions, and whose busy times
(free/busy) they may read.

Two users are *related* when they share a group, when one may view a personal
calendar of the other (it was shared by a user, group or membership entry), or
when they are the same user; administrators are related to everyone. The SQL
form lives in the storage adapter (``storage.people``); this module names the
rules and the setting that chooses between them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SearchScope(StrEnum):
    """``ALMANAC_PARTICIPANT_SEARCH``: how far ``GET /participants`` looks and whose availability is shown.

    * ``exact``: only users whose username or email address is exactly the query;
    * ``related``: users related to the caller whose name, username or address contains the query, plus
      exact username/address matches of anyone (to invite someone new); availability of related users only;
    * ``all``: anyone whose name, username or address contains the query, and anyone's availability (eXo).
    """

    EXACT = "exact"
    RELATED = "related"
    ALL = "all"


def search_key(*texts: str) -> str:
    """The folded form names are matched on, the same on every backend: NFKC (full-width letters become
    ASCII), then case folding; the parts are joined with a unit separator no query can contain."""
    return "\x1f".join(fold(t) for t in texts)


def fold(text: str) -> str:
    """NFKC, then case folding, with control characters (the separator among them) removed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cc")


@dataclass(frozen=True, order=True)
class Interval:
    """A busy span ``[start, end)`` of aware UTC instants."""

    start: datetime
    end: datetime


def merged(intervals: list[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching spans joined, empty spans dropped (so a free/busy answer shows
    when someone is busy, not how many events they have)."""
    result: list[Interval] = []
    for span in sorted(i for i in intervals if i.end > i.start):
        if result and span.start <= result[-1].end:
            if span.end > result[-1].end:
                result[-1] = Interval(result[-1].start, span.end)
        else:
            result.append(span)
    return result
