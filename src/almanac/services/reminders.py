"""Popup reminders: the due ones of the caller, for a UI to show, and dismissing one once shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from almanac.domain.deliveries import Delivery, DeliveryChannel
from almanac.domain.errors import NotFoundError
from almanac.domain.events import Event
from almanac.domain.users import Principal
from almanac.services.context import ServiceContext

#: Popups of occurrences that started longer ago than this are no longer shown.
POPUP_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True)
class DuePopup:
    delivery: Delivery
    event: Event


def due_popups(ctx: ServiceContext, *, principal: Principal) -> list[DuePopup]:
    """The caller's popup reminders that are due now and not dismissed, for occurrences that started at most
    ``POPUP_LOOKBACK`` ago (or are still ahead), oldest due first."""
    with ctx.uow(read_only=True) as uow:
        now = ctx.clock.now()
        found: list[DuePopup] = []
        events: dict[int, Event | None] = {}
        for delivery in uow.deliveries.due_popups(principal.user_id, now=now, since=now - POPUP_LOOKBACK):
            if delivery.event_id is None:
                continue
            if delivery.event_id not in events:
                events[delivery.event_id] = uow.events.get(delivery.event_id)
            event = events[delivery.event_id]
            if event is not None:
                found.append(DuePopup(delivery, event))
        return found


def dismiss_popup(ctx: ServiceContext, *, principal: Principal, delivery_id: str) -> None:
    """Stop showing one of the caller's popup reminders; NotFoundError for anyone else's."""
    with ctx.uow() as uow:
        delivery = uow.deliveries.get(delivery_id)
        if (
            delivery is None
            or delivery.channel is not DeliveryChannel.POPUP
            or delivery.recipient_id != principal.user_id
        ):
            raise NotFoundError(kind="reminder", id=delivery_id[:40])
        uow.deliveries.dismiss(delivery_id, ctx.clock.now())
        uow.commit()
