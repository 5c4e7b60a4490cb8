"""Events, their participants and reminders, and the rules every event obeys whatever face wrote it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from almanac.domain.errors import N_, InvalidInputError, Problem


class Priority(StrEnum):
    NONE = "none"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Privacy(StrEnum):
    PRIVATE = "private"
    PUBLIC = "public"


class Availability(StrEnum):
    BUSY = "busy"
    AVAILABLE = "available"
    OUTSIDE = "outside"


class ReminderChannel(StrEnum):
    EMAIL = "email"
    POPUP = "popup"


@dataclass(frozen=True)
class Reminder:
    """When to remind: ``before`` the (occurrence) start, or ``at`` an absolute instant (exactly one is set)."""

    before: timedelta | None = None
    at: datetime | None = None
    channel: ReminderChannel = ReminderChannel.EMAIL

    def __post_init__(self) -> None:
        if (self.before is None) == (self.at is None):
            raise ValueError("a reminder has exactly one of 'before' and 'at'")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("a reminder instant must be timezone-aware")


@dataclass(frozen=True)
class Participant:
    """A user taking part in an event; ``status`` is the invitation answer ("", yes, no, maybe)."""

    user_id: int
    status: str = ""


@dataclass
class Event:
    """One event (later: the master of a series). Instants are aware and stored in UTC beside ``tzid``."""

    calendar_id: int
    author_id: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    id: int | None = None
    key: str = field(default_factory=lambda: new_event_key())
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    description: str | None = None
    location: str | None = None
    tzid: str = "UTC"
    category_key: str | None = None
    priority: Priority = Priority.NONE
    privacy: Privacy = Privacy.PRIVATE
    availability: Availability = Availability.BUSY
    participants: list[Participant] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    revision: int = 0

    def has_participant(self, user_id: int) -> bool:
        return any(p.user_id == user_id for p in self.participants)


@dataclass(frozen=True)
class EventLimits:
    """Size limits every event obeys (settings, passed in by the composition root)."""

    max_summary_length: int = 1_000
    max_text_length: int = 10_000
    max_participants: int = 500
    max_reminders: int = 50


def new_event_key() -> str:
    """An opaque id in eXo's shape: ``Event`` + 32 hex digits."""
    return "Event" + secrets.token_hex(16)


def check_event(event: Event, limits: EventLimits) -> None:
    """Raise InvalidInputError listing every rule the event breaks (all at once, not the first only)."""
    problems: list[Problem] = []
    if not event.summary.strip():
        problems.append(Problem("summary", "required", N_("The event name must not be empty.")))
    if len(event.summary) > limits.max_summary_length:
        problems.append(
            Problem(
                "summary",
                "too_long",
                N_("At most %(limit)s characters are allowed."),
                {"limit": limits.max_summary_length},
            )
        )
    for name in ("description", "location"):
        value = getattr(event, name)
        if value is not None and len(value) > limits.max_text_length:
            problems.append(
                Problem(
                    name, "too_long", N_("At most %(limit)s characters are allowed."), {"limit": limits.max_text_length}
                )
            )
    if event.starts_at.tzinfo is None or event.ends_at.tzinfo is None:
        raise ValueError("event instants must be timezone-aware")
    if event.ends_at < event.starts_at:
        problems.append(Problem("ends_at", "end_before_start", N_("The end must not be before the start.")))
    if len(event.participants) > limits.max_participants:
        problems.append(
            Problem(
                "participants",
                "too_many",
                N_("At most %(limit)s participants are allowed."),
                {"limit": limits.max_participants},
            )
        )
    if len(event.reminders) > limits.max_reminders:
        problems.append(
            Problem(
                "reminders", "too_many", N_("At most %(limit)s reminders are allowed."), {"limit": limits.max_reminders}
            )
        )
    if problems:
        raise InvalidInputError(problems)
