"""Making the stored reminder deliveries of one event or one task match its plan (the caller's unit of work).

One rule for both kinds, so a task reminder is kept exactly as an event
reminder is: open deliveries no longer planned are cancelled, planned ones are
inserted unless their id exists (a sent delivery is never sent again), and
cancelled ones planned again are reopened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from almanac.domain.deliveries import OPEN_STATUSES, Delivery, DeliveryStatus, ReminderPlan
from almanac.domain.ports import UnitOfWork


def sync_reminder_deliveries(
    uow: UnitOfWork, stored: Sequence[Delivery], plan: ReminderPlan, *, now: datetime
) -> datetime | None:
    """Apply ``plan`` over the ``stored`` reminder deliveries of one event or task; the earliest due time made
    pending (to announce to a sleeping worker after the commit), or None.

    Open deliveries the plan no longer holds are cancelled; cancelled ones it holds again are reopened when
    still creatable; the creatable ones not stored yet are inserted with ``created_at`` ``now``; open ones
    whose occurrence now shows another event (an override made or removed) are pointed at it.
    """
    existing = {d.id: d for d in stored}
    wanted = {p.delivery.id: p for p in plan.planned}
    uow.deliveries.set_status(
        [i for i, d in existing.items() if d.status in OPEN_STATUSES and i not in wanted], DeliveryStatus.CANCELLED
    )
    reopened = [
        p.delivery
        for i, p in wanted.items()
        if p.creatable and i in existing and existing[i].status is DeliveryStatus.CANCELLED
    ]
    uow.deliveries.set_status([d.id for d in reopened], DeliveryStatus.PENDING)
    shown_by: dict[int | None, list[str]] = {}
    for i, p in wanted.items():
        if i in existing and existing[i].event_id != p.delivery.event_id:
            shown_by.setdefault(p.delivery.event_id, []).append(i)
    for shown, ids in shown_by.items():
        uow.deliveries.retarget(ids, event_id=shown)
    fresh = [replace(p.delivery, created_at=now) for i, p in wanted.items() if p.creatable and i not in existing]
    uow.deliveries.add_missing(fresh)
    return earliest(*(d.due_at for d in reopened + fresh))


def earliest(*instants: datetime | None) -> datetime | None:
    """The earliest of the instants given, ignoring None; None when there is none."""
    found = [i for i in instants if i is not None]
    return min(found) if found else None
