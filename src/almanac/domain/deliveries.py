"""Scheduled deliveries: the rows a reminder or a webhook message becomes, and the rules that plan them.

A *delivery* is one message to one recipient over one channel, due at one
instant. Reminders are planned here from an event's occurrences (expanded by
``domain.series``, the one expansion every window query uses) and the
reminders of the event each occurrence shows; webhook messages are planned by the
webhook rules (``almanac.domain.webhooks``). Delivery ids are *stable*: the same
reminder of the same occurrence for the same recipient and channel always gets
the same id, so recomputing a plan never duplicates a delivery already sent,
and a resend after a crash carries the id (and the Message-ID made from it)
the receiver already saw.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from almanac.domain.events import Event, Reminder, ReminderChannel
from almanac.domain.recurrence_zones import load_zone, utc_to_wall_clock
from almanac.domain.series import EventOccurrence
from almanac.domain.users import Principal

#: Namespace of the uuid5 delivery ids (fixed forever: changing it would re-send everything once).
DELIVERY_NAMESPACE = uuid.UUID("6f0d5a52-8d3c-4f8e-9a51-3c1c2b6d7e01")


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its due time (or for its next retry)
    CLAIMED = "claimed"  # a worker holds the lease and is delivering it
    SENT = "sent"  # accepted by the peer (SMTP server, webhook receiver), or shown (popup)
    FAILED = "failed"  # gave up after the last attempt; last_error says why
    CANCELLED = "cancelled"  # the event (task) moved, lost this recipient or reminder, was deleted, or is past


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    POPUP = "popup"
    WEBHOOK = "webhook"


OPEN_STATUSES = frozenset({DeliveryStatus.PENDING, DeliveryStatus.CLAIMED})


@dataclass
class Delivery:
    """One message due at ``due_at``. Reminder deliveries name an event occurrence (or a task) and a recipient;
    webhook deliveries name a webhook, an ``event_type`` and carry their JSON ``payload``."""

    id: str
    channel: DeliveryChannel
    due_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    event_id: int | None = None
    #: For a webhook message about an event: the calendar the event was in when the message was made.
    calendar_id: int | None = None
    #: The master's id when the occurrence is one of a series (``event_id`` is then the event it shows).
    series_id: int | None = None
    occurrence_start: datetime | None = None
    #: The occurrence key (``YYYYMMDDTHHMMSSZ`` or ``YYYYMMDD``) of an occurrence of a series (or of a
    #: recurring task's instance).
    recurrence_key: str | None = None
    reminder_key: str | None = None
    recipient_id: int | None = None
    #: The task a task reminder is about (``event_id`` is then None; ``occurrence_start`` is the instant
    #: its ``before`` reminders count back from, see ``domain.task_reminders``).
    task_id: int | None = None
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


def reminder_key(reminder: Reminder) -> str:
    """A reminder's stable name: ``before:<seconds>`` or ``at:<UTC instant>``, plus its channel."""
    if reminder.before is not None:
        when = f"before:{int(reminder.before.total_seconds())}"
    else:
        assert reminder.at is not None
        when = "at:" + _utc_text(reminder.at)
    return f"{when}/{reminder.channel.value}"


