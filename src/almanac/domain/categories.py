"""Event categories: every user's built-in categories (spec §3.7, §5.7).

eXo provisions six categories per user. Almanac derives them instead of
storing copies: they are the same for everyone, never change, and can be
neither created nor renamed through any face, so a user's categories exist
from the moment the account does. Names are gettext message ids (English is
the source language); each face translates them for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from almanac.domain.errors import N_

ALL_CATEGORY_KEY = "defaultEventCategoryIdAll"


@dataclass(frozen=True)
class Category:
    """One category of one user; ``name`` is an untranslated message id."""

    key: str
    name: str
    short_name: str
    updated_at: datetime | None = None


BUILT_IN_CATEGORIES: tuple[Category, ...] = (
    Category(ALL_CATEGORY_KEY, N_("All"), "all"),
    Category("defaultEventCategoryIdMeeting", N_("Meeting"), "meeting"),
    Category("defaultEventCategoryIdCalls", N_("Calls"), "calls"),
    Category("defaultEventCategoryIdClients", N_("Clients"), "clients"),
    Category("defaultEventCategoryIdHoliday", N_("Holiday"), "holiday"),
    Category("defaultEventCategoryIdAnniversary", N_("Anniversary"), "anniversary"),
)

_BY_KEY = {c.key: c for c in BUILT_IN_CATEGORIES}
_BY_SHORT_NAME = {c.short_name: c for c in BUILT_IN_CATEGORIES}


def find_category(key: str) -> Category | None:
    """The built-in category with this exact id, if any."""
    return _BY_KEY.get(key)


def resolve_category(text: str) -> Category | None:
    """A category named by its id (``defaultEventCategoryIdMeeting``) or, case-insensitively, its short
    name (``meeting``, as in the seed's request example)."""
    return _BY_KEY.get(text) or _BY_SHORT_NAME.get(text.strip().casefold())
