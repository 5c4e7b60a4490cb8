"""The Back Office Calendar Event object as read back: a stored event, or one occurrence of a series.

The seed's properties are always present. The recurring-event properties are
present only when they say something, so a single timed event in UTC keeps the
seed's exact shape: ``timeZone`` unless the event is a single timed event in UTC,
``allDay`` when true, ``recurrence`` on a series, and ``seriesId``,
``recurrenceId``, ``originalStartDate`` on what stands for one occurrence of a
series (a stored override, or an item of an expanded list).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from almanac.api.backoffice_v2.schemas import EventRead
from almanac.api.wire import format_duration, format_instant
from almanac.domain.events import Event, Reminder
from almanac.domain.recurrence import RecurrenceId, format_occurrence_key
from almanac.domain.recurrence_zones import load_zone, utc_to_wall_clock
from almanac.services.events import EventView
from almanac.services.occurrence_pages import series_id_of
from almanac.services.occurrences import OccurrenceView


def event_read(view: EventView) -> EventRead:
    """A stored event: a single event, the master of a series (its first occurrence's times), or an override."""
    event = view.event
    assert event.id is not None
    extra: dict[str, Any] = {}
    if event.recurrence is not None and (lines := event.recurrence.to_lines(tzid=event.tzid)):
        extra["recurrence"] = lines
    if event.series_id is not None and event.recurrence_id is not None:
        extra["seriesId"] = event.series_id
        extra.update(_original(event.recurrence_id))
    return _read(view, event.id, event.starts_at, event.ends_at, extra)


def occurrence_read(found: OccurrenceView) -> EventRead:
    """One occurrence: named by its series' id, with its own times, showing the fields of the event it comes from.

    A computed occurrence shows its master; an overridden one, its override. A
    single event is its own only occurrence and reads as ``event_read`` does.
    """
    occurrence = found.occurrence
    extra: dict[str, Any] = {}
    if occurrence.recurrence_id is not None:
        extra["seriesId"] = series_id_of(occurrence)
        extra.update(_original(occurrence.recurrence_id))
    return _read(found.view, series_id_of(occurrence), occurrence.starts_at, occurrence.ends_at, extra)


def _read(view: EventView, event_id: int, starts_at: datetime, ends_at: datetime, extra: dict[str, Any]) -> EventRead:
    event = view.event
    assert event.created_at is not None and event.updated_at is not None
    if event.all_day or event.tzid != "UTC" or "seriesId" in extra or "recurrence" in extra:
        extra["timeZone"] = event.tzid
    if event.all_day:
        extra["allDay"] = True
    return EventRead(
        id=event_id,
        caption=event.summary,
        description=event.description,
        startDate=_moment(event, starts_at),
        endDate=_moment(event, ends_at),
        notifications=[_notification(r) for r in event.reminders],
        recipients=[user.email for user in view.participants],
        authorEmail=view.author.email,
        # Record timestamps in the Back Office house style: whole seconds.
        createTime=format_instant(event.created_at.replace(microsecond=0)),
        updateTime=format_instant(event.updated_at.replace(microsecond=0)),
        **extra,
    )


def _moment(event: Event, instant: datetime) -> str:
    """An instant in UTC; for an all-day event, the local date it is the midnight of (``2026-03-02``)."""
    if event.all_day:
        return utc_to_wall_clock(instant, load_zone(event.tzid)).date().isoformat()
    return format_instant(instant)


def _original(recurrence_id: RecurrenceId) -> dict[str, str]:
    """``recurrenceId`` (the occurrence key) and ``originalStartDate`` (the start it had in its series)."""
    original = format_instant(recurrence_id) if isinstance(recurrence_id, datetime) else recurrence_id.isoformat()
    return {"recurrenceId": format_occurrence_key(recurrence_id), "originalStartDate": original}


def _notification(reminder: Reminder) -> str:
    if reminder.before is not None:
        return format_duration(reminder.before)
    assert reminder.at is not None
    return format_instant(reminder.at)
