"""Who may see and change what: the one permission model every face uses.

Calendar rights follow eXo (spec §2.2-2.4) with its bugs fixed:
* a permission entry is a user name, ``/group/:user``, ``/group/:*.*`` (any member)
  or ``/group/:*.type`` (members holding that membership type; ``*`` = any type);
* every entry of a list is examined (eXo stops at the first group entry);
* edit rights imply view rights;
* administrators may do everything.
An event is readable by whoever may view its calendar, by its participants, and
by anyone when the calendar is public; it is changed by calendar editors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from almanac.domain.calendars import Calendar
from almanac.domain.events import Event
from almanac.domain.users import Principal


class EntryKind(StrEnum):
    USER = "user"
    GROUP = "group"
    MEMBERSHIP = "membership"


@dataclass(frozen=True)
class PermissionEntry:
    """A parsed permission string; ``raw`` keeps the text as the client wrote it."""

    raw: str
    kind: EntryKind
    username: str | None = None
    group_id: str | None = None
    membership_type: str | None = None

    def admits(self, principal: Principal) -> bool:
        if self.kind is EntryKind.USER:
            return self.username == principal.username
        assert self.group_id is not None  # set for group and membership entries by parse_entry
        if self.kind is EntryKind.GROUP:
            return principal.is_member_of(self.group_id)
        return principal.holds(self.group_id, self.membership_type or "*")


def parse_entry(raw: str) -> PermissionEntry:
    """Parse one entry (spec §2.2). Anything without both ``/:`` and ``*.`` names a user."""
    text = raw.strip()
    if "/:" in text and "*." in text:
        group_id, _, membership = text.partition("/:")
        membership_type = membership.removeprefix("*.")
        if membership_type == "*":
            return PermissionEntry(text, EntryKind.GROUP, group_id=group_id)
        return PermissionEntry(text, EntryKind.MEMBERSHIP, group_id=group_id, membership_type=membership_type)
    if "/:" in text:
        return PermissionEntry(text, EntryKind.USER, username=text.partition("/:")[2])
    return PermissionEntry(text, EntryKind.USER, username=text)


def any_entry_admits(entries: list[str], principal: Principal) -> bool:
    return any(parse_entry(entry).admits(principal) for entry in entries if entry.strip())


def owns_calendar(principal: Principal, calendar: Calendar) -> bool:
    return calendar.owner_id == principal.user_id


def can_edit_calendar(principal: Principal, calendar: Calendar) -> bool:
    """eXo's isCalendarEditable: the owner of a personal calendar, or an edit-entry match."""
    if principal.is_admin:
        return True
    if not calendar.is_group_calendar and owns_calendar(principal, calendar):
        return True
    return any_entry_admits(calendar.edit_permissions, principal)


def can_view_calendar(principal: Principal, calendar: Calendar) -> bool:
    """eXo's hasViewCalendarPermission, fixed: owner, group member, any view or edit entry."""
    if principal.is_admin or owns_calendar(principal, calendar):
        return True
    if calendar.is_group_calendar and any(principal.is_member_of(g) for g in calendar.groups):
        return True
    return any_entry_admits(calendar.view_permissions, principal) or can_edit_calendar(principal, calendar)


def can_read_calendar(principal: Principal, calendar: Calendar) -> bool:
    """Reading the calendar's events as a whole (ICS export, CalDAV): its viewers, and anyone when it is public.

    Whoever may not read a calendar is told it does not exist, also when they try to write to it.
    """
    return calendar.is_public or can_view_calendar(principal, calendar)


def can_manage_calendar(principal: Principal, calendar: Calendar) -> bool:
    """Changing the calendar itself (its settings, sharing, private feed URL), not just its events: an
    administrator, the owner of a personal calendar, or an editor of a group calendar. A sharee with edit
    rights changes events only (eXo's rule, spec §5.2.4)."""
    if principal.is_admin:
        return True
    return (owns_calendar(principal, calendar) or calendar.is_group_calendar) and can_edit_calendar(principal, calendar)


def can_read_event(principal: Principal, calendar: Calendar, event: Event) -> bool:
    return calendar.is_public or can_view_calendar(principal, calendar) or event.has_participant(principal.user_id)


def can_edit_event(principal: Principal, calendar: Calendar, event: Event) -> bool:
    return can_edit_calendar(principal, calendar)


def may_be_told_about(
    principal: Principal, calendar: Calendar | None, event: Event | None, *, took_part: bool = False
) -> bool:
    """Whether a message about an event (a reminder, a webhook message) may go to ``principal`` *now*, when it is
    sent rather than when it was planned: sharing may have been withdrawn in between.

    * The event still exists (``calendar`` is where it is now): whoever may read it (``can_read_event``).
    * The event was deleted since (``event`` None; ``calendar`` the one it was in): whoever may read that
      calendar, or took part in the event (``took_part``, from the message about it).
    * Its calendar is gone too: administrators only.
    """
    if calendar is None:
        return principal.is_admin
    if event is not None:
        return can_read_event(principal, calendar, event)
    return can_read_calendar(principal, calendar) or took_part
