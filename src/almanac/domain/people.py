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
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from almanac.domain.calendars import Calendar
from almanac.domain.permissions import any_entry_admits, can_view_calendar
from almanac.domain.users import Principal, User, normalize_email


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


def are_related(principal: Principal, other: Principal, calendars: Iterable[Calendar]) -> bool:
    """The reference form of "related" (``storage.people.related_condition`` is its SQL mirror; the
    authorization matrix holds the two together): the same user, a shared group, a personal calendar of
    ``other`` that ``principal`` may view, or a personal calendar of ``principal`` whose view or edit entries
    admit ``other``. An administrator is related to everyone; being one does not make others related to them."""
    if principal.is_admin or principal.user_id == other.user_id or principal.group_ids & other.group_ids:
        return True
    me, them = replace(principal, is_admin=False), replace(other, is_admin=False)
    for calendar in calendars:
        if calendar.is_group_calendar:
            continue
        if calendar.owner_id == other.user_id and can_view_calendar(me, calendar):
            return True
        entries = [*calendar.view_permissions, *calendar.edit_permissions]
        if calendar.owner_id == principal.user_id and any_entry_admits(entries, them):
            return True
    return False


def is_found(user: User, query: str, *, scope: SearchScope, min_length: int, related: bool) -> bool:
    """The reference form of ``PeopleRepository.search``'s filter: whether a participant search for ``query``
    finds ``user`` (``related``: whether ``user`` is related to the caller, see ``are_related``)."""
    text = query.strip()
    if text and (user.username == text or normalize_email(user.email) == normalize_email(text)):
        return True
    folded = fold(text)
    if scope is SearchScope.EXACT or len(folded) < min_length:
        return False
    if scope is SearchScope.RELATED and not related:
        return False
    return folded in search_key(user.display_name, user.username, user.email)


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
