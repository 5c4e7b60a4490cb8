"""Occurrences of stored events in a window: masters expanded, overrides in their slots, single events as they are.

This is the reference behaviour of every window query (RFC 5545 §3.8.5 with
§3.8.4.4 overrides): storage may prefilter candidates with its indexed span
columns, but what a window holds is decided here, from plain events, so the
fast path and the simple one cannot disagree (tests/contract checks both).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from almanac.domain.events import Event, schedule_of
from almanac.domain.recurrence import (
    RecurrenceId,
    RecurrenceLimits,
    expand,
    format_occurrence_key,
)
from almanac.domain.recurrence_zones import UTC


@dataclass(frozen=True)
class EventOccurrence:
    """One occurrence in a window.

    ``event`` is the stored event whose fields the occurrence shows: the master
    for a computed (virtual) occurrence, the override for a replaced one, the
    event itself for a single event. ``recurrence_id`` is the occurrence's
    original start (None for a single event); ``starts_at``/``ends_at`` are its
    actual UTC instants.
    """

    event: Event
    starts_at: datetime
    ends_at: datetime
    recurrence_id: RecurrenceId | None = None

    @property
    def is_virtual(self) -> bool:
        """True when the occurrence is computed from a master, not stored."""
        return self.recurrence_id is not None and not self.event.is_override

    @property
    def key(self) -> str | None:
        """The occurrence key (``YYYYMMDDTHHMMSSZ``, or ``YYYYMMDD`` all-day), None for a single event."""
        return None if self.recurrence_id is None else format_occurrence_key(self.recurrence_id)


def overlaps(starts_at: datetime, ends_at: datetime, window_start: datetime, window_end: datetime) -> bool:
    """The window rule of the whole server: starts before the end, ends after the start.

    A zero-length event at ``window_start`` counts (as in ``recurrence.expand``).
    """
    return starts_at < window_end and (ends_at > window_start or starts_at == window_start)


def occurrences_in_window(
    events: Iterable[Event],
    window_start: datetime,
    window_end: datetime,
    *,
    overridden: Mapping[int, Collection[RecurrenceId]] | None = None,
    limits: RecurrenceLimits | None = None,
) -> list[EventOccurrence]:
    """Every occurrence of ``events`` overlapping ``[window_start, window_end)``, sorted by start.

    ``events`` may mix single events, masters and overrides. ``overridden`` maps
    a master's id to the recurrence ids replaced by stored overrides: those
    slots are left to the overrides (which take part as ordinary events, found
    or not by their own timing). Overrides of masters absent from ``events``
    are included too. Raises what ``recurrence.expand`` raises (guard-rails).
    """
    replaced = overridden or {}
    found: list[EventOccurrence] = []
    for event in events:
        if event.is_series:
            assert event.id is not None, "a stored master has an id"
            expanded = expand(
                schedule_of(event),
                window_start,
                window_end,
                cancelled=replaced.get(event.id, ()),
                limits=limits,
            )
            found.extend(EventOccurrence(event, o.starts_at, o.ends_at, o.recurrence_id) for o in expanded)
        elif overlaps(event.starts_at, event.ends_at, window_start, window_end):
            found.append(EventOccurrence(event, event.starts_at, event.ends_at, event.recurrence_id))
    found.sort(key=lambda o: (o.starts_at, o.ends_at, o.event.key, o.key or ""))
    return found


def overridden_ids(events: Iterable[Event]) -> dict[int, set[RecurrenceId]]:
    """The ``overridden`` mapping of ``occurrences_in_window`` for a set of stored overrides."""
    replaced: dict[int, set[RecurrenceId]] = {}
    for event in events:
        if event.series_id is not None and event.recurrence_id is not None:
            rid = event.recurrence_id
            replaced.setdefault(event.series_id, set()).add(rid.astimezone(UTC) if isinstance(rid, datetime) else rid)
    return replaced
