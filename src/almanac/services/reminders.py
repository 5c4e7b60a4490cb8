"""Popup reminders: the due ones of the caller (of events and of tasks), for a UI to show, and dismissing one
once shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from almanac.domain.deliveries import Delivery, can_dismiss_popup
from almanac.domain.errors import NotFoundError
from almanac.domain.events import Event
from almanac.domain.permissions import may_be_told_about
from almanac.domain.ports import UnitOfWork
from almanac.domain.task_reminders import TaskInstance, instance_at, reminds
from almanac.domain.tasks import Task
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext

#: Popups of occurrences that started (tasks whose anchor passed) longer ago than this are no longer shown.
POPUP_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True)
class DuePopup:
    """One due popup: of an occurrence of ``event``, or of ``task`` (``task_instance`` is then its instance)."""

    delivery: Delivery
    event: Event | None = None
    task: Task | None = None

    @property
    def task_instance(self) -> TaskInstance | None:
        if self.task is None:
            return None
        if self.delivery.recurrence_key is None:
            return instance_at(self.task, None)
        return instance_at(self.task, self.delivery.occurrence_start, self.delivery.recurrence_key)


def due_popups(ctx: ServiceContext, *, principal: Principal) -> list[DuePopup]:
    """The caller's popup reminders that are due now and not dismissed, for occurrences that started at most
    ``POPUP_LOOKBACK`` ago (or are still ahead), oldest due first — of events the caller may still read: a
    popup planned while its calendar was shared with them stops showing once it is not. A task's popup is
    listed while the task exists and is neither completed nor canceled."""
    with ctx.uow(read_only=True) as uow:
        now = ctx.clock.now()
        found: list[DuePopup] = []
        events: dict[int, Event | None] = {}
        tasks: dict[int, Task | None] = {}
        for delivery in uow.deliveries.due_popups(principal.user_id, now=now, since=now - POPUP_LOOKBACK):
            if delivery.task_id is not None:
                if delivery.task_id not in tasks:
                    tasks[delivery.task_id] = uow.tasks.get(delivery.task_id)
                task = tasks[delivery.task_id]
                if task is not None and reminds(task):
                    found.append(DuePopup(delivery, task=task))
                continue
            if delivery.event_id is None:
                continue
            if delivery.event_id not in events:
                events[delivery.event_id] = _readable(uow, principal, delivery.event_id)
            event = events[delivery.event_id]
            if event is not None:
                found.append(DuePopup(delivery, event=event))
        return found


def _readable(uow: UnitOfWork, principal: Principal, event_id: int) -> Event | None:
    event = uow.events.get(event_id)
    if event is None:
        return None
    return event if may_be_told_about(principal, uow.calendars.get(event.calendar_id), event) else None


def dismiss_popup(ctx: ServiceContext, *, principal: Principal, delivery_id: str) -> None:
    """Stop showing one of the caller's popup reminders; NotFoundError for anyone else's."""
    with ctx.uow() as uow:
        delivery = uow.deliveries.get(delivery_id)
        if delivery is None or not can_dismiss_popup(principal, delivery):
            raise NotFoundError(kind="reminder", id=delivery_id[:40])
        uow.deliveries.dismiss(delivery_id, ctx.clock.now())
        uow.commit()
