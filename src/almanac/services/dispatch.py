"""Delivering due work: claim a batch of due deliveries, and record what came of each.

The worker calls ``claim_due_deliveries`` (one unit of work: the claim is
committed before anything is sent, so a crash after it leaves a lease that
expires and lets another worker retry), delivers every notice through its
channel, then ``record_outcomes`` (one unit of work for the batch). Recording is
conditional on still holding the lease, so a worker that was too slow cannot
overwrite the outcome of the worker that took over.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from almanac.domain.calendars import Calendar
from almanac.domain.deliveries import Delivery, DeliveryAttempt, DeliveryChannel, DeliveryStatus, is_stale
from almanac.domain.events import Event
from almanac.domain.invitations import INVITATION_DELIVERY_TYPE
from almanac.domain.notices import (
    DeliveryFailure,
    DeliveryReceipt,
    Notice,
    ReminderNotice,
    TaskReminderNotice,
    WebhookNotice,
)
from almanac.domain.permissions import may_be_told_about
from almanac.domain.ports import UnitOfWork
from almanac.domain.task_reminders import reminds
from almanac.domain.tasks import Task
from almanac.domain.users import Principal, User
from almanac.domain.webhooks import MessageType, Webhook
from almanac.services.context import ServiceContext
from almanac.services.invitations import invitation_notice
from almanac.services.scheduling import (
    announce,
    event_document,
    principal_of,
    queue_webhook_deliveries,
    reminder_document,
)


@dataclass(frozen=True)
class ClaimedBatch:
    """Notices claimed under one lease ``owner`` token (unique per claim), to deliver then record."""

    owner: str
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """What happened to one notice: a receipt, or the failure; ``duration_ms`` of the attempt."""

    notice: Notice
    at: datetime
    receipt: DeliveryReceipt | None = None
    failure: DeliveryFailure | None = None
    duration_ms: int = 0


def new_lease_owner(worker_id: str) -> str:
    """A lease owner token: the worker's name plus a nonce, so each claim reads back only its own rows."""
    return f"{worker_id[:60]}/{secrets.token_hex(8)}"


def claim_due_deliveries(ctx: ServiceContext, *, worker_id: str, limit: int) -> ClaimedBatch:
    """Claim up to ``limit`` due deliveries and load what each needs to be sent.

    Deliveries that can no longer be sent are closed here instead: reminders of
    a vanished event, task or recipient, of a task completed or canceled since,
    invitations of someone no longer invited, reminders too late for their
    started occurrence (or passed task anchor)
    (``DeliveryPolicy.max_lateness``), messages of a removed or paused webhook,
    and reminders and webhook messages whose recipient may no longer read the
    event (``permissions.may_be_told_about``: access is checked again at sending).
    """
    owner = new_lease_owner(worker_id)
    with ctx.uow() as uow:
        now = ctx.clock.now()
        claimed = uow.deliveries.claim_due(now=now, owner=owner, lease_until=now + ctx.deliveries.lease, limit=limit)
        loader = _Loader(ctx, uow)
        notices: list[Notice] = []
        for delivery in claimed:
            notice, reason = loader.notice(delivery)
            if notice is None or is_stale(delivery, now, ctx.deliveries):
                reason = reason or "too late: the occurrence has started"
                uow.deliveries.finish(delivery.id, owner=owner, status=DeliveryStatus.CANCELLED, now=now, error=reason)
            else:
                notices.append(notice)
        uow.commit()
    return ClaimedBatch(owner=owner, notices=notices)


def record_outcomes(ctx: ServiceContext, *, owner: str, outcomes: Sequence[Outcome]) -> int:
    """Store each outcome if ``owner`` still holds the lease: sent; or pending again after an exponential
    backoff; or failed after the last attempt (or a permanent refusal). Every attempt is listed.
    A reminder that was delivered queues ``reminder.due`` for its recipient's and admins' webhooks.
    Returns how many outcomes were recorded (the others had lost their lease)."""
    recorded = 0
    earliest: datetime | None = None
    with ctx.uow() as uow:
        fan_out = _ReminderFanOut(uow)
        for outcome in outcomes:
            delivery = outcome.notice.delivery
            ok = outcome.failure is None
            status_code = outcome.receipt.status_code if outcome.receipt else None
            if outcome.failure is not None:
                status_code = outcome.failure.status_code
            error = None if outcome.failure is None else outcome.failure.reason
            if ok:
                done = uow.deliveries.finish(delivery.id, owner=owner, status=DeliveryStatus.SENT, now=outcome.at)
            elif outcome.failure is not None and (
                outcome.failure.permanent or delivery.attempts >= ctx.deliveries.max_attempts
            ):
                done = uow.deliveries.finish(
                    delivery.id, owner=owner, status=DeliveryStatus.FAILED, now=outcome.at, error=error
                )
            else:
                retry_at = outcome.at + ctx.deliveries.retry_delay(delivery.attempts)
                done = uow.deliveries.finish(
                    delivery.id,
                    owner=owner,
                    status=DeliveryStatus.PENDING,
                    now=outcome.at,
                    due_at=retry_at,
                    error=error,
                )
                earliest = retry_at if earliest is None else min(earliest, retry_at)
            if not done:
                continue
            recorded += 1
            uow.deliveries.add_attempt(
                DeliveryAttempt(
                    delivery_id=delivery.id,
                    number=delivery.attempts,
                    at=outcome.at,
                    ok=ok,
                    status_code=status_code,
                    error=error,
                    duration_ms=outcome.duration_ms,
                )
            )
            notice = outcome.notice
            if ok and isinstance(notice, ReminderNotice | TaskReminderNotice) and fan_out.queue(notice, now=outcome.at):
                earliest = outcome.at if earliest is None else min(earliest, outcome.at)
        uow.commit()
    announce(ctx, earliest)
    return recorded


