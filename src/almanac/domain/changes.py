"""The change log of calendar collections: which calendar object resources changed, at which revision.

Every write of an event, from any face, records the resource name of its
calendar object (the series it belongs to) against a per-calendar revision
that only ever grows. CalDAV's sync-collection (RFC 6578) and getctag are read
from it: an incremental sync reads the entries after the client's revision, so
it costs in proportion to what changed, not to the size of the calendar.

The log keeps one entry per resource name — its latest change — so it never
outgrows the calendar and its deleted names (tombstones). Tombstones older than
the retention are pruned (``services.change_retention``); the calendar's *sync
horizon* then records the newest revision pruned, and a token older than the
horizon is refused (RFC 6578 §3.2 ``valid-sync-token``): its client may have
missed a deletion the log no longer holds, so it must synchronise from scratch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from almanac.domain.errors import N_, InvalidInputError, Problem
from almanac.domain.events import Event

#: The suffix of the resource name Almanac gives an event's calendar object (RFC 4791 §4.1: one UID per resource).
OBJECT_SUFFIX = ".ics"


class ChangeKind(StrEnum):
    CREATED = "created"
    MODIFIED = "modified"
    DELETED = "deleted"


@dataclass(frozen=True)
class Change:
    """The latest change of one resource name of a calendar, at ``revision``."""

    name: str
    revision: int
    kind: ChangeKind

    @property
    def is_deletion(self) -> bool:
        return self.kind is ChangeKind.DELETED


class UnknownSyncRevisionError(InvalidInputError):
    """A sync revision this calendar never had (a foreign, mangled or future token; RFC 6578 §3.2)."""

    code = "invalid_sync_token"
    template = N_("The sync token is not one this calendar issued; synchronise again from scratch.")

    def __init__(self) -> None:
        super().__init__([Problem("sync-token", type(self).code, type(self).template)])


class ExpiredSyncRevisionError(UnknownSyncRevisionError):
    """A revision older than the calendar's sync horizon: the deletions after it were pruned (RFC 6578 §3.2)."""

    code = "expired_sync_token"
    template = N_(
        "The sync token has expired: this calendar no longer keeps every change made since; "
        "synchronise again from scratch."
    )


class InvalidSyncLimitError(InvalidInputError):
    """A DAV:limit whose DAV:nresults is not a whole number of at least 1 (RFC 5323 §5.17, RFC 6578 §3.7)."""

    code = "invalid_sync_limit"
    template = N_("DAV:nresults must be a whole number of at least 1.")

    def __init__(self) -> None:
        super().__init__([Problem("nresults", "invalid_sync_limit", type(self).template)])


def check_sync_revision(revision: int, *, horizon: int, current: int) -> None:
    """Refuse a client's revision the calendar cannot answer from: one it never had (above ``current``, or
    negative: UnknownSyncRevisionError), or one below its sync ``horizon`` (ExpiredSyncRevisionError).

    A revision equal to the horizon is still good: every change after it is kept.
    """
    if revision < 0 or revision > current:
        raise UnknownSyncRevisionError()
    if revision < horizon:
        raise ExpiredSyncRevisionError()


def default_object_name(uid: str) -> str:
    """The resource name of the calendar object holding the series ``uid`` when no client chose one."""
    return uid + OBJECT_SUFFIX


def object_name(master: Event) -> str:
    """The resource name of a master's (or single event's) calendar object: the client's choice, or ``<uid>.ics``."""
    return master.dav_name or default_object_name(master.uid)
