"""Feeds: a user's named selections of calendars, published as RSS (spec §3.9, §5.8).

A feed belongs to one user and is named by its title, which is also its id
on the eXo face (renaming a feed changes its id). Only its owner sees it.
Which calendars it lists is checked when it is written (the owner must be
able to read each one); the RSS stream re-checks on every read, so a
calendar that stopped being readable simply drops out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from almanac.domain.errors import N_
from almanac.domain.users import Principal

MAX_TITLE_LENGTH: Final = 200
MAX_FEED_CALENDARS: Final = 100
DEFAULT_FEED_TITLE: Final = "Calendar_Feed"

TITLE_RULE: Final = N_("feed name must not be empty and may contain only letters, digits, spaces, '_', '-' and '.'")
_TITLE_PUNCTUATION: Final = frozenset("_-. ")


@dataclass
class Feed:
    """One user's feed; ``calendar_ids`` in the order the owner gave them."""

    owner_id: int
    title: str
    calendar_ids: list[int] = field(default_factory=list)
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def is_valid_feed_title(title: str) -> bool:
    """A title that is safe as one URL path segment and as a file name: trimmed, non-empty, letters (any script),
    digits, spaces, ``_``, ``-``, ``.`` — and not made of dots only (``.`` and ``..`` are path tricks)."""
    if not title or title != title.strip() or len(title) > MAX_TITLE_LENGTH or not title.strip("."):
        return False
    return all(ch in _TITLE_PUNCTUATION or unicodedata.category(ch)[0] in "LN" for ch in title)


def can_see_feed(principal: Principal, feed: Feed) -> bool:
    """A feed is its owner's alone, also for administrators (its id, the title, names it only among the
    owner's feeds): anyone else is answered as for a feed that does not exist."""
    return feed.owner_id == principal.user_id
