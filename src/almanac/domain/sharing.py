"""Calendar kinds relative to a user, and the rules a calendar's sharing settings obey (spec §2.1-2.4, §5.2).

The kind (personal, group, shared, undefined) is always computed for one
principal: the same calendar is PERSONAL for its owner and SHARED for a sharee.
It is derived from ``permissions.can_view_calendar`` (with the administrator
bypass left out, so an administrator's calendar list is their own, not the
whole store); the storage adapter mirrors it in SQL and a contract test holds
the two together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from enum import StrEnum
from functools import cache
from zoneinfo import available_timezones

from almanac.domain.calendars import Calendar
from almanac.domain.errors import N_, PermissionDeniedError
from almanac.domain.permissions import EntryKind, can_view_calendar, owns_calendar, parse_entry
from almanac.domain.users import Principal


class CalendarKind(StrEnum):
    """eXo's calendar types (spec §2.1); the values are the wire names."""

    PERSONAL = "PERSONAL"
    GROUP = "GROUP"
    SHARED = "SHARED"
    UNDEFINED = "UNDEFINED"


#: The order calendars are listed in (spec §5.2.1: personal first, then group, then shared).
KIND_ORDER: tuple[CalendarKind, ...] = (CalendarKind.PERSONAL, CalendarKind.GROUP, CalendarKind.SHARED)


def calendar_kind(principal: Principal, calendar: Calendar) -> CalendarKind:
    """The calendar's kind for this principal.

    * GROUP: a group calendar the principal may view (owner, member of one of its groups, or an entry admits them);
    * PERSONAL: a personal calendar the principal owns;
    * SHARED: another user's personal calendar that a view or edit entry opens to the principal;
    * UNDEFINED: anything else (also an administrator's view of calendars they are not related to).
    """
    related = replace(principal, is_admin=False)
    if calendar.is_group_calendar:
        return CalendarKind.GROUP if can_view_calendar(related, calendar) else CalendarKind.UNDEFINED
    if owns_calendar(related, calendar):
        return CalendarKind.PERSONAL
    return CalendarKind.SHARED if can_view_calendar(related, calendar) else CalendarKind.UNDEFINED


class PersonalCalendarChangeError(PermissionDeniedError):
    """An allowed editor tried to change what a personal calendar may never change (spec §5.2.4 step 4).

    The template is one of ``OWNER_CHANGE`` and ``GROUPS_CHANGE`` (eXo's own wording).
    """

    code = "personal_calendar_change"


OWNER_CHANGE = N_("Can not change owner of personal calendar")
GROUPS_CHANGE = N_("Can not update groups of personal calendar")

# Letters, digits (any script), '_', '-' and spaces (spec §5.2.4 step 3).
_NAME_PUNCTUATION = frozenset("_- ")


def is_valid_calendar_name(name: str) -> bool:
    """eXo's calendar-name rule: the trimmed name is non-empty and has only letters, digits, '_', '-', spaces."""
    trimmed = name.strip()
    if not trimmed:
        return False
    return all(ch in _NAME_PUNCTUATION or unicodedata.category(ch)[0] in "LN" for ch in trimmed)


_GROUP_PATH = re.compile(r"(/[^/:;,*\s]+)+")
_NAME_PART = re.compile(r"[^/:;,*\s]+")


def is_valid_entry(raw: str) -> bool:
    """A permission entry in one of the four forms of spec §2.2, with a real group path and membership type.

    Refusing malformed entries (``/g/:*.``, ``:*.*``) at write time keeps the
    domain predicate and its SQL mirror in agreement on every stored entry.
    """
    text = raw.strip()
    if not text or len(text) > 400:
        return False
    entry = parse_entry(text)
    if entry.kind is EntryKind.USER:
        if "/:" in text and not _GROUP_PATH.fullmatch(text.partition("/:")[0] or "-"):
            return False
        return bool(_NAME_PART.fullmatch(entry.username or ""))
    if not _GROUP_PATH.fullmatch(entry.group_id or ""):
        return False
    return entry.kind is EntryKind.GROUP or bool(_NAME_PART.fullmatch(entry.membership_type or ""))


def is_known_tzid(tzid: str) -> bool:
    """An IANA zone name this system knows (``Europe/Paris``); file-path tricks are never looked up."""
    return tzid == "UTC" or tzid in _zones()


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def merged_view_entries(view_entries: list[str], edit_entries: list[str]) -> list[str]:
    """eXo keeps every edit entry in the view list too (spec §5.2.4 step 3); first-seen order, no duplicates."""
    return list(dict.fromkeys(e.strip() for e in [*view_entries, *edit_entries] if e.strip()))


def strip_host(url: str) -> str:
    """eXo stores public/private URLs without their ``http(s)://host`` prefix (spec §3.1)."""
    match = re.match(r"(?i)https?://[^/]*", url)
    return url[match.end() :] if match else url
