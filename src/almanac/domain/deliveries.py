"""Scheduled deliveries: the rows a reminder or a webhook message becomes, and the rules that plan them.

A *delivery* is one message to one recipient over one channel, due at one
instant. Reminders are planned here from an event's occurrences (the seam
``occurrences_within``) and its reminders; webhook messages are planned by the
webhook rules (``almanac.domain.webhooks``). Delivery ids are *stable*: the same
reminder of the same occurrence for the same recipient and channel always gets
the same id, so recomputing a plan never duplicates a delivery already sent,
and a resend after a crash carries the id (and the Message-ID made from it)
the receiver already saw.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from almanac.domain.events import Event, Reminder, ReminderChannel
from almanac.domain.recurrence import Occurrence, Recurrence, SeriesSchedule, expand

#: Namespace of the uuid5 delivery ids (fixed forever: changing it would re-send everything once).
DELIVERY_NAMESPACE = uuid.UUID("6f0d5a52-8d3c-4f8e-9a51-3c1c2b6d7e01")


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its due time (or for its next retry)
    CLAIMED = "claimed"  # a worker holds the lease and is delivering it
    SENT = "sent"  # accepted by the peer (SMTP server, webhook receiver), or shown (popup)
    FAILED = "failed"  # gave up after the last attempt; last_error says why
    CANCELLED = "cancelled"  # the event moved, lost this recipient or reminder, was deleted, or is past


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    POPUP = "popup"
    WEBHOOK = "webhook"


OPEN_STATUSES = frozenset({DeliveryStatus.PENDING, DeliveryStatus.CLAIMED})


@dataclass
class Delivery:
    """One message due at ``due_at``. Reminder deliveries name an event occurrence and a recipient;
    webhook deliveries name a webhook, an ``event_type`` and carry their JSON ``payload``."""

    id: str
    channel: DeliveryChannel
    due_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    event_id: int | None = None
    occurrence_start: datetime | None = None
    reminder_key: str | None = None
    recipient_id: int | None = None
    webhook_id: int | None = None
    event_type: str | None = None
    payload: Mapping[str, Any] | None = None
    attempts: int = 0
    last_error: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    sent_at: datetime | None = None
    dismissed_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryAttempt:
    """One try at a delivery: when, and what the peer answered (HTTP status) or what went wrong."""

    delivery_id: str
    number: int
    at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


@dataclass(frozen=True)
class DeliveryPolicy:
    """The scheduling and retry rules (settings, passed in by the composition root).

    ``horizon``: how far ahead reminders are materialised as rows (a series
    schedules its next occurrences as time moves on). ``lease``: how long a
    claim lasts before another worker may take the delivery over (a crashed
    worker's delivery is retried after it). Retry ``n`` (1-based) waits
    ``backoff_base * 2**(n-1)``, capped at ``backoff_max``; after
    ``max_attempts`` attempts the delivery is ``failed``. ``max_lateness``: a
    reminder found more than this late *and* after its occurrence started is
    cancelled rather than sent (the server was down; the event is past).
    """

    horizon: timedelta = timedelta(days=35)
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=10)
    backoff_max: timedelta = timedelta(hours=1)
    max_lateness: timedelta = timedelta(hours=1)

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait before the next try, after ``attempts`` failed tries (exponential, capped)."""
        exponent = min(max(attempts - 1, 0), 30)
        delay: timedelta = self.backoff_base * (2**exponent)
        return min(delay, self.backoff_max)


# Looking back this far keeps just-due deliveries of a started occurrence in the plan, so an edit made
# a moment after a reminder fell due does not cancel it before the worker gets to it.
PLAN_LOOKBACK = timedelta(days=1)


def schedule_of(event: Event) -> SeriesSchedule:
    """The event's timing as a series. Non-recurring today (one occurrence); when events gain a
    recurrence, pass it here and every caller of ``occurrences_within`` schedules the series."""
    return SeriesSchedule(
        start=event.starts_at, duration=event.ends_at - event.starts_at, tzid=event.tzid, recurrence=Recurrence()
    )


def occurrences_within(schedule: SeriesSchedule, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """The seam every scheduler uses: the occurrences of a series that start in ``[window_start, window_end)``."""
    return [
        o
        for o in expand(schedule, window_start, window_end)
        if window_start <= o.starts_at < window_end or o.starts_at == window_start
    ]


def reminder_key(reminder: Reminder) -> str:
    """A reminder's stable name: ``before:<seconds>`` or ``at:<UTC instant>``, plus its channel."""
    if reminder.before is not None:
        when = f"before:{int(reminder.before.total_seconds())}"
    else:
        assert reminder.at is not None
        when = "at:" + _utc_text(reminder.at)
    return f"{when}/{reminder.channel.value}"


def _utc_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def due_at_of(reminder: Reminder, occurrence_start: datetime) -> datetime:
    if reminder.before is not None:
        return occurrence_start - reminder.before
    assert reminder.at is not None
    return reminder.at


def reminder_delivery_id(
    event_uid: str, occurrence_start: datetime, key: str, recipient_id: int, channel: DeliveryChannel
) -> str:
    """uuid5 of (event UID, occurrence start, reminder, recipient, channel): stable across recomputations."""
    name = "|".join([event_uid, _utc_text(occurrence_start), key, str(recipient_id), channel])
    return str(uuid.uuid5(DELIVERY_NAMESPACE, name))


def webhook_delivery_id(message_id: str, webhook_id: int) -> str:
    """uuid5 of (message, webhook): one delivery per webhook per message, however often it is enqueued."""
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"webhook|{message_id}|{webhook_id}"))


