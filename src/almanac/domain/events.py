"""Events, their participants and reminders, and the rules every event obeys whatever face wrote it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from almanac.domain.errors import N_, InvalidInputError, Problem
from almanac.domain.recurrence import (
    Recurrence,
    RecurrenceError,
    RecurrenceId,
    RecurrenceLimits,
    SeriesBounds,
    SeriesSchedule,
    series_bounds,
)
from almanac.domain.recurrence_zones import load_zone, utc_to_wall_clock


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


class EndForm(StrEnum):
    """How an event's iCalendar form states its end (RFC 5545 §3.6.1). Every face but CalDAV writes DTEND; a
    CalDAV client's DTSTART + DURATION, or its DTSTART alone, is served back in the same form."""

    DTEND = "dtend"
    DURATION = "duration"
    #: Neither DTEND nor DURATION: a date lasts the day, a date-time is an instant.
    IMPLIED = "implied"


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
    """One stored event: a single event, the master of a series, or an override of one occurrence.

    Instants are aware and kept in UTC beside ``tzid``, the IANA zone whose wall
    clock the event (and its recurrence rule) follows. An ``all_day`` event's
    ``starts_at`` and ``ends_at`` are local midnights of ``tzid`` (the end
    exclusive), so it spans whole days of that zone.

    A *master* carries a ``recurrence`` (RRULE, RDATE, EXDATE; RFC 5545
    §3.8.5) expanded from its start. An *override* (RFC 5545 RECURRENCE-ID,
    §3.8.4.4) is a stored event replacing one occurrence of a master: it has
    ``series_id`` (the master's id), the master's ``uid`` and ``recurrence_id``
    (the original start of the occurrence it replaces: a UTC datetime, or a date
    for an all-day series). Cancelled occurrences are EXDATEs of the master.

    ``extra_properties`` holds the raw, unfolded iCalendar content lines of what
    Almanac does not model (one per line, sub-components as BEGIN..END lines),
    re-emitted unchanged; ``dav_name`` is the name a CalDAV client gave the
    calendar object resource of a master (None: ``<uid>.ics``). ``end_form`` and
    ``class_stated`` keep what a CalDAV client's data left unsaid, so the object
    is served as it was stored: how the end was written, and whether CLASS was
    (absent, RFC 5545 §3.8.1.3 makes it PUBLIC); the REST faces never read them.
    """

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
    all_day: bool = False
    recurrence: Recurrence | None = None
    recurrence_id: RecurrenceId | None = None
    series_id: int | None = None
    category_key: str | None = None
    priority: Priority = Priority.NONE
    privacy: Privacy = Privacy.PRIVATE
    availability: Availability = Availability.BUSY
    participants: list[Participant] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    revision: int = 0
    extra_properties: str | None = None
    dav_name: str | None = None
    end_form: EndForm = EndForm.DTEND
    class_stated: bool = True

    def has_participant(self, user_id: int) -> bool:
        return any(p.user_id == user_id for p in self.participants)

    @property
    def is_series(self) -> bool:
        """True for the master of a series (it has a rule or extra dates)."""
        return self.recurrence is not None and self.recurrence.is_recurring

    @property
    def is_override(self) -> bool:
        """True for a stored event replacing one occurrence of a series."""
        return self.recurrence_id is not None


@dataclass(frozen=True)
class EventLimits:
    """Size limits every event obeys (settings, passed in by the composition root)."""

    max_summary_length: int = 1_000
    max_text_length: int = 10_000
    max_participants: int = 500
    max_reminders: int = 50
    recurrence: RecurrenceLimits = field(default_factory=RecurrenceLimits)


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
    check_series(event, limits.recurrence)


def schedule_of(event: Event) -> SeriesSchedule:
    """The event's timing as the recurrence engine sees it (a plain event is a series of one).

    An all-day event starts on the local date of ``starts_at`` in ``tzid`` and
    lasts whole days; any other starts at ``starts_at``. RecurrenceError when
    ``tzid`` is unknown.
    """
    recurrence = event.recurrence or Recurrence()
    if event.all_day:
        zone = load_zone(event.tzid)
        first, last = (utc_to_wall_clock(moment, zone).date() for moment in (event.starts_at, event.ends_at))
        return SeriesSchedule(first, last - first, event.tzid, recurrence)
    return SeriesSchedule(event.starts_at, event.ends_at - event.starts_at, event.tzid, recurrence)


def span_of(event: Event, limits: RecurrenceLimits) -> SeriesBounds:
    """When the event (every occurrence of a master) begins and ends; ``last_end`` None: never ends.

    Storage keeps these two instants as indexed columns so that a window query
    only expands the series that can reach the window.
    """
    if not event.is_series:
        return SeriesBounds(event.starts_at, event.ends_at)
    return _bounds(schedule_of(event), limits)


@lru_cache(maxsize=4096)
def _bounds(schedule: SeriesSchedule, limits: RecurrenceLimits) -> SeriesBounds:
    """``series_bounds`` of a whole series, remembered: a write checks a series (``check_series``) and then
    stores its span (``span_of``), which would walk the same rule twice; an import checks a batch of up to
    a thousand objects before it stores them. Both values are immutable."""
    return series_bounds(schedule, limits=limits)


def check_series(event: Event, limits: RecurrenceLimits) -> None:
    """Raise InvalidInputError (RecurrenceError/RecurrenceLimitError) when the event's timing cannot be a series.

    Checks the zone, that an all-day event spans whole local days, that an
    override does not recur itself, and that the recurrence expands within
    ``limits`` (frequency, COUNT, a rule that produces occurrences).
    """
    zone = load_zone(event.tzid)
    if event.all_day:
        for name, moment in (("starts_at", event.starts_at), ("ends_at", event.ends_at)):
            if utc_to_wall_clock(moment, zone).time() != time():
                raise InvalidInputError(
                    [Problem(name, "not_midnight", N_("An all-day event must start and end at midnight."))]
                )
        if event.ends_at <= event.starts_at:
            raise InvalidInputError(
                [Problem("ends_at", "end_before_start", N_("An all-day event must last at least one day."))]
            )
    if event.is_override and event.recurrence is not None and event.recurrence.is_recurring:
        raise RecurrenceError.about("recurrence", N_("An occurrence of a series cannot recur itself."))
    if event.is_series:
        try:
            schedule = schedule_of(event)
        except ValueError as exc:  # e.g. a date EXDATE on a timed series
            raise RecurrenceError.about(
                "recurrence", N_("The recurrence does not match the event: %(reason)s"), reason=str(exc)
            ) from exc
        _bounds(schedule, limits)
