"""Conditional request headers of the CalDAV face (RFC 9110 §13): If-Match and If-None-Match."""

from __future__ import annotations

from collections.abc import Mapping

from almanac.domain.preconditions import IfMatch


def _tags(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def if_match_of(headers: Mapping[str, str]) -> IfMatch | None:
    """The If-Match condition, or None without the header (strong comparison: weak tags never match)."""
    value = headers.get("if-match")
    if value is None:
        return None
    tags = _tags(value)
    return IfMatch(any_tag="*" in tags, tags=frozenset(t for t in tags if not t.startswith("W/")))


def if_none_match_of(headers: Mapping[str, str]) -> tuple[bool, frozenset[str]]:
    """``(any, tags)`` of If-None-Match: ``*`` means "only if nothing is there" (a create)."""
    value = headers.get("if-none-match")
    if value is None:
        return False, frozenset()
    tags = _tags(value)
    return "*" in tags, tags - {"*"}
