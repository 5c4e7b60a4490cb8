"""Pruning the calendars' change logs: tombstones older than the sync retention go, the horizon moves up.

The change log keeps one entry per resource name, so only the names of deleted
objects (tombstones) make it grow. A tombstone is kept for ``ctx.sync.retention``
so that every client syncing within that window still learns of the deletion;
after that it is removed and the calendar's sync horizon rises to its revision,
so a token from before it is refused (RFC 6578 §3.2 ``valid-sync-token``) and
its client syncs from scratch. A token at or after the horizon loses nothing.

Safe with many processes (``almanac worker`` and every ``almanac serve`` run
it): each calendar is pruned under its own row lock, a calendar being written is
skipped until the next round, and pruning twice removes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from almanac.services.context import ServiceContext


@dataclass(frozen=True)
class PruneReport:
    """What one pruning pass did: calendars whose tombstones were removed, tombstones removed, calendars
    skipped because a writer held them (pruned on a later pass)."""

    calendars: int = 0
    tombstones: int = 0
    busy: int = 0


def prune_change_logs(ctx: ServiceContext, *, batch_size: int = 100) -> PruneReport:
    """Remove every tombstone changed before now minus ``ctx.sync.retention``, ``batch_size`` calendars per
    unit of work; calendars are visited by ascending id, each once per pass."""
    cutoff = ctx.clock.now() - ctx.sync.retention
    calendars = tombstones = busy = 0
    after_id = 0
    while True:
        with ctx.uow() as uow:
            ids = uow.changes.calendars_with_tombstones_before(cutoff, after_id=after_id, limit=batch_size)
            for calendar_id in ids:
                removed = uow.changes.prune_tombstones(calendar_id, before=cutoff)
                if removed is None:
                    busy += 1
                elif removed:
                    calendars += 1
                    tombstones += removed
            uow.commit()
        if len(ids) < batch_size:
            break
        after_id = ids[-1]
    return PruneReport(calendars=calendars, tombstones=tombstones, busy=busy)