def reminder_recipients(event: Event) -> list[int]:
    """Who is reminded: every participant (the Back Office ``recipients``); the author when there are none,
    so a reminder on one's own private event still reaches someone. The author is not added beside
    participants: a Back Office event with two recipients sends two mails."""
    ids = list(dict.fromkeys(p.user_id for p in event.participants))
    return ids or [event.author_id]


@dataclass(frozen=True)
class PlannedDelivery:
    delivery: Delivery
    #: False when the occurrence has already started: such a delivery is kept if it exists, never created.
    creatable: bool = True


@dataclass(frozen=True)
class ReminderPlan:
    """The reminder deliveries an event should have for the window it was planned over."""

    planned: list[PlannedDelivery] = field(default_factory=list)
    horizon_end: datetime | None = None

    @property
    def ids(self) -> set[str]:
        return {p.delivery.id for p in self.planned}


def plan_reminders(
    *,
    event_id: int,
    event_uid: str,
    schedule: SeriesSchedule,
    reminders: Sequence[Reminder],
    recipient_ids: Iterable[int],
    now: datetime,
    horizon: timedelta,
) -> ReminderPlan:
    """Every (occurrence, reminder, recipient) delivery due before ``now + horizon``.

    Occurrences are looked up far enough ahead that a reminder ``before`` the
    start which falls due within the horizon is found. A delivery whose
    occurrence has started is *not creatable* (never sent for a past event) but
    stays in the plan so an existing pending row is left to the worker rather
    than cancelled; a reminder whose time has passed while its occurrence is
    still ahead is due at once.
    """
    recipients = list(dict.fromkeys(recipient_ids))
    horizon_end = now + horizon
    if schedule.recurrence == Recurrence() and isinstance(schedule.start, datetime):
        # A single occurrence is planned whole, whenever it is: the horizon bounds series, not single events.
        horizon_end = max(horizon_end, schedule.start + timedelta(seconds=1))
    if not reminders or not recipients:
        return ReminderPlan(horizon_end=horizon_end)
    longest_before = max((r.before for r in reminders if r.before is not None), default=timedelta(0))
    window_end = horizon_end + longest_before
    planned: list[PlannedDelivery] = []
    for occurrence in occurrences_within(schedule, now - PLAN_LOOKBACK, window_end):
        for reminder in reminders:
            due = due_at_of(reminder, occurrence.starts_at)
            if due >= horizon_end:
                continue
            key = reminder_key(reminder)
            channel = DeliveryChannel(reminder.channel.value)
            for recipient in recipients:
                delivery = Delivery(
                    id=reminder_delivery_id(event_uid, occurrence.starts_at, key, recipient, channel),
                    channel=channel,
                    due_at=due,
                    event_id=event_id,
                    occurrence_start=occurrence.starts_at,
                    reminder_key=key,
                    recipient_id=recipient,
                )
                planned.append(PlannedDelivery(delivery, creatable=occurrence.starts_at > now))
    return ReminderPlan(planned=planned, horizon_end=horizon_end)


def is_stale(delivery: Delivery, now: datetime, policy: DeliveryPolicy) -> bool:
    """A reminder found too late to be useful: its occurrence has started and it is ``max_lateness`` overdue."""
    if delivery.channel is DeliveryChannel.WEBHOOK or delivery.occurrence_start is None:
        return False
    return now >= delivery.occurrence_start and now - delivery.due_at > policy.max_lateness


__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "DeliveryChannel",
    "DeliveryPolicy",
    "DeliveryStatus",
    "PlannedDelivery",
    "ReminderChannel",
    "ReminderPlan",
    "occurrences_within",
    "plan_reminders",
    "schedule_of",
]
