"""Reading the conditional-request headers of RFC 9110 §13 (If-Match, If-None-Match)."""

from __future__ import annotations

import re

from almanac.domain.preconditions import IfMatch

# An entity tag: optional weakness prefix, then a quoted opaque string (RFC 9110 §8.8.3).
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def entity_tags(header: str) -> tuple[frozenset[str], bool] | None:
    """``(tags, any)`` from a header value, weak tags keeping their ``W/``; None when absent or malformed."""
    value = header.strip()
    if not value:
        return None
    if value == "*":
        return frozenset(), True
    tags: set[str] = set()
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None:
            return None
        tags.add((match.group(1) or "") + match.group(2))
        position = match.end()
    return frozenset(tags), False


def if_match(header: str | None) -> IfMatch | None:
    """The If-Match condition. Weak tags never match it (strong comparison), so they are dropped;
    a malformed header matches nothing (the write is refused rather than done unconditionally)."""
    if header is None:
        return None
    parsed = entity_tags(header)
    if parsed is None:
        return IfMatch(tags=frozenset())
    tags, any_tag = parsed
    return IfMatch(tags=frozenset(t for t in tags if not t.startswith("W/")), any_tag=any_tag)
