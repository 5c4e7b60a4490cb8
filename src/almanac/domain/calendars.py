"""Calendars: personal, group and shared, with their eXo-style permission lists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_CALENDAR_SUFFIX = "-defaultCalendarId"
DEFAULT_COLOR = "powder_blue"


#: What a calendar holds unless a CalDAV client created it for fewer: events, tasks and journals (the REST
#: faces show events and tasks; journals live in CalDAV only).
CALENDAR_COMPONENTS: tuple[str, ...] = ("VEVENT", "VTODO", "VJOURNAL")


@dataclass
class Calendar:
    """A named collection of events.

    A personal calendar has an ``owner_id`` and no ``groups``; a group calendar
    lists ``groups`` (its owner, if any, is just its creator). ``view_permissions``
    and ``edit_permissions`` hold eXo permission entries (see ``permissions``).
    A calendar is readable by anyone signed in when ``public_url`` is set.
    ``private_feed_hash`` is the SHA-256 (hex) of the secret of its private
    iCalendar feed URL, None when it has none.
    """

    key: str
    name: str
    owner_id: int | None
    id: int | None = None
    description: str | None = None
    color: str = DEFAULT_COLOR
    tzid: str = "UTC"
    groups: list[str] = field(default_factory=list)
    view_permissions: list[str] = field(default_factory=list)
    edit_permissions: list[str] = field(default_factory=list)
    public_url: str | None = None
    private_url: str | None = None
    is_default: bool = False
    # Where calendar apps list it among the user's calendars (CalDAV calendar-order); None: unordered.
    sort_order: int | None = None
    # The revision of its latest change (see ``domain.changes``); maintained by the change log only.
    sync_revision: int = 0
    private_feed_hash: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: The iCalendar components CalDAV clients may store in it (RFC 4791 §5.2.3), fixed at creation.
    components: tuple[str, ...] = CALENDAR_COMPONENTS

    @property
    def is_group_calendar(self) -> bool:
        return bool(self.groups)

    @property
    def is_public(self) -> bool:
        return self.public_url is not None


def default_calendar_key(username: str) -> str:
    """eXo's id for a user's default personal calendar."""
    return f"{username}{DEFAULT_CALENDAR_SUFFIX}"


def new_calendar_key() -> str:
    """An opaque id in eXo's shape: ``calendar`` + 32 hex digits."""
    return "calendar" + secrets.token_hex(16)


def default_calendar_for(user_id: int, username: str, display_name: str, tzid: str) -> Calendar:
    """The personal calendar every user gets when the account is created."""
    return Calendar(
        key=default_calendar_key(username),
        name=display_name or username,
        owner_id=user_id,
        tzid=tzid,
        is_default=True,
    )
