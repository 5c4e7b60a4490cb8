"""People and groups: users, groups, memberships, and the Principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: The membership type a plain ``group add-member`` gives (eXo's default type).
DEFAULT_MEMBERSHIP_TYPE = "member"


@dataclass
class User:
    """A person who signs in. ``email`` is unique case-insensitively; ``username`` exactly."""

    username: str
    email: str
    display_name: str
    id: int | None = None
    password_hash: str | None = None
    is_admin: bool = False
    locale: str = "en"
    tzid: str = "UTC"
    created_at: datetime | None = None

    @property
    def email_key(self) -> str:
        return normalize_email(self.email)


@dataclass
class Group:
    """An eXo-style group, identified by its path (``/platform/users``)."""

    group_id: str
    name: str


@dataclass(frozen=True)
class Membership:
    """A user's place in a group, with eXo's membership type (``member``, ``manager``, ...)."""

    group_id: str
    membership_type: str = DEFAULT_MEMBERSHIP_TYPE


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: the user plus everything permission checks need to know."""

    user_id: int
    username: str
    email: str
    is_admin: bool = False
    memberships: frozenset[Membership] = field(default_factory=frozenset)
    locale: str = "en"
    tzid: str = "UTC"

    @property
    def group_ids(self) -> frozenset[str]:
        return frozenset(m.group_id for m in self.memberships)

    def is_member_of(self, group_id: str) -> bool:
        return group_id in self.group_ids

    def holds(self, group_id: str, membership_type: str) -> bool:
        """True if the user is in ``group_id`` with that type; ``*`` matches any type."""
        if membership_type == "*":
            return self.is_member_of(group_id)
        return Membership(group_id, membership_type) in self.memberships


def normalize_email(email: str) -> str:
    """The comparison key of an address: addresses compare case-insensitively in Almanac."""
    return email.strip().casefold()
