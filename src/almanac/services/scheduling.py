"""Keeping deliveries in step with events: reminders recomputed, and change messages queued for webhooks.

Called by the event use cases inside *their* unit of work (so an event and its
deliveries change together or not at all), and by the worker to roll the
reminder horizon forward. Each function returns the earliest due time it
created (or None), which the caller announces through ``delivery_signal``
after committing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from almanac.domain.calendars import Calendar
from almanac.domain.deliveries import (
    DELIVERY_NAMESPACE,
    OPEN_STATUSES,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    ReminderPlan,
    plan_reminders,
    planning_window,
    webhook_delivery_id,
)
from almanac.domain.errors import InvalidInputError
from almanac.domain.events import Event, Reminder
from almanac.domain.permissions import can_read_event
from almanac.domain.ports import UnitOfWork
from almanac.domain.series import EventOccurrence, occurrences_in_window, overridden_ids
from almanac.domain.users import Principal, User
from almanac.domain.webhooks import MessageType, Webhook
from almanac.services.context import ServiceContext


def event_changed(
    ctx: ServiceContext, uow: UnitOfWork, message_type: MessageType, event: Event, calendar: Calendar
) -> datetime | None:
    """Replan the event's reminders (cancel them all when deleted) and queue ``message_type`` for webhooks.

    An override is one occurrence of its master's series: the whole series is
    replanned (without the override when it is being deleted). Call it before the
    event row is deleted, with the event as it was.
    """
    assert event.id is not None
    now = ctx.clock.now()
    deleted = message_type is MessageType.EVENT_DELETED
    if event.series_id is not None:
        master = uow.events.get(event.series_id)
        earliest = plan_event_reminders(
            ctx, uow, master, event_id=event.series_id, now=now, without=event.id if deleted else None
        )
    else:
        earliest = plan_event_reminders(ctx, uow, None if deleted else event, event_id=event.id, now=now)
    queued = queue_event_message(uow, message_type, event, calendar, now=now)
    return _earliest(earliest, queued)


def announce(ctx: ServiceContext, due_at: datetime | None) -> None:
    """Tell a sleeping worker (after commit) that something is due at ``due_at``."""
    if due_at is not None:
        ctx.delivery_signal.delivery_due(due_at)


def plan_event_reminders(
    ctx: ServiceContext,
    uow: UnitOfWork,
    event: Event | None,
    *,
    event_id: int,
    now: datetime,
    without: int | None = None,
) -> datetime | None:
    """Make the stored reminder deliveries of one event match its plan for ``[now, now + horizon)``.

    ``event`` is a single event or a series' master (None: deleted); a series
    is planned with its stored overrides (except ``without``, an override being
    deleted). Open deliveries no longer planned (moved, recipient or reminder
    removed, occurrence excluded, event deleted) are cancelled; planned ones are
    inserted unless their id exists (a sent delivery is never sent again),
    cancelled ones planned again are reopened, and open ones whose occurrence
    now shows another event (an override created or removed) are pointed at it.
    Returns the earliest due time made pending.
    """
    plan = ReminderPlan()
    if event is not None:
        plan = reminder_plan(ctx, uow, event, now=now, without=without)
    existing = {d.id: d for d in uow.deliveries.reminders_of_event(event_id)}
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
    if event is not None and plan.horizon_end is not None:
        uow.deliveries.set_horizon(event_id, plan.horizon_end)
    return _earliest(*(d.due_at for d in reopened + fresh))


def reminder_plan(
    ctx: ServiceContext, uow: UnitOfWork, event: Event, *, now: datetime, without: int | None = None
) -> ReminderPlan:
    """The deliveries ``event`` (single, or a master with its overrides) should have at ``now``.

    A series is expanded by ``domain.series.occurrences_in_window`` — the same
    expansion as every window query — over the planning window only, so a
    series never plans more than ``horizon`` ahead. RecurrenceLimitError when
    the series is too dense to expand over that window.
    """
    assert event.id is not None
    if not event.is_series:
        window = planning_window(event, event.reminders, now=now, horizon=ctx.deliveries.horizon)
        single = EventOccurrence(event, event.starts_at, event.ends_at)
        return plan_reminders(event_uid=event.uid, occurrences=[single], window=window, now=now)
    overrides = [o for o in uow.events.list_overrides(event.id) if o.id != without]
    reminders = [r for e in (event, *overrides) for r in e.reminders]
    window = planning_window(event, reminders, now=now, horizon=ctx.deliveries.horizon)
    if not reminders:
        return ReminderPlan(horizon_end=window.horizon_end)
    # A reminder set years before its occurrence must not widen the expansion past what the server allows.
    window_end = min(window.end, window.start + ctx.event_limits.recurrence.max_window)
    occurrences = occurrences_in_window(
        [event, *overrides],
        window.start,
        window_end,
        overridden=overridden_ids(overrides),
        limits=ctx.event_limits.recurrence,
    )
    return plan_reminders(event_uid=event.uid, occurrences=occurrences, window=window, now=now, series_id=event.id)


def extend_reminder_horizons(ctx: ServiceContext, *, limit: int = 200) -> datetime | None:
    """Roll the horizon: replan events whose horizon is half used up (the next occurrences of a series,
    single events coming into range). One unit of work; returns the earliest due time created.

    A series that can no longer be expanded (a setting tightened the recurrence
    limits since it was stored) is skipped, with its horizon moved on so it is
    not retried on every round.
    """
    with ctx.uow() as uow:
        now = ctx.clock.now()
        earliest: datetime | None = None
        for event_id in uow.deliveries.events_to_plan(before=now + ctx.deliveries.horizon / 2, limit=limit):
            event = uow.events.get(event_id)
            if event is None:
                continue
            try:
                planned = plan_event_reminders(ctx, uow, event, event_id=event_id, now=now)
            except InvalidInputError:
                uow.deliveries.set_horizon(event_id, now + ctx.deliveries.horizon)
                continue
            earliest = _earliest(earliest, planned)
        uow.commit()
    announce(ctx, earliest)
    return earliest


def queue_event_message(
    uow: UnitOfWork, message_type: MessageType, event: Event, calendar: Calendar, *, now: datetime
) -> datetime | None:
    """One webhook delivery per subscribed webhook whose owner may read the event (admins: every event)."""
    hooks = [h for h in uow.webhooks.subscribed(message_type) if _may_read(uow, h, calendar, event)]
    if not hooks:
        return None
    message_id = str(uuid.uuid5(DELIVERY_NAMESPACE, f"{message_type}|{event.uid}|{event.id}|{event.revision}"))
    payload = {
        "id": message_id,
        "type": message_type.value,
        "created_at": now.isoformat(),
        "data": {"event": event_document(uow, event)},
    }
    queue_webhook_deliveries(uow, hooks, message_id, message_type, payload, event_id=event.id, now=now)
    return now


def queue_webhook_deliveries(
    uow: UnitOfWork,
    hooks: Iterable[Webhook],
    message_id: str,
    message_type: MessageType,
    payload: dict[str, Any],
    *,
    event_id: int | None,
    now: datetime,
) -> None:
    uow.deliveries.add_missing(
        [
            Delivery(
                id=webhook_delivery_id(message_id, h.id),
                channel=DeliveryChannel.WEBHOOK,
                due_at=now,
                event_id=event_id,
                webhook_id=h.id,
                event_type=message_type.value,
                payload=payload,
                created_at=now,
            )
            for h in hooks
            if h.id is not None
        ]
    )


def event_document(uow: UnitOfWork, event: Event) -> dict[str, Any]:
    """The JSON form of an event in webhook messages (a stable, face-neutral shape, documented)."""
    users = {
        u.id: u for u in uow.users.list_by_ids(sorted({event.author_id, *(p.user_id for p in event.participants)}))
    }
    author = users.get(event.author_id)
    return {
        "id": event.id,
        "key": event.key,
        "uid": event.uid,
        "summary": event.summary,
        "description": event.description,
        "location": event.location,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "tzid": event.tzid,
        "author_email": author.email if author else None,
        "participants": [users[p.user_id].email for p in event.participants if p.user_id in users],
        "reminders": [_reminder_document(r) for r in event.reminders],
        "revision": event.revision,
        "updated_at": event.updated_at.isoformat() if event.updated_at else None,
    }


def _reminder_document(reminder: Reminder) -> dict[str, Any]:
    if reminder.before is not None:
        return {"before_seconds": int(reminder.before.total_seconds()), "channel": reminder.channel.value}
    assert reminder.at is not None
    return {"at": reminder.at.isoformat(), "channel": reminder.channel.value}


def principal_of(uow: UnitOfWork, user: User) -> Principal:
    assert user.id is not None
    return Principal(
        user_id=user.id,
        username=user.username,
        email=user.email,
        is_admin=user.is_admin,
        memberships=frozenset(uow.users.memberships_of(user.id)),
        locale=user.locale,
        tzid=user.tzid,
    )


def _may_read(uow: UnitOfWork, webhook: Webhook, calendar: Calendar, event: Event) -> bool:
    owner = uow.users.get(webhook.owner_id)
    return owner is not None and can_read_event(principal_of(uow, owner), calendar, event)


def _earliest(*instants: datetime | None) -> datetime | None:
    found = [i for i in instants if i is not None]
    return min(found) if found else None