def next_due_at(ctx: ServiceContext) -> datetime | None:
    """When the next delivery falls due (or a lease runs out), for the worker's sleep."""
    with ctx.uow() as uow:
        return uow.deliveries.next_due_at()


class _Loader:
    """Loads events, tasks, users and webhooks once per batch (many deliveries share them)."""

    def __init__(self, ctx: ServiceContext, uow: UnitOfWork) -> None:
        self._ctx = ctx
        self._uow = uow
        self._events: dict[int, Event | None] = {}
        self._tasks: dict[int, Task | None] = {}
        self._users: dict[int, User | None] = {}
        self._hooks: dict[int, Webhook | None] = {}
        self._calendars: dict[int, Calendar | None] = {}
        self._principals: dict[int, Principal] = {}

    def notice(self, delivery: Delivery) -> tuple[Notice | None, str | None]:
        if delivery.channel is DeliveryChannel.WEBHOOK:
            hook = self._hook(delivery.webhook_id)
            if hook is None or not hook.active:
                return None, "the webhook was removed or paused"
            if delivery.event_id is not None and not self._subscriber_may_know(hook, delivery):
                return None, "the webhook's owner may no longer read the event"
            return WebhookNotice(delivery=delivery, webhook=hook, payload=dict(delivery.payload or {})), None
        if delivery.task_id is not None:
            return self._task_notice(delivery)
        event = self._event(delivery.event_id)
        recipient = self._user(delivery.recipient_id)
        if delivery.event_type == INVITATION_DELIVERY_TYPE:
            return invitation_notice(self._ctx, self._uow, delivery, event=event, recipient=recipient)
        if event is None or recipient is None:
            return None, "the event or the recipient no longer exists"
        # Planned for its author (an event without participants) while they could read it: the calendar may
        # have been unshared since. Participants always may (taking part is a right to read).
        if not may_be_told_about(self._principal(recipient), self._calendar(event.calendar_id), event):
            return None, "the recipient may no longer read the event"
        return ReminderNotice(delivery=delivery, event=event, recipient=recipient), None

    def _task_notice(self, delivery: Delivery) -> tuple[Notice | None, str | None]:
        assert delivery.task_id is not None
        if delivery.task_id not in self._tasks:
            self._tasks[delivery.task_id] = self._uow.tasks.get(delivery.task_id)
        task, recipient = self._tasks[delivery.task_id], self._user(delivery.recipient_id)
        if task is None or recipient is None:
            return None, "the task or the recipient no longer exists"
        if not reminds(task):
            # Replanning cancels these when the task is finished; this holds should a claim race the change.
            return None, "the task is completed or canceled"
        return TaskReminderNotice(delivery=delivery, task=task, recipient=recipient), None

    def _subscriber_may_know(self, hook: Webhook, delivery: Delivery) -> bool:
        """The webhook's owner may still read the event the message is about (checked when it was queued, and
        again now: a retry or a late message must not reach someone the calendar was unshared from since)."""
        owner = self._user(hook.owner_id)
        if owner is None:
            return False
        told = _event_told(delivery)
        event = self._event(delivery.event_id)
        if event is not None and event.key != told.get("key"):
            event = None  # deleted since, and its id taken by another event (SQLite may reuse the highest id)
        # A message queued before deliveries kept their calendar (migration 0018) about an event deleted since
        # has no calendar to check against: administrators only, as for a calendar that is gone.
        calendar = self._calendar(event.calendar_id if event is not None else delivery.calendar_id)
        participants = told.get("participants")
        took_part = isinstance(participants, list) and owner.email in participants
        return may_be_told_about(self._principal(owner), calendar, event, took_part=took_part)

    def _calendar(self, calendar_id: int | None) -> Calendar | None:
        if calendar_id is None:
            return None
        if calendar_id not in self._calendars:
            self._calendars[calendar_id] = self._uow.calendars.get(calendar_id)
        return self._calendars[calendar_id]

    def _principal(self, user: User) -> Principal:
        assert user.id is not None
        if user.id not in self._principals:
            self._principals[user.id] = principal_of(self._uow, user)
        return self._principals[user.id]

    def _event(self, event_id: int | None) -> Event | None:
        if event_id is None:
            return None
        if event_id not in self._events:
            self._events[event_id] = self._uow.events.get(event_id)
        return self._events[event_id]

    def _user(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        if user_id not in self._users:
            self._users[user_id] = self._uow.users.get(user_id)
        return self._users[user_id]

    def _hook(self, webhook_id: int | None) -> Webhook | None:
        if webhook_id is None:
            return None
        if webhook_id not in self._hooks:
            self._hooks[webhook_id] = self._uow.webhooks.get(webhook_id)
        return self._hooks[webhook_id]


def _event_told(delivery: Delivery) -> dict[str, Any]:
    """The event document a webhook message carries (``scheduling.event_document``: key, participants' addresses)."""
    data = (delivery.payload or {}).get("data")
    event = data.get("event") if isinstance(data, dict) else None
    return event if isinstance(event, dict) else {}


class _ReminderFanOut:
    """Queues ``reminder.due`` for the webhooks of the reminded user and of administrators."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._hooks: list[Webhook] | None = None
        self._admins: dict[int, bool] = {}

    def queue(self, notice: ReminderNotice | TaskReminderNotice, *, now: datetime) -> bool:
        if self._hooks is None:
            self._hooks = self._uow.webhooks.subscribed(MessageType.REMINDER_DUE)
        hooks = [h for h in self._hooks if h.owner_id == notice.recipient.id or self._is_admin(h.owner_id)]
        if not hooks:
            return False
        delivery = notice.delivery
        reminder: dict[str, Any] = {
            "delivery_id": delivery.id,
            "channel": delivery.channel.value,
            "due_at": delivery.due_at.isoformat(),
            "recurrence_id": notice.recurrence_key,
            "reminder": delivery.reminder_key,
        }
        data: dict[str, Any] = {"reminder": reminder}
        if isinstance(notice, TaskReminderNotice):
            # A task's instance: its start and due (null when the task has none), then the task itself.
            instance, task = notice.instance, notice.task
            reminder["occurrence_start"] = instance.starts_at.isoformat() if task.has_start else None
            reminder["occurrence_end"] = instance.due_at.isoformat() if task.has_due else None
            data["task"] = _task_document(self._uow, task)
        else:
            reminder["occurrence_start"] = notice.occurrence_start.isoformat()
            reminder["occurrence_end"] = notice.occurrence_end.isoformat()
            data["event"] = event_document(self._uow, notice.event)
        data["recipient"] = {"id": notice.recipient.id, "email": notice.recipient.email}
        payload: dict[str, Any] = {
            "id": delivery.id,
            "type": MessageType.REMINDER_DUE.value,
            "created_at": now.isoformat(),
            "data": data,
        }
        queue_webhook_deliveries(
            self._uow,
            hooks,
            delivery.id,
            MessageType.REMINDER_DUE,
            payload,
            event_id=delivery.event_id,
            calendar_id=notice.task.calendar_id if isinstance(notice, TaskReminderNotice) else notice.event.calendar_id,
            now=now,
        )
        return True

    def _is_admin(self, user_id: int) -> bool:
        if user_id not in self._admins:
            user = self._uow.users.get(user_id)
            self._admins[user_id] = bool(user and user.is_admin)
        return self._admins[user_id]


def _task_document(uow: UnitOfWork, task: Task) -> dict[str, Any]:
    """The JSON form of a task in ``reminder.due`` messages (face-neutral, like ``event_document``)."""
    users = {u.id: u for u in uow.users.list_by_ids(sorted({task.author_id, *task.delegate_ids}))}
    author = users.get(task.author_id)
    return {
        "id": task.id,
        "key": task.key,
        "uid": task.uid,
        "summary": task.summary,
        "description": task.description,
        "starts_at": task.starts_at.isoformat() if task.has_start else None,
        "due_at": task.due_at.isoformat() if task.has_due else None,
        "tzid": task.tzid,
        "status": task.status.value,
        "priority": task.priority.value,
        "author_email": author.email if author else None,
        "delegates": [users[d].email for d in task.delegate_ids if d in users],
        "reminders": [reminder_document(r) for r in task.reminders],
        "revision": task.revision,
        "updated_at": task.updated_at.isoformat() if task.updated_at else None,
    }
