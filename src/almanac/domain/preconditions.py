"""Conditional requests (RFC 9110 §13): entity tags of events and the If-Match / If-None-Match checks.

An event's entity tag changes whenever the event does (it carries the event's
revision), is strong (so If-Match may use it), and is the same for every face
that shows the event.
"""

from __future__ import annotations

from dataclasses import dataclass

from almanac.domain.errors import N_, PreconditionFailedError
from almanac.domain.events import Event


def entity_tag(event: Event) -> str:
    """The quoted strong entity tag of the event's current revision."""
    return f'"{event.key}.{event.revision}"'


@dataclass(frozen=True)
class IfMatch:
    """An If-Match condition: ``any_tag`` for ``*``, else the listed strong tags (quoted)."""

    tags: frozenset[str] = frozenset()
    any_tag: bool = False

    def require(self, current_tag: str) -> None:
        """Raise PreconditionFailedError unless the current tag satisfies the condition."""
        if self.any_tag or current_tag in self.tags:
            return
        raise PreconditionFailedError(
            N_("The event has changed since you read it (its entity tag is now %(etag)s)."), etag=current_tag
        )


def none_match(current_tag: str, tags: frozenset[str], *, any_tag: bool) -> bool:
    """True when If-None-Match holds (weak comparison, RFC 9110 §13.1.2): no listed tag matches."""
    if any_tag:
        return False
    return current_tag.removeprefix("W/") not in {tag.removeprefix("W/") for tag in tags}
