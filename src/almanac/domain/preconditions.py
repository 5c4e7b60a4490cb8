"""Conditional requests (RFC 9110 §13): entity tags of events and the If-Match / If-None-Match checks.

An event's entity tag changes whenever the event does (it carries the event's
revision), is strong (so If-Match may use it), and is the same for every face
that shows the event. Tasks get theirs the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from almanac.domain.errors import N_, PreconditionFailedError

EVENT_CHANGED: Final = N_("The event has changed since you read it (its entity tag is now %(etag)s).")
TASK_CHANGED: Final = N_("The task has changed since you read it (its entity tag is now %(etag)s).")


class Versioned(Protocol):
    """A stored object whose ``revision`` grows with every change (events, tasks)."""

    @property
    def key(self) -> str: ...

    @property
    def revision(self) -> int: ...


def entity_tag(item: Versioned) -> str:
    """The quoted strong entity tag of the item's current revision."""
    return f'"{item.key}.{item.revision}"'


@dataclass(frozen=True)
class IfMatch:
    """An If-Match condition: ``any_tag`` for ``*``, else the listed strong tags (quoted)."""

    tags: frozenset[str] = frozenset()
    any_tag: bool = False

    def require(self, current_tag: str, *, changed: str = EVENT_CHANGED) -> None:
        """Raise PreconditionFailedError (message ``changed``) unless the current tag satisfies the condition."""
        if self.any_tag or current_tag in self.tags:
            return
        raise PreconditionFailedError(changed, etag=current_tag)


def none_match(current_tag: str, tags: frozenset[str], *, any_tag: bool) -> bool:
    """True when If-None-Match holds (weak comparison, RFC 9110 §13.1.2): no listed tag matches."""
    if any_tag:
        return False
    return current_tag.removeprefix("W/") not in {tag.removeprefix("W/") for tag in tags}