def uuid5_text(name: str) -> str:
    """``str(uuid.uuid5(DELIVERY_NAMESPACE, name))``, computed without building a ``uuid.UUID``: an import
    makes one per delivery, and the object's construction cost more than the SHA-1 (RFC 4122 §4.3)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_NAMESPACE_BYTES = DELIVERY_NAMESPACE.bytes


def _utc_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def due_at_of(reminder: Reminder, occurrence_start: datetime) -> datetime:
    if reminder.before is not None:
        return occurrence_start - reminder.before
    assert reminder.at is not None
    return reminder.at


def reminder_delivery_id(
    event_uid: str,
    occurrence_start: datetime,
    key: str,
    recipient_id: int,
    channel: DeliveryChannel,
    *,
    moved_from: str | None = None,
) -> str:
    """uuid5 of (event UID, occurrence start, reminder, recipient, channel): stable across recomputations.

    ``moved_from`` is the occurrence key of an occurrence of a series that an
    override moved away from its original start: it keeps the moved occurrence
    apart from any other occurrence that starts at the same instant. Occurrences
    in their original slot (and single events) leave it out, so their ids are
    the ones planned before series existed and nothing already sent is sent again.
    """
    parts = [event_uid, _utc_text(occurrence_start), key, str(recipient_id), channel]
    if moved_from is not None:
        parts.append(f"moved-from:{moved_from}")
    return uuid5_text("|".join(parts))


def webhook_delivery_id(message_id: str, webhook_id: int) -> str:
    """uuid5 of (message, webhook): one delivery per webhook per message, however often it is enqueued."""
    return uuid5_text(f"webhook|{message_id}|{webhook_id}")


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
    """The reminder deliveries an event (a single event, or a whole series) should have for its window."""

    planned: list[PlannedDelivery] = field(default_factory=list)
    horizon_end: datetime | None = None

    @property
    def ids(self) -> set[str]:
        return {p.delivery.id for p in self.planned}


@dataclass(frozen=True)
class PlanningWindow:
    """What to plan: deliveries due before ``horizon_end``, of occurrences overlapping ``[start, end)``.

    ``end`` reaches past the horizon by the longest ``before`` reminder, so an
    occurrence just beyond the horizon whose reminder falls due inside it is found.
    """

    start: datetime
    end: datetime
    horizon_end: datetime


def planning_window(
    event: Event, reminders: Iterable[Reminder], *, now: datetime, horizon: timedelta
) -> PlanningWindow:
    """The window ``event`` is planned over at ``now``: ``horizon`` ahead for a series (a series never plans
    unbounded rows); a single event is planned whole, whenever it is (the horizon bounds series only).
    ``reminders``: every reminder that may apply (a series' and its overrides')."""
    horizon_end = now + horizon
    if not event.is_series:
        horizon_end = max(horizon_end, event.starts_at + timedelta(seconds=1))
    longest_before = max((r.before for r in reminders if r.before is not None), default=timedelta(0))
    return PlanningWindow(start=now - PLAN_LOOKBACK, end=horizon_end + longest_before, horizon_end=horizon_end)


def plan_reminders(
    *,
    event_uid: str,
    occurrences: Sequence[EventOccurrence],
    window: PlanningWindow,
    now: datetime,
    series_id: int | None = None,
) -> ReminderPlan:
    """Every (occurrence, reminder, recipient) delivery due before ``window.horizon_end``.

    ``occurrences`` are those of one event in ``window`` (``domain.series``): a
    single event's one occurrence, or a series' computed occurrences and
    overrides (``series_id`` is then the master's id). Each occurrence is
    reminded with the reminders and participants of the event it shows (an
    override's own), a ``before`` reminder relative to its actual start; a
    series' ``at`` (absolute) reminder reminds once, of the first occurrence of
    the series starting after it. A delivery whose occurrence has started is
    *not creatable* (never sent for a past event) but stays in the plan so an
    existing pending row is left to the worker rather than cancelled; a
    reminder whose time has passed while its occurrence is still ahead is due
    at once.
    """
    planned: list[PlannedDelivery] = []
    absolute_taken: set[tuple[int | None, str]] = set()
    for occurrence in sorted(occurrences, key=lambda o: o.starts_at):
        shown = occurrence.event
        recipients = reminder_recipients(shown)
        in_series = occurrence.recurrence_id is not None
        rid_key = occurrence.key
        moved_from = rid_key if in_series and is_moved(occurrence) else None
        for reminder in shown.reminders:
            key = reminder_key(reminder)
            due = due_at_of(reminder, occurrence.starts_at)
            if reminder.at is not None and in_series and not shown.is_override:
                # Once per series: for the first computed occurrence after the instant (the window starts a
                # day back, so an instant inside it sees every occurrence after it).
                if reminder.at < window.start or occurrence.starts_at <= reminder.at:
                    continue
                if (shown.id, key) in absolute_taken:
                    continue
                absolute_taken.add((shown.id, key))
            if due >= window.horizon_end:
                continue
            channel = DeliveryChannel(reminder.channel.value)
            for recipient in recipients:
                delivery = Delivery(
                    id=reminder_delivery_id(
                        event_uid, occurrence.starts_at, key, recipient, channel, moved_from=moved_from
                    ),
                    channel=channel,
                    due_at=due,
                    event_id=shown.id,
                    series_id=series_id if in_series else None,
                    occurrence_start=occurrence.starts_at,
                    recurrence_key=rid_key,
                    reminder_key=key,
                    recipient_id=recipient,
                )
                planned.append(PlannedDelivery(delivery, creatable=occurrence.starts_at > now))
    return ReminderPlan(planned=planned, horizon_end=window.horizon_end)


def is_moved(occurrence: EventOccurrence) -> bool:
    """True when an override moved the occurrence away from its original start (its recurrence id)."""
    rid = occurrence.recurrence_id
    if rid is None:
        return False
    if isinstance(rid, datetime):
        return occurrence.starts_at != rid
    return utc_to_wall_clock(occurrence.starts_at, load_zone(occurrence.event.tzid)).date() != rid


def can_dismiss_popup(principal: Principal, delivery: Delivery) -> bool:
    """A popup is its recipient's alone, also for administrators: anyone else's is as unknown as an id never
    made (README "Due popup reminders")."""
    return delivery.channel is DeliveryChannel.POPUP and delivery.recipient_id == principal.user_id


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
    "PlanningWindow",
    "ReminderChannel",
    "ReminderPlan",
    "plan_reminders",
    "planning_window",
]
