"""What a channel is handed to deliver (an event or task reminder or an invitation to one person, or one webhook
message) and what it answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from almanac.domain.deliveries import Delivery
from almanac.domain.events import Event
from almanac.domain.task_reminders import TaskInstance, instance_at
from almanac.domain.tasks import Task
from almanac.domain.users import User
from almanac.domain.webhooks import Webhook


@dataclass(frozen=True)
class ReminderNotice:
    """Remind ``recipient`` of the occurrence of ``event`` starting at ``occurrence_start`` (UTC).

    For an occurrence of a series, ``event`` is the event the occurrence shows
    (the master, or the override that replaced it) and ``recurrence_key`` names
    the occurrence by its original start.
    """

    delivery: Delivery
    event: Event
    recipient: User

    @property
    def occurrence_start(self) -> datetime:
        return self.delivery.occurrence_start or self.event.starts_at

    @property
    def occurrence_end(self) -> datetime:
        duration: timedelta = self.event.ends_at - self.event.starts_at
        return self.occurrence_start + duration

    @property
    def recurrence_key(self) -> str | None:
        """The occurrence key (``YYYYMMDDTHHMMSSZ``, or ``YYYYMMDD`` all-day) when the event is a series."""
        return self.delivery.recurrence_key


@dataclass(frozen=True)
class TaskReminderNotice:
    """Remind ``recipient`` of ``task``: of its instance anchored at ``delivery.occurrence_start`` when the task
    recurs (``delivery.recurrence_key`` names it), else of the task itself."""

    delivery: Delivery
    task: Task
    recipient: User

    @property
    def instance(self) -> TaskInstance:
        """The start and due instants of the reminded instance (the task's own when it does not recur)."""
        if self.delivery.recurrence_key is None:
            return instance_at(self.task, None)
        return instance_at(self.task, self.delivery.occurrence_start, self.delivery.recurrence_key)

    @property
    def recurrence_key(self) -> str | None:
        return self.delivery.recurrence_key


@dataclass(frozen=True)
class InvitationNotice:
    """Invite ``attendee`` to ``event`` on behalf of ``organizer``; ``answer_links`` maps each answer
    (``yes``, ``no``, ``maybe``) to a signed URL that records it without signing in, valid until
    ``links_expire_at``. ``attendees`` are every participant with their answer, for the iCalendar copy."""

    delivery: Delivery
    event: Event
    organizer: User
    attendee: User
    attendees: tuple[tuple[User, str], ...] = ()
    answer_links: Mapping[str, str] = field(default_factory=dict)
    links_expire_at: datetime | None = None


@dataclass(frozen=True)
class WebhookNotice:
    """POST ``payload`` (JSON) to ``webhook``."""

    delivery: Delivery
    webhook: Webhook
    payload: Mapping[str, Any]


Notice = ReminderNotice | TaskReminderNotice | InvitationNotice | WebhookNotice


@dataclass(frozen=True)
class DeliveryReceipt:
    """The peer accepted the message; ``status_code`` for HTTP peers, ``detail`` for the record."""

    status_code: int | None = None
    detail: str | None = None


class DeliveryFailure(Exception):
    """The peer refused or could not be reached. ``permanent`` failures are not retried."""

    def __init__(self, reason: str, *, status_code: int | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code
        self.permanent = permanent
