"""The query language of eXo collections and resources (spec §1.5-1.6): paging, ``returnSize``, ``fields``,
``jsonp``, ``expand``, and the event window (``startTime``, ``endTime``, ``category``).

Every parser here either returns a value or raises InvalidInputError with an
eXo-style ``{"message", "developerMessage"}`` problem — bad input is a 400,
never a 500 and never silently something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from almanac.api.exo_v1.dates import DEFAULT_WINDOW, parse_datetime
from almanac.api.wire import shown
from almanac.domain.categories import ALL_CATEGORY_KEY, resolve_category
from almanac.domain.errors import N_, InvalidInputError, Problem

MAX_OFFSET: Final = 2**53
BAD_DATE: Final = N_(
    "%(name)s must be an ISO 8601 date such as 2024-03-04T09:00:00+01:00, 2024-03-04T09:00 or 2024-03-04, not %(value)s"
)
BAD_OFFSET: Final = N_("offset must be an integer >= 0")
BAD_LIMIT: Final = N_("limit must be an integer")
BAD_JSONP: Final = N_(
    "jsonp must be a JavaScript identifier or a dotted path of identifiers such as callback or jQuery123.done"
)


def rejected(code: str, template: str, **params: object) -> InvalidInputError:
    """An eXo-style 400: ``code`` becomes the developerMessage (see errors.EXO_CODES)."""
    return InvalidInputError([Problem(code, code, template, dict(params))])


@dataclass(frozen=True)
class Paging:
    """``offset`` as given (>= 0) and ``limit`` normalized: absent or <= 0 → default, above the cap → the cap."""

    offset: int
    limit: int


def paging(offset: str | None, limit: str | None, *, default_limit: int, query_limit: int) -> Paging:
    skip = _integer(offset, "offset", BAD_OFFSET) if offset is not None else 0
    if skip < 0 or skip > MAX_OFFSET:
        raise rejected("offset", BAD_OFFSET)
    size = _integer(limit, "limit", BAD_LIMIT) if limit is not None and limit.strip() else 0
    if size <= 0:
        size = default_limit
    return Paging(offset=skip, limit=min(size, query_limit))


def _integer(text: str, code: str, template: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", value):
        raise rejected(code, template)
    return int(value)


def return_size(text: str | None) -> bool:
    """Only the literal ``true`` (any case) asks for the size (spec §1.5)."""
    return text is not None and text.strip().lower() == "true"


def fields(text: str | None) -> tuple[str, ...] | None:
    """The projection, or None for the whole resource. Names are trimmed (eXo matches ``" name"`` literally)."""
    if text is None or not text.strip():
        return None
    return tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))


# --- jsonp ---------------------------------------------------------------------------------------------

MAX_CALLBACK_LENGTH: Final = 128
_IDENTIFIER: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# ECMAScript reserved words and literals: none may be a segment of the callback path.
_RESERVED: Final = frozenset(
    {
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "await",
        "arguments",
        "eval",
        "undefined",
        "NaN",
        "Infinity",
    }
)


def jsonp(text: str | None) -> str | None:
    """A callback that can only ever name a function: dotted ASCII identifiers, no reserved word, bounded.

    eXo echoes the parameter unchecked (spec §8 item 29), which makes the
    response a script-injection vector; anything else here is a 400.
    """
    if text is None:
        return None
    if not text or len(text) > MAX_CALLBACK_LENGTH:
        raise rejected("jsonp", BAD_JSONP)
    segments = text.split(".")
    if not all(_IDENTIFIER.fullmatch(s) and s not in _RESERVED for s in segments):
        raise rejected("jsonp", BAD_JSONP)
    return text


# --- expand --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The part of an expanded collection to embed; ``limit`` None means all of it."""

    offset: int = 0
    limit: int | None = None

    def apply(self, items: list[object]) -> list[object]:
        end = None if self.limit is None else self.offset + self.limit
        return items[self.offset : end]


def expand(text: str | None) -> dict[str, Window]:
    """``calendar,categories(1,5)`` (the seed's form) or ``attachments(offset:1,limit:5)`` (eXo's form).

    Unknown names are kept (the renderer ignores them); a window that cannot be
    read falls back to "everything", as in eXo.
    """
    result: dict[str, Window] = {}
    for part in _top_level_parts(text or ""):
        name, paren, rest = part.partition("(")
        name = name.strip()
        if name:
            result[name] = _window(rest.rstrip().removesuffix(")")) if paren else Window()
    return result


def _top_level_parts(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text[:1000]:
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        current.append(ch)
    parts.append("".join(current))
    return parts


def _window(args: str) -> Window:
    values: dict[str, int] = {}
    positional: list[int] = []
    for item in args.split(","):
        key, colon, value = item.partition(":")
        number = (value if colon else key).strip()
        if not re.fullmatch(r"\d{1,9}", number):
            return Window()
        if colon:
            values[key.strip()] = int(number)
        else:
            positional.append(int(number))
    offset = values.get("offset", positional[0] if positional else 0)
    limit = values.get("limit", positional[1] if len(positional) > 1 else None)
    return Window(offset=offset, limit=limit)


# --- event windows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventWindow:
    start: datetime
    end: datetime


def event_window(
    start: str | None,
    end: str | None,
    *,
    tzid: str,
    now: datetime,
    names: tuple[str, str] = ("startTime", "endTime"),
) -> EventWindow:
    """``startTime``/``endTime`` (or the parameters ``names``); a missing or blank bound is now / now + 1 week
    (the seed's stated defaults; eXo truncates them to half-days, spec §1.4)."""
    return EventWindow(
        start=_bound(start, names[0], tzid) or now,
        end=_bound(end, names[1], tzid) or now + DEFAULT_WINDOW,
    )


def _bound(text: str | None, name: str, tzid: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    parsed = parse_datetime(text, tzid)
    if parsed is None:
        raise rejected(name, BAD_DATE, name=name, value=shown(text))
    return parsed


def category_filter(text: str | None) -> str | None:
    """The category key to filter on; None = all categories (absent, blank, or the "All" category).

    A built-in is named by its id or short name (the seed's ``category=meeting``);
    any other text is matched as an id, as eXo does, and so finds nothing.
    """
    if text is None or not text.strip():
        return None
    category = resolve_category(text)
    if category is None:
        return text
    return None if category.key == ALL_CATEGORY_KEY else category.key


# --- recurring events ----------------------------------------------------------------------------------

UPDATE_TYPES: Final = ("ALL", "FOLLOWING", "ONE")
BAD_UPDATE_TYPE: Final = N_("recurringUpdateType must be one of ALL,FOLLOWING,ONE")


def recurring_update_type(text: str | None) -> str | None:
    """``ALL``, ``FOLLOWING``, ``ONE`` (exact, spec §4.5) or None when absent; anything else is a 400
    (eXo: a framework error)."""
    if text is None:
        return None
    if text not in UPDATE_TYPES:
        raise rejected("recurringUpdateType", BAD_UPDATE_TYPE)
    return text
