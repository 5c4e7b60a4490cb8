"""Keeping deliveries in step with events: reminders recomputed, and change messages queued for webhooks.

Called by the event use cases inside *their* unit of work (so an event and its
deliveries change together or not at all), and by the worker to roll the
reminder horizon forward. Each function returns the earliest due time it
created (or None), which the caller announces through ``delivery_signal``
after committing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from almanac.domain.calendars import Calendar
from almanac.domain.deliveries import (
    DELIVERY_NAMESPACE,
    Delivery,
    DeliveryChannel,
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
from almanac.services.reminder_rows import sync_reminder_deliveries
from almanac.services.task_reminders import extend_task_reminder_horizons


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
    earliest = sync_reminder_deliveries(uow, uow.deliveries.reminders_of_event(event_id), plan, now=now)
    if event is not None and plan.horizon_end is not None:
        uow.deliveries.set_horizon(event_id, plan.horizon_end)
    return earliest


def reminder_plan(
    ctx: ServiceContext,
    uow: UnitOfWork,
    event: Event,
    *,
    now: datetime,
    without: int | None = None,
    overrides: Sequence[Event] | None = None,
) -> ReminderPlan:
    """The deliveries ``event`` (single, or a master with its overrides) should have at ``now``.

    A series is expanded by ``domain.series.occurrences_in_window`` — the same
    expansion as every window query — over the planning window only, so a
    series never plans more than ``horizon`` ahead. RecurrenceLimitError when
    the series is too dense to expand over that window. ``overrides``: the
    series' stored overrides when the caller holds them already (an import
    that has just stored them); None reads them.
    """
    assert event.id is not None
    if not event.is_series:
        window = planning_window(event, event.reminders, now=now, horizon=ctx.deliveries.horizon)
        single = EventOccurrence(event, event.starts_at, event.ends_at)
        return plan_reminders(event_uid=event.uid, occurrences=[single], window=window, now=now)
    if overrides is None:
        overrides = [o for o in uow.events.list_overrides(event.id) if o.id != without]
    else:  # in the order list_overrides reads them
        overrides = sorted(overrides, key=lambda o: (o.starts_at, o.id or 0))
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
    single events coming into range), then tasks the same way (``services.task_reminders``). One unit of
    work; returns the earliest due time created.

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
        earliest = _earliest(earliest, extend_task_reminder_horizons(ctx, uow, now=now, limit=limit))
        uow.commit()
    announce(ctx, earliest)
    return earliest


def queue_event_message(
    uow: UnitOfWork, message_type: MessageType, event: Event, calendar: Calendar, *, now: datetime
) -> datetime | None:
    """One webhook delivery per subscribed webhook whose owner may read the event (admins: every event)."""
    audience = webhook_audience(uow, message_type)
    if not audience:
        return None
    return queue_event_messages(
        uow, message_type, [event], calendar, audience=audience, users=users_of_events(uow, [event]), now=now
    )


#: The subscribed webhooks of one message type, each with its owner as a principal (whose rights decide
#: which events it hears of).
WebhookAudience = list[tuple[Webhook, Principal]]


def webhook_audience(uow: UnitOfWork, message_type: MessageType) -> WebhookAudience:
    """The active webhooks subscribed to ``message_type`` whose owner still exists, with that owner."""
    audience: WebhookAudience = []
    for hook in uow.webhooks.subscribed(message_type):
        owner = uow.users.get(hook.owner_id)
        if owner is not None:
            audience.append((hook, principal_of(uow, owner)))
    return audience


def queue_event_messages(
    uow: UnitOfWork,
    message_type: MessageType,
    events: Sequence[Event],
    calendar: Calendar,
    *,
    audience: WebhookAudience,
    users: Mapping[int, User],
    now: datetime,
) -> datetime | None:
    """``queue_event_message`` for each of ``events`` (all of ``calendar``): one message per event, one
    delivery per webhook of ``audience`` whose owner may read that event, inserted together. ``users``:
    the authors and participants of the events, by id (``users_of_events``). ``now`` when anything was queued."""
    deliveries: list[Delivery] = []
    for event in events:
        hooks = [hook for hook, owner in audience if can_read_event(owner, calendar, event)]
        if not hooks:
            continue
        message_id = str(uuid.uuid5(DELIVERY_NAMESPACE, f"{message_type}|{event.uid}|{event.id}|{event.revision}"))
        payload = {
            "id": message_id,
            "type": message_type.value,
            "created_at": now.isoformat(),
            "data": {"event": event_document_of(event, users)},
        }
        deliveries.extend(
            webhook_deliveries(
                hooks, message_id, message_type, payload, event_id=event.id, calendar_id=calendar.id, now=now
            )
        )
    uow.deliveries.add_missing(deliveries)
    return now if deliveries else None


def queue_webhook_deliveries(
    uow: UnitOfWork,
    hooks: Iterable[Webhook],
    message_id: str,
    message_type: MessageType,
    payload: dict[str, Any],
    *,
    event_id: int | None,
    calendar_id: int | None,
    now: datetime,
) -> None:
    """One delivery of the message per webhook; ``calendar_id``: where the event is as the message tells it
    (the worker checks again, when it sends, that the webhook's owner may still read it)."""
    uow.deliveries.add_missing(
        webhook_deliveries(
            hooks, message_id, message_type, payload, event_id=event_id, calendar_id=calendar_id, now=now
        )
    )


def webhook_deliveries(
    hooks: Iterable[Webhook],
    message_id: str,
    message_type: MessageType,
    payload: dict[str, Any],
    *,
    event_id: int | None,
    calendar_id: int | None,
    now: datetime,
) -> list[Delivery]:
    """The deliveries of one message, one per webhook (ids stable: queuing a message twice adds nothing)."""
    return [
        Delivery(
            id=webhook_delivery_id(message_id, h.id),
            channel=DeliveryChannel.WEBHOOK,
            due_at=now,
            event_id=event_id,
            calendar_id=calendar_id,
            webhook_id=h.id,
            event_type=message_type.value,
            payload=payload,
            created_at=now,
        )
        for h in hooks
        if h.id is not None
    ]


def users_of_events(uow: UnitOfWork, events: Sequence[Event]) -> dict[int, User]:
    """The authors and participants of ``events``, by id (one query)."""
    ids = sorted({e.author_id for e in events} | {p.user_id for e in events for p in e.participants})
    return {u.id: u for u in uow.users.list_by_ids(ids) if u.id is not None}


def event_document(uow: UnitOfWork, event: Event) -> dict[str, Any]:
    """The JSON form of an event in webhook messages (a stable, face-neutral shape, documented)."""
    return event_document_of(event, users_of_events(uow, [event]))


def event_document_of(event: Event, users: Mapping[int, User]) -> dict[str, Any]:
    """``event_document`` with the event's author and participants given (by id)."""
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
        "reminders": [reminder_document(r) for r in event.reminders],
        "revision": event.revision,
        "updated_at": event.updated_at.isoformat() if event.updated_at else None,
    }


def reminder_document(reminder: Reminder) -> dict[str, Any]:
    """One reminder in webhook messages: ``before_seconds`` or ``at``, and the channel."""
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


def _earliest(*instants: datetime | None) -> datetime | None:
    found = [i for i in instants if i is not None]
    return min(found) if found else None
