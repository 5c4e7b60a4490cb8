"""Events read as plain rows, with their participants and reminders fetched in one query each.

Why not ORM entities: loading an ``EventRow`` entity (identity map, attribute
instrumentation, two ``selectin`` relationship loads per batch) cost several times
the SQL itself on the list and CalDAV paths (measured: 50 events with participants
and reminders, ~5x). Reads that only turn rows into domain events select the
mapped columns instead. Those statements are still ORM-enabled, so the unit of
work's pending changes are flushed before they run, as before.

Writes keep using entities (``storage.events``): they need the unit of work's change tracking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from functools import cache, lru_cache
from typing import Any, Protocol

from sqlalchemy import Executable, Select, bindparam, select
from sqlalchemy.orm import Session

from almanac.domain.events import (
    Availability,
    EndForm,
    Event,
    Participant,
    Priority,
    Privacy,
    Reminder,
    ReminderChannel,
)
from almanac.domain.recurrence import Recurrence, RecurrenceId, parse_occurrence_key
from almanac.storage.tables import EventParticipantRow, EventReminderRow, EventRow

#: Every mapped column of ``events``, in table order: what a row needs to become an Event.
EVENT_COLUMNS = tuple(getattr(EventRow, column.key) for column in EventRow.__table__.columns)

#: A select of ``EVENT_COLUMNS`` (``select_events``).
EventSelect = Select[*tuple[Any, ...]]

#: Ids per IN list: well under SQLite's and PostgreSQL's bound-parameter limits.
_IDS_PER_QUERY = 900


class _ParticipantLike(Protocol):
    user_id: int
    status: str


class _ReminderLike(Protocol):
    before_seconds: int | None
    at: Any
    channel: str


def recurrence_id_of(key: str) -> RecurrenceId | None:
    """The stored occurrence key back as a recurrence id (keys are UTC, or dates for all-day series)."""
    if not key:
        return None
    return parse_occurrence_key(key, tzid="UTC", all_day=len(key) == len("YYYYMMDD"))


@lru_cache(maxsize=4096)
def _stored_recurrence(lines: str, tzid: str, all_day: bool) -> Recurrence:
    """A stored series' recurrence, parsed once per process for the same text: window queries read the same
    series on every request, and parsing was a tenth of a window read's time. Shared safely: a Recurrence and
    its parts are frozen."""
    # Stored lines carry UTC (or date) values, so the zone only matters for floating text, which is never stored.
    return Recurrence.from_lines(lines.splitlines(), tzid=tzid, all_day=all_day)


def event_of(row: Any, participants: Iterable[_ParticipantLike], reminders: Iterable[_ReminderLike]) -> Event:
    """A domain event from an ``events`` row (an entity or a plain row: the attribute names are the same)."""
    recurrence = _stored_recurrence(row.recurrence, row.tzid, row.all_day) if row.recurrence is not None else None
    return Event(
        id=row.id,
        key=row.key,
        uid=row.uid,
        calendar_id=row.calendar_id,
        author_id=row.author_id,
        summary=row.summary,
        description=row.description,
        location=row.location,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        tzid=row.tzid,
        all_day=row.all_day,
        recurrence=recurrence,
        recurrence_id=recurrence_id_of(row.recurrence_key),
        series_id=row.series_id,
        category_key=row.category_key,
        priority=Priority(row.priority),
        privacy=Privacy(row.privacy),
        availability=Availability(row.availability),
        participants=[Participant(user_id=p.user_id, status=p.status) for p in participants],
        reminders=[
            Reminder(
                before=timedelta(seconds=r.before_seconds) if r.before_seconds is not None else None,
                at=r.at,
                channel=ReminderChannel(r.channel),
            )
            for r in reminders
        ],
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        extra_properties=row.extra_ics,
        dav_name=row.dav_name,
        end_form=EndForm(row.end_form),
        class_stated=row.class_stated,
    )


# The two statements every event read runs, built once on first use: a statement object used again skips
# SQLAlchemy's construction and its cache-key computation (memoized on the object).


@cache
def _participants_query() -> Executable:
    return (
        select(EventParticipantRow.event_id, EventParticipantRow.user_id, EventParticipantRow.status)
        .where(EventParticipantRow.event_id.in_(bindparam("ids", expanding=True)))
        .order_by(EventParticipantRow.event_id, EventParticipantRow.position)
    )


@cache
def _reminders_query() -> Executable:
    return (
        select(
            EventReminderRow.event_id, EventReminderRow.before_seconds, EventReminderRow.at, EventReminderRow.channel
        )
        .where(EventReminderRow.event_id.in_(bindparam("ids", expanding=True)))
        .order_by(EventReminderRow.event_id, EventReminderRow.position)
    )


@cache
def select_events() -> EventSelect:
    """``SELECT`` of ``EVENT_COLUMNS``, the base of every event read (``load_events``).

    Built once: a Select is immutable, so each ``where``/``order_by`` makes a new one from it, and coercing
    the thirty columns again for each read (``select(EventRow).with_only_columns(...)``) cost more than the
    WHERE clause of a list read.
    """
    return select(*EVENT_COLUMNS)


def load_events(session: Session, query: EventSelect, params: Mapping[str, Any] | None = None) -> list[Event]:
    """The events ``query`` (``select_events()…``, with ``params`` for its unvalued bound parameters) finds,
    in its order."""
    return events_of_rows(session, session.execute(query, params).all())


def events_of_rows(session: Session, rows: Sequence[Any]) -> list[Event]:
    """Domain events for rows holding ``EVENT_COLUMNS``, with two more queries for all their people and alarms."""
    if not rows:
        return []
    participants: defaultdict[int, list[Any]] = defaultdict(list)
    reminders: defaultdict[int, list[Any]] = defaultdict(list)
    ids = sorted({row.id for row in rows})
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = {"ids": ids[start : start + _IDS_PER_QUERY]}
        for participant in session.execute(_participants_query(), chunk):
            participants[participant.event_id].append(participant)
        for reminder in session.execute(_reminders_query(), chunk):
            reminders[reminder.event_id].append(reminder)
    return [event_of(row, participants.get(row.id, ()), reminders.get(row.id, ())) for row in rows]
